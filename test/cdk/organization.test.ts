import validator from 'asl-validator';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/errors';
import { parseSetting } from '../../lambda/core/settings';
import { AuditorStack } from '../../lib/auditor-stack';
import { DEPLOY_SETTINGS, type Deployment } from '../../lib/deploy-settings';
import { MemberRoleStack } from '../../lib/member-role';
import { OrgAuditorStack, StandaloneMemberStack } from '../../lib/org-auditor-stack';
import { CDK_JSON_CONTEXT, createApp, createOrgApp, definitionOf, errorOf } from './helpers';

function orgTemplate(overrides: Record<string, unknown> = {}): Template {
  return Template.fromStack(new OrgAuditorStack(createOrgApp(overrides), 'Org'));
}

describe('the organization state machine', () => {
  const template = orgTemplate();
  const definition = definitionOf(template);
  const states = definition.States as Record<string, Record<string, unknown>>;

  it('is valid Amazon States Language (asl-validator)', () => {
    const result = validator(definition);

    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
    // And it can fail: a Map without its processor is not valid.
    const broken = structuredClone(definition) as {
      States: Record<string, Record<string, unknown>>;
    };
    delete broken.States.AuditAccounts?.ItemProcessor;
    expect(validator(broken).isValid).toBe(false);
  });

  it('runs enumerate → distributed map → summarize', () => {
    expect(definition.StartAt).toBe('ListAccounts');
    expect(states.ListAccounts).toMatchObject({
      Type: 'Task',
      Next: 'AuditAccounts',
      // The execution's input ({"dryRun": true}) reaches enumerate, which passes it to each worker.
      Parameters: { 'runId.$': '$$.Execution.Name', 'input.$': '$$.Execution.Input' },
    });
    expect(states.AuditAccounts).toMatchObject({ Type: 'Map', Next: 'SummarizeRun' });
    expect(states.SummarizeRun).toMatchObject({
      Type: 'Task',
      End: true,
      Parameters: {
        'runId.$': '$.enumerated.runId',
        'resultWriterDetails.$': '$.map.ResultWriterDetails',
      },
    });
  });

  it('fans out with an S3 item reader, ResultWriterV2, a concurrency, a label and standard children', () => {
    expect(states.AuditAccounts).toMatchObject({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.enumerated.bucket', 'Key.$': '$.enumerated.key' },
      },
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: expect.objectContaining({ Prefix: 'org-runs/map-results' }),
      },
      MaxConcurrency: 20,
      Label: 'AuditAccounts',
      ToleratedFailurePercentage: 100,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    expect(definitionOf(orgTemplate({ accountConcurrency: 5 })).States).toMatchObject({
      AuditAccounts: { MaxConcurrency: 5 },
    });
  });

  it('retries Lambda throttling and turns any failure into the account’s FAILED status', () => {
    const processor = (
      (states.AuditAccounts as Record<string, unknown>).ItemProcessor as {
        States: Record<string, Record<string, unknown>>;
      }
    ).States;

    expect(processor.AuditAccount).toMatchObject({
      Retry: [
        expect.objectContaining({
          ErrorEquals: expect.arrayContaining(['Lambda.TooManyRequestsException']),
          MaxAttempts: 6,
        }),
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'AccountFailed' }],
    });
    expect(processor.AccountFailed).toMatchObject({
      Type: 'Pass',
      Parameters: expect.objectContaining({ 'accountId.$': '$.accountId', status: 'FAILED' }),
      End: true,
    });
  });

  it('is started by an EventBridge Scheduler schedule and logs every transition', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      // A real run, explicitly: enumerate reads the input by the single-account rules.
      Target: { Arn: { Ref: Match.stringLikeRegexp('StateMachine') }, Input: '{}' },
    });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });
});

describe('Security Hub across the organization', () => {
  /** The member template the StackSet deploys, and the worker's environment and policies. */
  const deployed = (context: Record<string, unknown>) => {
    const template = orgTemplate(context);
    const stackSet = Object.values(template.findResources('AWS::CloudFormation::StackSet'))[0];
    const member = JSON.parse(stackSet?.Properties.TemplateBody as string) as {
      Resources: Record<string, { Type: string; Properties: { PolicyDocument?: unknown } }>;
    };
    const memberActions = Object.values(member.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => JSON.stringify(r.Properties.PolicyDocument).match(/securityhub:\w+/g) ?? []);
    const worker = Object.values(template.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f.Properties.Role).includes('WorkerRole'),
    );
    const workerPolicies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('WorkerRole'))
      .map((p) => JSON.stringify(p.Properties.PolicyDocument));
    return {
      memberActions: [...new Set(memberActions)].sort(),
      memberText: JSON.stringify(member),
      workerEnv: (worker?.Properties.Environment?.Variables ?? {}) as Record<string, unknown>,
      workerPolicies,
    };
  };

  it("gives the member role Security Hub's import and read, in the member's own account, only when enabled", () => {
    const on = deployed({ securityHub: true });
    const off = deployed({});

    expect(on.memberActions).toEqual([
      'securityhub:BatchImportFindings',
      'securityhub:GetFindings',
    ]);
    // The member's own product and hub, in the region the member stack is deployed in.
    expect(on.memberText).toContain(':product/');
    expect(on.memberText).toContain('"Ref":"AWS::Region"');
    expect(off.memberActions).toEqual([]);
  });

  it('tells the worker to archive every credential with includeCompliant, and not by default', () => {
    expect(deployed({ includeCompliant: true }).workerEnv.INCLUDE_COMPLIANT).toBe('true');
    expect(deployed({}).workerEnv.INCLUDE_COMPLIANT).toBe('false');
  });

  it('tells the worker the home region, and grants the worker itself nothing of Security Hub', () => {
    const on = deployed({ securityHub: true, securityHubRegion: 'eu-west-1' });
    const off = deployed({});

    expect(on.workerEnv.SECURITY_HUB_REGION).toBe('eu-west-1');
    expect(on.memberText).toContain('securityhub:eu-west-1:');
    expect(off.workerEnv.SECURITY_HUB_REGION).toBeUndefined();
    expect(on.workerPolicies.join('')).not.toContain('securityhub:');
  });
});

describe('the member role', () => {
  it('is deployed by a service-managed StackSet with auto-deployment to the targets', () => {
    const template = orgTemplate({ memberTargets: 'ou-ab12-abcdefgh,ou-ab12-ijklmnop' });

    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      ManagedExecution: { Active: true },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      CallAs: 'SELF',
      OperationPreferences: {
        FailureTolerancePercentage: 10,
        MaxConcurrentPercentage: 25,
        RegionConcurrencyType: 'PARALLEL',
      },
      Parameters: [
        {
          ParameterKey: 'TrustedRoleArn',
          ParameterValue: { 'Fn::GetAtt': [Match.stringLikeRegexp('WorkerRole'), 'Arn'] },
        },
        { ParameterKey: 'OrganizationId', ParameterValue: 'o-a1b2c3d4e5' },
      ],
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-abcdefgh', 'ou-ab12-ijklmnop'] },
          Regions: [{ Ref: 'AWS::Region' }],
        },
      ],
    });
  });

  it('trusts only the worker’s role, from inside the organization', () => {
    const template = Template.fromStack(
      new MemberRoleStack(new App(), 'Member', {
        policy: { mode: 'report', userPathPrefix: '/', scanStrategy: 'full' },
      }),
    );

    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'SigningCertAuditMember',
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: { Ref: 'TrustedRoleArn' } },
            Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
          },
        ],
      },
    });
    expect(template.toJSON().Rules).toBeUndefined();
  });

  it.each([
    ['report', []],
    ['deactivate', ['iam:GetUser', 'iam:UpdateSigningCertificate']],
    ['delete', ['iam:GetUser', 'iam:UpdateSigningCertificate', 'iam:DeleteSigningCertificate']],
  ] as const)('in %s mode has the function’s permissions and no more', (mode, writes) => {
    const template = Template.fromStack(
      new MemberRoleStack(new App(), 'Member', {
        policy: { mode, userPathPrefix: '/', scanStrategy: 'full' },
      }),
    );

    const [policy] = Object.values(template.findResources('AWS::IAM::Policy'));
    const actions = (
      (policy as { Properties: { PolicyDocument: { Statement: unknown } } }).Properties
        .PolicyDocument.Statement as { Action: string | string[] }[]
    )
      .flatMap((statement) => [statement.Action].flat())
      .sort();
    // Every kind is read by default; only signing certificates are changed.
    expect(actions).toEqual(
      [
        'iam:GetAccountSummary',
        'iam:ListSigningCertificates',
        'iam:ListUserTags',
        'iam:ListUsers',
        'iam:ListSSHPublicKeys',
        'iam:GetSSHPublicKey',
        'iam:ListServiceSpecificCredentials',
        ...writes,
      ].sort(),
    );
  });
});

describe('the organization functions’ grants', () => {
  const template = orgTemplate();
  const statementsOf = (roleMatch: string) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleMatch))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);

  it('lets the worker assume the member role by name, inside the organization only', () => {
    expect(statementsOf('WorkerRole')).toContainEqual(
      expect.objectContaining({
        Action: 'sts:AssumeRole',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/SigningCertAuditMember'],
          ],
        },
        Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } },
      }),
    );
    const actions = statementsOf('WorkerRole').flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => String(a).startsWith('iam:'))).toEqual([]);
  });

  it('lets the worker write the change record only when members may change something', () => {
    const changes = (mode: string) => {
      const policies = Object.values(orgTemplate({ mode }).findResources('AWS::IAM::Policy'))
        .filter((policy) => JSON.stringify(policy.Properties.Roles).includes('WorkerRole'))
        .map((policy) => JSON.stringify(policy.Properties.PolicyDocument));
      return policies.some((document) => document.includes('/changes/*'));
    };

    expect([changes('report'), changes('deactivate'), changes('delete')]).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('lets enumerate only list the organization and write the account list', () => {
    const actions = statementsOf('EnumerateRole')
      .flatMap((s) => [s.Action].flat())
      .sort();

    // No OU in the selection: ListAccounts, and no OU walk.
    expect(actions).toEqual(
      expect.arrayContaining(['organizations:ListAccounts', 's3:PutObject', 'kms:GenerateDataKey']),
    );
    expect(actions.filter((a) => String(a).startsWith('organizations:'))).toEqual([
      'organizations:ListAccounts',
    ]);
  });

  it('walks OUs only when the selection names them, on this organization’s roots and OUs', () => {
    const template = Template.fromStack(
      new OrgAuditorStack(
        createOrgApp({ includeOus: 'ou-ab12-abcdefgh', excludeOus: 'ou-ab12-hgfedcba' }),
        'Ous',
      ),
    );
    const enumerate = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p).includes('EnumerateRole'),
    ) as {
      Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } };
    };
    const walk = enumerate.Properties.PolicyDocument.Statement.find((s) =>
      JSON.stringify(s.Action).includes('ListAccountsForParent'),
    );

    expect(walk?.Action).toEqual([
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
    ]);
    expect(JSON.stringify(walk?.Resource)).toContain(':organizations::*:ou/o-a1b2c3d4e5/*');
    expect(JSON.stringify(walk?.Resource)).toContain(':organizations::*:root/o-a1b2c3d4e5/*');
    // With includeOus, every account is found by the walk: ListAccounts is not granted.
    expect(JSON.stringify(enumerate)).not.toContain('organizations:ListAccounts"');
  });
});

describe('the organization settings', () => {
  it.each([
    [{ organizationId: 'acme' }, /^organizationId="acme" is not allowed/],
    [{ memberTargets: 'ou-nope' }, /^memberTargets=.* is not allowed/],
    [{ accountConcurrency: 0 }, /^accountConcurrency=0 is not allowed: expected a whole number/],
    [{ accountConcurrency: '20x' }, /^accountConcurrency="20x" is not allowed/],
    // A wildcard would let the worker assume any role of every account.
    [{ memberRoleName: '*' }, /^memberRoleName="\*" is not allowed: expected an IAM role name/],
    [{ memberRoleName: 'path/Role' }, /^memberRoleName="path\/Role" is not allowed/],
    [
      { excludeAccounts: '123456789012,12345678901' },
      /^excludeAccounts="12345678901" is not allowed: expected 12-digit account ids/,
    ],
    [{ includeAccounts: 'prod' }, /^includeAccounts="prod" is not allowed/],
    [{ excludeOus: 'r-ab12' }, /^excludeOus="r-ab12" is not allowed: expected OU ids/],
    [
      { includeOus: 'ou-sandbox' },
      /^includeOus="ou-sandbox" is not allowed: expected OU or root ids/,
    ],
  ])('refuses %j, naming it', (overrides, message) => {
    const error = errorOf(() => orgTemplate(overrides));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
  });

  it('refuses an unknown deployment, naming what is allowed', () => {
    const error = errorOf(() => parseSetting(DEPLOY_SETTINGS.deployment, 'context', 'everything'));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'deployment="everything" is not allowed: expected account (one account), organization (every account: state machine and StackSet) or member (the member role template alone)',
    );
  });

  it.each([
    [
      'member',
      { securityHub: 'true' },
      'securityHub (read by deployment=account or deployment=organization) is not read by deployment=member',
    ],
    [
      'organization',
      { topicArn: 'arn:aws:sns:us-east-1:123456789012:t', objectLockDays: 30 },
      'topicArn (read by deployment=account), objectLockDays (read by deployment=account) are not read by deployment=organization',
    ],
    [
      'account',
      { organizationId: 'o-a1b2c3d4e5', excludeAccounts: '111111111111' },
      'organizationId (read by deployment=organization), excludeAccounts (read by deployment=organization) are not read by deployment=account',
    ],
    [
      'member',
      { notificationEmails: 'sec@example.com' },
      'notificationEmails (read by deployment=account or deployment=organization) is not read by deployment=member',
    ],
  ])(
    'refuses, for deployment=%s, a setting it would ignore: %j',
    (deployment, overrides, message) => {
      const app = createApp(overrides);
      const build = {
        account: () => new AuditorStack(app, 'Account'),
        organization: () => new OrgAuditorStack(createOrgApp(overrides), 'Org'),
        member: () => new StandaloneMemberStack(app, 'Member'),
      }[deployment as Deployment];

      const error = errorOf(build);

      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain(message);
    },
  );

  it('accepts the cdk.json defaults for every deployment (securityHub false, no emails)', () => {
    expect(() => orgTemplate()).not.toThrow();
    expect(
      () => new StandaloneMemberStack(new App({ context: { ...CDK_JSON_CONTEXT } }), 'Member'),
    ).not.toThrow();
  });

  it('names the standalone member role after memberRoleName', () => {
    const template = Template.fromStack(
      new StandaloneMemberStack(
        new App({ context: { ...CDK_JSON_CONTEXT, memberRoleName: 'AuditReader' } }),
        'Member',
      ),
    );

    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'AuditReader' });
  });
});

describe('the organization monitoring', () => {
  const template = Template.fromStack(new OrgAuditorStack(createOrgApp(), 'Monitored'));

  it('alarms on a failed run, named by the prefix the topic and its key admit, notifying the topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmName: unknown; AlarmActions: unknown[] };
    }[];
    const topicPolicy = JSON.stringify(template.findResources('AWS::SNS::TopicPolicy'));
    const prefix = /alarm:([^"*]+)-\*/.exec(topicPolicy)?.[1];

    expect(prefix).toBeDefined();
    expect(alarms.map((a) => JSON.stringify(a.Properties.AlarmName))).toContainEqual(
      expect.stringContaining(`${prefix}-failed-runs`),
    );
    for (const alarm of alarms) {
      expect(JSON.stringify(alarm.Properties.AlarmName)).toContain(prefix);
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('OrgAuditorTopic');
    }
    // The topic admits CloudWatch to publish (the statement enforceSSL's policy lacked).
    expect(topicPolicy).toContain('AllowAuditAlarmsToPublish');
  });

  it('has the account stack’s alarms where they apply, from the run metrics the summarize step emits', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) =>
      JSON.stringify((a as { Properties: { AlarmName: unknown; MetricName?: string } }).Properties),
    );
    for (const [suffix, metric] of [
      ['accounts-failed', 'OrgAccountsFailed'],
      ['accounts-incomplete', 'OrgAccountsIncomplete'],
      ['non-compliant', 'OrgNonCompliant'],
      ['withheld', 'OrgWithheld'],
      ['root-signing-certificate', 'OrgRootSigningCertificate'],
    ]) {
      expect(names.find((n) => n.includes(`-${suffix}`))).toContain(`"MetricName":"${metric}"`);
    }
    expect(names).toHaveLength(6);
  });

  it('has a dashboard of its runs and alarms', () => {
    const body = JSON.stringify(
      Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0],
    );

    expect(body).toContain('ExecutionsFailed');
    expect(body).toContain('OrgAccountsAudited');
    expect(body).toContain('Alarms');
  });
});
