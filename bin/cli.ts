import { randomUUID } from 'node:crypto';
import {
  accessSync,
  constants as fsConstants,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AuditLogger, type AuditProgress, runAudit } from '../lambda/audit';
import {
  type Config,
  MODES,
  POLICY_DEFAULTS,
  type Policy,
  parseConfig,
  parsePolicy,
  type RawSettings,
  SETTINGS,
  type SettingKey,
} from '../lambda/config';
import { AuditIncompleteError, ConfigError, describeError } from '../lambda/errors';
import { formatCsv, formatJson, formatSummary, formatTable } from '../lambda/format';
import { HTTP_TIMEOUTS } from '../lambda/http';
import { createIamClient } from '../lambda/iam';
import { createSnsClient, publishReport } from '../lambda/publish';
import { type Report, shouldPublish } from '../lambda/report';

/** Exit statuses, as `--help` documents them. */
export const EXIT = {
  /** Nothing non-compliant. */
  clean: 0,
  /** Non-compliant certificates (or a root certificate) found, unless `--fail-on none`. */
  nonCompliant: 1,
  /** Bad flags or configuration. */
  usage: 2,
  /** An AWS or network failure: a call failed, or some users could not be audited. */
  aws: 3,
  /** Stopped by SIGINT or SIGTERM; the partial report was written. */
  interrupted: 130,
} as const;

const FORMATS = ['table', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];
const FAIL_ON = ['non-compliant', 'none'] as const;

/** What the CLI talks to: its streams and environment, injected so tests need no process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: no new change starts, and the partial report is written. */
  readonly interrupt?: AbortSignal;
  /** Client settings for tests (an endpoint, short timeouts); users set them through AWS's own sources. */
  readonly clientOverrides?: Readonly<Record<string, unknown>>;
}

/** The policy flags, each mirroring a setting of lambda/config.ts. */
const POLICY_FLAGS = [
  'maxAgeDays',
  'mode',
  'deleteAfterDays',
  'warnBeforeDays',
  'userPathPrefix',
  'exemptTagKey',
  'maxOverrideDays',
  'maxActionsPerRun',
  'concurrency',
] as const satisfies readonly SettingKey[];

const OPTIONS = {
  ...Object.fromEntries(
    POLICY_FLAGS.map((key) => [SETTINGS[key].flag, { type: 'string' as const }]),
  ),
  apply: { type: 'boolean' },
  'as-of': { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  publish: { type: 'boolean' },
  'topic-arn': { type: 'string' },
  'fail-on': { type: 'string' },
  profile: { type: 'string' },
  region: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** A bad flag: the message names it and says what is allowed. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Everything the flags decided, validated. */
export interface CliOptions {
  readonly policy: Policy;
  readonly apply: boolean;
  readonly asOf: Date | undefined;
  readonly format: Format;
  readonly output: string | undefined;
  /** Set when `--publish` was given: where to publish. */
  readonly publishTo: Config | undefined;
  readonly failOn: (typeof FAIL_ON)[number];
  readonly profile: string | undefined;
  readonly region: string | undefined;
  readonly help: boolean;
  readonly version: boolean;
}

/** Parses and validates the flags; throws a UsageError or ConfigError naming the bad flag. */
export function parseCliArgs(argv: readonly string[], io: CliIo): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true }));
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const text = (name: string) => values[name] as string | undefined;
  const raw: RawSettings = {};
  for (const key of POLICY_FLAGS) raw[key] = text(SETTINGS[key].flag);
  const policy = parsePolicy(raw, 'flag');

  const format = oneOf('--format', text('format'), FORMATS) ?? (io.stdout.isTTY ? 'table' : 'json');
  const failOn = oneOf('--fail-on', text('fail-on'), FAIL_ON) ?? 'non-compliant';
  const apply = values.apply === true;
  const asOf = parseAsOf(text('as-of'), new Date());
  if (asOf !== undefined && apply) {
    throw new UsageError(
      '--as-of cannot be combined with --apply: a forecast for another moment never changes anything',
    );
  }
  let publishTo: Config | undefined;
  if (text('topic-arn') !== undefined && values.publish !== true) {
    throw new UsageError(
      '--topic-arn is only read with --publish: add --publish to send the report there',
    );
  }
  const output = text('output');
  if (output !== undefined) checkOutput(output);
  if (values.publish === true) {
    const topicArn = text('topic-arn') ?? io.env.TOPIC_ARN;
    if (topicArn === undefined) {
      throw new UsageError('--publish needs --topic-arn (or TOPIC_ARN): where to send the report');
    }
    publishTo = parseConfig({ ...raw, topicArn }, 'flag');
  }
  return {
    policy,
    apply,
    asOf,
    format,
    output,
    publishTo,
    failOn,
    profile: text('profile'),
    region: text('region'),
    help: values.help === true,
    version: values.version === true,
  };
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]) {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(
    `${flag}=${JSON.stringify(value)} is not allowed: expected one of ${allowed.join(', ')}`,
  );
}

function parseAsOf(value: string | undefined, now: Date): Date | undefined {
  if (value === undefined) return undefined;
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(value);
  // A time without an offset is read as UTC, like a date alone, never in the machine's zone.
  const utc = match?.[4] !== undefined && match[7] === undefined ? `${value}Z` : value;
  const date = new Date(utc);
  // Date.parse rolls 2027-02-30 over to March; a calendar date must exist as written.
  const [, year, month, day] = match ?? [];
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const exists =
    calendar.getUTCFullYear() === Number(year) &&
    calendar.getUTCMonth() === Number(month) - 1 &&
    calendar.getUTCDate() === Number(day);
  if (!match || !exists || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--as-of=${JSON.stringify(value.slice(0, 60))} is not allowed: expected a date such as 2027-01-01 or 2027-01-01T06:00:00Z (a time without an offset is UTC)`,
    );
  }
  if (date.getTime() < now.getTime()) {
    throw new UsageError(
      `--as-of=${JSON.stringify(value)} is in the past: a run sees certificates as they are now, so history cannot be reconstructed; give a future moment, or leave --as-of out to evaluate now`,
    );
  }
  return date;
}

/** Refuses an --output that cannot be written, before the run makes any change. */
function checkOutput(output: string): void {
  if (output.trim() === '') {
    throw new UsageError('--output="" is not allowed: expected a file path');
  }
  const problem = (reason: string) =>
    new UsageError(`--output=${JSON.stringify(output)} cannot be written: ${reason}`);
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(output);
  } catch {
    stats = undefined;
  }
  if (stats?.isDirectory()) throw problem('it is a directory');
  try {
    accessSync(stats ? output : dirname(resolvePath(output)), fsConstants.W_OK);
  } catch (error: unknown) {
    throw problem(describeError(error).message);
  }
}

/** `--help`: every flag with its default. */
export function helpText(): string {
  const d = POLICY_DEFAULTS;
  return `Usage: signing-cert-audit [flags]

Audits every IAM user's X.509 signing certificates against an age policy, with the same engine
as the scheduled Lambda. In deactivate or delete mode it prints the plan and changes nothing
unless --apply is given.

Policy:
  --max-age-days N        a certificate older than N days is non-compliant (default ${d.maxAgeDays})
  --mode MODE             ${MODES.join(' | ')} (default ${d.mode}); delete mode never deletes an
                          Active certificate: it deactivates it, and a later run deletes it
  --delete-after-days N   delete mode: delete an Inactive certificate past N days (default: max age)
  --warn-before-days N    report EXPIRING_SOON within N days of the max age (default ${d.warnBeforeDays})
  --path-prefix PATH      audit only users under this IAM path (default ${d.userPathPrefix})
  --exempt-tag KEY        a user tagged KEY=true is exempt (default ${d.exemptTagKey})
  --max-override-days N   the longest maximum age a user's signing-cert-audit:max-age-days tag may
                          set; a longer one is refused (an ERROR) and the account's applies
                          (default ${d.maxOverrideDays})
  --max-actions N         make no change if more than N are planned (default ${d.maxActionsPerRun})
  --concurrency N         users scanned at once (default ${d.concurrency})

Run:
  --apply                 carry out the plan (deactivate/delete mode); without it nothing changes
  --as-of DATE            evaluate at a future moment, e.g. 2027-01-01 or 2027-01-01T06:00 (UTC
                          unless an offset is given; default: now); never with --apply
  --format FORMAT         table | json | csv (default: table on a terminal, json otherwise)
  --output FILE           write the report to FILE instead of standard output
  --publish               send the report to the SNS topic, exactly as the Lambda does
  --topic-arn ARN         the topic for --publish (default: $TOPIC_ARN); only with --publish
  --fail-on WHAT          non-compliant | none: exit 1 on non-compliant certificates (default non-compliant)

AWS (the standard sources: default credential chain, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL):
  --profile NAME          the shared-config profile to use (default: $AWS_PROFILE or default)
  --region REGION         the region for IAM and SNS calls (default: $AWS_REGION or the profile's)

  -h, --help              show this help
  --version               show the version

Exit status: 0 nothing non-compliant; 1 non-compliant certificates found (or a root signing
certificate, or a tag the auditor could not use); 2 bad flags or configuration (no region
included); 3 an AWS or network failure, or users that could not be audited; 130 interrupted
(Ctrl-C or SIGTERM: no new change starts, calls in flight finish, and the partial report is
written with complete=false; a second Ctrl-C quits at once).
`;
}

function version(): string {
  const url = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** Runs the command line; returns the exit status instead of exiting, so tests can call it. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv, io);
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
  return audit(options, io);
}

async function audit(options: CliOptions, io: CliIo): Promise<number> {
  const clientConfig = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...io.clientOverrides,
  };
  const fail = (call: string, error: unknown) => {
    const { code, message } = describeError(error);
    io.stderr.write(`signing-cert-audit: ${call} failed: ${code}: ${message}\n`);
    return EXIT.aws;
  };
  const sts = new STSClient({ requestHandler: HTTP_TIMEOUTS, ...clientConfig });
  try {
    await sts.config.region();
  } catch {
    // Without a region no call can be made: a usage problem, not an AWS failure.
    io.stderr.write(
      'signing-cert-audit: no AWS region is set: pass --region (or set AWS_REGION, or a region in the profile)\n',
    );
    return EXIT.usage;
  }
  let accountId: string;
  try {
    accountId = (await sts.send(new GetCallerIdentityCommand({}))).Account ?? 'unknown';
  } catch (error: unknown) {
    return fail('GetCallerIdentity (finding the account and checking the credentials)', error);
  }
  if (io.interrupt?.aborted) {
    io.stderr.write(
      'signing-cert-audit: interrupted before the audit started; nothing was changed\n',
    );
    return EXIT.interrupted;
  }

  const progress = io.stderr.isTTY ? progressBar(io) : undefined;
  const dryRun = !options.apply || options.asOf !== undefined;
  let report: Report;
  let status: number = EXIT.clean;
  try {
    report = await runAudit(
      {
        iam: createIamClient(clientConfig),
        logger: stderrLogger(io),
        now: options.asOf ?? new Date(),
        runId: randomUUID(),
        accountId,
        onProgress: progress?.update,
        stop: io.interrupt,
      },
      options.policy,
      { dryRun },
    );
  } catch (error: unknown) {
    progress?.done();
    if (!(error instanceof AuditIncompleteError)) throw error;
    io.stderr.write(`signing-cert-audit: ${error.message}\n`);
    report = error.report;
    status = EXIT.aws;
  }
  progress?.done();

  const rendered =
    options.format === 'csv'
      ? formatCsv(report)
      : options.format === 'table'
        ? formatTable(report)
        : formatJson(report);
  if (options.output) {
    try {
      writeFileSync(options.output, rendered);
    } catch (error: unknown) {
      // The report is not lost: it goes to standard output instead.
      io.stdout.write(rendered);
      io.stderr.write(
        `signing-cert-audit: --output=${JSON.stringify(options.output)} could not be written (${describeError(error).message}); the report went to standard output\n`,
      );
      status = Math.max(status, EXIT.usage);
    }
  } else io.stdout.write(rendered);

  if (options.publishTo && shouldPublish(report)) {
    try {
      await publishReport(
        createSnsClient(options.publishTo.topicArn, clientConfig),
        options.publishTo.topicArn,
        report,
      );
      io.stderr.write(`Published the report to ${options.publishTo.topicArn}.\n`);
    } catch (error: unknown) {
      status = Math.max(status, fail('Publish', error));
    }
  } else if (options.publishTo) {
    io.stderr.write(
      'Nothing was published: the run was clean, and a clean run is only logged, as the Lambda does.\n',
    );
  }

  io.stderr.write(`${describeRun(report, options, dryRun)}\n${formatSummary(report.summary)}\n`);
  if (!report.complete && io.interrupt?.aborted) {
    io.stderr.write(
      `signing-cert-audit: interrupted: ${report.incompleteReason}. The report above says what was really done.\n`,
    );
    return EXIT.interrupted;
  }
  // Exit 3 means an AWS call failed; an ERROR about IAM data (an unusable tag) is a finding.
  const failed = report.findings.filter((f) => f.error !== null);
  if (failed.length > 0) {
    const [first] = failed;
    io.stderr.write(
      `signing-cert-audit: ${failed.length} AWS call(s) failed, e.g. ${first?.userName}: ${first?.error?.code}: ${first?.error?.message}\n`,
    );
    status = EXIT.aws;
  }
  if (status !== EXIT.clean) return status;
  const needsAttention =
    report.summary.nonCompliant +
    report.summary.rootSigningCertificate +
    report.findings.filter((f) => f.verdict === 'ERROR').length;
  return needsAttention > 0 && options.failOn === 'non-compliant' ? EXIT.nonCompliant : EXIT.clean;
}

function describeRun(report: Report, options: CliOptions, dryRun: boolean): string {
  const at = options.asOf ? ` as of ${report.evaluatedAt}` : '';
  const head = `Account ${report.accountId}, ${options.policy.mode} mode${at}.`;
  const planned = report.findings.filter((f) => f.plannedAction !== null);
  if (!dryRun || options.policy.mode === 'report') return head;
  const count = (action: string) => planned.filter((f) => f.plannedAction === action).length;
  const how = options.asOf
    ? 'a forecast never changes anything'
    : 'run again with --apply to carry it out';
  return `${head} Plan: deactivate ${count('DEACTIVATE')}, delete ${count('DELETE')}. Nothing was changed: ${how}.`;
}

function stderrLogger(io: CliIo): AuditLogger {
  const write = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    io.stderr.write(`${level}: ${message} ${JSON.stringify(attributes)}\n`);
  };
  return { info: () => undefined, warn: write('warning'), error: write('error') };
}

function progressBar(io: CliIo) {
  let last = '';
  return {
    update({ usersListed, usersScanned, listingDone }: AuditProgress) {
      const total = listingDone ? `${usersListed}` : `${usersListed}+`;
      const line = `\rScanning users: ${usersScanned}/${total}`;
      if (line !== last) io.stderr.write(line);
      last = line;
    },
    done() {
      if (last !== '') io.stderr.write('\n');
      last = '';
    },
  };
}
