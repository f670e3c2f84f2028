#!/usr/bin/env node
// The `signing-cert-audit` command: runs bin/cli.ts through tsx (a dependency of a clone after
// `npm ci`), so the CLI runs the same TypeScript engine as the Lambda with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
