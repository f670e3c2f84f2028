/**
 * The forms of the identifiers (and of the other values: paths, tag keys, addresses, schedules,
 * time zones) the tool takes from its users, each written once: the settings tables
 * (settings.ts, lib/deploy-settings.ts), the CLI, the functions, the event rules and the
 * constructs (CloudFormation parameters take `.source`) all read them from here, so a pattern
 * cannot drift between the place that refuses a value and the place that uses it.
 */

/** The parts the whole patterns are built from, without anchors: for patterns inside ARNs. */
export const PATTERN_PARTS = {
  /** An AWS account id: twelve digits. */
  accountId: '\\d{12}',
  /** IAM's role name: 1 to 64 of letters, digits and `+=,.@_-` (no path, no wildcard). */
  roleName: '[\\w+=,.@-]{1,64}',
  /** An organizational unit id (Organizations API Reference: `ou-` root part, `-`, 8 to 32). */
  ouId: 'ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}',
  /** An organization root id. */
  rootId: 'r-[0-9a-z]{4,32}',
  /** An organization id. */
  organizationId: 'o-[a-z0-9]{10,32}',
  /** S3's bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit. */
  bucketName: '[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]',
  /** An AWS region name such as us-east-1 or us-gov-west-1. */
  region: '[a-z]{2}(?:-[a-z]+)+-\\d',
  /** Any AWS partition: aws, aws-cn, aws-us-gov, … */
  partition: 'aws[a-z-]*',
  /**
   * A run id: a Lambda request id, the CLI's UUID, or an organization run's execution name, in
   * the one form that names an S3 prefix as it is (not `.` or `..`).
   */
  runId: '(?!\\.{1,2}$)[A-Za-z0-9._-]{1,80}',
} as const;

const whole = (part: string) => new RegExp(`^(?:${part})$`);

/** A whole AWS account id. */
export const ACCOUNT_ID = whole(PATTERN_PARTS.accountId);
/** A whole IAM role name. */
export const ROLE_NAME = whole(PATTERN_PARTS.roleName);
/** A whole IAM user name: IAM holds user names to the role names' rule (1 to 64 of `\w+=,.@-`). */
export const USER_NAME = ROLE_NAME;
/** A whole organizational unit id. */
export const OU_ID = whole(PATTERN_PARTS.ouId);
/** A whole organization root id. */
export const ROOT_ID = whole(PATTERN_PARTS.rootId);
/** An OU id or the root id: where accounts can be selected from, or the StackSet deployed to. */
export const OU_OR_ROOT_ID = whole(`${PATTERN_PARTS.ouId}|${PATTERN_PARTS.rootId}`);
/** A whole organization id. */
export const ORGANIZATION_ID = whole(PATTERN_PARTS.organizationId);
/** A whole S3 bucket name. */
export const BUCKET_NAME = whole(PATTERN_PARTS.bucketName);
/**
 * A run id a person names (restore's `--run`): a run's own id, or one account's part of an
 * organization run (`<run>-<account>`).
 */
export const RUN_ID = whole(`${PATTERN_PARTS.runId}(?:-${PATTERN_PARTS.accountId})?`);
/** A whole AWS region name. */
export const REGION = whole(PATTERN_PARTS.region);
/** A standard SNS topic ARN (its name: 1 to 256 of letters, digits, `_` and `-`). */
export const SNS_TOPIC_ARN = whole(
  `arn:${PATTERN_PARTS.partition}:sns:[a-z0-9-]+:${PATTERN_PARTS.accountId}:[A-Za-z0-9_-]{1,256}`,
);
/** An IAM user ARN, its path and name captured together (`/path/name`). */
export const USER_ARN = new RegExp(
  `^arn:${PATTERN_PARTS.partition}:iam::${PATTERN_PARTS.accountId}:user(\\/.*)$`,
);
/** An IAM role ARN in any account (the member template's parameter). */
export const ROLE_ARN = whole(
  `arn:${PATTERN_PARTS.partition}:iam::${PATTERN_PARTS.accountId}:role/.+`,
);

// IAM's own patterns: PathPrefix `\u002F[\u0021-\u007F]*` ending in '/', tag keys `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`.
/** An IAM path: `/`, or `/` and printable characters ending in `/`. */
export const IAM_PATH = /^\/(?:[\u0021-\u007e]*\/)?$/;
/**
 * What an IAM path may not hold here although IAM allows it: it also becomes the function's IAM
 * resource `user<path>*`, where IAM reads `*` and `?` as wildcards and `${…}` as a policy
 * variable, which would widen the grants.
 */
export const NO_POLICY_WILDCARD = /^[^*?$]*$/;
/** An IAM tag key's characters. */
export const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
/** An email address, as SNS subscribes it: no space, comma or semicolon, one `@`, a dot after it. */
export const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

const RATE = /^rate\((\d+) (minute|hour|day)(s?)\)$/;
const CRON = /^cron\(([^()]+)\)$/;
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;

/** A recurring EventBridge Scheduler expression: `rate(…)`, or a six-field `cron(…)` with one `?`. */
export function isSchedule(value: string): boolean {
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
export function isTimeZone(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
