import * as z from 'zod/mini';
import {
  BUCKET_NAME,
  EMAIL,
  isSchedule,
  isTimeZone,
  ORGANIZATION_ID,
  OU_OR_ROOT_ID,
} from '../lambda/core/patterns';
import { count, listOf, onOff, setting, settingsTable, wholeNumber } from '../lambda/core/settings';

export type { Deployment } from '../lambda/core/settings';

/** Config's periodic frequencies: aws-cdk-lib's `MaximumExecutionFrequency` (a test holds them equal). */
export const CONFIG_RULE_FREQUENCIES = [
  'One_Hour',
  'Three_Hours',
  'Six_Hours',
  'Twelve_Hours',
  'TwentyFour_Hours',
] as const;
const schedule = z.string().check(z.refine(isSchedule));

/**
 * The deployment settings, rows of the one form (lambda/core/settings.ts, with the policy's and
 * the organization's tables): CDK context keys and construct props only.
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
    help: 'how long the archive keeps reports',
    ...count(1, 3650, 'days'),
  }),
  objectLockDays: setting({
    help: 'how long no one can delete an archived report (S3 Object Lock)',
    ...count(1, 3650, 'days', ', not more than reportRetentionDays'),
    schema: z.optional(wholeNumber(1, 3650)),
    deployments: ['account'],
  }),
  securityHub: setting({
    default: false,
    allowed: 'true or false',
    help: "send the findings to Security Hub (an organization's, to each member's own)",
    schema: onOff,
    deployments: ['account', 'organization'],
  }),
  configRule: setting({
    default: false,
    allowed: 'true or false',
    help: 'add an AWS Config rule that evaluates each IAM user (a second function, report only)',
    schema: onOff,
    deployments: ['account'],
  }),
  configRuleFrequency: setting({
    default: 'TwentyFour_Hours',
    allowed: `how often Config runs the rule: ${CONFIG_RULE_FREQUENCIES.join(', ')}`,
    help: 'the Config rule’s maximum execution frequency',
    schema: z.enum(CONFIG_RULE_FREQUENCIES),
    deployments: ['account'],
  }),
  realtime: setting({
    default: false,
    allowed: 'true or false',
    help: 'also audit a user as soon as IAM records a change to its credentials or tags (an EventBridge rule, a queue and a second function; docs/realtime.md)',
    schema: onOff,
    deployments: ['account', 'organization'],
  }),
  realtimeWindowMaxActions: setting({
    defaultText: '= maxActionsPerRun',
    help: 'the real-time runs together make no more changes than this in a window',
    ...count(0, 10_000, '', ' (0 withholds every change)'),
    schema: z.optional(wholeNumber(0, 10_000)),
    deployments: ['account', 'organization'],
  }),
  realtimeWindowMinutes: setting({
    default: 60,
    help: 'the real-time window guard’s window',
    ...count(1, 1440, 'minutes'),
    deployments: ['account', 'organization'],
  }),
  exemptionsFile: setting({
    allowed:
      'the path of an exemptions file (YAML, or JSON when it ends in .json), relative to the app',
    help: 'exemptions kept as reviewed code: each entry exempts a user’s credentials from the age policy until its day (checked at synth; docs/exemptions.md)',
    schema: z.optional(z.string().check(z.minLength(1))),
    deployments: ['account', 'organization'],
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
