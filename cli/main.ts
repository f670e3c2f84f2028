import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../lambda/core/errors';
import { type CliOptions, EXIT, parseCliArgs } from './args';
import { UsageError } from './flags';
import { helpText } from './help';
import type { CliIo } from './io';

export type { CliIo } from './io';

/**
 * Runs the command line: flags (args.ts) → wiring (wiring.ts) → one account's run (run.ts) or
 * several accounts' (org.ts) → the one output and exit logic (output.ts). Returns the exit
 * status instead of exiting, so tests can call it. What runs an audit (the SDK clients, the
 * engine) is loaded once the flags are known to be good: `--help`, `--version` and a mistyped
 * flag answer at once.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // `restore` undoes a run from its change record (restore.ts); anything else is an audit.
  if (argv[0] === 'restore') {
    const { restore } = await import('./restore/run');
    return restore(argv.slice(1), io);
  }
  // `report` re-renders a saved JSON report (report/run.ts): no AWS client, no call.
  if (argv[0] === 'report') {
    const { report } = await import('./report/run');
    return report(argv.slice(1), io);
  }
  let options: CliOptions;
  try {
    options = parseCliArgs(argv, { env: io.env, stdoutIsTTY: io.stdout.isTTY === true });
  } catch (error: unknown) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(`signing-cert-audit: ${error.message}\nRun with --help for every flag.\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (options.help) {
    io.stdout.write(helpText());
    return EXIT.clean;
  }
  if (options.version) {
    io.stdout.write(`${version()}\n`);
    return EXIT.clean;
  }
  if (options.exemptionsFile !== undefined) {
    // Read before any AWS call, and only when asked: the YAML parser stays out of every other run.
    const { readExemptionsFile } = await import('../lambda/core/exemptions-file');
    try {
      const exemptions = readExemptionsFile(options.exemptionsFile, {
        now: new Date(),
        maxExemptionDays: options.policy.maxExemptionDays,
      });
      options = { ...options, exemptions };
    } catch (error: unknown) {
      if (!(error instanceof ConfigError)) throw error;
      io.stderr.write(`signing-cert-audit: ${error.message}\n`);
      return EXIT.usage;
    }
  }
  const [{ wire }, { finish }] = await Promise.all([import('./wiring'), import('./output')]);
  const wiring = await wire(options, io);
  if (typeof wiring === 'number') return wiring;
  let outcome: Parameters<typeof finish>[0];
  if (options.org) {
    const [{ runOrganization }, { partitionOfRegion }] = await Promise.all([
      import('./org'),
      import('../lambda/aws/partition'),
    ]);
    // The caller's account is where STS and the archive are; each member is reached through its role.
    const run = await runOrganization({ ...options, org: options.org }, io, {
      sts: wiring.sts,
      partition: partitionOfRegion(wiring.region),
      clientConfig: wiring.clientConfig,
      logger: wiring.logger,
      sinks: wiring.sinks,
      runId: wiring.runId,
      ...(wiring.changeRecord ? { changeRecord: wiring.changeRecord } : {}),
      ...(wiring.stop ? { stop: wiring.stop } : {}),
    });
    if (typeof run === 'number') return run;
    outcome = run;
  } else {
    const { runAccount } = await import('./run');
    outcome = await runAccount(options, io, wiring);
  }
  return finish(outcome, options, io);
}

/** The package's version: its package.json is two folders up once compiled (dist/cli/), one in the sources. */
function version(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    const url = new URL(candidate, import.meta.url);
    if (!existsSync(url)) continue;
    const manifest = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version: string };
    if (manifest.name === 'signing-cert-audit') return manifest.version;
  }
  return 'unknown';
}
