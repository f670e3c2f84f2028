import { ConfigError } from '../lambda/core/errors';
import { SETTINGS } from '../lambda/core/settings';

/** Defaults of the deployment settings that are not part of the audit policy. */
export const DEPLOY_DEFAULTS = {
  schedule: 'cron(0 6 * * ? *)',
  timeZone: 'UTC',
  // A yearly audit plus margin.
  reportRetentionDays: 400,
} as const;

/** What each deployment setting accepts, for error messages (the policy's are in SETTINGS). */
export const DEPLOY_SETTINGS_ALLOWED = {
  schedule:
    'a recurring EventBridge Scheduler expression: cron(minutes hours day-of-month month day-of-week year) with ? in exactly one of the two day fields, or rate(N minute|minutes|hour|hours|day|days)',
  fullScanSchedule:
    'a recurring EventBridge Scheduler expression, as for schedule, such as cron(0 5 ? * SUN *)',
  timeZone: 'an IANA time zone name such as UTC or Europe/Paris',
  notificationEmails: 'email addresses such as sec@example.com, separated by commas',
  reportRetentionDays: 'a whole number of days from 1 to 3650',
  objectLockDays: 'a whole number of days from 1 to 3650, not more than reportRetentionDays',
  securityHub: 'true or false',
  securityHubRegion: 'an AWS region name such as us-east-1',
  archiveBucketName:
    'the name of an existing S3 bucket (3 to 63 lowercase letters, digits, dots and hyphens)',
  deployment:
    'account (one account), organization (every account: state machine and StackSet) or member (the member role template alone)',
  organizationId: 'an organization id such as o-a1b2c3d4e5',
  memberTargets: 'the organization root id (r-…) or OU ids (ou-…), separated by commas',
  memberRoleName: 'an IAM role name: 1 to 64 letters, digits and + = , . @ _ -',
  accountConcurrency: 'a whole number of accounts audited at once, from 1 to 1000',
  includeOus: 'OU or root ids, separated by commas',
  excludeOus: 'OU ids, separated by commas',
  includeAccounts: '12-digit account ids, separated by commas',
  excludeAccounts: '12-digit account ids, separated by commas',
  callAs: 'SELF (the management account) or DELEGATED_ADMIN',
} as const;

function refuse(name: keyof typeof DEPLOY_SETTINGS_ALLOWED, value: unknown): never {
  throw new ConfigError(
    `${name}=${JSON.stringify(value)} is not allowed: expected ${DEPLOY_SETTINGS_ALLOWED[name]}`,
  );
}

const RATE = /^rate\((\d+) (minute|hour|day)(s?)\)$/;
const CRON = /^cron\(([^()]+)\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;

/** Returns a valid recurring Scheduler expression, or throws a ConfigError naming the setting. */
export function checkSchedule(
  value: unknown,
  name: 'schedule' | 'fullScanSchedule' = 'schedule',
): string {
  if (typeof value !== 'string') return refuse(name, value);
  const rate = RATE.exec(value);
  if (rate) {
    const count = Number(rate[1]);
    // Scheduler wants "rate(1 day)" but "rate(2 days)".
    if (count >= 1 && (count === 1) === (rate[3] === '')) return value;
    return refuse(name, value);
  }
  const cron = CRON.exec(value);
  const fields = cron?.[1]?.trim().split(/\s+/) ?? [];
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if (
    fields.length === 6 &&
    fields.every((field) => CRON_FIELD.test(field)) &&
    (dayOfMonth === '?') !== (dayOfWeek === '?')
  ) {
    return value;
  }
  return refuse(name, value);
}

/** Returns a whole number of days from 1 to 3650, or throws a ConfigError naming the setting. */
export function checkDays(value: unknown, name: 'reportRetentionDays' | 'objectLockDays'): number {
  const days = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 3650) {
    return refuse(name, value);
  }
  return days;
}

/** Returns a region name, or throws a ConfigError naming the setting. */
export function checkRegion(value: unknown, name: 'securityHubRegion'): string {
  if (typeof value !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(value)) {
    return refuse(name, value);
  }
  return value;
}

/** Returns a boolean from `true`/`false` (CDK context gives strings with `-c`), or throws. */
export function checkBoolean(value: unknown, name: 'securityHub'): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return refuse(name, value);
}

/** Returns a bucket name, or throws a ConfigError naming `archiveBucketName`. */
export function checkBucketName(value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) {
    return refuse('archiveBucketName', value);
  }
  return value;
}

/** Returns a valid IANA time zone name, or throws a ConfigError naming `timeZone`. */
export function checkTimeZone(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(value)) {
    return refuse('timeZone', value);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value;
  } catch {
    return refuse('timeZone', value);
  }
}

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

/** Returns the addresses, or throws a ConfigError naming `notificationEmails` and the bad one. */
export function checkEmails(value: readonly unknown[]): string[] {
  const bad = value.find((email) => typeof email !== 'string' || !EMAIL.test(email));
  if (bad !== undefined) refuse('notificationEmails', bad);
  return value as string[];
}

/** Every context key this app reads. */
export const CONTEXT_KEYS: readonly string[] = [
  ...Object.keys(SETTINGS),
  ...Object.keys(DEPLOY_SETTINGS_ALLOWED),
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

/** The known key nearest to `key` by edit distance, if near enough to be a typo. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(best.name.length / 4))
    ? best.name
    : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 10) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? Number.POSITIVE_INFINITY;
}

/** Which stack the app deploys. */
export type Deployment = 'account' | 'organization' | 'member';

/** Returns the deployment the context asks for, `account` by default. */
export function checkDeployment(value: unknown): Deployment {
  if (value === undefined || value === null || value === '') return 'account';
  if (value === 'account' || value === 'organization' || value === 'member') return value;
  return refuse('deployment', value);
}

/**
 * The context keys only some deployments read (the policy keys, and those cdk.json sets for
 * every deployment, apply to all). A key set for a deployment that ignores it is refused, so
 * `-c securityHub=true -c deployment=organization` cannot silently deploy without Security Hub.
 */
const USED_BY: Readonly<Record<string, readonly Deployment[]>> = {
  topicArn: ['account'],
  archiveBucketName: ['account'],
  objectLockDays: ['account'],
  fullScanSchedule: ['account'],
  securityHub: ['account'],
  securityHubRegion: ['account'],
  notificationEmails: ['account', 'organization'],
  organizationId: ['organization'],
  memberTargets: ['organization'],
  accountConcurrency: ['organization'],
  includeOus: ['organization'],
  excludeOus: ['organization'],
  includeAccounts: ['organization'],
  excludeAccounts: ['organization'],
  callAs: ['organization'],
  memberRoleName: ['organization', 'member'],
};

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
  if (typeof value !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(value)) {
    return refuse('memberRoleName', value);
  }
  return value;
}

/** Returns the number of accounts audited at once, or throws naming `accountConcurrency`. */
export function checkAccountConcurrency(value: unknown): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 1000) {
    return refuse('accountConcurrency', value);
  }
  return number;
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
  return refuse(name, value);
}
