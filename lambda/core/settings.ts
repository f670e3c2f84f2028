import * as z from 'zod/mini';
import { ConfigError } from './errors';
import {
  ACCOUNT_ID,
  BUCKET_NAME,
  OU_ID,
  OU_OR_ROOT_ID,
  REGION,
  ROLE_NAME,
  SNS_TOPIC_ARN,
} from './patterns';
import { MAX_DAYS } from './time';

/** What a run may change: `report` nothing; `deactivate` over-age Active certificates; `delete` also deletes. */
export const MODES = ['report', 'deactivate', 'delete'] as const;
/** One of {@link MODES}. */
export type Mode = (typeof MODES)[number];

/** How a run finds the users to list certificates for: every user, or the credential report's holders. */
export const SCAN_STRATEGIES = ['full', 'credential-report'] as const;
/** One of {@link SCAN_STRATEGIES}. */
export type ScanStrategy = (typeof SCAN_STRATEGIES)[number];

/** Which stack the CDK app deploys: one account, an organization, or the member role alone. */
export type Deployment = 'account' | 'organization' | 'member';

/** A whole number from `min` to `max`, given as a number or as digits (environment, `-c`, a flag). */
export const wholeNumber = (min: number, max: number) =>
  z.pipe(
    z.union([z.number(), z.string().check(z.regex(/^[0-9]+$/))]),
    z.pipe(
      z.transform((value: number | string) => Number(value)),
      z.int().check(z.minimum(min), z.maximum(max)),
    ),
  );

/**
 * One setting, declared once: each name it goes by where it is read (the functions' environment,
 * a CLI flag, CDK context, a construct prop), its default, what it allows, its help and schema.
 * Everything else derives from the rows: parsing ({@link parseSetting}), the functions'
 * environment ({@link toEnvironment}), the CLI's flags and help, CDK context and the docs.
 */
export interface Setting<S extends z.ZodMiniType = z.ZodMiniType> {
  /** The functions' environment variable, where a function reads it. */
  readonly env?: string;
  /** The CLI flag, without `--`, where the CLI reads it. */
  readonly flag?: string;
  /** The CDK context key, where context sets it; the construct prop too, unless `prop` says otherwise. */
  readonly context?: string;
  /** The construct prop, where it is not named as the context key. */
  readonly prop?: string;
  /** The flag's value in `--help` (`N`, `MODE`, …); a flag without one is a switch. */
  readonly placeholder?: string;
  /** What an absent value means; without one, absent is what the schema makes of nothing. */
  readonly default?: z.output<S>;
  /** What the default is, in words, where it is not a plain value. */
  readonly defaultText?: string;
  /** What a valid value looks like, for error messages. */
  readonly allowed: string;
  /** One line for `--help` and the docs. */
  readonly help: string;
  readonly schema: S;
  /**
   * Set for a list: the schema of one item. The value is then a comma-separated string (the
   * environment, `-c`, a flag) or an array (cdk.json, props), and a refusal names the bad item.
   */
  readonly item?: z.ZodMiniType<string>;
  /** The deployments that read it from CDK context, when not all of them do. */
  readonly deployments?: readonly Deployment[];
}

/** Declares a setting: its default is checked against its schema, its names kept as written. */
export const setting = <S extends z.ZodMiniType, const N extends Partial<Setting>>(
  row: Setting<S> & N,
) => row;

/** A table of settings in which each row's `facet` name (its context key, or its flag) is its key. */
export function settingsTable<
  const F extends 'context' | 'flag',
  const T extends Readonly<Record<string, Setting>>,
>(facet: F, rows: T) {
  return Object.fromEntries(
    Object.entries(rows).map(([key, row]) => [key, { [facet]: key, ...row }]),
  ) as unknown as { readonly [K in keyof T]: T[K] & { readonly [P in F]: K & string } };
}

/** The parts of a list setting whose items match `item`: empty by default, or at least `least` items. */
export const listOf = (item: RegExp, least = 0) => ({
  item: z.string().check(z.regex(item)),
  schema: z.array(z.string()).check(z.minLength(least)),
  ...(least === 0 ? { default: [] as string[] } : {}),
});

/** A number of days, from `min` up to the tool's horizon. */
const days = (min: number, more = '') => ({
  placeholder: 'N',
  allowed: `a whole number of days from ${min} to ${MAX_DAYS}${more}`,
  schema: wholeNumber(min, MAX_DAYS),
});

// IAM's own patterns: PathPrefix `\u002F[\u0021-\u007F]*` ending in '/', tag keys `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`.
// The path also becomes the function's IAM resource `user<path>*`, where IAM reads `*` and `?` as
// wildcards and `${…}` as a policy variable: a path with them would widen the grants, so they are
// refused although IAM allows them in a path.
const iamPath = z
  .string()
  .check(z.maxLength(512), z.regex(/^\/(?:[\u0021-\u007e]*\/)?$/), z.regex(/^[^*?$]*$/));
const tagKey = z
  .string()
  .check(z.minLength(1), z.maxLength(128), z.regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u));

/**
 * The policy's settings and where reports go, declared once; the {@link Policy} type, the
 * Lambda environment, the CLI's flags and help, CDK context and the construct's validation all
 * derive from this table; cdk.json and the construct's props are checked against it by the tests.
 */
export const SETTINGS = settingsTable('context', {
  maxAgeDays: setting({
    env: 'MAX_AGE_DAYS',
    flag: 'max-age-days',
    default: 90,
    help: 'a certificate uploaded more than N days ago is non-compliant',
    ...days(1),
  }),
  mode: setting({
    env: 'MODE',
    flag: 'mode',
    placeholder: 'MODE',
    default: 'report',
    allowed: `one of ${MODES.join(', ')}`,
    help: `${MODES.join(' | ')}; delete never deletes an Active certificate: it deactivates it, and a later run deletes it`,
    schema: z.enum(MODES),
  }),
  deleteAfterDays: setting({
    env: 'DELETE_AFTER_DAYS',
    flag: 'delete-after-days',
    defaultText: 'the maximum age',
    help: 'delete mode: delete an over-age certificate that is Inactive and older than N days',
    ...days(1, ', not less than the maximum age'),
    schema: z.optional(wholeNumber(1, MAX_DAYS)),
  }),
  warnBeforeDays: setting({
    env: 'WARN_BEFORE_DAYS',
    flag: 'warn-before-days',
    default: 14,
    help: 'report EXPIRING_SOON within N days of the maximum age (0: no warnings)',
    ...days(0),
  }),
  userPathPrefix: setting({
    env: 'USER_PATH_PREFIX',
    flag: 'path-prefix',
    placeholder: 'PATH',
    default: '/',
    allowed:
      'an IAM path that starts and ends with "/", such as / or /engineering/ (at most 512 characters, without * ? or $: they would widen the function\'s IAM permissions)',
    help: 'audit only users under this IAM path',
    schema: iamPath,
  }),
  exemptTagKey: setting({
    env: 'EXEMPT_TAG_KEY',
    flag: 'exempt-tag',
    placeholder: 'KEY',
    default: 'signing-cert-audit:exempt',
    allowed: 'an IAM tag key: 1 to 128 letters, digits, spaces or _.:/=+-@',
    help: 'a user tagged KEY=true is exempt',
    schema: tagKey,
  }),
  maxOverrideDays: setting({
    env: 'MAX_OVERRIDE_DAYS',
    flag: 'max-override-days',
    default: 365,
    help: "the longest maximum age a user's signing-cert-audit:max-age-days tag may set; a longer one is refused and the account's applies",
    ...days(1),
  }),
  maxExemptionDays: setting({
    env: 'MAX_EXEMPTION_DAYS',
    flag: 'max-exemption-days',
    defaultText: 'none (an exemption may have no end date)',
    help: 'require every exemption to end within N days (exemptTagKey=until YYYY-MM-DD); one without an end date, or ending later, is refused and the account policy applies',
    ...days(1),
    schema: z.optional(wholeNumber(1, MAX_DAYS)),
  }),
  maxActionsPerRun: setting({
    env: 'MAX_ACTIONS_PER_RUN',
    flag: 'max-actions',
    placeholder: 'N',
    default: 25,
    allowed: 'a whole number from 0 to 10000 (0 withholds every change)',
    help: 'make no change at all if more than N are planned (blast-radius guard)',
    schema: wholeNumber(0, 10_000),
  }),
  concurrency: setting({
    env: 'SCAN_CONCURRENCY',
    flag: 'concurrency',
    placeholder: 'N',
    default: 8,
    allowed: 'a whole number from 1 to 64',
    help: 'users scanned at once',
    schema: wholeNumber(1, 64),
  }),
  scanStrategy: setting({
    env: 'SCAN_STRATEGY',
    flag: 'scan-strategy',
    placeholder: 'STRATEGY',
    default: 'full',
    allowed: `one of ${SCAN_STRATEGIES.join(', ')}`,
    help: "full lists every user's certificates; credential-report only those of users whose credential-report row shows an Active certificate (Inactive-only users, and certificates reactivated since the report, up to 4 hours old, are seen by full sweeps only; an older report is refused for a full scan)",
    schema: z.enum(SCAN_STRATEGIES),
  }),
  topicArn: setting({
    env: 'TOPIC_ARN',
    flag: 'topic-arn',
    placeholder: 'ARN',
    defaultText: '$TOPIC_ARN',
    allowed:
      'a standard SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:signing-cert-audit',
    help: 'the SNS topic the report goes to',
    schema: z.string().check(z.regex(SNS_TOPIC_ARN)),
    deployments: ['account'],
  }),
  archiveBucket: setting({
    env: 'ARCHIVE_BUCKET',
    flag: 'archive-bucket',
    placeholder: 'BUCKET',
    defaultText: 'none (the stack sets its own bucket)',
    allowed: 'an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens',
    help: 'the S3 bucket every report is archived in (JSON, JSON Lines and HTML)',
    schema: z.optional(z.string().check(z.regex(BUCKET_NAME))),
  }),
  securityHubRegion: setting({
    env: 'SECURITY_HUB_REGION',
    flag: 'security-hub-region',
    placeholder: 'REGION',
    defaultText: 'off',
    allowed: 'an AWS region name such as us-east-1',
    help: "Security Hub's home region: findings are imported there, and only there",
    schema: z.optional(z.string().check(z.regex(REGION))),
    deployments: ['account', 'organization'],
  }),
});

/** The member role every account holds for the auditor (deployed by the StackSet). */
export const DEFAULT_MEMBER_ROLE_NAME = 'SigningCertAuditMember';

/**
 * The organization's settings, declared once: the member role the worker assumes and the
 * account selection the enumerate step applies (read from the functions' environment, set from
 * CDK context), and how many accounts the state machine's Distributed Map audits at once.
 */
export const ORG_SETTINGS = settingsTable('context', {
  memberRoleName: setting({
    env: 'MEMBER_ROLE_NAME',
    flag: 'role-name',
    placeholder: 'NAME',
    default: DEFAULT_MEMBER_ROLE_NAME,
    allowed: 'an IAM role name: 1 to 64 letters, digits and + = , . @ _ -',
    help: 'the member role to assume in each account',
    // No wildcard and no path: the worker's grant is sts:AssumeRole on this name in every account.
    schema: z.string().check(z.regex(ROLE_NAME)),
    deployments: ['organization', 'member'],
  }),
  includeOus: setting({
    env: 'INCLUDE_OUS',
    allowed: 'OU or root ids, separated by commas',
    help: 'audit only the accounts under these OUs or roots, at any depth',
    ...listOf(OU_OR_ROOT_ID),
    deployments: ['organization'],
  }),
  excludeOus: setting({
    env: 'EXCLUDE_OUS',
    allowed: 'OU ids, separated by commas',
    help: 'never audit the accounts under these OUs, at any depth',
    ...listOf(OU_ID),
    deployments: ['organization'],
  }),
  includeAccounts: setting({
    env: 'INCLUDE_ACCOUNTS',
    allowed: '12-digit account ids, separated by commas',
    help: 'audit only these accounts (after the OU filters)',
    ...listOf(ACCOUNT_ID),
    deployments: ['organization'],
  }),
  excludeAccounts: setting({
    env: 'EXCLUDE_ACCOUNTS',
    allowed: '12-digit account ids, separated by commas',
    help: 'never audit these accounts',
    ...listOf(ACCOUNT_ID),
    deployments: ['organization'],
  }),
  accountConcurrency: setting({
    prop: 'maxConcurrency',
    default: 20,
    allowed: 'a whole number of accounts audited at once, from 1 to 1000',
    help: "accounts the state machine's Distributed Map audits at once",
    schema: wholeNumber(1, 1000),
    deployments: ['organization'],
  }),
});

/** A table of settings, keyed by setting. */
type Table = Readonly<Record<string, Setting>>;
/** A setting's value once parsed. */
export type SettingValue<T extends Setting> = z.output<T['schema']>;
/** Some settings of a table, parsed. */
export type Parsed<T extends Table, K extends keyof T> = {
  readonly [P in K]: SettingValue<T[P]>;
};
/** Raw, unvalidated values keyed by setting; absent or `undefined` means "use the default". */
export type RawSettings<K extends string = string> = Readonly<Partial<Record<K, unknown>>>;
/** Where a value was read; decides which of its setting's names an error message gives. */
export type SettingSource = 'env' | 'flag' | 'context' | 'prop';

/** The name of a setting, as used in CDK context and construct props. */
export type SettingKey = keyof typeof SETTINGS;
/** The settings that say where reports go rather than how to audit. */
const DELIVERY_KEYS = ['topicArn', 'archiveBucket', 'securityHubRegion'] as const;
/** The settings that make up the audit policy: all but where the report goes. */
export type PolicyKey = Exclude<SettingKey, (typeof DELIVERY_KEYS)[number]>;
/** Every policy setting, in declaration order. */
export const POLICY_KEYS = (Object.keys(SETTINGS) as SettingKey[]).filter(
  (key): key is PolicyKey => !(DELIVERY_KEYS as readonly string[]).includes(key),
);
/** The organization settings the functions read from their environment. */
const ORG_FUNCTION_KEYS = [
  'memberRoleName',
  'includeOus',
  'excludeOus',
  'includeAccounts',
  'excludeAccounts',
] as const;

/** A validated audit policy with every default resolved (`deleteAfterDays` from `maxAgeDays`). */
export type Policy = Parsed<typeof SETTINGS, PolicyKey> & { readonly deleteAfterDays: number };
/** The policy plus where the report goes: everything the Lambda needs. */
export interface Config extends Policy {
  readonly topicArn: string;
  /** The evidence bucket; absent when reports are not archived. */
  readonly archiveBucket?: string;
  /** Security Hub's home region; absent when findings are not sent there. */
  readonly securityHubRegion?: string;
}
/** The organization settings the functions read from their environment, parsed. */
export type OrgFunctionSettings = Parsed<typeof ORG_SETTINGS, (typeof ORG_FUNCTION_KEYS)[number]>;

/** The default of every policy setting that has one (`deleteAfterDays` defaults to `maxAgeDays`). */
export const POLICY_DEFAULTS = Object.fromEntries(
  POLICY_KEYS.flatMap((key) => {
    const row: Setting = SETTINGS[key];
    return row.default === undefined ? [] : [[key, row.default]];
  }),
) as Omit<Policy, 'deleteAfterDays'>;

/** The name a setting goes by where it was read: `MAX_AGE_DAYS`, `--max-age-days` or `maxAgeDays`. */
export function settingName(row: Setting, source: SettingSource): string {
  if (source === 'flag') return `--${row.flag}`;
  if (source === 'prop') return row.prop ?? row.context ?? '';
  return row[source] ?? '';
}

/**
 * Parses one value of a setting read from `source`: absent (undefined or null) gives its
 * default; a list is split on commas and each item checked. Throws a ConfigError naming the
 * setting as `source` knows it, the (first bad) value and what is allowed.
 */
export function parseSetting<T extends Setting>(
  row: T,
  source: SettingSource,
  value: unknown,
): SettingValue<T> {
  const name = settingName(row, source);
  if (value === undefined || value === null) {
    if (row.default !== undefined) return row.default as SettingValue<T>;
    const absent = row.schema.safeParse(undefined);
    if (absent.success) return absent.data as SettingValue<T>;
    throw configError([`${name} is required: ${row.allowed}`]);
  }
  const items = row.item ? splitList(value) : undefined;
  const bad = items?.find((item) => !row.item?.safeParse(item).success);
  if (bad !== undefined) throw configError([notAllowedAs(name, bad, row.allowed)]);
  const result = row.schema.safeParse(items ?? value);
  if (!result.success) throw configError([notAllowedAs(name, value, row.allowed)]);
  return result.data as SettingValue<T>;
}

/**
 * Parses the settings `keys` of a table from `raw` (keyed by setting); throws one ConfigError
 * naming every bad one, its value and what is allowed (not just the first), so a configuration is
 * fixed in one go. A setting that parses to nothing is left out.
 */
export function parseSettings<T extends Table, K extends keyof T & string>(
  table: T,
  keys: readonly K[],
  source: SettingSource,
  raw: RawSettings<K>,
): Parsed<T, K> {
  const parsed = gather(
    keys.map((key) => () => [key, parseSetting(table[key] as Setting, source, raw[key])]),
  );
  return Object.fromEntries(parsed.filter(([, value]) => value !== undefined)) as Parsed<T, K>;
}

/** The values a source (an environment, parsed flags) holds for a table, keyed by setting. */
export function valuesFrom(
  table: Table,
  source: 'env' | 'flag',
  input: Readonly<Record<string, unknown>>,
): RawSettings {
  return Object.fromEntries(
    Object.entries(table).map(([key, row]) => [key, row[source] && input[row[source]]]),
  );
}

/** A list from a comma-separated string or an array, as given; undefined when it is neither. */
export function splitList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Validates a policy, resolving `deleteAfterDays`; throws one ConfigError naming every bad setting. */
export function parsePolicy(raw: RawSettings<PolicyKey>, source: SettingSource): Policy {
  const policy = parseSettings(SETTINGS, POLICY_KEYS, source, raw);
  const { maxAgeDays, deleteAfterDays = maxAgeDays } = policy;
  if (deleteAfterDays < maxAgeDays) {
    const refused = notAllowedAs(
      settingName(SETTINGS.deleteAfterDays, source),
      raw.deleteAfterDays,
      SETTINGS.deleteAfterDays.allowed,
    );
    throw configError([
      `${refused} (${settingName(SETTINGS.maxAgeDays, source)} is ${maxAgeDays})`,
    ]);
  }
  return { ...policy, deleteAfterDays };
}

/** Validates a policy and where the report goes, the topic required; throws as {@link parsePolicy}. */
export function parseConfig(raw: RawSettings<SettingKey>, source: SettingSource): Config {
  const [policy, delivery] = gather<object>([
    () => parsePolicy(raw, source),
    () => parseSettings(SETTINGS, DELIVERY_KEYS, source, raw),
  ]);
  return { ...policy, ...delivery } as Config;
}

/** Reads and validates the Lambda's configuration from its environment variables. */
export function loadConfigFromEnv(env: Readonly<Record<string, string | undefined>>): Config {
  const config = parseConfig(valuesFrom(SETTINGS, 'env', env), 'env');
  const problem = changeRecordProblem(config.mode, config.archiveBucket !== undefined, {
    mode: SETTINGS.mode.env,
    place: SETTINGS.archiveBucket.env,
  });
  if (problem) throw configError([problem]);
  return config;
}

/** Reads and validates the policy alone from environment variables (functions that do not publish). */
export function loadPolicyFromEnv(env: Readonly<Record<string, string | undefined>>): Policy {
  return parsePolicy(valuesFrom(SETTINGS, 'env', env), 'env');
}

/** Reads the organization settings from a function's environment; throws as {@link parseSettings}. */
export function loadOrgSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): OrgFunctionSettings {
  return parseSettings(
    ORG_SETTINGS,
    ORG_FUNCTION_KEYS,
    'env',
    valuesFrom(ORG_SETTINGS, 'env', env),
  );
}

/**
 * Delete mode's one prerequisite: a place for the change record. Every change is recorded
 * before it is made, with the certificate's body, so that `restore` can undo even a deletion;
 * without such a place delete mode refuses to start (at synth, at the function's start-up, in
 * the CLI), naming what to set. Returns the sentence that says so, or undefined.
 */
export function changeRecordProblem(
  mode: Mode,
  hasPlace: boolean,
  names: { readonly mode: string; readonly place: string },
): string | undefined {
  if (mode !== 'delete' || hasPlace) return undefined;
  return `${names.mode}=delete needs ${names.place}: delete mode records every change before making it, with the certificate's body so that restore can undo even a deletion, and deletes nothing without that record`;
}

/** Every value the functions read from their environment, by setting. */
export type EnvironmentSettings = Config & OrgFunctionSettings;

/** The settings that the functions read from their environment, from both tables. */
const ENVIRONMENT_ROWS: readonly [string, Setting][] = Object.entries({
  ...SETTINGS,
  ...ORG_SETTINGS,
}).filter(([, row]) => 'env' in row);

/**
 * The environment variables that carry settings into the functions: what the constructs set,
 * and the functions read back. A setting with no value is left out (absent means its default);
 * a list is comma-separated, an empty one an empty string. Refuses delete mode without an
 * archive bucket, where the change record is kept.
 */
export function toEnvironment(settings: Partial<EnvironmentSettings>): Record<string, string> {
  const problem =
    settings.mode &&
    changeRecordProblem(settings.mode, settings.archiveBucket !== undefined, {
      mode: 'mode',
      place: 'an archive bucket (the change record is kept there)',
    });
  if (problem) throw configError([problem]);
  const env: Record<string, string> = {};
  for (const [key, row] of ENVIRONMENT_ROWS) {
    const value = (settings as Record<string, unknown>)[key];
    if (row.env && value !== undefined) {
      env[row.env] = Array.isArray(value) ? value.join(',') : String(value);
    }
  }
  return env;
}

/**
 * Every environment variable name of the tool, from the tables: the one place such a name is
 * written (an architecture test refuses one written anywhere else in lambda/, cli/ or lib/).
 */
export const ENVIRONMENT_NAMES: readonly string[] = ENVIRONMENT_ROWS.map(
  ([, row]) => row.env ?? '',
);

/** `name=value is not allowed: expected …`, the one form every refused setting is named in. */
export function notAllowedAs(name: string, value: unknown, allowed: string): string {
  const shown = JSON.stringify(value) ?? String(value);
  const bounded = shown.length > 80 ? `${shown.slice(0, 80)}…` : shown;
  return `${name}=${bounded} is not allowed: expected ${allowed}`;
}

function configError(problems: readonly string[]): ConfigError {
  const message =
    problems.length === 1
      ? (problems[0] as string)
      : `${problems.length} settings are not allowed:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  return new ConfigError(message, { problems });
}

/** Runs every parse, gathering the problems of each ConfigError: the results, or one error for all. */
function gather<T>(parses: readonly (() => T)[]): T[] {
  const problems: string[] = [];
  const results = parses.flatMap((parse) => {
    try {
      return [parse()];
    } catch (error: unknown) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return [];
    }
  });
  if (problems.length > 0) throw configError(problems);
  return results;
}
