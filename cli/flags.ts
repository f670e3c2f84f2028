import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { SEVERITIES } from '../lambda/core/checks/check';
import { VERDICTS, type Verdict } from '../lambda/core/checks/table';
import { SigningCertAuditError } from '../lambda/core/errors';
import { ACCOUNT_ID } from '../lambda/core/patterns';
import {
  count,
  listOf,
  ORG_SETTINGS,
  POLICY_KEYS,
  parseSetting,
  SETTINGS,
  type Setting,
  type SettingValue,
  setting,
  settingsTable,
  wholeNumber,
} from '../lambda/core/settings';
import { closest } from '../lambda/core/suggest';
import { OCSF_VERSION } from '../lambda/render/ocsf';
import { PROGRESS_INTERVAL_SECONDS } from './progress';

/** A bad flag: the message names it and says what is allowed. */
export class UsageError extends SigningCertAuditError {
  override readonly name = 'UsageError';
}

/** A flag: a row of the settings' form read from the command line, repeatable when `multiple`. */
export type Flag = Setting & { readonly multiple?: true };

/** A flag that takes no value. */
export const switchFlag = (help: string) =>
  setting({ help, allowed: 'no value', schema: z.optional(z.boolean()) });

/** A flag whose value is checked where it is used (a file, a date, a profile). */
export const textFlag = (placeholder: string, help: string) =>
  setting({ placeholder, help, allowed: 'a value', schema: z.optional(z.string()) });

/** Output formats; `ocsf` is the failing findings as OCSF Compliance Findings, JSON Lines. */
export const FORMATS = ['table', 'json', 'csv', 'html', 'ocsf'] as const;
/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];
/** The formats `--output-dir` writes, one file each: every format but the terminal's table. */
export const FILE_FORMATS = ['json', 'csv', 'html', 'ocsf'] as const;
/** One of {@link FILE_FORMATS}. */
export type FileFormat = (typeof FILE_FORMATS)[number];
/** The formats an organization report has in a file (csv and html are one account's). */
export const ORG_FILE_FORMATS: readonly FileFormat[] = ['json', 'ocsf'];
/** Every verdict of the check table, for `--verdict`. */
const VERDICT_NAMES = Object.keys(VERDICTS) as [Verdict, ...Verdict[]];
/** A pattern that matches exactly one of `values`. */
const oneOf = (values: readonly string[]) =>
  new RegExp(`^(?:${values.map((v) => v.replace(/[^\w-]/g, '\\$&')).join('|')})$`);

/** When the audit exits 1. */
export const FAIL_ON = ['non-compliant', 'none'] as const;

/** The audit's policy flags, from the settings table. */
export const POLICY_FLAGS: Readonly<Record<string, Flag>> = Object.fromEntries(
  POLICY_KEYS.map((key) => [SETTINGS[key].flag, SETTINGS[key]]),
);

/** The audit's flags that are not policy settings, each a row: its check, default and help. */
export const RUN_FLAGS = settingsTable('flag', {
  apply: switchFlag(
    'carry out the plan (deactivate or delete mode; refused in report mode); without it nothing changes',
  ),
  'as-of': textFlag(
    'DATE',
    'evaluate at a future moment, e.g. 2027-01-01 or 2027-01-01T06:00 (UTC unless an offset is given), or +90d (90 days from now); default: now; a forecast only prints: never with --apply, --publish, --security-hub or --archive-bucket',
  ),
  format: setting({
    placeholder: 'FORMAT',
    allowed: `one of ${FORMATS.join(', ')}`,
    help: `${FORMATS.join(' | ')} (default: table on a terminal, json otherwise); ocsf writes the failing findings as OCSF ${OCSF_VERSION} Compliance Findings, a JSON line per certificate and check, an exempt credential as Suppressed, nothing for a clean run (with --include-compliant, a Pass line too for each check a listed credential did not fail)`,
    schema: z.optional(z.enum(FORMATS)),
  }),
  output: textFlag(
    'FILE',
    'write the report to FILE instead of standard output (checked before the run)',
  ),
  'output-dir': textFlag(
    'DIR',
    'write the report once in each format of --formats into DIR, from the one run, each file named by the account and the run id (DIR is created if absent, and checked before the run); not with --output or --format',
  ),
  formats: setting({
    placeholder: 'LIST',
    allowed: `formats separated by commas: ${FILE_FORMATS.join(', ')}`,
    help: `the formats --output-dir writes, separated by commas (default: ${FILE_FORMATS.join(',')}; across accounts ${ORG_FILE_FORMATS.join(',')}); only with --output-dir`,
    item: z.string().check(z.regex(oneOf(FILE_FORMATS))),
    schema: z.optional(z.array(z.enum(FILE_FORMATS)).check(z.minLength(1))),
  }),
  exemptions: textFlag(
    'FILE',
    "the exemptions file (YAML, or JSON when FILE ends in .json): each entry exempts a user's credentials from the age policy until its day, with its reason, approver and ticket; a bad entry is refused (exit 2) before any AWS call",
  ),
  severity: setting({
    placeholder: 'MIN',
    allowed: `one of ${SEVERITIES.join(', ')}`,
    help: `list only the findings of severity MIN or above (${SEVERITIES.join(' > ')}), in every format; the summary and the exit status stay the whole run's, and the output says it was filtered`,
    schema: z.optional(z.enum(SEVERITIES)),
  }),
  verdict: setting({
    placeholder: 'V,V',
    allowed: `verdicts separated by commas: ${VERDICT_NAMES.join(', ')}`,
    help: "list only the findings of these verdicts (with --severity, those of both), in every format; the summary and the exit status stay the whole run's",
    item: z.string().check(z.regex(oneOf(VERDICT_NAMES))),
    schema: z.optional(z.array(z.enum(VERDICT_NAMES)).check(z.minLength(1))),
  }),
  publish: switchFlag('send the report to the SNS topic, exactly as the Lambda does'),
  'security-hub': switchFlag(
    'send the findings to AWS Security Hub (ASFF) and resolve those no longer true, as the Lambda does',
  ),
  'security-hub-region': {
    ...SETTINGS.securityHubRegion,
    help: "Security Hub's home region for --security-hub (default: the region of the other calls)",
  },
  accounts: setting({
    placeholder: 'ID,ID',
    allowed: '12-digit account ids, separated by commas',
    help: 'audit these member accounts through their member role, concurrently, into one organization report',
    ...listOf(ACCOUNT_ID, 1),
  }),
  organization: switchFlag(
    'audit every ACTIVE account of the organization (Organizations ListAccounts)',
  ),
  'role-name': {
    ...ORG_SETTINGS.memberRoleName,
    help: `${ORG_SETTINGS.memberRoleName.help} (default ${ORG_SETTINGS.memberRoleName.default})`,
  },
  // A laptop's share of the accounts, not a state machine's (the context's accountConcurrency).
  'account-concurrency': setting({
    default: 4,
    help: 'accounts audited at once with --accounts or --organization, at most 32 (default 4)',
    ...count(1, 32),
  }),
  'archive-bucket': {
    ...SETTINGS.archiveBucket,
    help: `${SETTINGS.archiveBucket.help}, as the Lambda does, with the change record of an --apply run; checked before an --apply run (default: not archived)`,
  },
  'change-record': textFlag(
    'FILE',
    'append the change record of an --apply run to FILE: each change is written there before it is made, so `signing-cert-audit restore` can undo the run (delete mode needs this or --archive-bucket)',
  ),
  'topic-arn': {
    ...SETTINGS.topicArn,
    help: `the topic for --publish (default: $${SETTINGS.topicArn.env}); only with --publish`,
  },
  'time-limit': setting({
    help: 'stop starting new work after SECONDS and write a partial report (exit 3); default: none',
    ...count(1, 86_400, 'seconds'),
    placeholder: 'SECONDS',
    schema: z.optional(wholeNumber(1, 86_400)),
  }),
  'fail-on': setting({
    placeholder: 'WHAT',
    default: 'non-compliant',
    allowed: `one of ${FAIL_ON.join(', ')}`,
    help: `${FAIL_ON.join(' | ')}: exit 1 on any failing finding, or never (default non-compliant)`,
    schema: z.enum(FAIL_ON),
  }),
  'progress-interval': setting({
    default: PROGRESS_INTERVAL_SECONDS,
    ...count(1, 3600, 'seconds'),
    placeholder: 'SECONDS',
    help: `when standard error is not a terminal (CI, a pipe, a file), write a progress line there every SECONDS: users scanned, accounts done, time elapsed; never on standard output (default ${PROGRESS_INTERVAL_SECONDS})`,
  }),
  quiet: switchFlag(
    'no progress on standard error: neither the counter on a terminal nor the periodic line otherwise (the summary lines stay)',
  ),
});

/** The flags that choose the AWS credentials and region. */
export const AWS_FLAGS = settingsTable('flag', {
  profile: textFlag('NAME', 'the shared-config profile to use (default: $AWS_PROFILE or default)'),
  region: textFlag(
    'REGION',
    'the region for IAM and SNS calls (default: $AWS_REGION or the profile’s)',
  ),
});

/** The flags of a command line: the values by flag name, and each read by its row. */
export interface GivenFlags {
  readonly values: Readonly<Record<string, unknown>>;
  /** A flag's value as given, checked where it is used (a file, a date). */
  readonly text: (name: string) => string | undefined;
  /** A flag's value checked by its row: its default when absent; a refusal names the flag. */
  readonly read: <T extends Flag & { readonly flag: string }>(row: T) => SettingValue<T>;
}

/**
 * Reads `argv` by a table of flags (strictly: an unknown flag or a missing value is refused, naming
 * the known flag it most likely meant), with `--help` (`-h`) and the given switches.
 */
export function readFlags(
  argv: readonly string[],
  flags: Readonly<Record<string, Flag>>,
  switches: readonly string[] = ['help'],
): GivenFlags {
  const options = {
    ...Object.fromEntries(
      Object.entries(flags).map(([name, flag]) => [
        name,
        { type: flag.placeholder ? 'string' : 'boolean', multiple: flag.multiple === true },
      ]),
    ),
    ...Object.fromEntries(switches.map((name) => [name, { type: 'boolean' }])),
    help: { type: 'boolean', short: 'h' },
  } as NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  let values: Readonly<Record<string, unknown>>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true }));
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(withSuggestion(message, [...Object.keys(flags), ...switches]));
  }
  return {
    values,
    text: (name) => values[name] as string | undefined,
    read: (row) => parseSetting(row, 'flag', values[row.flag]),
  };
}

/**
 * parseArgs' message for an unknown flag, with the known flag it most likely meant
 * (`--max-age-day` → `--max-age-days`), as `cdk synth` does for a context key.
 */
function withSuggestion(message: string, known: readonly string[]): string {
  const unknown = /Unknown option '--([^'=]+)/.exec(message)?.[1];
  if (unknown === undefined) return message;
  const suggestion = closest(unknown, known);
  return suggestion ? `${message.replace(/\.?\s*$/, '')}. Did you mean --${suggestion}?` : message;
}
