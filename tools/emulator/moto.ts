import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type FaultSettings, startFaultProxy } from './fault-proxy';

/** The launcher that serves moto with a movable IAM clock (see its docstring). */
const LAUNCHER = fileURLToPath(new URL('./moto_launcher.py', import.meta.url));
/** The launcher's own route that sets the IAM clock's offset. */
const CLOCK_ROUTE = '/_signing-cert-audit/iam-clock';

/** The emulator cannot start on this machine; the message is one line saying what to install. */
export class EmulatorUnavailableError extends Error {
  override readonly name = 'EmulatorUnavailableError';
}

/** A running moto server whose IAM clock can be moved for backdated uploads. */
export interface Moto {
  /**
   * `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`: a proxy in front of moto that adds every
   * call passing it to the record of calls (call-record.ts) and changes nothing else.
   */
  readonly endpoint: string;
  /** The server's process id (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  /** Stops the server; safe to call twice. */
  stop(): Promise<void>;
}

/** The environment variable naming the Python that has moto's server (default `python3`). */
export const MOTO_PYTHON_ENV = 'MOTO_PYTHON';

/**
 * What to do when moto is missing, in one line. A Python that refuses `pip install` into itself
 * (Debian 12 and Ubuntu 23.04 on: "externally-managed-environment") takes moto in a virtual
 * environment of its own, named by MOTO_PYTHON.
 */
export function motoInstallHint(python: string): string {
  return `moto's server is not installed for ${python}: install it in a virtual environment (python3 -m venv ~/.venvs/moto && ~/.venvs/moto/bin/pip install 'moto[server]') and export ${MOTO_PYTHON_ENV}=~/.venvs/moto/bin/python, or run pip install 'moto[server]' for ${python} where pip may install`;
}

/** The Python that has moto's server (`$MOTO_PYTHON`, else `python3`), or one line saying what to install. */
export function findEmulatorPython(env: NodeJS.ProcessEnv = process.env): string {
  const python = env[MOTO_PYTHON_ENV] || 'python3';
  const probe = spawnSync(python, ['-c', 'import moto.server, flask; print(moto.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.error || probe.status !== 0) {
    throw new EmulatorUnavailableError(motoInstallHint(python));
  }
  return python;
}

/**
 * Starts moto through the launcher on a free loopback port; resolves once it answers. moto exits
 * when its stdin closes, so a test runner that dies (even by SIGKILL) leaves no stray server.
 */
export async function startMoto({
  record = true,
  faults = {},
}: {
  /** Whether the front proxy adds the calls to the record (`npm run emulator` keeps none). */
  readonly record?: boolean;
  /** What the front proxy does to requests (`npm run emulator` refuses AssumeRole outside its organization). */
  readonly faults?: FaultSettings;
} = {}): Promise<Moto> {
  const python = findEmulatorPython();
  const child = spawn(python, [LAUNCHER], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // Every account id, region and credential is moto's default; nothing real is reachable.
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true', PYTHONUNBUFFERED: '1' },
  });
  let closeProxy = async () => {};
  const stop = once(async () => {
    await closeProxy();
    await terminate(child);
  });
  try {
    const port = await portOf(child);
    const direct = `http://127.0.0.1:${port}`;
    await waitUntilAnswering(direct);
    const proxy = await startFaultProxy(direct, faults, { record });
    closeProxy = () => proxy.close();
    return { endpoint: proxy.endpoint, pid: child.pid, stop };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}

/** Clears every account's state in moto (its own reset endpoint) and puts the IAM clock back. */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
  await setIamClock(endpoint, 0);
}

/**
 * Seeds moto's random generator (its own `/moto-api/seed` route): the ids it hands out next
 * (certificates, users, organization accounts) are then the same on every run of the same moto
 * version, as long as the requests that create them arrive in the same order.
 */
export async function seedMotoRandom(endpoint: string, seed: number): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/seed?a=${seed}`, { method: 'POST' });
  if (!response.ok)
    throw new Error(`moto's random generator was not seeded: HTTP ${response.status}`);
}

/**
 * Moves the clock moto's IAM stamps uploads with: `daysAgo` > 0 puts it that many days (fractions
 * allowed) in the past, 0 returns it to the present. Only IAM moves; every other service keeps
 * real time. Resolves once the launcher has applied it.
 */
export async function setIamClock(endpoint: string, daysAgo: number): Promise<void> {
  const response = await fetch(`${endpoint}${CLOCK_ROUTE}`, {
    method: 'POST',
    body: (-daysAgo * 86_400).toFixed(3),
  });
  if (!response.ok) {
    throw new Error(
      `moto's IAM clock was not set (HTTP ${response.status}); is ${endpoint} the launcher's server?`,
    );
  }
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
