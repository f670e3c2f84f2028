import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/errors';
import { type Mode, parseSetting } from '../../lambda/core/settings';
import { remediationActions } from '../../lib/auditor-permissions';
import { DEPLOY_SETTINGS } from '../../lib/deploy-settings';
import { SigningCertAuditor, type SigningCertAuditorProps } from '../../lib/signing-cert-auditor';
import { errorOf, functionPermissions } from './helpers';

function newStack(): Stack {
  return new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Host');
}

function build(props: SigningCertAuditorProps = {}) {
  const stack = newStack();
  const auditor = new SigningCertAuditor(stack, 'Auditor', props);
  return { stack, auditor, template: Template.fromStack(stack) };
}

describe('SigningCertAuditor', () => {
  it('resolves every policy default once and exposes what it created', () => {
    // Act
    const { auditor } = build();

    // Assess
    expect(auditor.policy).toEqual({
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
    });
    expect(auditor.key).toBeInstanceOf(kms.Key);
    expect(auditor.topic).toBeInstanceOf(sns.Topic);
    expect(auditor.alarms.functionErrors.alarmArn).toBeDefined();
    expect(auditor.alarms.nonCompliant.alarmArn).toBeDefined();
  });

  it('reads tags only on users under the path, the account summary on *, and passes the exempt tag key', () => {
    // Act
    const { template } = build({ userPathPrefix: '/vendors/', exemptTagKey: 'vendor:keep' });

    // Assess
    const permissions = functionPermissions(template);
    expect(permissions['iam:ListUserTags']).toEqual([
      'arn:{AWS::Partition}:iam::{AWS::AccountId}:user/vendors/*',
    ]);
    expect(permissions['iam:GetAccountSummary']).toEqual(['*']);
    expect(
      Object.keys(permissions)
        .filter((action) => action.startsWith('iam:'))
        .sort(),
    ).toEqual([
      'iam:GetAccountSummary',
      'iam:GetSSHPublicKey',
      'iam:ListSSHPublicKeys',
      'iam:ListServiceSpecificCredentials',
      'iam:ListSigningCertificates',
      'iam:ListUserTags',
      'iam:ListUsers',
    ]);
    expect(permissions['iam:ListSSHPublicKeys']).toEqual([
      'arn:{AWS::Partition}:iam::{AWS::AccountId}:user/vendors/*',
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EXEMPT_TAG_KEY: 'vendor:keep' }) },
    });
  });

  it('sets the log retention from its prop', () => {
    // Act
    const { template } = build({ logRetention: logs.RetentionDays.THREE_MONTHS });

    // Assess
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('uses an existing topic instead of creating one, and creates no topic key', () => {
    // Prepare
    const stack = newStack();
    const existing = sns.Topic.fromTopicArn(
      stack,
      'Existing',
      'arn:aws:sns:us-east-1:123456789012:findings',
    );

    // Act
    const auditor = new SigningCertAuditor(stack, 'Auditor', { existingTopic: existing });
    const template = Template.fromStack(stack);

    // Assess
    expect(auditor.topic).toBe(existing);
    expect(auditor.key).toBeUndefined();
    template.resourceCountIs('AWS::SNS::Topic', 0);
    // The archive's key only.
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(auditor.archive.key).toBeDefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: ['arn:aws:sns:us-east-1:123456789012:findings'],
    });
  });

  it('grants publishing on an existing encrypted topic’s key through grantPublish', () => {
    // Prepare
    const stack = newStack();
    const key = new kms.Key(stack, 'TheirKey', { enableKeyRotation: true });
    const existing = new sns.Topic(stack, 'TheirTopic', { masterKey: key });

    // Act
    new SigningCertAuditor(stack, 'Auditor', { existingTopic: existing });
    const template = Template.fromStack(stack);

    // Assess
    expect(functionPermissions(template)).toMatchObject({
      'sns:Publish': ['{AWS::SNS::Topic}'],
      'kms:Decrypt': ['{AWS::KMS::Key.Arn}'],
      'kms:GenerateDataKey*': ['{AWS::KMS::Key.Arn}'],
    });
    // Their topic's access policy is theirs: the construct adds nothing to it.
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
  });

  it('subscribes each notification email', () => {
    // Act
    const { template } = build({ notificationEmails: ['a@example.com', 'b@example.org'] });

    // Assess
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'b@example.org',
      TopicArn: { Ref: Match.anyValue() },
    });
  });

  it.each<[Partial<SigningCertAuditorProps>, string]>([
    [{ maxAgeDays: 0 }, 'maxAgeDays=0 is not allowed'],
    [{ maxAgeDays: 1.5 }, 'maxAgeDays=1.5 is not allowed'],
    [{ mode: 'nuke' as Mode }, 'mode="nuke" is not allowed'],
    [{ maxAgeDays: 120, deleteAfterDays: 90 }, 'deleteAfterDays=90 is not allowed'],
    [{ concurrency: 65 }, 'concurrency=65 is not allowed'],
    [{ userPathPrefix: '/a b/' }, 'userPathPrefix="/a b/" is not allowed'],
    [{ userPathPrefix: '/team]/' }, 'userPathPrefix="/team]/" is not allowed'],
    [{ schedule: 'at(2030-01-01T00:00:00)' }, 'schedule="at(2030-01-01T00:00:00)" is not allowed'],
    [{ timeZone: 'Nowhere' }, 'timeZone="Nowhere" is not allowed'],
    [{ notificationEmails: ['sec@example.com', 'sec'] }, 'notificationEmails="sec" is not allowed'],
  ])('refuses the props %j with a message naming the prop', (props, message) => {
    // Act
    const error = errorOf(() => build(props));

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message.startsWith(message)).toBe(true);
  });
});

describe('remediationActions', () => {
  it('gives report mode no IAM write action and each other mode only what it uses', () => {
    expect(remediationActions({ mode: 'report' })).toEqual([]);
    expect(remediationActions({ mode: 'deactivate' })).toEqual([
      'iam:GetUser',
      'iam:UpdateSigningCertificate',
    ]);
    expect(remediationActions({ mode: 'delete' })).toEqual([
      'iam:GetUser',
      'iam:UpdateSigningCertificate',
      'iam:DeleteSigningCertificate',
    ]);
  });

  it('changes only the kinds remediateKinds names (control: signing certificates named)', () => {
    const kinds = { credentialKinds: ['signing-certificate' as const] };

    expect(remediationActions({ mode: 'delete', ...kinds, remediateKinds: [] })).toEqual([
      'iam:GetUser',
    ]);
    expect(
      remediationActions({ mode: 'delete', ...kinds, remediateKinds: ['signing-certificate'] }),
    ).toContain('iam:DeleteSigningCertificate');
  });
});

describe('the schedule', () => {
  const checkSchedule = (value: unknown) => parseSetting(DEPLOY_SETTINGS.schedule, 'prop', value);

  it.each([
    'rate(1 minute)',
    'rate(30 minutes)',
    'rate(1 day)',
    'rate(7 days)',
    'cron(0 6 * * ? *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 0 L * ? *)',
  ])('accepts %s', (expression) => {
    expect(checkSchedule(expression)).toBe(expression);
  });

  it.each([
    'rate(0 days)',
    'rate(2 day)',
    'rate(1 week)',
    'cron(0 6 * * * *)',
    'cron(0 6 ? * ? *)',
    'cron(0 6 * * ?)',
    'cron(0 6 * * ? * *)',
    'cron(0 6 * * ? *); rm -rf /',
    'at(2030-01-01T00:00:00)',
    '',
    42,
  ])('refuses %j', (expression) => {
    expect(() => checkSchedule(expression)).toThrow(ConfigError);
  });
});

describe('the time zone', () => {
  const checkTimeZone = (value: unknown) => parseSetting(DEPLOY_SETTINGS.timeZone, 'prop', value);

  it('accepts IANA names and refuses anything else', () => {
    expect(checkTimeZone('UTC')).toBe('UTC');
    expect(checkTimeZone('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(() => checkTimeZone('Europe/Atlantis')).toThrow(ConfigError);
    expect(() => checkTimeZone('+02:00')).toThrow(ConfigError);
    expect(() => checkTimeZone(42)).toThrow(ConfigError);
    // Not given, it is the default.
    expect(checkTimeZone(undefined)).toBe('UTC');
  });
});
