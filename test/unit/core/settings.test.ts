import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambda/core/errors';
import {
  DEFAULT_MEMBER_ROLE_NAME,
  ENVIRONMENT_NAMES,
  loadConfigFromEnv,
  loadOrgSettingsFromEnv,
  ORG_SETTINGS,
  POLICY_DEFAULTS,
  parsePolicy,
  parseSetting,
  SETTINGS,
  settingName,
  toEnvironment,
} from '../../../lambda/core/settings';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:signing-cert-audit';

describe('loadConfigFromEnv', () => {
  it('applies every documented default when only TOPIC_ARN is set', () => {
    // Act
    const config = loadConfigFromEnv({ TOPIC_ARN: TOPIC });

    // Assess
    expect(config).toEqual({
      maxAgeDays: 90,
      mode: 'report',
      deleteAfterDays: 90,
      warnBeforeDays: 14,
      userPathPrefix: '/',
      exemptTagKey: 'signing-cert-audit:exempt',
      maxOverrideDays: 365,
      maxActionsPerRun: 25,
      concurrency: 8,
      scanStrategy: 'full',
      credentialKinds: ['signing-certificate', 'ssh-public-key', 'service-specific-credential'],
      remediateKinds: ['signing-certificate'],
      deleteServiceCredentials: false,
      includeCompliant: false,
      topicArn: TOPIC,
    });
  });

  it('reads every variable by its documented name', () => {
    // Act
    const config = loadConfigFromEnv({
      TOPIC_ARN: TOPIC,
      ARCHIVE_BUCKET: 'evidence',
      MAX_AGE_DAYS: '30',
      MODE: 'delete',
      DELETE_AFTER_DAYS: '60',
      WARN_BEFORE_DAYS: '0',
      USER_PATH_PREFIX: '/engineering/',
      EXEMPT_TAG_KEY: 'audit:skip',
      MAX_OVERRIDE_DAYS: '120',
      MAX_ACTIONS_PER_RUN: '5',
      SCAN_CONCURRENCY: '16',
    });

    // Assess
    expect(config).toMatchObject({
      maxAgeDays: 30,
      mode: 'delete',
      deleteAfterDays: 60,
      warnBeforeDays: 0,
      userPathPrefix: '/engineering/',
      exemptTagKey: 'audit:skip',
      maxOverrideDays: 120,
      maxActionsPerRun: 5,
      concurrency: 16,
    });
  });

  it('defaults DELETE_AFTER_DAYS to MAX_AGE_DAYS', () => {
    expect(loadConfigFromEnv({ TOPIC_ARN: TOPIC, MAX_AGE_DAYS: '45' }).deleteAfterDays).toBe(45);
  });

  it.each([
    ['MODE', 'purge', /MODE="purge" is not allowed: expected one of report, deactivate, delete/],
    [
      'MAX_AGE_DAYS',
      '0',
      /MAX_AGE_DAYS="0" is not allowed: expected a whole number of days from 1/,
    ],
    ['MAX_AGE_DAYS', '-1', /MAX_AGE_DAYS="-1" is not allowed/],
    ['MAX_AGE_DAYS', '1.5', /MAX_AGE_DAYS="1.5" is not allowed/],
    ['MAX_AGE_DAYS', 'abc', /MAX_AGE_DAYS="abc" is not allowed/],
    ['MAX_AGE_DAYS', '', /MAX_AGE_DAYS="" is not allowed/],
    [
      'WARN_BEFORE_DAYS',
      '-3',
      /WARN_BEFORE_DAYS="-3" is not allowed: expected a whole number of days from 0/,
    ],
    [
      'USER_PATH_PREFIX',
      'engineering',
      /USER_PATH_PREFIX="engineering" is not allowed: expected an IAM path/,
    ],
    ['USER_PATH_PREFIX', '/engineering', /USER_PATH_PREFIX="\/engineering" is not allowed/],
    // IAM allows these in a path, but in the function's `user<path>*` resource they are wildcards
    // (or a policy variable) that would widen its grants.
    ['USER_PATH_PREFIX', '/*/', /USER_PATH_PREFIX="\/\*\/" is not allowed: .*without \* \? or \$/],
    ['USER_PATH_PREFIX', '/team?/', /USER_PATH_PREFIX="\/team\?\/" is not allowed/],
    ['USER_PATH_PREFIX', '/a/*', /USER_PATH_PREFIX="\/a\/\*" is not allowed/],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, literally
    ['USER_PATH_PREFIX', '/${aws:username}/', /USER_PATH_PREFIX=.* is not allowed/],
    [
      'MAX_OVERRIDE_DAYS',
      '0',
      /MAX_OVERRIDE_DAYS="0" is not allowed: expected a whole number of days from 1/,
    ],
    ['MAX_OVERRIDE_DAYS', '36501', /MAX_OVERRIDE_DAYS="36501" is not allowed/],
    [
      'EXEMPT_TAG_KEY',
      'bad*key',
      /EXEMPT_TAG_KEY="bad\*key" is not allowed: expected an IAM tag key/,
    ],
    ['MAX_ACTIONS_PER_RUN', '-1', /MAX_ACTIONS_PER_RUN="-1" is not allowed/],
    [
      'SCAN_CONCURRENCY',
      '0',
      /SCAN_CONCURRENCY="0" is not allowed: expected a whole number from 1 to 64/,
    ],
    ['SCAN_CONCURRENCY', '65', /SCAN_CONCURRENCY="65" is not allowed/],
    [
      'TOPIC_ARN',
      'my-topic',
      /TOPIC_ARN="my-topic" is not allowed: expected a standard SNS topic ARN/,
    ],
  ])('refuses %s=%j naming the variable, the value and what is allowed', (name, value, message) => {
    // Prepare
    const env = { TOPIC_ARN: TOPIC, [name]: value };

    // Act
    const load = () => loadConfigFromEnv(env);

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it('refuses DELETE_AFTER_DAYS below MAX_AGE_DAYS, naming both', () => {
    const load = () =>
      loadConfigFromEnv({ TOPIC_ARN: TOPIC, MAX_AGE_DAYS: '90', DELETE_AFTER_DAYS: '30' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /DELETE_AFTER_DAYS="30" is not allowed: .*not less than the maximum age \(MAX_AGE_DAYS is 90\)/,
    );
  });

  it('refuses a missing TOPIC_ARN', () => {
    const load = () => loadConfigFromEnv({ MODE: 'report' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/TOPIC_ARN is required/);
  });

  it('accepts the emulator account and any partition', () => {
    const topic = 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:audit_topic-1';
    expect(loadConfigFromEnv({ TOPIC_ARN: topic }).topicArn).toBe(topic);
  });
});

describe('parsePolicy', () => {
  it('names a CDK context key by the setting name and accepts numbers', () => {
    expect(parsePolicy({ maxAgeDays: 30 }, 'context').maxAgeDays).toBe(30);
    expect(() => parsePolicy({ maxAgeDays: 1.5 }, 'context')).toThrow(
      /^maxAgeDays=1.5 is not allowed/,
    );
  });

  it('names a CLI flag by its flag', () => {
    expect(() => parsePolicy({ maxAgeDays: '-3' }, 'flag')).toThrow(
      /^--max-age-days="-3" is not allowed/,
    );
    expect(() => parsePolicy({ mode: 'purge' }, 'flag')).toThrow(/^--mode="purge" is not allowed/);
  });

  it('treats an undefined value as not given', () => {
    expect(parsePolicy({ mode: undefined }, 'context').mode).toBe(POLICY_DEFAULTS.mode);
  });

  it('refuses a value given as null (cdk.json’s "maxAgeDays": null), never replacing it by the default', () => {
    expect(() => parsePolicy({ maxAgeDays: null }, 'context')).toThrow(
      /^maxAgeDays=null is not allowed: expected/,
    );
  });
});

describe('toEnvironment', () => {
  it('round-trips a policy through the Lambda environment', () => {
    // Prepare
    const policy = parsePolicy({ maxAgeDays: 30, mode: 'delete', deleteAfterDays: 45 }, 'context');

    // Act
    const env = toEnvironment({ ...policy, topicArn: TOPIC, archiveBucket: 'evidence' });

    // Assess
    expect(env.MAX_AGE_DAYS).toBe('30');
    expect(loadConfigFromEnv(env)).toEqual({
      ...policy,
      topicArn: TOPIC,
      archiveBucket: 'evidence',
    });
  });
});

describe('delete mode needs a place for the change record', () => {
  it('is refused at the function start-up without ARCHIVE_BUCKET, naming both variables', () => {
    expect(() => loadConfigFromEnv({ TOPIC_ARN: TOPIC, MODE: 'delete' })).toThrow(
      /^MODE=delete needs ARCHIVE_BUCKET: delete mode records every change/,
    );
    // The control: deactivate mode may run without one, and delete mode with one.
    expect(loadConfigFromEnv({ TOPIC_ARN: TOPIC, MODE: 'deactivate' }).mode).toBe('deactivate');
    expect(
      loadConfigFromEnv({ TOPIC_ARN: TOPIC, MODE: 'delete', ARCHIVE_BUCKET: 'evidence' }).mode,
    ).toBe('delete');
  });

  it('is refused at synth: no function environment is built for delete mode without an archive', () => {
    const policy = parsePolicy({ mode: 'delete' }, 'context');

    expect(() => toEnvironment({ ...policy, topicArn: TOPIC })).toThrow(
      /^mode=delete needs an archive bucket/,
    );
    expect(toEnvironment({ ...policy, topicArn: TOPIC, archiveBucket: 'evidence' }).MODE).toBe(
      'delete',
    );
  });
});

describe('settingName', () => {
  it('gives each source its own name for a setting', () => {
    expect(settingName(SETTINGS.concurrency, 'env')).toBe(SETTINGS.concurrency.env);
    expect(settingName(SETTINGS.concurrency, 'env')).toBe('SCAN_CONCURRENCY');
    expect(settingName(SETTINGS.concurrency, 'flag')).toBe('--concurrency');
    expect(settingName(SETTINGS.concurrency, 'context')).toBe('concurrency');
  });
});

describe('the organization settings', () => {
  it('reads what toEnvironment writes, by the same table', () => {
    const settings = {
      memberRoleName: 'AuditRole',
      includeOus: ['r-ab12', 'ou-ab12-abcdefgh'],
      excludeOus: ['ou-ab12-zyxwvuts'],
      includeAccounts: [],
      excludeAccounts: ['111111111111'],
    };

    const env = toEnvironment(settings);

    expect(env).toEqual({
      [ORG_SETTINGS.memberRoleName.env]: 'AuditRole',
      [ORG_SETTINGS.includeOus.env]: 'r-ab12,ou-ab12-abcdefgh',
      [ORG_SETTINGS.excludeOus.env]: 'ou-ab12-zyxwvuts',
      [ORG_SETTINGS.includeAccounts.env]: '',
      [ORG_SETTINGS.excludeAccounts.env]: '111111111111',
    });
    expect(loadOrgSettingsFromEnv(env)).toEqual(settings);
  });

  it('gives the defaults for an empty environment: the default role, no selection', () => {
    expect(loadOrgSettingsFromEnv({})).toEqual({
      memberRoleName: DEFAULT_MEMBER_ROLE_NAME,
      includeOus: [],
      excludeOus: [],
      includeAccounts: [],
      excludeAccounts: [],
    });
  });

  it('names every bad variable and the first bad id of a list', () => {
    const error = (() => {
      try {
        loadOrgSettingsFromEnv({ MEMBER_ROLE_NAME: 'a/b', EXCLUDE_ACCOUNTS: '111111111111,prod' });
      } catch (caught: unknown) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'MEMBER_ROLE_NAME="a/b" is not allowed: expected an IAM role name: 1 to 64 letters, digits and + = , . @ _ -',
      'EXCLUDE_ACCOUNTS="prod" is not allowed: expected 12-digit account ids, separated by commas',
    ]);
  });

  it.each([
    [ORG_SETTINGS.excludeOus, 'r-ab12'],
    [ORG_SETTINGS.includeOus, 'ou-sandbox'],
    [ORG_SETTINGS.includeAccounts, '12345678901'],
  ])('refuses an id of the wrong form in a list (%#)', (declared, bad) => {
    expect(() => parseSetting(declared, 'context', [bad])).toThrow(
      `${declared.context}="${bad}" is not allowed`,
    );
  });

  it('declares each environment variable name once', () => {
    expect(new Set(ENVIRONMENT_NAMES).size).toBe(ENVIRONMENT_NAMES.length);
    expect(ENVIRONMENT_NAMES).toContain('MEMBER_ROLE_NAME');
    expect(ENVIRONMENT_NAMES).toContain(SETTINGS.topicArn.env);
  });
});

describe('remediateKinds against credentialKinds', () => {
  it('refuses a kind named to be changed that is not read, naming both settings', () => {
    const load = () =>
      loadConfigFromEnv({
        TOPIC_ARN: TOPIC,
        CREDENTIAL_KINDS: 'signing-certificate',
        REMEDIATE_KINDS: 'signing-certificate,ssh-public-key',
      });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      'REMEDIATE_KINDS="signing-certificate,ssh-public-key" is not allowed: expected kinds of credential separated by commas (of credentialKinds): signing-certificate, ssh-public-key, service-specific-credential: ssh-public-key is not read (CREDENTIAL_KINDS is signing-certificate)',
    );
  });

  it('takes the same kinds when they are read (the control), and the default with a narrower read', () => {
    const named = loadConfigFromEnv({
      TOPIC_ARN: TOPIC,
      CREDENTIAL_KINDS: 'signing-certificate,ssh-public-key',
      REMEDIATE_KINDS: 'signing-certificate,ssh-public-key',
    });
    const narrower = loadConfigFromEnv({ TOPIC_ARN: TOPIC, CREDENTIAL_KINDS: 'ssh-public-key' });

    expect(named.remediateKinds).toEqual(['signing-certificate', 'ssh-public-key']);
    expect(narrower.credentialKinds).toEqual(['ssh-public-key']);
  });
});
