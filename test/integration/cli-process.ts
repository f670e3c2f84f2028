import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { recordSession } from '../../tools/emulator/call-record';
import { EMULATOR_ENV } from '../../tools/emulator/emulator';
import { endpoint as motoEndpoint, sessionFor, testLabel } from './harness';

/** The real command, as `npx signing-cert-audit` runs it: the compiled CLI (the global setup builds it). */
export const CLI = join(import.meta.dirname, '../../dist/bin/cli.js');

/** What a run of the command left: its exit status and both streams. */
export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where the command's calls go (moto, or a fault proxy in front of it) and what is added to its environment. */
export interface CliTarget {
  readonly endpoint?: string;
  readonly env?: Record<string, string>;
}

/**
 * The CLI's environment as an operator's session in the record of calls: new credentials, or,
 * for a terminal signed in to a member account, those credentials recorded as the operator's.
 */
export function operatorEnv(
  args: readonly string[],
  env: Record<string, string>,
): Record<string, string> {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_ACCESS_KEY_ID !== EMULATOR_ENV.AWS_ACCESS_KEY_ID) {
    recordSession('operator', env, testLabel(), args, env.AWS_ACCESS_KEY_ID);
    return env;
  }
  return { ...env, ...sessionFor('operator', env, args) };
}

function processEnv(args: readonly string[], target: CliTarget): Record<string, string> {
  return operatorEnv(args, {
    PATH: process.env.PATH ?? '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...EMULATOR_ENV,
    AWS_ENDPOINT_URL: target.endpoint ?? motoEndpoint,
    ...target.env,
  });
}

/** Runs the real command in its own process, as a user's shell would. */
export function runCli(args: readonly string[], target: CliTarget = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: processEnv(args, target), timeout: 60_000 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

/** Starts the real command without waiting for it, so a test can signal or kill it mid-run. */
export function startCli(args: readonly string[], target: CliTarget = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env: processEnv(args, target) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ status: code ?? (signal ? 128 : -1), stdout, stderr }),
    );
  });
  return { child: child as ChildProcess, done };
}
