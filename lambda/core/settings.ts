import * as z from 'zod/mini';
import { changeRecordProblem } from './change-record';
import { CREDENTIAL_TYPE, CREDENTIAL_TYPES, type CredentialType } from './credential';
import { ConfigError, notAllowedAs } from './errors';
import {
  ACCOUNT_ID,
  BUCKET_NAME,
  IAM_PATH,
  NO_POLICY_WILDCARD,
  OU_ID,
  OU_OR_ROOT_ID,
  REGION,
  ROLE_NAME,
  SNS_TOPIC_ARN,
  TAG_KEY,
} from './patterns';
import {
  count,
  listOf,
  onOff,
  type Parsed,
  parseSettings,
  type RawSettings,
  type Setting,
  type SettingSource,
  setting,
  settingName,
  settingsTable,
  type Table,
  valuesFrom,
  wholeNumber,
} from './setting';
import { MAX_DAYS } from './time';

/** What a run may change: `report` nothing; `deactivate` over-age Active certificates; `delete` also deletes. */
export const MODES = ['report', 'deactivate', 'delete'] as const;
/** One of {@link MODES}. */
export type Mode = (typeof MODES)[number];

/** How a run finds the users to list certificates for: every user, or the credential report's holders. */
export const SCAN_STRATEGIES = ['full', 'credential-report'] as const;
/** One of {@link SCAN_STRATEGIES}. */
export type ScanStrategy = (typeof SCAN_STRATEGIES)[number];

/**
 * The policy's settings and where reports go: the {@link Policy} type, the Lambda environment,
 * the CLI's flags and help, CDK context, the construct's props and the docs derive from them.
 */
export const SETTINGS = settingsTable('context', {
  maxAgeDays: setting({
    env: 'MAX_AGE_DAYS',
    flag: 'max-age-days',
    default: 90,
    help: 'a certificate uploaded more than N days ago is non-compliant',
    ...count(1, MAX_DAYS, 'days'),
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
    ...count(1, MAX_DAYS, 'days', ', not less than the maximum age'),
    schema: z.optional(wholeNumber(1, MAX_DAYS)),
  }),
  warnBeforeDays: setting({
    env: 'WARN_BEFORE_DAYS',
    flag: 'warn-before-days',
    default: 14,
    help: 'report EXPIRING_SOON within N days of the maximum age (0: no warnings)',
    ...count(0, MAX_DAYS, 'days'),
  }),
  userPathPrefix: setting({
    env: 'USER_PATH_PREFIX',
    flag: 'path-prefix',
    placeholder: 'PATH',
    default: '/',
    allowed:
      'an IAM path that starts and ends with "/", such as / or /engineering/ (at most 512 characters, without * ? or $: they would widen the function\'s IAM permissions)',
    help: 'audit only users under this IAM path',
    // The path also scopes the function's IAM grants: no wildcard, no policy variable.
    schema: z.string().check(z.maxLength(512), z.regex(IAM_PATH), z.regex(NO_POLICY_WILDCARD)),
  }),
  exemptTagKey: setting({
    env: 'EXEMPT_TAG_KEY',
    flag: 'exempt-tag',
    placeholder: 'KEY',
    default: 'signing-cert-audit:exempt',
    allowed: 'an IAM tag key: 1 to 128 letters, digits, spaces or _.:/=+-@',
    help: 'a user tagged KEY=true is exempt',
    schema: z.string().check(z.minLength(1), z.maxLength(128), z.regex(TAG_KEY)),
  }),
  maxOverrideDays: setting({
    env: 'MAX_OVERRIDE_DAYS',
    flag: 'max-override-days',
    default: 365,
    help: "the longest maximum age a user's signing-cert-audit:max-age-days tag may set; a longer one is refused and the account's applies",
    ...count(1, MAX_DAYS, 'days'),
  }),
  maxExemptionDays: setting({
    env: 'MAX_EXEMPTION_DAYS',
    flag: 'max-exemption-days',
    defaultText: 'none (an exemption may have no end date)',
    help: 'require every exemption to end within N days (exemptTagKey=until YYYY-MM-DD); one without an end date, or ending later, is refused and the account policy applies',
    ...count(1, MAX_DAYS, 'days'),
    schema: z.optional(wholeNumber(1, MAX_DAYS)),
  }),
  maxActionsPerRun: setting({
    env: 'MAX_ACTIONS_PER_RUN',
    flag: 'max-actions',
    default: 25,
    help: 'make no change at all if more than N are planned (blast-radius guard)',
    ...count(0, 10_000, '', ' (0 withholds every change)'),
  }),
  concurrency: setting({
    env: 'SCAN_CONCURRENCY',
    flag: 'concurrency',
    default: 8,
    help: 'users scanned at once',
    ...count(1, 64),
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
  credentialKinds: setting({
    ...listOf(CREDENTIAL_TYPE, 1),
    env: 'CREDENTIAL_KINDS',
    flag: 'credential-kinds',
    placeholder: 'KINDS',
    default: [...CREDENTIAL_TYPES] as CredentialType[],
    allowed: `kinds of credential separated by commas: ${CREDENTIAL_TYPES.join(', ')}`,
    help: 'the kinds of IAM user credential that are read and reported',
    schema: z.array(z.enum(CREDENTIAL_TYPES)).check(z.minLength(1)),
  }),
  remediateKinds: setting({
    ...listOf(CREDENTIAL_TYPE),
    env: 'REMEDIATE_KINDS',
    flag: 'remediate-kinds',
    placeholder: 'KINDS',
    default: ['signing-certificate'] as CredentialType[],
    allowed: `kinds of credential separated by commas (of credentialKinds): ${CREDENTIAL_TYPES.join(', ')}`,
    help: 'deactivate or delete mode changes only credentials of these kinds; the others are reported only',
    schema: z.array(z.enum(CREDENTIAL_TYPES)),
  }),
  deleteServiceCredentials: setting({
    env: 'DELETE_SERVICE_CREDENTIALS',
    flag: 'delete-service-credentials',
    default: false,
    allowed: 'true or false',
    help: 'delete mode may also delete service-specific credentials, which can never be restored (their secret is never readable again)',
    schema: onOff,
  }),
  sshKeyMaxAgeDays: setting({
    env: 'SSH_KEY_MAX_AGE_DAYS',
    flag: 'ssh-key-max-age-days',
    defaultText: 'the maximum age',
    help: 'the maximum age of an SSH public key, when not the account’s',
    ...count(1, MAX_DAYS, 'days'),
    schema: z.optional(wholeNumber(1, MAX_DAYS)),
  }),
  serviceCredentialMaxAgeDays: setting({
    env: 'SERVICE_CREDENTIAL_MAX_AGE_DAYS',
    flag: 'service-credential-max-age-days',
    defaultText: 'the maximum age',
    help: 'the maximum age (and longest expiry) of a service-specific credential, when not the account’s',
    ...count(1, MAX_DAYS, 'days'),
    schema: z.optional(wholeNumber(1, MAX_DAYS)),
  }),
  includeCompliant: setting({
    env: 'INCLUDE_COMPLIANT',
    flag: 'include-compliant',
    default: false,
    allowed: 'true or false',
    help: 'list every credential read: a compliant one as a finding of verdict COMPLIANT (severity INFO, never failing; an OCSF PASS record); the summary counts, the exit status, Security Hub, the Config rule and the SNS digest stay as without it',
    schema: onOff,
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
 * The organization's settings: the member role the worker assumes, the accounts the enumerate
 * step selects, and how many accounts the state machine's Distributed Map audits at once.
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
    help: "accounts the state machine's Distributed Map audits at once",
    ...count(1, 1000, 'accounts audited at once,'),
    deployments: ['organization'],
  }),
});

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
/** The organization settings the functions read from their environment: all but the map's. */
type OrgFunctionKey = Exclude<keyof typeof ORG_SETTINGS, 'accountConcurrency'>;
const ORG_FUNCTION_KEYS = (Object.keys(ORG_SETTINGS) as OrgFunctionKey[]).filter(
  (key) => 'env' in ORG_SETTINGS[key],
);

/** A validated audit policy with every default resolved (`deleteAfterDays` from `maxAgeDays`). */
export type Policy = Parsed<typeof SETTINGS, PolicyKey> & { readonly deleteAfterDays: number };
/** The policy plus where the report goes (the archive and Security Hub when they are on): everything the Lambda needs. */
export type Config = Policy &
  Parsed<typeof SETTINGS, 'topicArn'> &
  Partial<Parsed<typeof SETTINGS, 'archiveBucket' | 'securityHubRegion'>>;
/** The organization settings the functions read from their environment, parsed. */
export type OrgFunctionSettings = Parsed<typeof ORG_SETTINGS, OrgFunctionKey>;

/** The default of every policy setting that has one (`deleteAfterDays` defaults to `maxAgeDays`). */
export const POLICY_DEFAULTS = Object.fromEntries(
  POLICY_KEYS.flatMap((key) => {
    const row: Setting = SETTINGS[key];
    return row.default === undefined ? [] : [[key, row.default]];
  }),
) as Omit<Policy, 'deleteAfterDays'>;

/** Validates a policy, resolving `deleteAfterDays`; throws one ConfigError naming every bad setting. */
export function parsePolicy(raw: RawSettings<PolicyKey>, source: SettingSource): Policy {
  // A value given as null (`"maxAgeDays": null` in cdk.json) is given: refused, never the default.
  const refuse = (key: PolicyKey, value: unknown) =>
    notAllowedAs(settingName(SETTINGS[key], source), value, SETTINGS[key].allowed);
  const nulls = POLICY_KEYS.filter((key) => raw[key] === null).map((key) => refuse(key, null));
  if (nulls.length > 0) throw ConfigError.of(nulls);
  const policy = parseSettings(SETTINGS, POLICY_KEYS, source, raw);
  const { maxAgeDays, deleteAfterDays = maxAgeDays } = policy;
  if (deleteAfterDays < maxAgeDays) {
    const base = `${settingName(SETTINGS.maxAgeDays, source)} is ${maxAgeDays}`;
    throw ConfigError.of([`${refuse('deleteAfterDays', raw.deleteAfterDays)} (${base})`]);
  }
  // A kind named to be changed but not read would be changed never, silently: refused when the
  // operator named it (the default, signing certificates, is left alone by a narrower read).
  const unread = policy.remediateKinds.filter((kind) => !policy.credentialKinds.includes(kind));
  if (raw.remediateKinds !== undefined && unread.length > 0) {
    const read = `${settingName(SETTINGS.credentialKinds, source)} is ${policy.credentialKinds.join(',')}`;
    throw ConfigError.of([
      `${refuse('remediateKinds', raw.remediateKinds)}: ${unread.join(', ')} is not read (${read})`,
    ]);
  }
  return { ...policy, deleteAfterDays };
}

/** Validates a policy and where the report goes, the topic required; throws as {@link parsePolicy}. */
export function parseConfig(raw: RawSettings<SettingKey>, source: SettingSource): Config {
  const [policy, delivery] = ConfigError.gather<object>([
    () => parsePolicy(raw, source),
    () => parseSettings(SETTINGS, DELIVERY_KEYS, source, raw),
  ]);
  return { ...policy, ...delivery } as Config;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the Lambda's configuration from its environment variables. */
export function loadConfigFromEnv(env: Env): Config {
  const config = parseConfig(valuesFrom(SETTINGS, 'env', env), 'env');
  const problem = changeRecordProblem(config.mode, config.archiveBucket !== undefined, {
    mode: SETTINGS.mode.env,
    place: SETTINGS.archiveBucket.env,
  });
  if (problem) throw ConfigError.of([problem]);
  return config;
}

/** Reads and validates the policy alone from environment variables (functions that do not publish). */
export const loadPolicyFromEnv = (env: Env): Policy =>
  parsePolicy(valuesFrom(SETTINGS, 'env', env), 'env');

/** Reads the organization settings from a function's environment; throws as {@link parseSettings}. */
export const loadOrgSettingsFromEnv = (env: Env): OrgFunctionSettings =>
  parseSettings(ORG_SETTINGS, ORG_FUNCTION_KEYS, 'env', valuesFrom(ORG_SETTINGS, 'env', env));

/** The settings that the functions read from their environment, from both tables. */
const ENVIRONMENT_ROWS = Object.entries({ ...SETTINGS, ...ORG_SETTINGS } as Table).flatMap(
  ([key, row]) => (row.env ? [[key, row.env] as const] : []),
);

/**
 * The environment variables that carry settings into the functions (a list comma-separated; a
 * setting with no value left out); refuses delete mode without an archive bucket for its record.
 */
export function toEnvironment(
  settings: Partial<Config & OrgFunctionSettings>,
): Record<string, string> {
  const problem = changeRecordProblem(settings.mode, settings.archiveBucket !== undefined, {
    mode: 'mode',
    place: 'an archive bucket (the change record is kept there)',
  });
  if (problem) throw ConfigError.of([problem]);
  const env: Record<string, string> = {};
  for (const [key, name] of ENVIRONMENT_ROWS) {
    const value = (settings as Record<string, unknown>)[key];
    if (value !== undefined) env[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}

/** Every environment variable name of the tool, from the tables, where alone they are written (a test holds it). */
export const ENVIRONMENT_NAMES: readonly string[] = ENVIRONMENT_ROWS.map(([, name]) => name);

export {
  count,
  type Deployment,
  listOf,
  onOff,
  type Parsed,
  parseSetting,
  parseSettings,
  type RawSettings,
  type Setting,
  type SettingSource,
  type SettingValue,
  setting,
  settingName,
  settingsTable,
  splitList,
  valuesFrom,
  wholeNumber,
} from './setting';
