#!/usr/bin/env node
// The `signing-cert-audit` command: runs bin/cli.ts through tsx (a dependency of a clone after
// `npm ci`), so the CLI runs the same TypeScript engine as the Lambda with no build step.
import { register } from 'tsx/esm/api';

register();
const { main, EXIT } = await import('./cli.ts');
try {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
} catch (error) {
  // Never exit 1 on a crash: 1 means "non-compliant certificates found" to a CI gate.
  process.stderr.write(`signing-cert-audit: unexpected failure: ${error?.stack ?? error}\n`);
  process.exitCode = EXIT.aws;
}
