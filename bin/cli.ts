#!/usr/bin/env node
import { writeSync } from 'node:fs';
import { EXIT, unsupportedNode } from '../cli/args';
import { main } from '../cli/main';

// The `signing-cert-audit` command's entry point: the process around cli/main.ts.

// The Node.js versions the package supports (package.json's engines, which CI proves): on an
// older one, say so and stop, rather than fail somewhere inside.
const unsupported = unsupportedNode(process.version);
if (unsupported) {
  process.stderr.write(`signing-cert-audit: ${unsupported}\n`);
  process.exit(EXIT.usage);
}

// `… | head -1` closes the pipe early: stop writing to it and end quietly, not with a stack
// trace and exit 1 (which means "non-compliant certificates found").
let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutClosed = true;
});
const stdout = {
  write: (text: string) => (stdoutClosed ? true : process.stdout.write(text)),
  get isTTY() {
    return process.stdout.isTTY;
  },
};

// Ctrl-C or SIGTERM: start no new change, let the calls in flight finish, write the partial
// report, exit 130. A second signal quits at once, saying first what the run registered: its
// id, where its changes are recorded and how to undo them (written synchronously: the process
// ends on the next line).
const interrupt = new AbortController();
let lastWords: (() => string) | undefined;
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupt.signal.aborted) {
    if (lastWords) {
      try {
        writeSync(2, `\n${lastWords()}\n`);
      } catch {
        // stderr is gone: nothing more can be said.
      }
    }
    process.exit(EXIT.interrupted);
  }
  interrupt.abort(`${signal} received`);
  process.stderr.write(
    `\nsigning-cert-audit: ${signal}: finishing the calls in flight; no new change will start. The partial report follows (${signal} again to quit at once).\n`,
  );
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  process.exitCode = await main(process.argv.slice(2), {
    stdout,
    stderr: process.stderr,
    env: process.env,
    interrupt: interrupt.signal,
    atForcedExit: (words) => {
      lastWords = words;
    },
  });
} catch (error: unknown) {
  // Never exit 1 on a crash: 1 means "non-compliant certificates found" to a CI gate.
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`signing-cert-audit: unexpected failure: ${text}\n`);
  process.exitCode = EXIT.aws;
}
