import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Node } from 'constructs';
import * as z from 'zod/mini';
import { ConfigError } from '../lambda/core/errors';
import { BUCKET_NAME, ORGANIZATION_ID, OU_OR_ROOT_ID } from '../lambda/core/patterns';
import {
  type Deployment,
  listOf,
  notAllowedAs,
  ORG_SETTINGS,
  POLICY_KEYS,
  type Policy,
  parsePolicy,
  parseSetting,
  type RawSettings,
  SETTINGS,
  type Setting,
  setting,
  wholeNumber,
} from '../lambda/core/settings';
import { closest } from '../lambda/core/suggest';

export type { Deployment } from '../lambda/core/settings';

const RATE = /^rate\((\d+) (minute|hour|day)(s?)\)$/;
const CRON = /^cron\(([^()]+)\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;

/** A recurring EventBridge Scheduler expression: `rate(…)`, or a six-field `cron(…)` with one `?`. */
function isSchedule(value: string): boolean {
  const rate = RATE.exec(value);
  if (rate) {
    // Scheduler wants "rate(1 day)" but "rate(2 days)".
    return Number(rate[1]) >= 1 && (Number(rate[1]) === 1) === (rate[3] === '');
  }
  const fields = CRON.exec(value)?.[1]?.trim().split(/\s+/) ?? [];
  const [, , dayOfMonth, , dayOfWeek] = fields;
  return (
    fields.length === 6 &&
    fields.every((field) => CRON_FIELD.test(field)) &&
    (dayOfMonth === '?') !== (dayOfWeek === '?')
  );
}

/** An IANA time zone name the runtime knows. */
function isTimeZone(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
/**
 * Config's periodic frequencies (SourceDetail.MaximumExecutionFrequency in the Config API
 * Reference), the values of aws-cdk-lib's `MaximumExecutionFrequency` (a test holds them equal).
 */
export const CONFIG_RULE_FREQUENCIES = [
  'One_Hour',
  'Three_Hours',
  'Six_Hours',
  'Twelve_Hours',
  'TwentyFour_Hours',
] as const;
const schedule = z.string().check(z.refine(isSchedule));
const days = wholeNumber(1, 3650);
// CDK context gives strings with `-c`, cdk.json and props booleans.
const boolean = z.pipe(
  z.union([z.boolean(), z.enum(['true', 'false'])]),
  z.transform((value: boolean | 'true' | 'false') => value === true || value === 'true'),
);
const deploy = <S extends z.ZodMiniType, const K extends string>(
  context: K,
  declared: Omit<Setting<S>, 'env' | 'flag' | 'context'>,
) => setting({ env: null, flag: null, context, ...declared });

/**
 * The deployment settings, in the settings table's form (lambda/core/settings.ts): CDK context
 * keys and construct props only, with no environment variable or CLI flag, each with its
 * schema, default, what it allows and which deployments read it. The policy's settings and the
 * organization's are in the tables of lambda/core/settings.ts; every context key is one of the
 * three tables'.
 */
export const DEPLOY_SETTINGS = {
  schedule: deploy('schedule', {
    default: 'cron(0 6 * * ? *)',
    allowed:
      'a recurring EventBridge Scheduler expression: cron(minutes hours day-of-month month day-of-week year) with ? in exactly one of the two day fields, or rate(N minute|minutes|hour|hours|day|days)',
    help: 'when a run starts',
    schema: schedule,
  }),
  fullScanSchedule: deploy('fullScanSchedule', {
    default: undefined,
    allowed:
      'a recurring EventBridge Scheduler expression, as for schedule, such as cron(0 5 ? * SUN *)',
    help: 'when a run scans in full whatever scanStrategy says',
    schema: schedule,
    deployments: ['account'],
  }),
  timeZone: deploy('timeZone', {
    default: 'UTC',
    allowed: 'an IANA time zone name such as UTC or Europe/Paris',
    help: 'the time zone of the schedules',
    schema: z.string().check(z.refine(isTimeZone)),
  }),
  notificationEmails: deploy('notificationEmails', {
    allowed: 'email addresses such as sec@example.com, separated by commas',
    help: 'addresses subscribed to the topic',
    ...listOf(EMAIL),
    deployments: ['account', 'organization'],
  }),
  reportRetentionDays: deploy('reportRetentionDays', {
    // A yearly audit plus margin.
    default: 400,
    allowed: 'a whole number of days from 1 to 3650',
    help: 'how long the archive keeps reports',
    schema: days,
  }),
  objectLockDays: deploy('objectLockDays', {
    default: undefined,
    allowed: 'a whole number of days from 1 to 3650, not more than reportRetentionDays',
    help: 'how long no one can delete an archived report (S3 Object Lock)',
    schema: days,
    deployments: ['account'],
  }),
  securityHub: deploy('securityHub', {
    default: false,
    allowed: 'true or false',
    help: "send the findings to Security Hub (an organization's, to each member's own)",
    schema: boolean,
    deployments: ['account', 'organization'],
  }),
  configRule: deploy('configRule', {
    default: false,
    allowed: 'true or false',
    help: 'add an AWS Config rule that evaluates each IAM user (a second function, report only)',
    schema: boolean,
    deployments: ['account'],
  }),
  configRuleFrequency: deploy('configRuleFrequency', {
    default: 'TwentyFour_Hours',
    allowed: `how often Config runs the rule: ${CONFIG_RULE_FREQUENCIES.join(', ')}`,
    help: 'the Config rule’s maximum execution frequency',
    schema: z.enum(CONFIG_RULE_FREQUENCIES),
    deployments: ['account'],
  }),
  archiveBucketName: deploy('archiveBucketName', {
    default: undefined,
    allowed:
      'the name of an existing S3 bucket (3 to 63 lowercase letters, digits, dots and hyphens)',
    help: 'archive into this existing bucket instead of the stack’s own',
    schema: z.string().check(z.regex(BUCKET_NAME)),
    deployments: ['account'],
  }),
  lambdaRuntime: deploy('lambdaRuntime', {
    default: undefined,
    allowed:
      'a Node.js Lambda runtime such as nodejs24.x or nodejs26.x (the ones the functions are tested on)',
    help: 'pin the functions’ runtime (default: the newest tested one your aws-cdk-lib knows)',
    schema: z.string().check(z.regex(/^nodejs\d+\.x$/)),
    deployments: ['account', 'organization'],
  }),
  deployment: deploy('deployment', {
    default: 'account',
    allowed:
      'account (one account), organization (every account: state machine and StackSet) or member (the member role template alone)',
    help: 'which stack the app deploys',
    schema: z.enum(['account', 'organization', 'member']),
  }),
  organizationId: deploy('organizationId', {
    default: undefined,
    allowed: 'an organization id such as o-a1b2c3d4e5',
    help: 'the organization whose accounts member roles trust the worker from',
    schema: z.string().check(z.regex(ORGANIZATION_ID)),
    deployments: ['organization'],
  }),
  memberTargets: deploy('memberTargets', {
    allowed: 'the organization root id (r-…) or OU ids (ou-…), separated by commas',
    help: 'where the StackSet deploys the member role',
    ...listOf(OU_OR_ROOT_ID),
    deployments: ['organization'],
  }),
  callAs: deploy('callAs', {
    default: 'SELF',
    allowed: 'SELF (the management account) or DELEGATED_ADMIN',
    help: 'how the StackSet is managed',
    schema: z.enum(['SELF', 'DELEGATED_ADMIN']),
    deployments: ['organization'],
  }),
} as const;

/** The organization settings that CDK context sets, keyed by their context key. */
const ORG_CONTEXT_SETTINGS = Object.fromEntries(
  Object.values(ORG_SETTINGS).flatMap((declared) =>
    declared.context === null ? [] : [[declared.context, declared]],
  ),
) as Readonly<Record<string, Setting>>;

type OrgContextKey = NonNullable<(typeof ORG_SETTINGS)[keyof typeof ORG_SETTINGS]['context']>;
/** A key of CDK context that is not a policy setting. */
export type DeploySettingKey = keyof typeof DEPLOY_SETTINGS | OrgContextKey | 'securityHubRegion';

/** Every context setting of the two tables that are not the policy's, by context key. */
const CONTEXT_SETTINGS: Readonly<Record<string, Setting>> = {
  ...DEPLOY_SETTINGS,
  ...ORG_CONTEXT_SETTINGS,
};

/** Defaults of the deployment settings that are not part of the audit policy. */
export const DEPLOY_DEFAULTS = {
  schedule: DEPLOY_SETTINGS.schedule.default,
  timeZone: DEPLOY_SETTINGS.timeZone.default,
  reportRetentionDays: DEPLOY_SETTINGS.reportRetentionDays.default,
} as const;

/** What each deployment setting accepts, for error messages (from the tables). */
export const DEPLOY_SETTINGS_ALLOWED = {
  ...(Object.fromEntries(
    Object.entries(CONTEXT_SETTINGS).map(([key, declared]) => [key, declared.allowed]),
  ) as Record<keyof typeof DEPLOY_SETTINGS | OrgContextKey, string>),
  securityHubRegion: SETTINGS.securityHubRegion.allowed,
} as const;

/**
 * Parses one deployment setting from context or props by its table row, naming the key in a
 * ConfigError: absent gives the row's default.
 */
export function parseDeploySetting<K extends keyof typeof DEPLOY_SETTINGS>(
  key: K,
  value: unknown,
): z.output<(typeof DEPLOY_SETTINGS)[K]['schema']> {
  return parseSetting(DEPLOY_SETTINGS[key], key, value) as z.output<
    (typeof DEPLOY_SETTINGS)[K]['schema']
  >;
}

/**
 * A value that was given (a prop, or the default the caller resolved), checked by its row: an
 * absent one is refused, not defaulted, since the caller meant to pass one.
 */
function checkGiven<K extends keyof typeof DEPLOY_SETTINGS>(
  key: K,
  value: unknown,
): z.output<(typeof DEPLOY_SETTINGS)[K]['schema']> {
  return parseSetting({ ...DEPLOY_SETTINGS[key], default: undefined }, key, value) as z.output<
    (typeof DEPLOY_SETTINGS)[K]['schema']
  >;
}

/** Returns a valid recurring Scheduler expression, or throws a ConfigError naming the setting. */
export function checkSchedule(
  value: unknown,
  name: 'schedule' | 'fullScanSchedule' = 'schedule',
): string {
  return checkGiven(name, value);
}

/** Returns a whole number of days from 1 to 3650, or throws a ConfigError naming the setting. */
export function checkDays(value: unknown, name: 'reportRetentionDays' | 'objectLockDays'): number {
  return checkGiven(name, value);
}

/** Returns a region name, or throws a ConfigError naming the setting. */
export function checkRegion(value: unknown, name: 'securityHubRegion'): string {
  const result = SETTINGS.securityHubRegion.schema.safeParse(value);
  if (!result.success) throw new ConfigError(notAllowedAs(name, value, SETTINGS[name].allowed));
  return result.data;
}

/** Returns a boolean from `true`/`false` (CDK context gives strings with `-c`), or throws. */
export function checkBoolean(value: unknown, name: 'securityHub' | 'configRule'): boolean {
  return checkGiven(name, value);
}

/** Returns one of Config's periodic frequencies, or throws a ConfigError naming `configRuleFrequency`. */
export function checkConfigRuleFrequency(value: unknown): (typeof CONFIG_RULE_FREQUENCIES)[number] {
  return checkGiven('configRuleFrequency', value);
}

/** Returns a bucket name, or throws a ConfigError naming `archiveBucketName`. */
export function checkBucketName(value: unknown): string {
  return checkGiven('archiveBucketName', value);
}

/**
 * The runtime a `lambdaRuntime` context value names (`nodejs26.x`): aws-cdk-lib's own when it
 * knows it, otherwise one made from the name (the construct then warns that it is untested);
 * undefined when the value is absent or empty. Throws a ConfigError naming the key otherwise.
 */
export function runtimeFromContext(value: unknown): lambda.Runtime | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const name = checkGiven('lambdaRuntime', value) as string;
  return (
    lambda.Runtime.ALL.find((runtime) => runtime.name === name) ??
    new lambda.Runtime(name, lambda.RuntimeFamily.NODEJS)
  );
}

/** Returns a valid IANA time zone name, or throws a ConfigError naming `timeZone`. */
export function checkTimeZone(value: unknown): string {
  return checkGiven('timeZone', value);
}

/** Returns the addresses, or throws a ConfigError naming `notificationEmails` and the bad one. */
export function checkEmails(value: readonly unknown[]): string[] {
  return checkGiven('notificationEmails', value);
}

/** Returns an organization id, or throws a ConfigError naming `organizationId`. */
export function checkOrganizationId(value: unknown): string {
  return checkGiven('organizationId', value);
}

/**
 * Returns the StackSet's targets (root or OU ids, at least one), or throws a ConfigError naming
 * `memberTargets` and the bad one.
 */
export function checkMemberTargets(value: unknown): string[] {
  const targets = parseDeploySetting('memberTargets', value);
  if (targets.length === 0) {
    throw new ConfigError(notAllowedAs('memberTargets', [], DEPLOY_SETTINGS.memberTargets.allowed));
  }
  return targets;
}

/**
 * Returns a selection list (`includeOus`, `excludeOus`, `includeAccounts`, `excludeAccounts`)
 * by the organization settings table, or throws a ConfigError naming the key and the bad id: a
 * typo would otherwise select nothing, or fail every run at enumerate.
 */
export function checkIdList(
  name: 'includeOus' | 'excludeOus' | 'includeAccounts' | 'excludeAccounts',
  value: unknown,
): string[] {
  return parseSetting(ORG_SETTINGS[name], name, value);
}

/** Every context key this app reads: the policy's, the organization's and the deployment's. */
export const CONTEXT_KEYS: readonly string[] = [
  ...new Set([...Object.keys(SETTINGS), ...Object.keys(CONTEXT_SETTINGS)]),
];

/** Context keys that are not ours but legitimately present: the CDK's own and its CLI's. */
const FOREIGN_CONTEXT_KEYS = new Set(['acknowledged-issue-numbers']);

/**
 * Refuses a context key that is neither one of ours nor namespaced (`@aws-cdk/…`, `aws:cdk:…`,
 * lookups such as `availability-zones:account=…`), so `-c maxAgeDay=30` fails synth instead of
 * deploying the default 90; names the closest key it may have meant.
 */
export function checkContextKeys(context: Record<string, unknown>): void {
  const unknown = Object.keys(context).filter(
    (key) =>
      !CONTEXT_KEYS.includes(key) &&
      !FOREIGN_CONTEXT_KEYS.has(key) &&
      !key.startsWith('@') &&
      !key.includes(':') &&
      !key.includes('/'),
  );
  if (unknown.length === 0) return;
  const problems = unknown.map((key) => {
    const shown = key.length > 60 ? `${key.slice(0, 60)}…` : key;
    const suggestion = closest(key, CONTEXT_KEYS);
    return `"${shown}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
  });
  throw new ConfigError(
    `unknown context key${unknown.length === 1 ? '' : 's'} ${problems.join(', ')}: expected one of ${CONTEXT_KEYS.join(', ')}, or a namespaced key such as @aws-cdk/…`,
  );
}

/** Returns the deployment the context asks for, `account` by default. */
export function checkDeployment(value: unknown): Deployment {
  return parseDeploySetting('deployment', value === '' ? undefined : value);
}

/**
 * The context keys only some deployments read, from each row's `deployments` (the policy keys,
 * and those cdk.json sets for every deployment, apply to all). A key set for a deployment that
 * ignores it is refused, so `-c securityHub=true -c deployment=organization` cannot silently
 * deploy without Security Hub.
 */
const USED_BY: Readonly<Record<string, readonly Deployment[]>> = Object.fromEntries(
  [
    ...Object.entries(SETTINGS).map(([key, declared]) => [key, declared] as const),
    ...Object.entries(CONTEXT_SETTINGS),
  ].flatMap(([key, declared]) =>
    'deployments' in declared && declared.deployments ? [[key, declared.deployments]] : [],
  ),
);

/** Refuses a context key that is set but not read by `deployment`, naming who reads it. */
export function checkContextApplies(
  context: Record<string, unknown>,
  deployment: Deployment,
): void {
  const unset = (value: unknown) =>
    value === undefined ||
    value === null ||
    value === '' ||
    value === false ||
    value === 'false' ||
    (Array.isArray(value) && value.length === 0);
  const misplaced = Object.entries(USED_BY).filter(
    ([key, users]) => !users.includes(deployment) && !unset(context[key]),
  );
  if (misplaced.length === 0) return;
  const problems = misplaced.map(
    ([key, users]) => `${key} (read by deployment=${users.join(' or deployment=')})`,
  );
  throw new ConfigError(
    `${problems.join(', ')} ${misplaced.length === 1 ? 'is' : 'are'} not read by deployment=${deployment}: remove ${misplaced.length === 1 ? 'it' : 'them'}, or choose the deployment that reads ${misplaced.length === 1 ? 'it' : 'them'}`,
  );
}

/** Returns an IAM role name (no wildcard, no path), or throws naming `memberRoleName`. */
export function checkRoleName(value: unknown): string {
  return parseSetting(
    { ...ORG_SETTINGS.memberRoleName, default: undefined },
    'memberRoleName',
    value,
  );
}

/** Returns the number of accounts audited at once, or throws naming `accountConcurrency`. */
export function checkAccountConcurrency(value: unknown): number {
  return parseSetting(
    { ...ORG_SETTINGS.accountConcurrency, default: undefined },
    'accountConcurrency',
    value,
  );
}

/** A list from context: a JSON array in cdk.json, or a comma-separated string from `-c`. */
export function readList(
  value: unknown,
  name: keyof typeof DEPLOY_SETTINGS_ALLOWED = 'notificationEmails',
): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  throw new ConfigError(notAllowedAs(name, value, DEPLOY_SETTINGS_ALLOWED[name]));
}

/**
 * Reads a stack's context the one way every stack does: refuses an unknown key or one this
 * deployment does not read, then parses the policy from the keys of the settings table.
 */
export function policyFromContext(node: Node, deployment: Deployment): Policy {
  checkContextKeys(node.getAllContext());
  checkContextApplies(node.getAllContext(), deployment);
  const raw: RawSettings = {};
  for (const key of POLICY_KEYS) raw[key] = node.tryGetContext(key);
  return parsePolicy(raw, 'context');
}
