import { Annotations, Capture, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_TYPES } from '../../lambda/core/credential';
import { ConfigError } from '../../lambda/core/errors';
import { POLICY_DEFAULTS } from '../../lambda/core/settings';
import {
  INCOMPLETE_METRIC,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../../lambda/handlers/metrics';
import { KIND_INDEX } from '../../lambda/kinds';
import { AuditorStack } from '../../lib/auditor-stack';
import { HANDLER_BUNDLE, NODE_MAJOR } from '../../lib/bundling';
import { CONTEXT_SETTINGS } from '../../lib/context';
import { DEPLOY_SETTINGS } from '../../lib/deploy-settings';
import {
  CDK_JSON_CONTEXT,
  createApp,
  errorOf,
  functionPermissions,
  onlyResource,
  synthStack,
} from './helpers';

/** The kinds other than signing certificates, and every IAM write of theirs (restore's too). */
const OTHER_KINDS = KIND_INDEX.filter((kind) => kind.type !== 'signing-certificate');
const OTHER_WRITES = OTHER_KINDS.flatMap((kind) => [
  ...kind.actions.deactivate,
  ...kind.actions.delete,
  ...kind.actions.restore,
]);

const EXISTING_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:security-findings';
const ALL_USERS = 'arn:{AWS::Partition}:iam::{AWS::AccountId}:user/*';
/** The change record's objects in the archive: written in deactivate and delete mode only. */
const CHANGE_RECORD = '{AWS::S3::Bucket.Arn}/changes/*';

/** What the function may do in every mode: read IAM, log, publish, keep a failed event. */
const BASE_PERMISSIONS = {
  'iam:ListUsers': ['*'],
  'iam:GetAccountSummary': ['*'],
  'iam:ListSigningCertificates': [ALL_USERS],
  'iam:ListUserTags': [ALL_USERS],
  // Every kind is read by default: SSH public keys user by user, service-specific credentials
  // for the whole account at once (AllUsers, which IAM authorizes on *).
  'iam:ListSSHPublicKeys': [ALL_USERS],
  'iam:GetSSHPublicKey': [ALL_USERS],
  'iam:ListServiceSpecificCredentials': ['*'],
  'logs:CreateLogStream': ['{AWS::Logs::LogGroup.Arn}'],
  'logs:PutLogEvents': ['{AWS::Logs::LogGroup.Arn}'],
  'sns:Publish': ['{AWS::SNS::Topic}'],
  'kms:Decrypt': ['{AWS::KMS::Key.Arn}'],
  'kms:GenerateDataKey*': ['{AWS::KMS::Key.Arn}'],
  // The evidence archive: writes under its two prefixes, with the archive key.
  'kms:GenerateDataKey': ['{AWS::KMS::Key.Arn}'],
  's3:PutObject': ['{AWS::S3::Bucket.Arn}/findings/*', '{AWS::S3::Bucket.Arn}/reports/*'],
  // Lambda's on-failure destination: sending the failed event, nothing more.
  'sqs:SendMessage': ['{AWS::SQS::Queue.Arn}'],
};

describe('cdk.json', () => {
  it('holds the documented policy defaults and the deployment defaults', () => {
    // Assess: the file users edit says what the engine would do anyway.
    const { schedule, timeZone, reportRetentionDays } = DEPLOY_SETTINGS;
    expect(CDK_JSON_CONTEXT).toMatchObject({
      ...POLICY_DEFAULTS,
      schedule: schedule.default,
      timeZone: timeZone.default,
      reportRetentionDays: reportRetentionDays.default,
    });
    expect(CDK_JSON_CONTEXT.notificationEmails).toEqual([]);
    // deleteAfterDays defaults to maxAgeDays, so a fixed value here would break `-c maxAgeDays=120`.
    expect(CDK_JSON_CONTEXT).not.toHaveProperty('deleteAfterDays');
  });
});

describe('AuditorStack schedule', () => {
  it('runs daily at 06:00 UTC by default through EventBridge Scheduler', () => {
    // Act
    const template = synthStack();

    // Assess
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [onlyResource(template, 'AWS::Lambda::Function').id, 'Arn'] },
        Input: JSON.stringify({}),
      },
    });
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  it('takes the expression and time zone from context', () => {
    // Act
    const template = synthStack({ schedule: 'rate(12 hours)', timeZone: 'Europe/Paris' });

    // Assess
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(12 hours)',
      ScheduleExpressionTimezone: 'Europe/Paris',
    });
  });

  it('invokes through a role that only the scheduler of this account can assume', () => {
    // Act
    const template = synthStack();

    // Assess
    const schedule = onlyResource(template, 'AWS::Scheduler::Schedule');
    const roleId = (schedule.properties.Target as { RoleArn: { 'Fn::GetAtt': string[] } }).RoleArn[
      'Fn::GetAtt'
    ][0] as string;
    expect(template.toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
  });
});

describe('AuditorStack outputs', () => {
  it('names the topic, the function, the failure queue and the log group', () => {
    // Act
    const template = synthStack();

    // Assess
    template.hasOutput('TopicArn', {
      Value: { Ref: onlyResource(template, 'AWS::SNS::Topic').id },
    });
    template.hasOutput('FunctionName', {
      Value: { Ref: onlyResource(template, 'AWS::Lambda::Function').id },
    });
    template.hasOutput('FailureQueueUrl', {
      Value: { Ref: onlyResource(template, 'AWS::SQS::Queue').id },
    });
    template.hasOutput('LogGroupName', {
      Value: { Ref: onlyResource(template, 'AWS::Logs::LogGroup').id },
    });
  });
});

describe('AuditorStack function', () => {
  it('runs on the pinned Node.js runtime, ARM64, 15 minutes, one at a time, with its own logs', () => {
    // Act
    const template = synthStack();

    // Assess
    const logGroup = onlyResource(template, 'AWS::Logs::LogGroup');
    template.hasResourceProperties('AWS::Lambda::Function', {
      // The bundle's esbuild target (lib/bundling.ts) follows the same Node.js major version.
      Runtime: `nodejs${NODE_MAJOR}.x`,
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 900,
      ReservedConcurrentExecutions: 1,
      LoggingConfig: { LogGroup: { Ref: logGroup.id } },
    });
    expect(logGroup.properties.RetentionInDays).toBe(365);
    expect(HANDLER_BUNDLE.target).toBe(`node${NODE_MAJOR}`);
  });

  it('gets the default policy and the topic as environment variables', () => {
    // Act
    const template = synthStack();

    // Assess
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    expect(fn.properties.Environment).toEqual({
      Variables: {
        MAX_AGE_DAYS: '90',
        MODE: 'report',
        DELETE_AFTER_DAYS: '90',
        WARN_BEFORE_DAYS: '14',
        USER_PATH_PREFIX: '/',
        EXEMPT_TAG_KEY: 'signing-cert-audit:exempt',
        MAX_OVERRIDE_DAYS: '365',
        MAX_ACTIONS_PER_RUN: '25',
        SCAN_CONCURRENCY: '8',
        SCAN_STRATEGY: 'full',
        CREDENTIAL_KINDS: 'signing-certificate,ssh-public-key,service-specific-credential',
        REMEDIATE_KINDS: 'signing-certificate',
        DELETE_SERVICE_CREDENTIALS: 'false',
        INCLUDE_COMPLIANT: 'false',
        TOPIC_ARN: { Ref: topic.id },
        ARCHIVE_BUCKET: { Ref: onlyResource(template, 'AWS::S3::Bucket', 'ArchiveBucket').id },
      },
    });
  });

  it('passes context values given as strings (`-c key=value`) through validated', () => {
    // Act
    const template = synthStack({
      maxAgeDays: '30',
      mode: 'delete',
      deleteAfterDays: '45',
      warnBeforeDays: '0',
      userPathPrefix: '/engineering/',
      exemptTagKey: 'audit-exempt',
      maxOverrideDays: '200',
      maxActionsPerRun: '5',
      concurrency: '4',
      scanStrategy: 'credential-report',
      fullScanSchedule: 'cron(0 5 ? * SUN *)',
    });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectEquals({
          MAX_AGE_DAYS: '30',
          MODE: 'delete',
          DELETE_AFTER_DAYS: '45',
          WARN_BEFORE_DAYS: '0',
          USER_PATH_PREFIX: '/engineering/',
          EXEMPT_TAG_KEY: 'audit-exempt',
          MAX_OVERRIDE_DAYS: '200',
          MAX_ACTIONS_PER_RUN: '5',
          SCAN_CONCURRENCY: '4',
          SCAN_STRATEGY: 'credential-report',
          CREDENTIAL_KINDS: 'signing-certificate,ssh-public-key,service-specific-credential',
          REMEDIATE_KINDS: 'signing-certificate',
          DELETE_SERVICE_CREDENTIALS: 'false',
          INCLUDE_COMPLIANT: 'false',
          TOPIC_ARN: { Ref: Match.anyValue() },
          ARCHIVE_BUCKET: { Ref: Match.anyValue() },
        }),
      },
    });
  });
});

describe('AuditorStack includeCompliant', () => {
  it('tells the function to list every credential with -c includeCompliant=true, and not by default (the control)', () => {
    const variables = (template: ReturnType<typeof synthStack>) =>
      (
        onlyResource(template, 'AWS::Lambda::Function').properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;

    expect(variables(synthStack({ includeCompliant: 'true' })).INCLUDE_COMPLIANT).toBe('true');
    expect(variables(synthStack({ includeCompliant: true })).INCLUDE_COMPLIANT).toBe('true');
    expect(variables(synthStack()).INCLUDE_COMPLIANT).toBe('false');
    expect(() => synthStack({ includeCompliant: 'yes' })).toThrow(
      /includeCompliant="yes" is not allowed: expected true or false/,
    );
  });
});

describe('AuditorStack scan strategy', () => {
  it('grants the credential report only to the credential-report strategy', () => {
    const full = functionPermissions(synthStack({ scanStrategy: 'full' }));
    const prefilter = functionPermissions(synthStack({ scanStrategy: 'credential-report' }));

    expect(full).toEqual(BASE_PERMISSIONS);
    expect(prefilter).toEqual({
      ...BASE_PERMISSIONS,
      'iam:GenerateCredentialReport': ['*'],
      'iam:GetCredentialReport': ['*'],
    });
  });

  it('adds a full-scan schedule whose event asks for exactly a full scan', () => {
    const template = synthStack({
      scanStrategy: 'credential-report',
      fullScanSchedule: 'cron(0 5 ? * SUN *)',
    });

    const fn = onlyResource(template, 'AWS::Lambda::Function');
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 5 ? * SUN *)',
      Target: {
        Arn: { 'Fn::GetAtt': [fn.id, 'Arn'] },
        Input: JSON.stringify({ scanStrategy: 'full' }),
      },
    });
  });

  it('warns at synth when credential-report has no full-scan schedule, and not otherwise', () => {
    const warnings = (context: Record<string, unknown>) => {
      const app = createApp(context);
      const stack = new AuditorStack(app, 'Test');
      return Annotations.fromStack(stack)
        .findWarning('*', Match.stringLikeRegexp('no fullScanSchedule'))
        .map((entry) => entry.entry.data);
    };

    expect(warnings({ scanStrategy: 'credential-report' })).toHaveLength(1);
    expect(
      warnings({ scanStrategy: 'credential-report', fullScanSchedule: 'rate(7 days)' }),
    ).toEqual([]);
    expect(warnings({ scanStrategy: 'full' })).toEqual([]);
  });

  it('refuses a bad full-scan schedule, naming it', () => {
    const error = errorOf(() => synthStack({ fullScanSchedule: 'weekly' }));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^fullScanSchedule="weekly" is not allowed/);
  });
});

describe('AuditorStack permissions', () => {
  it('report mode: reads IAM and writes nothing to it', () => {
    // Act
    const permissions = functionPermissions(synthStack({ mode: 'report' }));

    // Assess
    expect(permissions).toEqual(BASE_PERMISSIONS);
    const iamActions = Object.keys(permissions).filter((action) => action.startsWith('iam:'));
    expect(iamActions.every((action) => /^iam:(List|Get)/.test(action))).toBe(true);
  });

  it('deactivate mode: adds only UpdateSigningCertificate and GetUser (the user id the record keeps), on users under the path, and the change record', () => {
    // Act
    const permissions = functionPermissions(synthStack({ mode: 'deactivate' }));

    // Assess
    expect(permissions).toEqual({
      ...BASE_PERMISSIONS,
      'iam:GetUser': [ALL_USERS],
      'iam:UpdateSigningCertificate': [ALL_USERS],
      's3:PutObject': [CHANGE_RECORD, ...(BASE_PERMISSIONS['s3:PutObject'] ?? [])],
    });
  });

  it('delete mode: adds UpdateSigningCertificate, DeleteSigningCertificate and GetUser, on users under the path, and the change record', () => {
    // Act
    const permissions = functionPermissions(synthStack({ mode: 'delete' }));

    // Assess
    expect(permissions).toEqual({
      ...BASE_PERMISSIONS,
      'iam:GetUser': [ALL_USERS],
      'iam:UpdateSigningCertificate': [ALL_USERS],
      'iam:DeleteSigningCertificate': [ALL_USERS],
      's3:PutObject': [CHANGE_RECORD, ...(BASE_PERMISSIONS['s3:PutObject'] ?? [])],
    });
  });

  it.each(['report', 'deactivate', 'delete'])(
    '%s mode: grants no write action of a kind other than signing certificates by default, though it reads every kind',
    (mode) => {
      // Act
      const permissions = functionPermissions(synthStack({ mode }));
      // The control: the same mode, naming every kind to remediate, deleting the final ones too.
      const named = functionPermissions(
        synthStack({
          mode,
          remediateKinds: CREDENTIAL_TYPES.join(','),
          deleteServiceCredentials: true,
        }),
      );

      // Assess
      for (const kind of OTHER_KINDS) {
        for (const action of kind.actions.read) expect(permissions, action).toHaveProperty(action);
      }
      expect(Object.keys(permissions).filter((action) => OTHER_WRITES.includes(action))).toEqual(
        [],
      );
      expect(
        Object.keys(named)
          .filter((action) => OTHER_WRITES.includes(action))
          .sort(),
      ).toEqual(
        mode === 'report'
          ? []
          : OTHER_KINDS.flatMap((kind) => [
              ...kind.actions.deactivate,
              ...(mode === 'delete' ? kind.actions.delete : []),
            ]).sort(),
      );
    },
  );

  it('never grants UploadSigningCertificate: only the operator restores a deleted certificate', () => {
    for (const mode of ['report', 'deactivate', 'delete']) {
      expect(Object.keys(functionPermissions(synthStack({ mode })))).not.toContain(
        'iam:UploadSigningCertificate',
      );
    }
  });

  it('scopes the per-user actions to the configured IAM path', () => {
    // Act
    const permissions = functionPermissions(
      synthStack({ mode: 'delete', userPathPrefix: '/engineering/' }),
    );

    // Assess
    const engineering = 'arn:{AWS::Partition}:iam::{AWS::AccountId}:user/engineering/*';
    for (const action of [
      'iam:ListSigningCertificates',
      'iam:ListSSHPublicKeys',
      'iam:GetSSHPublicKey',
      // Listed user by user under a path (AllUsers takes none): scoped to it too.
      'iam:ListServiceSpecificCredentials',
      'iam:ListUserTags',
      'iam:GetUser',
      'iam:UpdateSigningCertificate',
      'iam:DeleteSigningCertificate',
    ]) {
      expect(permissions[action], action).toEqual([engineering]);
    }
    expect(permissions['iam:ListUsers']).toEqual(['*']);
    // The control: every user's (path /) are listed at once, which only * allows.
    expect(BASE_PERMISSIONS['iam:ListServiceSpecificCredentials']).toEqual(['*']);
  });
});

describe('AuditorStack topic', () => {
  it('is encrypted with a customer-managed key that rotates', () => {
    // Act
    const template = synthStack();

    // Assess
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    const [keyId] = (topic.properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ];
    const keys = template.findResources('AWS::KMS::Key');
    expect(keys[keyId]?.Properties.EnableKeyRotation).toBe(true);
  });

  it('lets CloudWatch use the key and publish, for this account’s auditor alarms only', () => {
    // Prepare
    const template = synthStack();
    const keyAlarms = new Capture();
    const topicAlarms = new Capture();
    const fromThisAccount = { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } };

    // Assess
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: fromThisAccount, ArnLike: { 'aws:SourceArn': keyAlarms } },
            Sid: Match.anyValue(),
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: onlyResource(template, 'AWS::SNS::Topic').id },
            Condition: { StringEquals: fromThisAccount, ArnLike: { 'aws:SourceArn': topicAlarms } },
            Sid: Match.anyValue(),
          },
        ]),
      },
    });
    // Both patterns name the same alarms, and both of the stack's alarms match them.
    expect(topicAlarms.asObject()).toEqual(keyAlarms.asObject());
    const parts = (keyAlarms.asObject() as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    expect(parts.slice(0, 6)).toEqual([
      'arn:',
      { Ref: 'AWS::Partition' },
      ':cloudwatch:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
    ]);
    const suffix = parts.at(-1) as string;
    expect(suffix).toMatch(/^:alarm:[A-Za-z0-9]+-\*$/);
    const prefix = suffix.slice(':alarm:'.length, -1);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(5);
    for (const alarm of alarms) expect(alarm.Properties.AlarmName.startsWith(prefix)).toBe(true);
  });

  it('refuses publishing without TLS', () => {
    // Act
    const template = synthStack();

    // Assess
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('subscribes each address of a comma-separated `-c notificationEmails`', () => {
    // Act
    const template = synthStack({ notificationEmails: 'sec@example.com, ops@example.com' });

    // Assess
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    for (const email of ['sec@example.com', 'ops@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: topic.id },
      });
    }
    template.resourceCountIs('AWS::SNS::Subscription', 2);
  });

  it('subscribes the addresses of a cdk.json list, and nobody by default', () => {
    // Act
    const listed = synthStack({ notificationEmails: ['sec@example.com'] });
    const none = synthStack();

    // Assess
    listed.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'sec@example.com',
    });
    none.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('AuditorStack failure path', () => {
  it('retries a failed run twice, then keeps its event in an encrypted, TLS-only queue', () => {
    // Act
    const template = synthStack();

    // Assess
    const queue = onlyResource(template, 'AWS::SQS::Queue');
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn.id },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue.id, 'Arn'] } } },
    });
    expect(queue.properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue.id }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('sends a start the scheduler could not deliver to the same queue', () => {
    // Act
    const template = synthStack();

    // Assess
    const queue = onlyResource(template, 'AWS::SQS::Queue');
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: {
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue.id, 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
      },
    });
  });
});

describe('AuditorStack alarms', () => {
  it('alarms on any function error and notifies the topic', () => {
    // Act
    const template = synthStack();

    // Assess
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn.id } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic.id }],
    });
  });

  it.each([
    ['non-compliant certificates', METRIC_NAMES.nonCompliant],
    ['changes withheld by the blast-radius guard', METRIC_NAMES.withheld],
    ['a root signing certificate', METRIC_NAMES.rootSigningCertificate],
    ['a run that stopped before seeing the whole account', INCOMPLETE_METRIC],
  ])('alarms on the run metric of %s and notifies the topic', (_what, metricName) => {
    // Act
    const template = synthStack();

    // Assess
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic.id }],
    });
  });
});

describe('AuditorStack with an existing topic (`-c topicArn=...`)', () => {
  it('publishes, alarms and subscribes on that topic and creates neither topic nor key', () => {
    // Act
    const template = synthStack({
      topicArn: EXISTING_TOPIC,
      notificationEmails: 'sec@example.com',
    });

    // Assess
    template.resourceCountIs('AWS::SNS::Topic', 0);
    // Only the archive's key: no topic key.
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { TOPIC_ARN: EXISTING_TOPIC } },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map((alarm) => alarm.Properties.AlarmActions)).toEqual(
      Array(5).fill([EXISTING_TOPIC]),
    );
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: EXISTING_TOPIC,
      Endpoint: 'sec@example.com',
    });
    const { 'kms:Decrypt': _, 'kms:GenerateDataKey*': __, ...withoutKms } = BASE_PERMISSIONS;
    // (kms:GenerateDataKey stays: it is the archive key's.)
    expect(functionPermissions(template)).toEqual({
      ...withoutKms,
      'sns:Publish': [EXISTING_TOPIC],
    });
  });
});

describe('AuditorStack context validation', () => {
  // [key, value, the value as the message quotes it]
  const invalid: [key: string, value: unknown, shown: string][] = [
    ['maxAgeDays', 'abc', '"abc"'],
    ['maxAgeDays', 0, '0'],
    ['mode', 'destroy', '"destroy"'],
    ['deleteAfterDays', 30, '30'],
    ['warnBeforeDays', '-1', '"-1"'],
    ['userPathPrefix', 'engineering', '"engineering"'],
    ['userPathPrefix', '/*/', '"/*/"'],
    ['userPathPrefix', '/team?/', '"/team?/"'],
    ['maxOverrideDays', 0, '0'],
    ['exemptTagKey', '', '""'],
    ['maxActionsPerRun', '10001', '"10001"'],
    ['concurrency', 0, '0'],
    ['schedule', 'daily', '"daily"'],
    ['schedule', 'cron(0 6 * * *)', '"cron(0 6 * * *)"'],
    ['schedule', 'rate(1 days)', '"rate(1 days)"'],
    ['timeZone', 'Mars/Olympus_Mons', '"Mars/Olympus_Mons"'],
    ['notificationEmails', 'sec@example.com,not-an-address', '"not-an-address"'],
    [
      'topicArn',
      'arn:aws:sqs:eu-west-1:123456789012:queue',
      '"arn:aws:sqs:eu-west-1:123456789012:queue"',
    ],
  ];

  it.each(invalid)(
    'refuses %s=%j, naming the key, the value and what is allowed',
    (key, value, shown) => {
      // Act
      const error = errorOf(() => synthStack({ [key]: value }));

      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message.startsWith(`${key}=${shown} is not allowed: expected `)).toBe(true);
      expect(error.message).toContain(CONTEXT_SETTINGS[key]?.allowed);
    },
  );

  it.each([
    ['maxAgeDay', 'maxAgeDays'],
    ['MaxAgeDays', 'maxAgeDays'],
    ['mod', 'mode'],
    ['shedule', 'schedule'],
    ['userPathPrefx', 'userPathPrefix'],
  ])('refuses the mistyped context key %s, suggesting %s', (typo, meant) => {
    const error = errorOf(() => synthStack({ [typo]: 30 }));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`unknown context key "${typo}" (did you mean ${meant}?)`);
  });

  it('refuses an unknown context key with no near match, listing what is allowed', () => {
    const error = errorOf(() => synthStack({ banana: 1 }));

    expect(error.message).toMatch(/^unknown context key "banana": expected one of maxAgeDays, /);
  });

  it('accepts the CDK’s own namespaced context keys', () => {
    expect(() =>
      synthStack({
        '@aws-cdk/core:newStyleStackSynthesis': true,
        'aws:cdk:version-reporting': false,
        'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a'],
        'acknowledged-issue-numbers': [1234],
      }),
    ).not.toThrow();
  });

  it('accepts every valid schedule form Scheduler documents', () => {
    for (const schedule of [
      'rate(1 day)',
      'rate(5 minutes)',
      'rate(1 hour)',
      'cron(0 6 * * ? *)',
      'cron(15 10 ? * MON-FRI *)',
      'cron(0 8 1 * ? *)',
      'cron(0/30 8-17 ? * 2#1 2030)',
    ]) {
      expect(() => synthStack({ schedule })).not.toThrow();
    }
  });
});
