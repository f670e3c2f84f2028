import * as z from 'zod/mini';
import { ConfigError } from './errors';

/** What a run may change: `report` nothing; `deactivate` over-age Active certificates; `delete` also deletes. */
export const MODES = ['report', 'deactivate', 'delete'] as const;
/** One of {@link MODES}. */
export type Mode = (typeof MODES)[number];

/** Longest policy age accepted, in days (100 years): anything longer is a typo, not a policy. */
const MAX_DAYS = 36_500;

/**
 * Every setting's names in each place a user can give it: the Lambda environment variable, the
 * CDK context key (the setting's own name) and the CLI flag. Defined once so the construct, the
 * CLI and the function can never drift apart.
 */
export const SETTINGS = {
  maxAgeDays: {
    env: 'MAX_AGE_DAYS',
    flag: 'max-age-days',
    allowed: `a whole number of days from 1 to ${MAX_DAYS}`,
  },
  mode: { env: 'MODE', flag: 'mode', allowed: `one of ${MODES.join(', ')}` },
  deleteAfterDays: {
    env: 'DELETE_AFTER_DAYS',
    flag: 'delete-after-days',
    allowed: `a whole number of days from 1 to ${MAX_DAYS}, not less than the maximum age`,
  },
  warnBeforeDays: {
    env: 'WARN_BEFORE_DAYS',
    flag: 'warn-before-days',
    allowed: `a whole number of days from 0 to ${MAX_DAYS}`,
  },
  userPathPrefix: {
    env: 'USER_PATH_PREFIX',
    flag: 'path-prefix',
    allowed:
      'an IAM path that starts and ends with "/", such as / or /engineering/ (at most 512 characters, without * ? or $: they would widen the function\'s IAM permissions)',
  },
  exemptTagKey: {
    env: 'EXEMPT_TAG_KEY',
    flag: 'exempt-tag',
    allowed: 'an IAM tag key: 1 to 128 letters, digits, spaces or _.:/=+-@',
  },
  maxOverrideDays: {
    env: 'MAX_OVERRIDE_DAYS',
    flag: 'max-override-days',
    allowed: `a whole number of days from 1 to ${MAX_DAYS}`,
  },
  maxActionsPerRun: {
    env: 'MAX_ACTIONS_PER_RUN',
    flag: 'max-actions',
    allowed: 'a whole number from 0 to 10000 (0 withholds every change)',
  },
  concurrency: {
    env: 'SCAN_CONCURRENCY',
    flag: 'concurrency',
    allowed: 'a whole number from 1 to 64',
  },
  topicArn: {
    env: 'TOPIC_ARN',
    flag: 'topic-arn',
    allowed:
      'a standard SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:signing-cert-audit',
  },
} as const;

/** The name of a setting, as used in CDK context and construct props. */
export type SettingKey = keyof typeof SETTINGS;
/** Where a setting came from; decides which of its names an error message uses. */
export type SettingSource = 'env' | 'context' | 'flag';

/** The default of every policy setting that has one (DESIGN.md). `deleteAfterDays` defaults to `maxAgeDays`. */
export const POLICY_DEFAULTS = {
  maxAgeDays: 90,
  mode: 'report',
  warnBeforeDays: 14,
  userPathPrefix: '/',
  exemptTagKey: 'signing-cert-audit:exempt',
  maxOverrideDays: 365,
  maxActionsPerRun: 25,
  concurrency: 8,
} as const satisfies Partial<Record<SettingKey, unknown>>;

const wholeNumber = (min: number, max: number) =>
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
const topicArn = z
  .string()
  .check(z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/));

const policyShape = {
  maxAgeDays: z._default(wholeNumber(1, MAX_DAYS), POLICY_DEFAULTS.maxAgeDays),
  mode: z._default(z.enum(MODES), POLICY_DEFAULTS.mode),
  deleteAfterDays: z.optional(wholeNumber(1, MAX_DAYS)),
  warnBeforeDays: z._default(wholeNumber(0, MAX_DAYS), POLICY_DEFAULTS.warnBeforeDays),
  userPathPrefix: z._default(iamPath, POLICY_DEFAULTS.userPathPrefix),
  exemptTagKey: z._default(tagKey, POLICY_DEFAULTS.exemptTagKey),
  maxOverrideDays: z._default(wholeNumber(1, MAX_DAYS), POLICY_DEFAULTS.maxOverrideDays),
  maxActionsPerRun: z._default(wholeNumber(0, 10_000), POLICY_DEFAULTS.maxActionsPerRun),
  concurrency: z._default(wholeNumber(1, 64), POLICY_DEFAULTS.concurrency),
};

/** The one policy schema, shared by CDK context, construct props, the Lambda environment and CLI flags. */
export const policySchema = z.object(policyShape);
const configSchema = z.object({ ...policyShape, topicArn });

/** A validated audit policy with every default resolved. */
export interface Policy {
  readonly maxAgeDays: number;
  readonly mode: Mode;
  readonly deleteAfterDays: number;
  readonly warnBeforeDays: number;
  readonly userPathPrefix: string;
  readonly exemptTagKey: string;
  readonly maxOverrideDays: number;
  readonly maxActionsPerRun: number;
  readonly concurrency: number;
}

/** The policy plus where the report goes: everything the Lambda needs. */
export interface Config extends Policy {
  readonly topicArn: string;
}

/** Raw, unvalidated settings keyed by setting name; absent or `undefined` means "use the default". */
export type RawSettings = Partial<Record<SettingKey, unknown>>;

/** The name a user knows a setting by in a given source: `MAX_AGE_DAYS`, `maxAgeDays` or `--max-age-days`. */
export function settingName(key: SettingKey, source: SettingSource): string {
  if (source === 'env') return SETTINGS[key].env;
  if (source === 'flag') return `--${SETTINGS[key].flag}`;
  return key;
}

/** Validates a policy; throws a ConfigError naming the first bad setting, its value and what is allowed. */
export function parsePolicy(raw: RawSettings, source: SettingSource): Policy {
  return resolve(parseWith(policySchema, raw, source), raw, source);
}

/** Validates a policy and a topic ARN (required); throws a ConfigError as {@link parsePolicy} does. */
export function parseConfig(raw: RawSettings, source: SettingSource): Config {
  if (raw.topicArn === undefined) {
    throw new ConfigError(
      `${settingName('topicArn', source)} is required: ${SETTINGS.topicArn.allowed}`,
    );
  }
  const parsed = parseWith(configSchema, raw, source);
  return { ...resolve(parsed, raw, source), topicArn: parsed.topicArn };
}

/** Reads and validates the Lambda's configuration from its environment variables. */
export function loadConfigFromEnv(env: Readonly<Record<string, string | undefined>>): Config {
  const raw: RawSettings = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const value = env[SETTINGS[key].env];
    if (value !== undefined) raw[key] = value;
  }
  return parseConfig(raw, 'env');
}

/** The environment variables that carry a policy (and topic) into the function. */
export function toEnvironment(policy: Policy, topicArnValue?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of Object.keys(policyShape) as (keyof typeof policyShape)[]) {
    env[SETTINGS[key].env] = String(policy[key]);
  }
  if (topicArnValue !== undefined) env[SETTINGS.topicArn.env] = topicArnValue;
  return env;
}

function parseWith<T extends z.ZodMiniType>(
  schema: T,
  raw: RawSettings,
  source: SettingSource,
): z.output<T> {
  const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
  const result = schema.safeParse(given);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue?.path[0];
  if (typeof key === 'string' && key in SETTINGS) {
    const settingKey = key as SettingKey;
    throw new ConfigError(
      `${settingName(settingKey, source)}=${JSON.stringify(raw[settingKey])} is not allowed: expected ${SETTINGS[settingKey].allowed}`,
    );
  }
  throw new ConfigError(`invalid settings: ${issue?.message ?? 'unknown problem'}`);
}

function resolve(
  parsed: z.output<typeof policySchema>,
  raw: RawSettings,
  source: SettingSource,
): Policy {
  const deleteAfterDays = parsed.deleteAfterDays ?? parsed.maxAgeDays;
  if (deleteAfterDays < parsed.maxAgeDays) {
    throw new ConfigError(
      `${settingName('deleteAfterDays', source)}=${JSON.stringify(raw.deleteAfterDays)} is not allowed: expected ${SETTINGS.deleteAfterDays.allowed} (${settingName('maxAgeDays', source)} is ${parsed.maxAgeDays})`,
    );
  }
  return { ...parsed, deleteAfterDays };
}
