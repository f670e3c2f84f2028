import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/errors';
import { RealtimeAudit } from '../../lib/audit-realtime';
import { AuditorStack } from '../../lib/auditor-stack';
import { OrgAuditorStack, StandaloneMemberStack } from '../../lib/org-auditor-stack';
import { forwardIamEvents, memberForwarderTemplateBody } from '../../lib/realtime-forwarder';
import { chooseRuntime } from '../../lib/runtime';
import { SigningCertAuditor } from '../../lib/signing-cert-auditor';
import { createApp, createOrgApp, errorOf, functionPermissions, onlyResource } from './helpers';

/** The pattern every real-time rule must have, written out here (not the constant under test). */
const PATTERN = {
  source: ['aws.iam'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['iam.amazonaws.com'],
    eventName: [
      'UploadSigningCertificate',
      'UpdateSigningCertificate',
      'UploadSSHPublicKey',
      'UpdateSSHPublicKey',
      'CreateServiceSpecificCredential',
      'UpdateServiceSpecificCredential',
      'ResetServiceSpecificCredential',
      'TagUser',
      'UntagUser',
    ],
    errorCode: [{ exists: false }],
  },
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The account app as bin/app.ts builds it, in `region`, with cdk-nag's checks. */
function accountApp(
  context: Record<string, unknown>,
  region?: string,
): { app: App; stack: AuditorStack; forwarder?: Stack } {
  const app = createApp(context);
  const stack = new AuditorStack(app, 'Test', region ? { env: { region } } : {});
  const forwarder = stack.auditor.realtime ? forwardIamEvents(app, stack) : undefined;
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, ...(forwarder ? { forwarder } : {}) };
}

/** Every finding cdk-nag still reports on the app, warnings included, after a synth that passed. */
function nagViolations(app: App): unknown[] {
  app.synth();
  return new AwsSolutionsChecks().validateScope(app).violations;
}

function environmentOf(template: Template, within: string): Record<string, string> {
  const fn = onlyResource(template, 'AWS::Lambda::Function', within);
  return (fn.properties.Environment as { Variables: Record<string, string> }).Variables;
}

/** The statements of the policies attached to the role of the function `within`. */
function statementsOf(template: Template, within: string): Record<string, unknown>[] {
  const fn = onlyResource(template, 'AWS::Lambda::Function', within);
  const roleId = (fn.properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function assertQueueAndEventSource(template: Template, fnWithin: string): void {
  const queues = template.findResources('AWS::SQS::Queue');
  const [queueId, queue] = Object.entries(queues).find(([id]) => id.includes('RealtimeQueue')) as [
    string,
    { Properties: Record<string, unknown> },
  ];
  const [dlqId, dlq] = Object.entries(queues).find(([id]) =>
    id.includes('RealtimeDeadLetterQueue'),
  ) as [string, { Properties: Record<string, unknown> }];
  expect(queue.Properties).toMatchObject({
    SqsManagedSseEnabled: true,
    // At least six times the function's 300-second timeout.
    VisibilityTimeout: 1805,
    RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
  });
  const fn = onlyResource(template, 'AWS::Lambda::Function', fnWithin);
  expect(fn.properties.Timeout).toBe(300);
  expect(queue.Properties.VisibilityTimeout as number).toBeGreaterThanOrEqual(
    6 * (fn.properties.Timeout as number),
  );
  expect(dlq.Properties).toMatchObject({
    SqsManagedSseEnabled: true,
    MessageRetentionPeriod: 14 * 24 * 3600,
  });
  // enforceSSL on both queues.
  for (const id of [queueId, dlqId]) {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  }
  const mapping = onlyResource(template, 'AWS::Lambda::EventSourceMapping');
  expect(mapping.properties).toMatchObject({
    EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
    FunctionName: { Ref: fn.id },
    BatchSize: 100,
    MaximumBatchingWindowInSeconds: 5,
    ScalingConfig: { MaximumConcurrency: 2 },
    FunctionResponseTypes: ['ReportBatchItemFailures'],
  });
  // Lambda reads the queue with the function's role: the three actions its poller takes, on
  // that queue only (not grantConsumeMessages' ChangeMessageVisibility and GetQueueUrl).
  const onQueue = statementsOf(template, fnWithin).filter(
    (s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [queueId, 'Arn'] }),
  );
  expect(onQueue).toEqual([
    {
      Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
    },
  ]);
  // The mapping is created once the role may read the queue (Lambda checks it then).
  const resources = template.toJSON().Resources as Record<string, { DependsOn?: string[] }>;
  expect(resources[mapping.id]?.DependsOn?.some((id) => id.includes('Policy'))).toBe(true);
  // Only the rule may send: events.amazonaws.com with aws:SourceArn = the rule's ARN.
  const rule = onlyResource(template, 'AWS::Events::Rule', 'Realtime');
  template.hasResourceProperties('AWS::SQS::QueuePolicy', {
    Queues: [{ Ref: queueId }],
    PolicyDocument: {
      Statement: Match.arrayWith([
        {
          // targets.SqsQueue grants with grantSendMessages (GetQueueAttributes, GetQueueUrl too).
          Action: Match.arrayWith(['sqs:SendMessage']),
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule.id, 'Arn'] } } },
        },
      ]),
    },
  });
  expect(rule.properties.Targets).toEqual([
    expect.objectContaining({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } }),
  ]);
}

describe('the real-time audit, one account in us-east-1', () => {
  it('subscribes the default bus to the IAM calls that succeeded, through a queue with a DLQ, to a function reading it in batches', () => {
    const { stack } = accountApp({ realtime: true }, 'us-east-1');
    const template = Template.fromStack(stack);

    const rule = onlyResource(template, 'AWS::Events::Rule', 'Realtime');
    expect(rule.properties.EventPattern).toEqual(PATTERN);
    // The default bus: no EventBusName.
    expect(rule.properties.EventBusName).toBeUndefined();
    assertQueueAndEventSource(template, 'AuditorRealtime');
  });

  it('runs the function with the scheduled function’s environment plus the window settings', () => {
    const template = Template.fromStack(
      accountApp({ realtime: true, maxActionsPerRun: 7, mode: 'deactivate' }, 'us-east-1').stack,
    );
    const scheduled = environmentOf(template, 'AuditorFunction');
    const realtime = environmentOf(template, 'AuditorRealtime');

    const { REALTIME_WINDOW_MAX_ACTIONS, REALTIME_WINDOW_MINUTES, ...rest } = realtime;
    expect(rest).toEqual(scheduled);
    // The window's changes default to maxActionsPerRun, its minutes to 60.
    expect(REALTIME_WINDOW_MAX_ACTIONS).toBe('7');
    expect(REALTIME_WINDOW_MINUTES).toBe('60');
    const set = environmentOf(
      Template.fromStack(
        accountApp(
          { realtime: true, realtimeWindowMaxActions: 3, realtimeWindowMinutes: 15 },
          'us-east-1',
        ).stack,
      ),
      'AuditorRealtime',
    );
    expect([set.REALTIME_WINDOW_MAX_ACTIONS, set.REALTIME_WINDOW_MINUTES]).toEqual(['3', '15']);
  });

  it('grants a users-scoped audit: GetUser under the path, GetAccountSummary, no ListUsers; guard/ outside report mode only', () => {
    const deactivate = functionPermissions(
      Template.fromStack(
        accountApp({ realtime: true, mode: 'deactivate', userPathPrefix: '/staff/' }).stack,
      ),
      'AuditorRealtime',
    );
    const users = 'arn:{AWS::Partition}:iam::{AWS::AccountId}:user/staff/*';
    expect(deactivate['iam:GetUser']).toEqual([users]);
    expect(deactivate['iam:GetAccountSummary']).toEqual(['*']);
    expect(deactivate['iam:UpdateSigningCertificate']).toEqual([users]);
    expect(deactivate['iam:ListUsers']).toBeUndefined();
    expect(deactivate['iam:GetCredentialReport']).toBeUndefined();
    // Every kind read user by user, under the path.
    expect(deactivate['iam:ListServiceSpecificCredentials']).toEqual([users]);
    expect(deactivate['s3:GetObject']).toEqual(['{AWS::S3::Bucket.Arn}/guard/*']);
    expect(deactivate['s3:PutObject']).toEqual(
      expect.arrayContaining([
        '{AWS::S3::Bucket.Arn}/guard/*',
        '{AWS::S3::Bucket.Arn}/reports/*',
        '{AWS::S3::Bucket.Arn}/changes/*',
      ]),
    );
    expect(deactivate['sns:Publish']).toEqual(['{AWS::SNS::Topic}']);
    // Its findings go beside its report: the Athena table's findings/ speaks for the account.
    expect(deactivate['s3:PutObject']).not.toContain('{AWS::S3::Bucket.Arn}/findings/*');

    // Control: report mode changes nothing, so counts nothing and records nothing.
    const report = functionPermissions(
      Template.fromStack(accountApp({ realtime: true }).stack),
      'AuditorRealtime',
    );
    expect(report['iam:GetUser']).toEqual(['arn:{AWS::Partition}:iam::{AWS::AccountId}:user/*']);
    expect(report['s3:GetObject']).toBeUndefined();
    expect(report['s3:PutObject']).not.toContain('{AWS::S3::Bucket.Arn}/guard/*');
    expect(report['s3:PutObject']).not.toContain('{AWS::S3::Bucket.Arn}/changes/*');
    // The scheduled function keeps its account-scoped grants.
    const scheduled = functionPermissions(
      Template.fromStack(accountApp({ realtime: true }).stack),
      'AuditorFunction',
    );
    expect(scheduled['iam:ListUsers']).toEqual(['*']);
    // Control: the account-scoped function writes the Athena table's findings/.
    expect(scheduled['s3:PutObject']).toContain('{AWS::S3::Bucket.Arn}/findings/*');
    expect(scheduled['iam:GetUser']).toBeUndefined();
  });

  it('alarms on the DLQ, the function’s errors and the users-scoped Withheld series, on the topic', () => {
    const template = Template.fromStack(accountApp({ realtime: true }).stack);
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) =>
      id.includes('Realtime'),
    );
    expect(alarms.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'AuditorRealtimeDeadLettersAlarm',
      'AuditorRealtimeFunctionErrorsAlarm',
      'AuditorRealtimeWithheldAlarm',
    ]);
    const topic = onlyResource(template, 'AWS::SNS::Topic').id;
    for (const [, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    }
    const withheld = alarms.find(([id]) => id.includes('Withheld'))?.[1].Properties;
    expect(withheld?.Dimensions).toEqual(
      expect.arrayContaining([{ Name: 'scope', Value: 'users' }]),
    );
    const dlq = alarms.find(([id]) => id.includes('DeadLetters'))?.[1].Properties;
    expect(dlq?.MetricName).toBe('ApproximateNumberOfMessagesVisible');
  });

  it('adds no forwarder in us-east-1, nor for a stack whose region is unknown', () => {
    expect(accountApp({ realtime: true }, 'us-east-1').forwarder).toBeUndefined();
    expect(accountApp({ realtime: true }).forwarder).toBeUndefined();
  });

  it('leaves cdk-nag nothing unacknowledged, in report and in delete mode', () => {
    expect(nagViolations(accountApp({ realtime: true }, 'us-east-1').app)).toEqual([]);
    expect(
      nagViolations(accountApp({ realtime: true, mode: 'delete', securityHub: true }).app),
    ).toEqual([]);
  });
});

describe('the real-time audit, one account outside us-east-1', () => {
  it('forwards from us-east-1 to the auditor region’s default bus, with a role that may only PutEvents there', () => {
    const { stack, forwarder, app } = accountApp({ realtime: true }, 'eu-west-1');
    expect(forwarder?.region).toBe('us-east-1');
    const template = Template.fromStack(forwarder as Stack);

    const rule = onlyResource(template, 'AWS::Events::Rule');
    expect(rule.properties.EventPattern).toEqual(PATTERN);
    expect(rule.properties.EventBusName).toBeUndefined();
    const target = 'arn:{AWS::Partition}:events:eu-west-1:{AWS::AccountId}:event-bus/default';
    const role = onlyResource(template, 'AWS::IAM::Role');
    expect(rule.properties.Targets).toEqual([
      expect.objectContaining({ RoleArn: { 'Fn::GetAtt': [role.id, 'Arn'] } }),
    ]);
    const policy = onlyResource(template, 'AWS::IAM::Policy');
    const statements = (policy.properties.PolicyDocument as { Statement: unknown[] }).Statement;
    expect(statements).toHaveLength(1);
    expect(JSON.stringify(statements[0])).toContain('"Action":"events:PutEvents"');
    expect(JSON.stringify(statements[0])).toContain(':events:eu-west-1:');
    expect(target).toContain('eu-west-1');

    // The auditor's own rule, on its default bus, is the same in both regions.
    const own = onlyResource(Template.fromStack(stack), 'AWS::Events::Rule', 'Realtime');
    expect(own.properties.EventPattern).toEqual(PATTERN);
    expect(nagViolations(app)).toEqual([]);
  });
});

describe('the real-time audit, an organization', () => {
  const orgTemplate = (context: Record<string, unknown> = {}) => {
    const app = createOrgApp({ realtime: true, ...context });
    const stack = new OrgAuditorStack(app, 'Org');
    return { app, stack, template: Template.fromStack(stack) };
  };

  it('alarms on a member run whose changes a guard withheld (the users-scoped Withheld series)', () => {
    const { template } = orgTemplate();
    const withheld = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(
      ([id]) => id.includes('RealtimeWithheld'),
    );
    expect(withheld).toHaveLength(1);
    expect(withheld[0]?.[1].Properties).toMatchObject({
      MetricName: 'Withheld',
      Namespace: 'SigningCertAudit',
    });
    expect(withheld[0]?.[1].Properties.Dimensions).toEqual(
      expect.arrayContaining([{ Name: 'scope', Value: 'users' }]),
    );
  });

  it('has a bus only the organization may send to, with the rule → queue → org-realtime function', () => {
    const { template } = orgTemplate();
    const bus = onlyResource(template, 'AWS::Events::EventBus');
    const policy = onlyResource(template, 'AWS::Events::EventBusPolicy');
    expect(policy.properties).toMatchObject({
      EventBusName: { Ref: bus.id },
      Statement: {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Principal: { AWS: '*' },
        Resource: { 'Fn::GetAtt': [bus.id, 'Arn'] },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      },
    });
    const rule = onlyResource(template, 'AWS::Events::Rule', 'Realtime');
    expect(rule.properties.EventPattern).toEqual(PATTERN);
    expect(rule.properties.EventBusName).toEqual({ Ref: bus.id });
    assertQueueAndEventSource(template, 'OrgAuditorRealtime');
  });

  it('runs with the worker’s environment plus the window, and may assume the member role and write the archive', () => {
    const { template } = orgTemplate({ mode: 'deactivate', securityHub: true });
    const { REALTIME_WINDOW_MAX_ACTIONS, REALTIME_WINDOW_MINUTES, ...rest } = environmentOf(
      template,
      'OrgAuditorRealtime',
    );
    expect(rest).toEqual(environmentOf(template, 'OrgAuditorWorker'));
    expect([REALTIME_WINDOW_MAX_ACTIONS, REALTIME_WINDOW_MINUTES]).toEqual(['25', '60']);

    const statements = statementsOf(template, 'OrgAuditorRealtime');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } },
      }),
    );
    const text = JSON.stringify(statements);
    for (const prefix of ['/guard/*', '/reports/*', '/changes/*']) expect(text).toContain(prefix);
    expect(text).toContain('s3:GetObject');
  });

  it('deploys each member’s forwarder in us-east-1 only, sending to the central bus alone', () => {
    const { template } = orgTemplate();
    const bus = onlyResource(template, 'AWS::Events::EventBus');
    const forwarders = onlyResource(template, 'AWS::CloudFormation::StackSet', 'Forwarders');
    expect(forwarders.properties).toMatchObject({
      Parameters: [
        { ParameterKey: 'CentralBusArn', ParameterValue: { 'Fn::GetAtt': [bus.id, 'Arn'] } },
      ],
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: ['r-ab12'] }, Regions: ['us-east-1'] },
      ],
    });
    const body = JSON.parse(forwarders.properties.TemplateBody as string) as {
      Resources: Resources;
    };
    const types = Object.values(body.Resources).map((r) => r.Type);
    expect(types.filter((type) => type === 'AWS::IAM::Role')).toHaveLength(1);
    const [rule] = Object.values(body.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rule?.Properties?.EventPattern).toEqual(PATTERN);
    expect(rule?.Properties?.Targets).toEqual([
      expect.objectContaining({ Arn: { Ref: 'CentralBusArn' } }),
    ]);
    const [policy] = Object.values(body.Resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    expect(policy?.Properties?.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Action: 'events:PutEvents', Effect: 'Allow', Resource: { Ref: 'CentralBusArn' } },
      ],
    });

    // The member role: trusted by the real-time function's role too, and GetUser even in report mode.
    const members = onlyResource(template, 'AWS::CloudFormation::StackSet', 'MemberRoles');
    const realtimeRole = onlyResource(template, 'AWS::Lambda::Function', 'OrgAuditorRealtime')
      .properties.Role;
    expect(members.properties.Parameters).toContainEqual({
      ParameterKey: 'RealtimeRoleArn',
      ParameterValue: realtimeRole,
    });
    const member = JSON.parse(members.properties.TemplateBody as string) as {
      Resources: Resources;
    };
    const memberText = JSON.stringify(member.Resources);
    expect(memberText).toContain('{"Ref":"RealtimeRoleArn"}');
    expect(memberText).toContain('"Action":"iam:GetUser"');
  });

  it('leaves cdk-nag nothing unacknowledged, the forwarder template included', () => {
    const app = createOrgApp({ realtime: true, mode: 'delete' });
    new OrgAuditorStack(app, 'Org');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(nagViolations(app)).toEqual([]);
    // Synthesized with cdk-nag failing on any finding.
    expect(() => memberForwarderTemplateBody()).not.toThrow();
  });
});

describe('the real-time audit off (the default)', () => {
  it('synthesizes nothing real-time in either deployment', () => {
    const account = Template.fromStack(new AuditorStack(createApp(), 'Off'));
    const org = Template.fromStack(new OrgAuditorStack(createOrgApp(), 'OffOrg'));
    for (const template of [account, org]) {
      expect(Object.keys(template.findResources('AWS::Events::Rule'))).toEqual([]);
      expect(Object.keys(template.findResources('AWS::Events::EventBus'))).toEqual([]);
      expect(Object.keys(template.findResources('AWS::Lambda::EventSourceMapping'))).toEqual([]);
      expect(JSON.stringify(template.toJSON())).not.toContain('REALTIME_WINDOW');
    }
    expect(Object.keys(org.findResources('AWS::CloudFormation::StackSet'))).toHaveLength(1);
    expect(JSON.stringify(org.toJSON())).not.toContain('RealtimeRoleArn');
    // Control for the above: realtime on has each of them.
    const on = Template.fromStack(new AuditorStack(createApp({ realtime: true }), 'On'));
    expect(Object.keys(on.findResources('AWS::Events::Rule'))).toHaveLength(1);
  });
});

describe('the real-time settings', () => {
  it('refuses a window outside 0–10000 changes or 1–1440 minutes, naming each', () => {
    const build = (props: Record<string, unknown>) => () =>
      new SigningCertAuditor(new Stack(new App(), 'S'), 'A', { realtime: true, ...props });
    expect(errorOf(build({ realtimeWindowMaxActions: 10_001 })).message).toContain(
      'realtimeWindowMaxActions=10001 is not allowed: expected a whole number from 0 to 10000',
    );
    expect(errorOf(build({ realtimeWindowMinutes: 0 })).message).toContain(
      'realtimeWindowMinutes=0 is not allowed: expected a whole number of minutes from 1 to 1440',
    );
    expect(build({ realtimeWindowMaxActions: 0, realtimeWindowMinutes: 1440 })).not.toThrow();
  });

  it('refuses realtime in deactivate or delete mode without an archive (the window guard’s)', () => {
    const stack = new Stack(new App(), 'S');
    const props = {
      asset: 'realtime' as const,
      name: 'the real-time audit function',
      description: 'test',
      environment: {},
      window: { maxActions: 1, minutes: 60 },
      logRetention: logs.RetentionDays.ONE_DAY,
      runtime: chooseRuntime(undefined),
      topic: new sns.Topic(stack, 'Topic'),
      alarmNamePrefix: 'test',
    };
    const error = errorOf(() => new RealtimeAudit(stack, 'R', { ...props, mode: 'delete' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^realtime in delete mode needs an archive bucket/);
    expect(() => new RealtimeAudit(stack, 'Report', { ...props, mode: 'report' })).not.toThrow();
  });

  it('refuses -c realtime=true for the member role alone, which does not read it', () => {
    const error = errorOf(
      () => new StandaloneMemberStack(createApp({ deployment: 'member', realtime: true }), 'M'),
    );
    expect(error.message).toContain(
      'realtime (read by deployment=account or deployment=organization)',
    );
  });
});
