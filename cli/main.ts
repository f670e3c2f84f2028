import { readFileSync } from 'node:fs';
import { partitionOfRegion } from '../lambda/aws/security-hub';
import { ConfigError } from '../lambda/core/errors';
import { type CliOptions, EXIT, helpText, parseCliArgs, UsageError } from './args';
import type { CliIo } from './io';
import { runOrganization } from './org';
import { finish } from './output';
import { restore } from './restore';
import { runAccount } from './run';
import { wire } from './wiring';

export type { CliIo } from './io';

/**
 * Runs the command line: flags (args.ts) → wiring (wiring.ts) → one account's run (run.ts) or
 * several accounts' (org.ts) → the one output and exit logic (output.ts). Returns the exit
 * status instead of exiting, so tests can call it.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // `restore` undoes a run from its change record (restore.ts); anything else is an audit.
  if (argv[0] === 'restore') return restore(argv.slice(1), io);
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
  const wiring = await wire(options, io);
  if (typeof wiring === 'number') return wiring;
  const outcome = options.org
    ? // The caller's account is where STS and the archive are; each member is reached through its role.
      await runOrganization({ ...options, org: options.org }, io, {
        sts: wiring.sts,
        partition: partitionOfRegion(wiring.region),
        clientConfig: wiring.clientConfig,
        logger: wiring.logger,
        sinks: wiring.sinks,
        runId: wiring.runId,
        ...(wiring.changeRecord ? { changeRecord: wiring.changeRecord } : {}),
        ...(wiring.stop ? { stop: wiring.stop } : {}),
      })
    : await runAccount(options, io, wiring);
  return typeof outcome === 'number' ? outcome : finish(outcome, options, io);
}

function version(): string {
  const url = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
