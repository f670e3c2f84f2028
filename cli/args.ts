import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { changeRecordProblem } from '../lambda/core/change-record';
import { describeError } from '../lambda/core/errors';
import type { ExemptionList } from '../lambda/core/exemptions';
import type { ListingCriteria } from '../lambda/core/listing-filter';
import type { Summary } from '../lambda/core/report';
import {
  type Config,
  type Policy,
  parsePolicy,
  parseSetting,
  SETTINGS,
  valuesFrom,
} from '../lambda/core/settings';
import {
  AWS_FLAGS,
  type FAIL_ON,
  FILE_FORMATS,
  type FileFormat,
  type Format,
  type GivenFlags,
  ORG_FILE_FORMATS,
  POLICY_FLAGS,
  RUN_FLAGS,
  readFlags,
  UsageError,
} from './flags';
import { holdsChangeRecord, sameFile } from './paths';

/** Exit statuses, as `--help` documents them. */
export const EXIT = {
  /** No failing finding. */
  clean: 0,
  /** A failing finding (the check table's `failing`, whatever the certificate's status), unless `--fail-on none`. */
  nonCompliant: 1,
  /** Bad flags or configuration. */
  usage: 2,
  /** An AWS or network failure: a call failed, or some users could not be audited. */
  aws: 3,
  /** Stopped by SIGINT or SIGTERM; the partial report was written. */
  interrupted: 130,
} as const;

/**
 * The exit status a run's findings call for, by the one rule every path shares: exit 1 when any
 * finding's verdict is failing in the check table (`summary.failing`, summed over the accounts
 * of an organization run), unless `--fail-on none`.
 */
export function findingsExit(summary: Summary, failOn: CliOptions['failOn']): number {
  return summary.failing > 0 && failOn === 'non-compliant' ? EXIT.nonCompliant : EXIT.clean;
}

/** The oldest Node.js the package supports (package.json's engines, held equal by a test). */
export const MIN_NODE = [22, 12] as const;

/** Why this Node.js (`v20.20.2`) cannot run the command, or undefined when it can. */
export function unsupportedNode(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const [minMajor, minMinor] = MIN_NODE;
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return undefined;
  return `Node.js ${minMajor}.${minMinor} or later is required; this is ${version}`;
}

/** Everything the flags decided, validated. */
export interface CliOptions {
  readonly policy: Policy;
  readonly apply: boolean;
  readonly asOf: Date | undefined;
  readonly format: Format;
  readonly output: string | undefined;
  /** Set when `--output-dir` was given: the directory each format of `formats` is written to. */
  readonly outputDir: string | undefined;
  /** The formats `--output-dir` writes, one file each. */
  readonly formats: readonly FileFormat[];
  /** Set when `--exemptions` was given: the file, read and checked before the run (main.ts). */
  readonly exemptionsFile: string | undefined;
  /** The exemptions file's checked entries, once read. */
  readonly exemptions?: ExemptionList;
  /** Set when `--severity` or `--verdict` was given: which findings are listed. */
  readonly listing: ListingCriteria | undefined;
  /** Set when `--publish` was given: where to publish. */
  readonly publishTo: Config | undefined;
  /** Set when `--archive-bucket` was given: the evidence bucket. */
  readonly archiveBucket: string | undefined;
  /** Set when `--change-record` was given: the local file the change record is appended to. */
  readonly changeRecord: string | undefined;
  /** Set for an organization run: which accounts, through which role, how many at once. */
  readonly org:
    | {
        readonly accounts: readonly string[] | 'organization';
        readonly roleName: string;
        readonly concurrency: number;
      }
    | undefined;
  /** Set when `--security-hub` was given: the home region, or undefined for the calls' own. */
  readonly securityHub: { readonly region: string | undefined } | undefined;
  readonly failOn: (typeof FAIL_ON)[number];
  /** Stop starting new work after this many milliseconds; undefined for no limit. */
  readonly timeLimitMs: number | undefined;
  /** No progress on standard error (`--quiet`). */
  readonly quiet: boolean;
  /** Between two progress lines when standard error is not a terminal (`--progress-interval`). */
  readonly progressIntervalMs: number;
  readonly profile: string | undefined;
  readonly region: string | undefined;
  readonly help: boolean;
  readonly version: boolean;
}

/** What the flags read from the environment. */
export interface ArgsEnv {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: boolean;
}

/** Every flag of the audit, in `--help`'s order. */
const AUDIT_FLAGS = { ...POLICY_FLAGS, ...RUN_FLAGS, ...AWS_FLAGS };

/** Parses and validates the flags; throws a UsageError or ConfigError naming the bad flag(s). */
export function parseCliArgs(argv: readonly string[], { env, stdoutIsTTY }: ArgsEnv): CliOptions {
  // Every flag is read by its row, as the functions and the constructs read theirs.
  const given = readFlags(argv, AUDIT_FLAGS, ['help', 'version']);
  const { values, text, read: flag } = given;
  const policy = parsePolicy(valuesFrom(SETTINGS, 'flag', values), 'flag');

  const format = flag(RUN_FLAGS.format) ?? (stdoutIsTTY ? 'table' : 'json');
  const failOn = flag(RUN_FLAGS['fail-on']);
  const apply = values.apply === true;
  if (apply && policy.mode === 'report') {
    throw new UsageError(
      '--apply is not allowed in report mode: report mode never changes anything, so there is nothing to apply; add --mode deactivate or --mode delete to carry out a plan',
    );
  }
  const asOf = parseAsOf(text('as-of'), new Date());
  // A forecast is not evidence: it never changes anything, and it never leaves the terminal.
  // Security Hub would hold an ACTIVE finding dated in the future, and the archive a report
  // under a future date that Athena counts as a run.
  const forecastRefuses = [
    ['--apply', apply],
    ['--publish', values.publish === true],
    ['--security-hub', values['security-hub'] === true],
    ['--archive-bucket', text('archive-bucket') !== undefined],
    ['--change-record', text('change-record') !== undefined],
  ] as const;
  const sent = forecastRefuses.filter(([, given]) => given).map(([flag]) => flag);
  if (asOf !== undefined && sent.length > 0) {
    throw new UsageError(
      `--as-of cannot be combined with ${sent.join(', ')}: a forecast for another moment never changes anything and sends nothing anywhere (no report published, archived or imported into Security Hub); it only prints the report`,
    );
  }
  if (text('topic-arn') !== undefined && values.publish !== true) {
    throw new UsageError(
      '--topic-arn is only read with --publish: add --publish to send the report there',
    );
  }
  const output = text('output');
  const changeRecord = text('change-record');
  checkDistinctFiles([
    ['--output', output],
    ['--change-record', changeRecord],
  ]);
  if (output !== undefined) checkOutput(output);
  if (changeRecord !== undefined) checkWritable('--change-record', changeRecord);
  const archiveBucket = flag(RUN_FLAGS['archive-bucket']);
  // Delete mode's one prerequisite: somewhere to record each change before it is made.
  const unrecorded = apply
    ? changeRecordProblem(policy.mode, changeRecord !== undefined || archiveBucket !== undefined, {
        mode: '--mode',
        place: '--change-record FILE or --archive-bucket BUCKET',
      })
    : undefined;
  if (unrecorded) throw new UsageError(unrecorded);
  if (text('security-hub-region') !== undefined && values['security-hub'] !== true) {
    throw new UsageError('--security-hub-region is only read with --security-hub');
  }
  const securityHubRegion = flag(RUN_FLAGS['security-hub-region']);
  const org = parseOrg(given);
  const quiet = values.quiet === true;
  if (org && (values['security-hub'] === true || values.publish === true)) {
    throw new UsageError(
      "--accounts and --organization write each account's report to --archive-bucket and print one organization report; --publish and --security-hub are for one account",
    );
  }
  if (org && (format === 'csv' || format === 'html')) {
    throw new UsageError(
      `--format=${format} is for one account: an organization report is json, table or ocsf`,
    );
  }
  const { outputDir, formats } = parseOutputDir(given, org !== undefined);
  let publishTo: Config | undefined;
  if (values.publish === true) {
    const topicArn = text('topic-arn') ?? env[SETTINGS.topicArn.env];
    if (topicArn === undefined) {
      throw new UsageError(
        `--publish needs --topic-arn (or ${SETTINGS.topicArn.env}): where to send the report`,
      );
    }
    publishTo = { ...policy, topicArn: parseSetting(SETTINGS.topicArn, 'flag', topicArn) };
  }
  const timeLimit = flag(RUN_FLAGS['time-limit']);
  if (quiet && text('progress-interval') !== undefined) {
    throw new UsageError(
      '--progress-interval is not read with --quiet: --quiet writes no progress at all',
    );
  }
  return {
    policy,
    apply,
    asOf,
    format,
    output,
    outputDir,
    formats,
    exemptionsFile: text('exemptions'),
    listing: parseListing(given),
    publishTo,
    archiveBucket,
    changeRecord,
    securityHub: values['security-hub'] === true ? { region: securityHubRegion } : undefined,
    org,
    failOn,
    timeLimitMs: timeLimit === undefined ? undefined : timeLimit * 1000,
    quiet,
    progressIntervalMs: flag(RUN_FLAGS['progress-interval']) * 1000,
    profile: text('profile'),
    region: text('region'),
    help: values.help === true,
    version: values.version === true,
  };
}

/**
 * `--output-dir` and `--formats`, checked by their rows: never with `--output` or `--format`,
 * `--formats` only with `--output-dir`, csv and html only for one account (`organization`
 * false), and the directory writable before the run makes any change.
 */
export function parseOutputDir(
  { values, text, read: flag }: GivenFlags,
  organization: boolean,
): Pick<CliOptions, 'outputDir' | 'formats'> {
  const outputDir = text('output-dir');
  const formats = flag(RUN_FLAGS.formats);
  if (outputDir === undefined) {
    if (formats !== undefined) {
      throw new UsageError(
        '--formats is only read with --output-dir: add --output-dir DIR to write each format to DIR, or give one --format',
      );
    }
    return { outputDir, formats: [] };
  }
  const clash = ['output', 'format'].filter((name) => values[name] !== undefined);
  if (clash.length > 0) {
    throw new UsageError(
      `--output-dir cannot be combined with ${clash.map((name) => `--${name}`).join(' or ')}: --output-dir DIR writes one file per format of --formats (${FILE_FORMATS.join(',')}) into DIR; --format FORMAT with --output FILE writes one report to one file`,
    );
  }
  const oneAccount = organization
    ? formats?.filter((format) => !ORG_FILE_FORMATS.includes(format))
    : undefined;
  if (oneAccount?.length) {
    throw new UsageError(
      `--formats ${oneAccount.join(',')} is for one account: an organization report is written as ${ORG_FILE_FORMATS.join(',')}`,
    );
  }
  checkWritableDir('--output-dir', outputDir);
  return {
    outputDir,
    formats: [...new Set(formats ?? (organization ? ORG_FILE_FORMATS : FILE_FORMATS))],
  };
}

/** `--severity` and `--verdict`, checked by their rows: undefined when neither is given. */
export function parseListing({ read: flag }: GivenFlags): ListingCriteria | undefined {
  const severity = flag(RUN_FLAGS.severity);
  const verdicts = flag(RUN_FLAGS.verdict);
  if (severity === undefined && verdicts === undefined) return undefined;
  return { severity: severity ?? null, verdicts: verdicts ? [...new Set(verdicts)] : null };
}

/**
 * The organization flags (--accounts, --organization, --role-name, --account-concurrency),
 * checked by their rows; undefined when neither --accounts nor --organization is given.
 */
export function parseOrg({ values, read: flag }: GivenFlags): CliOptions['org'] {
  const all = values.organization === true;
  if (values.accounts === undefined && !all) {
    for (const flag of ['role-name', 'account-concurrency']) {
      if (values[flag] !== undefined) {
        throw new UsageError(`--${flag} is only read with --accounts or --organization`);
      }
    }
    return undefined;
  }
  if (values.accounts !== undefined && all) {
    throw new UsageError('--accounts and --organization cannot be combined: choose one');
  }
  return {
    accounts: all ? 'organization' : [...new Set(flag(RUN_FLAGS.accounts))],
    roleName: flag(RUN_FLAGS['role-name']),
    concurrency: flag(RUN_FLAGS['account-concurrency']),
  };
}

/** `--as-of +90d`: whole days from now, so a forecast in a script or a page never goes stale. */
const AS_OF_DAYS_FROM_NOW = /^\+(\d+)d$/;
/** The farthest `--as-of +Nd` looks ahead: ten years. */
const AS_OF_MAX_DAYS = 3650;

function parseAsOf(value: string | undefined, now: Date): Date | undefined {
  if (value === undefined) return undefined;
  const ahead = AS_OF_DAYS_FROM_NOW.exec(value);
  if (ahead) {
    const days = Number(ahead[1]);
    if (days < 1 || days > AS_OF_MAX_DAYS) {
      throw new UsageError(
        `--as-of=${JSON.stringify(value.slice(0, 60))} is not allowed: expected a number of days from now from +1d to +${AS_OF_MAX_DAYS}d`,
      );
    }
    return new Date(now.getTime() + days * 86_400_000);
  }
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
      `--as-of=${JSON.stringify(value.slice(0, 60))} is not allowed: expected a date such as 2027-01-01 or 2027-01-01T06:00:00Z (a time without an offset is UTC), or days from now such as +90d`,
    );
  }
  if (date.getTime() < now.getTime()) {
    throw new UsageError(
      `--as-of=${JSON.stringify(value)} is in the past: a run sees certificates as they are now, so history cannot be reconstructed; give a future moment, or leave --as-of out to evaluate now`,
    );
  }
  return date;
}

/** Refuses a file flag (--output, --change-record) that cannot be written, before the run makes any change. */
export function checkWritable(flag: string, output: string): void {
  if (output.trim() === '') {
    throw new UsageError(`${flag}="" is not allowed: expected a file path`);
  }
  const problem = (reason: string) =>
    new UsageError(`${flag}=${JSON.stringify(output)} cannot be written: ${reason}`);
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

/**
 * Refuses a directory flag (--output-dir) whose directory cannot be created or written, before
 * the run makes any change: its nearest existing part must be a directory this process may write.
 */
export function checkWritableDir(flag: string, dir: string): void {
  if (dir.trim() === '') {
    throw new UsageError(`${flag}="" is not allowed: expected a directory`);
  }
  const problem = (reason: string) =>
    new UsageError(`${flag}=${JSON.stringify(dir)} cannot be written: ${reason}`);
  const target = resolvePath(dir);
  let existing = target;
  let stats: ReturnType<typeof statSync>;
  for (;;) {
    try {
      stats = statSync(existing);
      break;
    } catch {
      const parent = dirname(existing);
      if (parent === existing) throw problem('no part of it exists');
      existing = parent;
    }
  }
  if (!stats.isDirectory()) {
    throw problem(
      existing === target
        ? 'it is not a directory'
        : `${existing} is not a directory, so it cannot be created`,
    );
  }
  try {
    accessSync(existing, fsConstants.W_OK | fsConstants.X_OK);
  } catch (error: unknown) {
    throw problem(describeError(error).message);
  }
}

/** Refuses an --output that cannot be written, or that holds a change record the report would destroy. */
export function checkOutput(output: string): void {
  checkWritable('--output', output);
  if (holdsChangeRecord(output)) {
    throw new UsageError(
      `--output=${JSON.stringify(output)} holds a change record: the report would be written over it, and with it the only copy of the certificates it recorded; choose another file`,
    );
  }
}

/**
 * Refuses two file flags of one command that name the same file (the same path, another
 * spelling of it, a symbolic or a hard link): what one writes, the other would destroy.
 */
export function checkDistinctFiles(
  paths: readonly (readonly [flag: string, path: string | undefined])[],
): void {
  const same = sameFile(paths);
  if (same === undefined) return;
  const [first, second] = same;
  throw new UsageError(
    `${first} and ${second} name the same file: the report would be written over the change record (the only copy of a deleted certificate's body); give each its own file`,
  );
}
