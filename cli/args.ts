import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { isFailing, VERDICTS, type Verdict } from '../lambda/core/checks/table';
import { describeError, SigningCertAuditError } from '../lambda/core/errors';
import { ACCOUNT_ID } from '../lambda/core/patterns';
import type { Summary } from '../lambda/core/report';
import {
  type Config,
  changeRecordProblem,
  ORG_SETTINGS,
  POLICY_KEYS,
  type Policy,
  parseConfig,
  parsePolicy,
  parseSetting,
  type RawSettings,
  SETTINGS,
} from '../lambda/core/settings';
import { closest } from '../lambda/core/suggest';
import { OCSF_VERSION } from '../lambda/render/ocsf';
import { holdsChangeRecord, sameFile } from './paths';
import { PROGRESS_INTERVAL_SECONDS } from './progress';

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

/** The verdicts that exit 1, for `--help`: the check table's failing ones. */
function failingVerdicts(): string {
  return (Object.keys(VERDICTS) as Verdict[]).filter(isFailing).join(', ');
}

/** Output formats; `ocsf` is the failing findings as OCSF Compliance Findings, JSON Lines. */
export const FORMATS = ['table', 'json', 'csv', 'html', 'ocsf'] as const;
/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];
const FAIL_ON = ['non-compliant', 'none'] as const;

/** The oldest Node.js the package supports (package.json's engines, held equal by a test). */
export const MIN_NODE = [22, 12] as const;

/** Why this Node.js (`v20.20.2`) cannot run the command, or undefined when it can. */
export function unsupportedNode(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const [minMajor, minMinor] = MIN_NODE;
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return undefined;
  return `Node.js ${minMajor}.${minMinor} or later is required; this is ${version}`;
}

/** A bad flag: the message names it and says what is allowed. */
export class UsageError extends SigningCertAuditError {
  override readonly name = 'UsageError';
}

/** A flag of the organization settings table, with its help and default. */
function orgFlag<T extends (typeof ORG_SETTINGS)['memberRoleName' | 'cliAccountConcurrency']>(
  declared: T,
) {
  return {
    [declared.flag]: {
      type: 'string',
      placeholder: declared.placeholder,
      help: `${declared.help} (default ${declared.default})`,
    },
  } as { readonly [F in T['flag']]: { type: 'string'; placeholder: string; help: string } };
}

/** The flags that are not policy settings, with their help. */
const RUN_FLAGS = {
  apply: {
    type: 'boolean',
    help: 'carry out the plan (deactivate or delete mode; refused in report mode); without it nothing changes',
  },
  'as-of': {
    type: 'string',
    placeholder: 'DATE',
    help: 'evaluate at a future moment, e.g. 2027-01-01 or 2027-01-01T06:00 (UTC unless an offset is given), or +90d (90 days from now); default: now; a forecast only prints: never with --apply, --publish, --security-hub or --archive-bucket',
  },
  format: {
    type: 'string',
    placeholder: 'FORMAT',
    help: `${FORMATS.join(' | ')} (default: table on a terminal, json otherwise); ocsf writes the failing findings as OCSF ${OCSF_VERSION} Compliance Findings, a JSON line per certificate and check, nothing for a clean run`,
  },
  output: {
    type: 'string',
    placeholder: 'FILE',
    help: 'write the report to FILE instead of standard output (checked before the run)',
  },
  publish: {
    type: 'boolean',
    help: 'send the report to the SNS topic, exactly as the Lambda does',
  },
  'security-hub': {
    type: 'boolean',
    help: 'send the findings to AWS Security Hub (ASFF) and resolve those no longer true, as the Lambda does',
  },
  'security-hub-region': {
    type: 'string',
    placeholder: 'REGION',
    help: "Security Hub's home region for --security-hub (default: the region of the other calls)",
  },
  accounts: {
    type: 'string',
    placeholder: 'ID,ID',
    help: 'audit these member accounts through their member role, concurrently, into one organization report',
  },
  organization: {
    type: 'boolean',
    help: 'audit every ACTIVE account of the organization (Organizations ListAccounts)',
  },
  ...orgFlag(ORG_SETTINGS.memberRoleName),
  ...orgFlag(ORG_SETTINGS.cliAccountConcurrency),
  'archive-bucket': {
    type: 'string',
    placeholder: 'BUCKET',
    help: `${SETTINGS.archiveBucket.help}, as the Lambda does, with the change record of an --apply run; checked before an --apply run (default: not archived)`,
  },
  'change-record': {
    type: 'string',
    placeholder: 'FILE',
    help: 'append the change record of an --apply run to FILE: each change is written there before it is made, so `signing-cert-audit restore` can undo the run (delete mode needs this or --archive-bucket)',
  },
  'topic-arn': {
    type: 'string',
    placeholder: 'ARN',
    help: `the topic for --publish (default: $${SETTINGS.topicArn.env}); only with --publish`,
  },
  'time-limit': {
    type: 'string',
    placeholder: 'SECONDS',
    help: 'stop starting new work after SECONDS and write a partial report (exit 3); default: none',
  },
  'fail-on': {
    type: 'string',
    placeholder: 'WHAT',
    help: `${FAIL_ON.join(' | ')}: exit 1 on any failing finding, or never (default non-compliant)`,
  },
  'progress-interval': {
    type: 'string',
    placeholder: 'SECONDS',
    help: `when standard error is not a terminal (CI, a pipe, a file), write a progress line there every SECONDS: users scanned, accounts done, time elapsed; never on standard output (default ${PROGRESS_INTERVAL_SECONDS})`,
  },
  quiet: {
    type: 'boolean',
    help: 'no progress on standard error: neither the counter on a terminal nor the periodic line otherwise (the summary lines stay)',
  },
} as const;

const AWS_FLAGS = {
  profile: {
    type: 'string',
    placeholder: 'NAME',
    help: 'the shared-config profile to use (default: $AWS_PROFILE or default)',
  },
  region: {
    type: 'string',
    placeholder: 'REGION',
    help: 'the region for IAM and SNS calls (default: $AWS_REGION or the profile’s)',
  },
} as const;

const OPTIONS = {
  ...Object.fromEntries(
    POLICY_KEYS.map((key) => [SETTINGS[key].flag, { type: 'string' as const }]),
  ),
  ...Object.fromEntries(
    Object.entries({ ...RUN_FLAGS, ...AWS_FLAGS }).map(([flag, { type }]) => [flag, { type }]),
  ),
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** Everything the flags decided, validated. */
export interface CliOptions {
  readonly policy: Policy;
  readonly apply: boolean;
  readonly asOf: Date | undefined;
  readonly format: Format;
  readonly output: string | undefined;
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

/** Parses and validates the flags; throws a UsageError or ConfigError naming the bad flag(s). */
export function parseCliArgs(argv: readonly string[], { env, stdoutIsTTY }: ArgsEnv): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true }));
  } catch (error: unknown) {
    throw new UsageError(withSuggestion(error instanceof Error ? error.message : String(error)));
  }
  const text = (name: string) => values[name] as string | undefined;
  const raw: RawSettings = {};
  for (const key of POLICY_KEYS) raw[key] = text(SETTINGS[key].flag);
  const policy = parsePolicy(raw, 'flag');

  const format = oneOf('--format', text('format'), FORMATS) ?? (stdoutIsTTY ? 'table' : 'json');
  const failOn = oneOf('--fail-on', text('fail-on'), FAIL_ON) ?? 'non-compliant';
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
  const archiveBucket = text('archive-bucket');
  if (
    archiveBucket !== undefined &&
    !SETTINGS.archiveBucket.schema.safeParse(archiveBucket).success
  ) {
    throw new UsageError(
      `--archive-bucket=${JSON.stringify(archiveBucket.slice(0, 80))} is not allowed: expected ${SETTINGS.archiveBucket.allowed}`,
    );
  }
  // Delete mode's one prerequisite: somewhere to record each change before it is made.
  const unrecorded = apply
    ? changeRecordProblem(policy.mode, changeRecord !== undefined || archiveBucket !== undefined, {
        mode: '--mode',
        place: '--change-record FILE or --archive-bucket BUCKET',
      })
    : undefined;
  if (unrecorded) throw new UsageError(unrecorded);
  const securityHubRegion = text('security-hub-region');
  if (securityHubRegion !== undefined && values['security-hub'] !== true) {
    throw new UsageError('--security-hub-region is only read with --security-hub');
  }
  if (
    securityHubRegion !== undefined &&
    !SETTINGS.securityHubRegion.schema.safeParse(securityHubRegion).success
  ) {
    throw new UsageError(
      `--security-hub-region=${JSON.stringify(securityHubRegion.slice(0, 60))} is not allowed: expected ${SETTINGS.securityHubRegion.allowed}`,
    );
  }
  const org = parseOrg(values, text);
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
  let publishTo: Config | undefined;
  if (values.publish === true) {
    const topicArn = text('topic-arn') ?? env[SETTINGS.topicArn.env];
    if (topicArn === undefined) {
      throw new UsageError(
        `--publish needs --topic-arn (or ${SETTINGS.topicArn.env}): where to send the report`,
      );
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
    archiveBucket,
    changeRecord,
    securityHub: values['security-hub'] === true ? { region: securityHubRegion } : undefined,
    org,
    failOn,
    timeLimitMs: parseTimeLimit(text('time-limit')),
    quiet,
    progressIntervalMs: parseProgressInterval(text('progress-interval'), quiet),
    profile: text('profile'),
    region: text('region'),
    help: values.help === true,
    version: values.version === true,
  };
}

/** A flag's value if it is one of `allowed`; throws a UsageError naming the flag otherwise. */
export function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
) {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(
    `${flag}=${JSON.stringify(value.slice(0, 60))} is not allowed: expected one of ${allowed.join(', ')}`,
  );
}

/** The organization flags (--accounts, --organization, --role-name, --account-concurrency), checked. */
export function parseOrg(
  values: Record<string, string | boolean | undefined>,
  text: (name: string) => string | undefined,
): CliOptions['org'] {
  const list = text('accounts');
  const all = values.organization === true;
  if (list === undefined && !all) {
    for (const { flag } of [ORG_SETTINGS.memberRoleName, ORG_SETTINGS.cliAccountConcurrency]) {
      if (text(flag) !== undefined) {
        throw new UsageError(`--${flag} is only read with --accounts or --organization`);
      }
    }
    return undefined;
  }
  if (list !== undefined && all) {
    throw new UsageError('--accounts and --organization cannot be combined: choose one');
  }
  let accounts: readonly string[] | 'organization' = 'organization';
  if (list !== undefined) {
    const ids = list
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    const bad = ids.find((id) => !ACCOUNT_ID.test(id));
    if (ids.length === 0 || bad !== undefined) {
      throw new UsageError(
        `--accounts=${JSON.stringify(list.slice(0, 80))} is not allowed: expected 12-digit account ids separated by commas${bad ? ` (${JSON.stringify(bad.slice(0, 20))} is not one)` : ''}`,
      );
    }
    accounts = [...new Set(ids)];
  }
  // By the organization settings table, as the functions and the constructs read them.
  const flagOf = (declared: { readonly flag: string }) => text(declared.flag);
  const roleName = parseSetting(
    ORG_SETTINGS.memberRoleName,
    `--${ORG_SETTINGS.memberRoleName.flag}`,
    flagOf(ORG_SETTINGS.memberRoleName),
  );
  const concurrency = parseSetting(
    ORG_SETTINGS.cliAccountConcurrency,
    `--${ORG_SETTINGS.cliAccountConcurrency.flag}`,
    flagOf(ORG_SETTINGS.cliAccountConcurrency),
  );
  return { accounts, roleName, concurrency };
}

/** `--progress-interval` in milliseconds: whole seconds from 1 to 3600; refused with `--quiet`. */
function parseProgressInterval(value: string | undefined, quiet: boolean): number {
  if (value === undefined) return PROGRESS_INTERVAL_SECONDS * 1000;
  if (quiet) {
    throw new UsageError(
      '--progress-interval is not read with --quiet: --quiet writes no progress at all',
    );
  }
  const seconds = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new UsageError(
      `--progress-interval=${JSON.stringify(value.slice(0, 60))} is not allowed: expected a whole number of seconds from 1 to 3600`,
    );
  }
  return seconds * 1000;
}

function parseTimeLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw new UsageError(
      `--time-limit=${JSON.stringify(value.slice(0, 60))} is not allowed: expected a whole number of seconds from 1 to 86400`,
    );
  }
  return seconds * 1000;
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

/** `--help`: every flag with its default, the policy flags generated from the settings table. */
export function helpText(): string {
  const line = helpLine;
  const policy = POLICY_KEYS.map((key) => {
    const setting = SETTINGS[key];
    const fallback =
      setting.default !== undefined ? String(setting.default) : (setting.defaultText ?? 'none');
    return line(setting.flag, setting.placeholder, `${setting.help} (default ${fallback})`);
  });
  const run = Object.entries(RUN_FLAGS).map(([flag, spec]) =>
    line(flag, 'placeholder' in spec ? spec.placeholder : undefined, spec.help),
  );
  const aws = Object.entries(AWS_FLAGS).map(([flag, spec]) =>
    line(flag, spec.placeholder, spec.help),
  );
  return `Usage: signing-cert-audit [flags]
       signing-cert-audit restore --run RUN_ID [flags]   undo a run's changes (restore --help)

Audits every IAM user's X.509 signing certificates against an age policy, with the same engine
as the scheduled Lambda. In deactivate or delete mode it prints the plan and changes nothing
unless --apply is given.

Policy:
${policy.join('\n')}

Run:
${run.join('\n')}

AWS (the standard sources: default credential chain, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL):
${aws.join('\n')}

  -h, --help              show this help
  --version               show the version

Examples:
  signing-cert-audit --format table                  audit the account of your credentials
  signing-cert-audit --mode deactivate               plan the changes; nothing changes
  signing-cert-audit --mode deactivate --apply       carry the plan out (at most --max-actions)
  signing-cert-audit --as-of 2027-06-01              what will be over age by then
  signing-cert-audit --as-of +30d                    … and 30 days from now
  signing-cert-audit --format html --output a.html   the self-contained HTML report
  signing-cert-audit --accounts 111111111111,222222222222 --role-name SigningCertAuditMember
  signing-cert-audit --mode delete --apply --change-record changes.jsonl
  signing-cert-audit restore --run RUN_ID --change-record changes.jsonl    plan the undo

${wrap(`Exit status, the same for one account and across accounts: 0 no failing finding; 1 a failing finding, one the check table marks failing, whatever the certificate's status (${failingVerdicts()}; --fail-on none turns it off; Security Hub reports it FAILED only while the certificate can still be used); 2 bad flags or configuration (no region included); 3 an AWS or network failure, users or accounts that could not be audited, or --time-limit reached (the partial report is written); 130 interrupted (Ctrl-C or SIGTERM: no new change starts, calls in flight finish, and the partial report is written with complete=false; a second Ctrl-C quits at once).`)}
`;
}

/** A flag's line of `--help`: its help at column 26, wrapped within HELP_WIDTH columns with a hanging indent. */
export function helpLine(flag: string, placeholder: string | undefined, help: string): string {
  const head = `  --${flag}${placeholder ? ` ${placeholder}` : ''}`;
  const body = wrap(help, HELP_WIDTH - 26).replaceAll('\n', `\n${' '.repeat(26)}`);
  return head.length >= 26 ? `${head}\n${' '.repeat(26)}${body}` : `${head.padEnd(26)}${body}`;
}

/** Every flag's name, for suggestions. */
function flagNames(): string[] {
  return [...Object.keys(OPTIONS), 'help', 'version'];
}

/**
 * parseArgs' message for an unknown flag, with the known flag it most likely meant
 * (`--max-age-day` → `--max-age-days`), as `cdk synth` does for a context key.
 */
export function withSuggestion(message: string, known: readonly string[] = flagNames()): string {
  const unknown = /Unknown option '--([^'=]+)/.exec(message)?.[1];
  if (unknown === undefined) return message;
  const suggestion = closest(unknown, known);
  return suggestion ? `${message.replace(/\.?\s*$/, '')}. Did you mean --${suggestion}?` : message;
}

/** `--help` fits a 100-column terminal. */
export const HELP_WIDTH = 100;

/** Wraps a paragraph at `width` columns, for `--help`. */
export function wrap(text: string, width = HELP_WIDTH): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}
