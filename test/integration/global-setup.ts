import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { beginCallRecord } from '../../tools/emulator/call-record';
import { startMoto } from '../../tools/emulator/moto';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The moto server every integration test file talks to. */
    motoEndpoint: string;
  }
}

/** Set to 1 when dist/ was built from these sources already: the run does not build it again. */
const PREBUILT_ENV = 'SIGNING_CERT_AUDIT_PREBUILT';

/**
 * Starts one moto server for the whole integration run and stops it at the end, also when a test
 * fails. If moto is missing, this throws one line saying what to install, and the
 * run fails: the suite is never silently skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The suites run the CLI as it ships, compiled (dist/bin/cli.js), and the functions' pre-built
  // handlers (dist/handlers/), as the constructs deploy them: both built from these sources first,
  // unless the caller built them already and says so (CI, whose two emulator runs at once must not
  // rewrite the bundles one of them is running).
  for (const script of ['scripts/build-handlers.ts', 'scripts/build-package.ts']) {
    if (process.env[PREBUILT_ENV] === '1') break;
    execFileSync(process.execPath, ['--import', 'tsx', script, '--quiet'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: 'inherit',
    });
  }
  // The suite's calls are recorded for the permissions proof (test/permissions/): this run's only.
  beginCallRecord('integration');
  const moto = await startMoto();
  project.provide('motoEndpoint', moto.endpoint);
  return moto.stop;
}
