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

/** A whole number from `min` to `max`, given as a number or as digits (environment, `-c`). */
export const wholeNumber = (min: number, max: number) =>
  z.pipe(
    z.union([z.number(), z.string().check(z.regex(/^[0-9]+$/))]),
    z.pipe(
      z.transform((value: number | string) => Number(value)),
      z.int().check(z.minimum(min), z.maximum(max)),
    ),
  );

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
const topicArn = z.string().check(z.regex(SNS_TOPIC_ARN));
const bucketName = z.string().check(z.regex(BUCKET_NAME));

/** One setting, declared once: every name it goes by, its default, what it allows and its help. */
interface SettingSpec<S extends z.ZodMiniType> {
  /** The Lambda environment variable. */
  readonly env: string;
  /** The CLI flag, without `--`. */
  readonly flag: string;
  /** The flag's value in `--help` (`N`, `MODE`, …). */
  readonly placeholder: string;
  /** The default; `undefined` when it is derived from another setting or there is none. */
  readonly default: z.output<S> | undefined;
  /** What the default is, in words, where it is not a plain value. */
  readonly defaultText?: string;
  /** What a valid value looks like, for error messages. */
  readonly allowed: string;
  /** One line for `--help` and the docs. */
  readonly help: string;
  readonly schema: S;
  /** The deployments that read it from CDK context, when not all of them do. */
  readonly deployments?: readonly Deployment[];
}

/** Which stack the CDK app deploys: one account, an organization, or the member role alone. */
export type Deployment = 'account' | 'organization' | 'member';

const spec = <S extends z.ZodMiniType>(setting: SettingSpec<S>) => setting;

/**
 * Every setting, declared once. The zod schema, the {@link Policy} type, the Lambda environment,
 * the CLI's flags and help, CDK context and the construct's validation all derive from this
 * table; cdk.json and the construct's props are checked against it by the tests.
 */
export const SETTINGS = {
  maxAgeDays: spec({
    env: 'MAX_AGE_DAYS',
    flag: 'max-age-days',
    placeholder: 'N',
    default: 90,
    allowed: `a whole number of days from 1 to ${MAX_DAYS}`,
    help: 'a certificate uploaded more than N days ago is non-compliant',
    schema: wholeNumber(1, MAX_DAYS),
  }),
  mode: spec({
    env: 'MODE',
    flag: 'mode',
    placeholder: 'MODE',
    default: 'report',
    allowed: `one of ${MODES.join(', ')}`,
    help: `${MODES.join(' | ')}; delete never deletes an Active certificate: it deactivates it, and a later run deletes it`,
    schema: z.enum(MODES),
  }),
  deleteAfterDays: spec({
    env: 'DELETE_AFTER_DAYS',
    flag: 'delete-after-days',
    placeholder: 'N',
    default: undefined,
    defaultText: 'the maximum age',
    allowed: `a whole number of days from 1 to ${MAX_DAYS}, not less than the maximum age`,
    help: 'delete mode: delete an over-age certificate that is Inactive and older than N days',
    schema: wholeNumber(1, MAX_DAYS),
  }),
  warnBeforeDays: spec({
    env: 'WARN_BEFORE_DAYS',
    flag: 'warn-before-days',
    placeholder: 'N',
    default: 14,
    allowed: `a whole number of days from 0 to ${MAX_DAYS}`,
    help: 'report EXPIRING_SOON within N days of the maximum age (0: no warnings)',
    schema: wholeNumber(0, MAX_DAYS),
  }),
  userPathPrefix: spec({
    env: 'USER_PATH_PREFIX',
    flag: 'path-prefix',
    placeholder: 'PATH',
    default: '/',
    allowed:
      'an IAM path that starts and ends with "/", such as / or /engineering/ (at most 512 characters, without * ? or $: they would widen the function\'s IAM permissions)',
    help: 'audit only users under this IAM path',
    schema: iamPath,
  }),
  exemptTagKey: spec({
    env: 'EXEMPT_TAG_KEY',
    flag: 'exempt-tag',
    placeholder: 'KEY',
    default: 'signing-cert-audit:exempt',
    allowed: 'an IAM tag key: 1 to 128 letters, digits, spaces or _.:/=+-@',
    help: 'a user tagged KEY=true is exempt',
    schema: tagKey,
  }),
  maxOverrideDays: spec({
    env: 'MAX_OVERRIDE_DAYS',
    flag: 'max-override-days',
    placeholder: 'N',
    default: 365,
    allowed: `a whole number of days from 1 to ${MAX_DAYS}`,
    help: "the longest maximum age a user's signing-cert-audit:max-age-days tag may set; a longer one is refused and the account's applies",
    schema: wholeNumber(1, MAX_DAYS),
  }),
  maxExemptionDays: spec({
    env: 'MAX_EXEMPTION_DAYS',
    flag: 'max-exemption-days',
    placeholder: 'N',
    default: undefined,
    defaultText: 'none (an exemption may have no end date)',
    allowed: `a whole number of days from 1 to ${MAX_DAYS}`,
    help: 'require every exemption to end within N days (exemptTagKey=until YYYY-MM-DD); one without an end date, or ending later, is refused and the account policy applies',
    schema: z.optional(wholeNumber(1, MAX_DAYS)),
  }),
  maxActionsPerRun: spec({
    env: 'MAX_ACTIONS_PER_RUN',
    flag: 'max-actions',
    placeholder: 'N',
    default: 25,
    allowed: 'a whole number from 0 to 10000 (0 withholds every change)',
    help: 'make no change at all if more than N are planned (blast-radius guard)',
    schema: wholeNumber(0, 10_000),
  }),
  concurrency: spec({
    env: 'SCAN_CONCURRENCY',
    flag: 'concurrency',
    placeholder: 'N',
    default: 8,
    allowed: 'a whole number from 1 to 64',
    help: 'users scanned at once',
    schema: wholeNumber(1, 64),
  }),
  scanStrategy: spec({
    env: 'SCAN_STRATEGY',
    flag: 'scan-strategy',
    placeholder: 'STRATEGY',
    default: 'full',
    allowed: `one of ${SCAN_STRATEGIES.join(', ')}`,
    help: "full lists every user's certificates; credential-report only those of users whose credential-report row shows an Active certificate (Inactive-only users, and certificates reactivated since the report, up to 4 hours old, are seen by full sweeps only; an older report is refused for a full scan)",
    schema: z.enum(SCAN_STRATEGIES),
  }),
  topicArn: spec({
    env: 'TOPIC_ARN',
    flag: 'topic-arn',
    placeholder: 'ARN',
    default: undefined,
    defaultText: '$TOPIC_ARN',
    allowed:
      'a standard SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:signing-cert-audit',
    help: 'the SNS topic the report goes to',
    schema: topicArn,
    deployments: ['account'],
  }),
  archiveBucket: spec({
    env: 'ARCHIVE_BUCKET',
    flag: 'archive-bucket',
    placeholder: 'BUCKET',
    default: undefined,
    defaultText: 'none (the stack sets its own bucket)',
    allowed: 'an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens',
    help: 'the S3 bucket every report is archived in (JSON, JSON Lines and HTML)',
    schema: bucketName,
  }),
  securityHubRegion: spec({
    env: 'SECURITY_HUB_REGION',
    flag: 'security-hub-region',
    placeholder: 'REGION',
    default: undefined,
    defaultText: 'off',
    allowed: 'an AWS region name such as us-east-1',
    help: "Security Hub's home region: findings are imported there, and only there",
    schema: z.string().check(z.regex(REGION)),
    deployments: ['account', 'organization'],
  }),
} as const;

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
/** Where a setting came from; decides which of its names an error message uses. */
export type SettingSource = 'env' | 'context' | 'flag';

/** A validated audit policy with every default resolved. */
export type Policy = {
  readonly [K in PolicyKey]: z.output<(typeof SETTINGS)[K]['schema']>;
};

/** The policy plus where the report goes: everything the Lambda needs. */
export interface Config extends Policy {
  readonly topicArn: string;
  /** The evidence bucket; absent when reports are not archived. */
  readonly archiveBucket?: string;
  /** Security Hub's home region; absent when findings are not sent there. */
  readonly securityHubRegion?: string;
}

/** The default of every policy setting that has one (`deleteAfterDays` defaults to `maxAgeDays`). */
export const POLICY_DEFAULTS = Object.fromEntries(
  POLICY_KEYS.filter((key) => SETTINGS[key].default !== undefined).map((key) => [
    key,
    SETTINGS[key].default,
  ]),
) as {
  readonly [K in PolicyKey as (typeof SETTINGS)[K]['default'] extends undefined
    ? never
    : K]: Policy[K];
};

/** Raw, unvalidated settings keyed by setting name; absent or `undefined` means "use the default". */
export type RawSettings = Partial<Record<SettingKey, unknown>>;

/** The name a user knows a setting by in a given source: `MAX_AGE_DAYS`, `maxAgeDays` or `--max-age-days`. */
export function settingName(key: SettingKey, source: SettingSource): string {
  if (source === 'env') return SETTINGS[key].env;
  if (source === 'flag') return `--${SETTINGS[key].flag}`;
  return key;
}

/**
 * Validates a policy; throws one ConfigError naming every bad setting, its value and what is
 * allowed (not just the first), so a configuration is fixed in one go.
 */
export function parsePolicy(raw: RawSettings, source: SettingSource): Policy {
  return parseSettings(raw, source, POLICY_KEYS) as unknown as Policy;
}

/** Validates a policy and a topic ARN (required); throws a ConfigError as {@link parsePolicy} does. */
export function parseConfig(raw: RawSettings, source: SettingSource): Config {
  const problems: string[] = [];
  if (raw.topicArn === undefined) {
    problems.push(`${settingName('topicArn', source)} is required: ${SETTINGS.topicArn.allowed}`);
  }
  try {
    const parsed = parseSettings(raw, source, [
      ...POLICY_KEYS,
      'topicArn',
      'archiveBucket',
      'securityHubRegion',
    ]);
    if (parsed.archiveBucket === undefined) delete parsed.archiveBucket;
    if (parsed.securityHubRegion === undefined) delete parsed.securityHubRegion;
    if (problems.length === 0) return parsed as unknown as Config;
  } catch (error: unknown) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  throw configError(problems);
}

/** The settings found in an environment, unvalidated, keyed by setting name. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): RawSettings {
  const raw: RawSettings = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const value = env[SETTINGS[key].env];
    if (value !== undefined) raw[key] = value;
  }
  return raw;
}

/** Reads and validates the Lambda's configuration from its environment variables. */
export function loadConfigFromEnv(env: Readonly<Record<string, string | undefined>>): Config {
  const config = parseConfig(settingsFromEnv(env), 'env');
  const problem = changeRecordProblem(config.mode, config.archiveBucket !== undefined, {
    mode: SETTINGS.mode.env,
    place: SETTINGS.archiveBucket.env,
  });
  if (problem) throw configError([problem]);
  return config;
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

/** Reads and validates the policy alone from environment variables (functions that do not publish). */
export function loadPolicyFromEnv(env: Readonly<Record<string, string | undefined>>): Policy {
  return parsePolicy(settingsFromEnv(env), 'env');
}

/** The environment variables that carry a policy (and where reports go) into the function. */
export function toEnvironment(
  policy: Policy,
  delivery: { topicArn?: string; archiveBucket?: string; securityHubRegion?: string } = {},
): Record<string, string> {
  const problem = changeRecordProblem(policy.mode, delivery.archiveBucket !== undefined, {
    mode: 'mode',
    place: 'an archive bucket (the change record is kept there)',
  });
  if (problem) throw configError([problem]);
  const env: Record<string, string> = {};
  for (const key of POLICY_KEYS) {
    // A setting with no value (no default, none given) is left out: absent means its default.
    if (policy[key] !== undefined) env[SETTINGS[key].env] = String(policy[key]);
  }
  for (const key of ['topicArn', 'archiveBucket', 'securityHubRegion'] as const) {
    const value = delivery[key];
    if (value !== undefined) env[SETTINGS[key].env] = value;
  }
  return env;
}

function parseSettings(
  raw: RawSettings,
  source: SettingSource,
  keys: readonly SettingKey[],
): Record<string, unknown> {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const key of keys) {
    const setting = SETTINGS[key];
    const value = raw[key];
    if (value === undefined) {
      parsed[key] = setting.default;
      continue;
    }
    const result = (setting.schema as z.ZodMiniType).safeParse(value);
    if (result.success) parsed[key] = result.data;
    else problems.push(notAllowed(key, value, source));
  }
  if (problems.length === 0 && keys.includes('deleteAfterDays')) {
    const maxAgeDays = parsed.maxAgeDays as number;
    parsed.deleteAfterDays ??= maxAgeDays;
    if ((parsed.deleteAfterDays as number) < maxAgeDays) {
      problems.push(
        `${notAllowed('deleteAfterDays', raw.deleteAfterDays, source)} (${settingName('maxAgeDays', source)} is ${maxAgeDays})`,
      );
    }
  }
  if (problems.length > 0) throw configError(problems);
  return parsed;
}

function notAllowed(key: SettingKey, value: unknown, source: SettingSource): string {
  return notAllowedAs(settingName(key, source), value, SETTINGS[key].allowed);
}

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

/** The member role every account holds for the auditor (deployed by the StackSet). */
export const DEFAULT_MEMBER_ROLE_NAME = 'SigningCertAuditMember';

/**
 * A setting in the table's form, for the settings that not every entry point reads: each name
 * it goes by (the functions' environment variable, the CLI flag, the CDK context key) or null
 * where that entry point has none, its default, what it allows, its help and its schema.
 */
export interface Setting<S extends z.ZodMiniType = z.ZodMiniType> {
  /** The functions' environment variable, or null when no function reads it. */
  readonly env: string | null;
  /** The CLI flag, without `--`, or null when the CLI has none. */
  readonly flag: string | null;
  /** The CDK context key (and construct prop), or null when CDK context does not set it. */
  readonly context: string | null;
  /** The flag's value in `--help`. */
  readonly placeholder?: string;
  /** The default; `undefined` when there is none (the setting is then required where read). */
  readonly default: z.output<S> | undefined;
  /** What a valid value looks like, for error messages. */
  readonly allowed: string;
  /** One line for `--help` and the docs. */
  readonly help: string;
  readonly schema: S;
  /**
   * Set for a list: the schema of one item. The value is then a comma-separated string (the
   * environment, `-c`) or an array (cdk.json, props), and a refusal names the bad item.
   */
  readonly item?: z.ZodMiniType<string>;
  /** The deployments that read it from CDK context, when not all of them do. */
  readonly deployments?: readonly Deployment[];
}

/** The names a setting goes by, as declared (literal types, so lookups by them are typed). */
interface SettingNames {
  readonly env: string | null;
  readonly flag: string | null;
  readonly context: string | null;
}

/** Declares a setting of the {@link Setting} form, keeping its exact names and schema. */
export const setting = <S extends z.ZodMiniType, const N extends SettingNames>(
  declared: Setting<S> & N,
) => declared;

/** The parts of a list setting whose items match `item`: empty by default. */
export const listOf = (item: RegExp) => ({
  item: z.string().check(z.regex(item)),
  schema: z.array(z.string()),
  default: [] as string[],
});

/**
 * The organization deployment's settings, declared once: the member role the worker assumes
 * and the account selection the enumerate step applies (read from the functions' environment,
 * set from CDK context), and how many accounts are audited at once (the Distributed Map's, from
 * context; the CLI's, from its flag: a laptop's share is not a state machine's).
 */
export const ORG_SETTINGS = {
  memberRoleName: setting({
    env: 'MEMBER_ROLE_NAME',
    flag: 'role-name',
    context: 'memberRoleName',
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
    flag: null,
    context: 'includeOus',
    allowed: 'OU or root ids, separated by commas',
    help: 'audit only the accounts under these OUs or roots, at any depth',
    ...listOf(OU_OR_ROOT_ID),
    deployments: ['organization'],
  }),
  excludeOus: setting({
    env: 'EXCLUDE_OUS',
    flag: null,
    context: 'excludeOus',
    allowed: 'OU ids, separated by commas',
    help: 'never audit the accounts under these OUs, at any depth',
    ...listOf(OU_ID),
    deployments: ['organization'],
  }),
  includeAccounts: setting({
    env: 'INCLUDE_ACCOUNTS',
    flag: null,
    context: 'includeAccounts',
    allowed: '12-digit account ids, separated by commas',
    help: 'audit only these accounts (after the OU filters)',
    ...listOf(ACCOUNT_ID),
    deployments: ['organization'],
  }),
  excludeAccounts: setting({
    env: 'EXCLUDE_ACCOUNTS',
    flag: null,
    context: 'excludeAccounts',
    allowed: '12-digit account ids, separated by commas',
    help: 'never audit these accounts',
    ...listOf(ACCOUNT_ID),
    deployments: ['organization'],
  }),
  accountConcurrency: setting({
    env: null,
    flag: null,
    context: 'accountConcurrency',
    default: 20,
    allowed: 'a whole number of accounts audited at once, from 1 to 1000',
    help: "accounts the state machine's Distributed Map audits at once",
    schema: wholeNumber(1, 1000),
    deployments: ['organization'],
  }),
  cliAccountConcurrency: setting({
    env: null,
    flag: 'account-concurrency',
    context: null,
    placeholder: 'N',
    default: 4,
    allowed: 'a whole number from 1 to 32',
    help: 'accounts audited at once with --accounts or --organization, at most 32',
    schema: wholeNumber(1, 32),
  }),
} as const;

/** The name of an organization setting. */
export type OrgSettingKey = keyof typeof ORG_SETTINGS;

/** A setting's value once parsed. */
export type SettingValue<T extends Setting> = z.output<T['schema']>;

/**
 * Parses one value of a {@link Setting} read under `name` (its env variable, `--flag` or context
 * key): absent gives the default; a list is split on commas and each item checked; throws a
 * ConfigError naming `name`, the (first bad) value and what is allowed.
 */
export function parseSetting<T extends Setting>(
  declared: T,
  name: string,
  value: unknown,
): SettingValue<T> {
  if (value === undefined || value === null) {
    if (declared.default === undefined) {
      throw configError([`${name} is required: ${declared.allowed}`]);
    }
    return declared.default as SettingValue<T>;
  }
  if (declared.item) {
    const items = splitList(value);
    const bad =
      items === undefined ? value : items.find((item) => !declared.item?.safeParse(item).success);
    if (bad !== undefined) throw configError([notAllowedAs(name, bad, declared.allowed)]);
    return items as SettingValue<T>;
  }
  const result = (declared.schema as z.ZodMiniType).safeParse(value);
  if (!result.success) throw configError([notAllowedAs(name, value, declared.allowed)]);
  return result.data as SettingValue<T>;
}

/** A list from a comma-separated string or an array; undefined when it is neither. */
function splitList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const ORG_FUNCTION_KEYS = [
  'memberRoleName',
  'includeOus',
  'excludeOus',
  'includeAccounts',
  'excludeAccounts',
] as const satisfies readonly OrgSettingKey[];

/** The organization settings the functions read from their environment, parsed (from the table). */
export type OrgFunctionSettings = {
  readonly [K in (typeof ORG_FUNCTION_KEYS)[number]]: SettingValue<(typeof ORG_SETTINGS)[K]>;
};

/**
 * Reads the organization settings from a function's environment; throws one ConfigError naming
 * every bad variable, its value and what is allowed.
 */
export function loadOrgSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): OrgFunctionSettings {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const key of ORG_FUNCTION_KEYS) {
    const declared = ORG_SETTINGS[key];
    try {
      parsed[key] = parseSetting(declared, declared.env, env[declared.env]);
    } catch (error: unknown) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw configError(problems);
  return parsed as unknown as OrgFunctionSettings;
}

/**
 * The environment variables that carry the organization settings into the organization's
 * functions: what the construct sets, and {@link loadOrgSettingsFromEnv} reads back. Lists are
 * comma-separated; an empty list is an empty string (it filters nothing).
 */
export function toOrgEnvironment(
  settings: Partial<OrgFunctionSettings> & Pick<OrgFunctionSettings, 'memberRoleName'>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ORG_FUNCTION_KEYS) {
    const value = settings[key] ?? [];
    env[ORG_SETTINGS[key].env] = typeof value === 'string' ? value : value.join(',');
  }
  return env;
}

/**
 * Every environment variable name of the tool, from the tables: the one place such a name is
 * written (an architecture test refuses one written anywhere else in lambda/, cli/ or lib/).
 */
export const ENVIRONMENT_NAMES: readonly string[] = [
  ...Object.values(SETTINGS).map((declared) => declared.env),
  ...Object.values(ORG_SETTINGS).flatMap((declared) => (declared.env ? [declared.env] : [])),
];
