import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Node } from 'constructs';
import * as z from 'zod/mini';
import { ConfigError } from '../lambda/core/errors';
import { BUCKET_NAME, ORGANIZATION_ID, OU_OR_ROOT_ID } from '../lambda/core/patterns';
import {
  type Deployment,
  listOf,
  ORG_SETTINGS,
  POLICY_KEYS,
  type Policy,
  parsePolicy,
  parseSetting,
  type RawSettings,
  SETTINGS,
  type Setting,
  setting,
  settingsTable,
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

/**
 * The deployment settings, rows of the settings table's form (lambda/core/settings.ts): CDK
 * context keys and construct props only, with no environment variable or CLI flag. The policy's
 * settings and the organization's are in the tables of lambda/core/settings.ts; every context
 * key is one of the three tables'.
 */
export const DEPLOY_SETTINGS = settingsTable('context', {
  schedule: setting({
    default: 'cron(0 6 * * ? *)',
    allowed:
      'a recurring EventBridge Scheduler expression: cron(minutes hours day-of-month month day-of-week year) with ? in exactly one of the two day fields, or rate(N minute|minutes|hour|hours|day|days)',
    help: 'when a run starts',
    schema: schedule,
  }),
  fullScanSchedule: setting({
    allowed:
      'a recurring EventBridge Scheduler expression, as for schedule, such as cron(0 5 ? * SUN *)',
    help: 'when a run scans in full whatever scanStrategy says',
    schema: z.optional(schedule),
    deployments: ['account'],
  }),
  timeZone: setting({
    default: 'UTC',
    allowed: 'an IANA time zone name such as UTC or Europe/Paris',
    help: 'the time zone of the schedules',
    schema: z.string().check(z.refine(isTimeZone)),
  }),
  notificationEmails: setting({
    allowed: 'email addresses such as sec@example.com, separated by commas',
    help: 'addresses subscribed to the topic',
    ...listOf(EMAIL),
    deployments: ['account', 'organization'],
  }),
  reportRetentionDays: setting({
    // A yearly audit plus margin.
    default: 400,
    allowed: 'a whole number of days from 1 to 3650',
    help: 'how long the archive keeps reports',
    schema: days,
  }),
  objectLockDays: setting({
    allowed: 'a whole number of days from 1 to 3650, not more than reportRetentionDays',
    help: 'how long no one can delete an archived report (S3 Object Lock)',
    schema: z.optional(days),
    deployments: ['account'],
  }),
  securityHub: setting({
    default: false,
    allowed: 'true or false',
    help: "send the findings to Security Hub (an organization's, to each member's own)",
    schema: boolean,
    deployments: ['account', 'organization'],
  }),
  configRule: setting({
    default: false,
    allowed: 'true or false',
    help: 'add an AWS Config rule that evaluates each IAM user (a second function, report only)',
    schema: boolean,
    deployments: ['account'],
  }),
  configRuleFrequency: setting({
    default: 'TwentyFour_Hours',
    allowed: `how often Config runs the rule: ${CONFIG_RULE_FREQUENCIES.join(', ')}`,
    help: 'the Config rule’s maximum execution frequency',
    schema: z.enum(CONFIG_RULE_FREQUENCIES),
    deployments: ['account'],
  }),
  archiveBucketName: setting({
    allowed:
      'the name of an existing S3 bucket (3 to 63 lowercase letters, digits, dots and hyphens)',
    help: 'archive into this existing bucket instead of the stack’s own',
    schema: z.optional(z.string().check(z.regex(BUCKET_NAME))),
    deployments: ['account'],
  }),
  lambdaRuntime: setting({
    allowed:
      'a Node.js Lambda runtime such as nodejs24.x or nodejs26.x (the ones the functions are tested on)',
    help: 'pin the functions’ runtime (default: the newest tested one your aws-cdk-lib knows)',
    schema: z.optional(z.string().check(z.regex(/^nodejs\d+\.x$/))),
    deployments: ['account', 'organization'],
  }),
  deployment: setting({
    default: 'account',
    allowed:
      'account (one account), organization (every account: state machine and StackSet) or member (the member role template alone)',
    help: 'which stack the app deploys',
    schema: z.enum(['account', 'organization', 'member']),
  }),
  organizationId: setting({
    allowed: 'an organization id such as o-a1b2c3d4e5',
    help: 'the organization whose accounts member roles trust the worker from',
    schema: z.string().check(z.regex(ORGANIZATION_ID)),
    deployments: ['organization'],
  }),
  memberTargets: setting({
    allowed: 'the organization root id (r-…) or OU ids (ou-…), separated by commas',
    help: 'where the StackSet deploys the member role',
    ...listOf(OU_OR_ROOT_ID, 1),
    deployments: ['organization'],
  }),
  callAs: setting({
    default: 'SELF',
    allowed: 'SELF (the management account) or DELEGATED_ADMIN',
    help: 'how the StackSet is managed',
    schema: z.enum(['SELF', 'DELEGATED_ADMIN']),
    deployments: ['organization'],
  }),
});

/** Every setting CDK context sets, by context key: the policy's, the organization's and the deployment's. */
export const CONTEXT_SETTINGS: Readonly<Record<string, Setting>> = {
  ...SETTINGS,
  ...DEPLOY_SETTINGS,
  ...ORG_SETTINGS,
};
/** Every context key this app reads. */
export const CONTEXT_KEYS: readonly string[] = Object.keys(CONTEXT_SETTINGS);

/** Defaults of the deployment settings cdk.json sets (a test holds cdk.json to them). */
export const DEPLOY_DEFAULTS = {
  schedule: DEPLOY_SETTINGS.schedule.default,
  timeZone: DEPLOY_SETTINGS.timeZone.default,
  reportRetentionDays: DEPLOY_SETTINGS.reportRetentionDays.default,
} as const;

/**
 * The runtime a `lambdaRuntime` context value names (`nodejs26.x`): aws-cdk-lib's own when it
 * knows it, otherwise one made from the name (the construct then warns that it is untested);
 * undefined when the value is absent or empty. Throws a ConfigError naming the key otherwise.
 */
export function runtimeFromContext(value: unknown): lambda.Runtime | undefined {
  const name = parseSetting(
    DEPLOY_SETTINGS.lambdaRuntime,
    'context',
    value === '' ? undefined : value,
  );
  if (name === undefined) return undefined;
  return (
    lambda.Runtime.ALL.find((runtime) => runtime.name === name) ??
    new lambda.Runtime(name, lambda.RuntimeFamily.NODEJS)
  );
}

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

/**
 * Refuses a context key that is set but not read by `deployment`, naming who reads it, from each
 * row's `deployments` (a row without one is read by all). So `-c securityHub=true -c
 * deployment=organization` cannot silently deploy without Security Hub.
 */
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
  const misplaced = Object.entries(CONTEXT_SETTINGS).flatMap(([key, { deployments: users }]) =>
    users && !users.includes(deployment) && !unset(context[key]) ? [[key, users] as const] : [],
  );
  if (misplaced.length === 0) return;
  const problems = misplaced.map(
    ([key, users]) => `${key} (read by deployment=${users.join(' or deployment=')})`,
  );
  const them = misplaced.length === 1 ? 'it' : 'them';
  throw new ConfigError(
    `${problems.join(', ')} ${misplaced.length === 1 ? 'is' : 'are'} not read by deployment=${deployment}: remove ${them}, or choose the deployment that reads ${them}`,
  );
}

/**
 * Reads a stack's context the one way every stack does: refuses an unknown key or one this
 * deployment does not read, then parses the policy from the keys of the settings table.
 */
export function policyFromContext(node: Node, deployment: Deployment): Policy {
  checkContextKeys(node.getAllContext());
  checkContextApplies(node.getAllContext(), deployment);
  const raw: RawSettings = Object.fromEntries(
    POLICY_KEYS.map((key) => [key, node.tryGetContext(key)]),
  );
  return parsePolicy(raw, 'context');
}
