#!/usr/bin/env node
// The `signing-cert-audit` command: runs bin/cli.ts through tsx (a dependency of a clone after
// `npm ci`), so the CLI runs the same TypeScript engine as the Lambda with no build step.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
