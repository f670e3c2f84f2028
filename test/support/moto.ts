import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's libfaketime package puts the multi-threaded library moto needs. */
const LIBFAKETIME_CANDIDATES = [
  process.env.LIBFAKETIME,
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/faketime/libfaketimeMT.so.1',
  '/usr/local/lib/faketime/libfaketimeMT.so.1',
];

/** The emulator cannot start on this machine; the message is one line saying what to install. */
export class EmulatorUnavailableError extends Error {
  override readonly name = 'EmulatorUnavailableError';
}

/** A running moto server, with a clock that can be moved for backdated uploads. */
export interface Moto {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  /** The libfaketime timestamp file moto reads on every clock call. */
  readonly clockFile: string;
  /** Stops the server and removes its clock file; safe to call twice. */
  stop(): Promise<void>;
}

/** The Python that has moto, and the libfaketime library, or one line saying what is missing. */
export function findEmulatorPrerequisites(): { python: string; libfaketime: string } {
  const python = process.env.MOTO_PYTHON ?? 'python3';
  const probe = spawnSync(python, ['-c', 'import moto.server, flask; print(moto.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.error || probe.status !== 0) {
    throw new EmulatorUnavailableError(
      `moto server is not installed for ${python}: run pip install 'moto[server]' (or set MOTO_PYTHON to a Python that has it)`,
    );
  }
  return { python, libfaketime: findLibfaketime() };
}

/** The multi-threaded libfaketime library, or one line saying how to install it. */
export function findLibfaketime(): string {
  const libfaketime = LIBFAKETIME_CANDIDATES.find((path) => path && existsSync(path));
  if (!libfaketime) {
    throw new EmulatorUnavailableError(
      'libfaketime is not installed: run apt-get install libfaketime (or brew install libfaketime, and set LIBFAKETIME to its libfaketimeMT library)',
    );
  }
  return libfaketime;
}

// moto exits when its stdin closes, so a test runner that dies (even by SIGKILL) never leaves a
// stray server behind: the pipe closes with the parent and the watcher thread ends the process.
const SERVER_SCRIPT = `
import os, sys, threading
def watch():
    sys.stdin.read()
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from moto.server import main
main(["-H", "127.0.0.1", "-p", "0"])
`;

/** Starts moto on a free loopback port under libfaketime; resolves once it answers. */
export async function startMoto(): Promise<Moto> {
  const { python, libfaketime } = findEmulatorPrerequisites();
  const dir = mkdtempSync(join(tmpdir(), 'signing-cert-audit-moto-'));
  const clockFile = join(dir, 'faketime');
  writeFileSync(clockFile, '+0');
  const child = spawn(python, ['-c', SERVER_SCRIPT], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      LD_PRELOAD: libfaketime,
      FAKETIME_TIMESTAMP_FILE: clockFile,
      FAKETIME_NO_CACHE: '1',
      // The monotonic clock is faked too (no FAKETIME_DONT_FAKE_MONOTONIC): left real, libfaketime
      // rereads the clock file thousands of times per request and moto answers 10x slower. The
      // price: SQS long polling never returns under a faked clock, so never long-poll this server.
      // Every account id, region and credential is moto's default; nothing real is reachable.
      MOTO_ALLOW_NONEXISTENT_REGION: 'true',
    },
  });
  const stop = once(async () => {
    await terminate(child);
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    const port = await portOf(child);
    const endpoint = `http://127.0.0.1:${port}`;
    await waitUntilAnswering(endpoint);
    return { endpoint, clockFile, stop };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}

/** Clears every account's state in moto (its own reset endpoint). */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}

/**
 * Moves moto's clock: `daysAgo` > 0 puts it that many days (fractions allowed) in the past,
 * 0 returns it to the present. libfaketime reads the file on every call (FAKETIME_NO_CACHE).
 */
export function setMotoClock(clockFile: string, daysAgo: number): void {
  // Signed seconds with a dot: libfaketime rejects a comma and an exponent.
  const offset = daysAgo === 0 ? '+0' : `-${(daysAgo * 86_400).toFixed(3)}`;
  writeFileSync(clockFile, offset);
}

function portOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    let started = false;
    const timer = setTimeout(
      () => reject(new Error(`moto did not start within 30 s; it printed:\n${output}`)),
      30_000,
    );
    // The listener stays attached for the server's life: moto logs every request, and an
    // undrained pipe would fill up and stall it.
    const onData = (chunk: Buffer) => {
      if (started) return;
      output += chunk.toString();
      const match = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match?.[1]) {
        started = true;
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto exited with code ${code} before it started; it printed:\n${output}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function waitUntilAnswering(endpoint: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch (error: unknown) {
      if (Date.now() > deadline)
        throw new Error(`moto at ${endpoint} never answered`, { cause: error });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= action();
    return done;
  };
}
