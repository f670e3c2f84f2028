#!/usr/bin/env node
// The `signing-cert-audit` command: runs bin/cli.ts through tsx (a dependency of a clone after
// `npm ci`), so the CLI runs the same TypeScript engine as the Lambda with no build step.
import { register } from 'tsx/esm/api';

// The SDK warns on every client built on Node 20, which this tool supports; the warning would
// print on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `… | head -1` closes the pipe early: stop writing to it and end quietly, not with a stack
// trace and exit 1 (which means "non-compliant certificates found").
let stdoutClosed = false;
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutClosed = true;
});
const stdout = {
  write: (text) => (stdoutClosed ? true : process.stdout.write(text)),
  get isTTY() {
    return process.stdout.isTTY;
  },
};

// Ctrl-C or SIGTERM: start no new change, let the calls in flight finish, write the partial
// report, exit 130. A second signal quits at once.
const interrupt = new AbortController();
const onSignal = (signal) => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort(`${signal} received`);
  process.stderr.write(
    `\nsigning-cert-audit: ${signal}: finishing the calls in flight; no new change will start. The partial report follows (${signal} again to quit at once).\n`,
  );
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

register();
const { main, EXIT } = await import('./cli.ts');
try {
  process.exitCode = await main(process.argv.slice(2), {
    stdout,
    stderr: process.stderr,
    env: process.env,
    interrupt: interrupt.signal,
  });
} catch (error) {
  // Never exit 1 on a crash: 1 means "non-compliant certificates found" to a CI gate.
  process.stderr.write(`signing-cert-audit: unexpected failure: ${error?.stack ?? error}\n`);
  process.exitCode = EXIT.aws;
}
