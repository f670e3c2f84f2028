import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import type { AuditorStack } from '../../lib/auditor-stack';
import type { CallLine, RecordLine, SessionLine } from '../../tools/emulator/call-record';
import { accountDeployment, CENTRAL_ACCOUNT } from './deployments';
import { proveDeployment } from './proof';
import { loadCallRecord } from './record';
import { ResolvedTemplate } from './template';

/**
 * The proof's own controls: a fixture record of one report-mode run, proven against the account
 * stack as synthesized, passes; the same with one call the code does not have a grant for, or a
 * template with one grant nothing uses, fails, naming it. So the proof over the suites' record
 * (permissions.test.ts) can fail both ways.
 */
const KEY = 'ASCAFIXTURE0000000001';
const TOPIC = `arn:aws:sns:us-east-1:${CENTRAL_ACCOUNT}:findings`;
const user = (name: string) => `arn:aws:iam::${CENTRAL_ACCOUNT}:user/${name}`;

function call(action: string, resource: string, extra: Partial<CallLine> = {}): CallLine {
  const [service = '', operation = ''] = action.split(':');
  return {
    kind: 'call',
    accessKeyId: KEY,
    fromCode: true,
    service,
    operation,
    action,
    resource,
    region: 'us-east-1',
    account: CENTRAL_ACCOUNT,
    status: 200,
    answeredBy: 'emulator',
    params: {},
    ...extra,
  };
}

/**
 * What a run of the default kinds reads of an account whose one user, alice, holds an SSH key:
 * her certificates and SSH keys (the key's body too), and the account's service-specific
 * credentials in one listing (AllUsers: no user, so `*`).
 */
const KIND_READS = (extra: Partial<CallLine> = {}): CallLine[] => [
  call('iam:ListSigningCertificates', user('alice'), extra),
  call('iam:ListSSHPublicKeys', user('alice'), extra),
  call('iam:GetSSHPublicKey', user('alice'), extra),
  call('iam:ListServiceSpecificCredentials', '*', extra),
];

/** What one report-mode run of the function sends (with the archive and the topic). */
const REPORT_RUN: readonly CallLine[] = [
  call('iam:GetAccountSummary', '*'),
  call('iam:ListUsers', '*'),
  ...KIND_READS(),
  call('iam:ListUserTags', user('alice')),
  call('s3:PutObject', 'arn:aws:s3:::evidence/reports/account=123456789012/date=2026-12-01/r.json'),
  call(
    's3:PutObject',
    'arn:aws:s3:::evidence/findings/account=123456789012/date=2026-12-01/r.jsonl',
  ),
  call('sns:Publish', TOPIC),
];

const SESSION: SessionLine = {
  kind: 'session',
  accessKeyId: KEY,
  principal: 'function',
  env: { MODE: 'report', TOPIC_ARN: TOPIC, ARCHIVE_BUCKET: 'evidence' },
  label: 'fixture',
};

function recordOf(lines: readonly RecordLine[]) {
  const dir = mkdtempSync(join(tmpdir(), 'calls-'));
  writeFileSync(
    join(dir, 'fixture-1.jsonl'),
    lines.map((line) => `${JSON.stringify(line)}\n`).join(''),
  );
  return loadCallRecord(dir);
}

const denied = (proof: Awaited<ReturnType<typeof proveDeployment>>) =>
  proof.expected
    .filter((v) => v.result !== 'Allowed')
    .map((v) => `${v.request.action} ${v.request.resource}`);

describe('the permissions proof', () => {
  it('passes a fixture run of the function against the stack as synthesized (the control)', async () => {
    const proof = await proveDeployment(
      recordOf([SESSION, ...REPORT_RUN]),
      accountDeployment('report', { mode: 'report' }),
    );

    expect(denied(proof)).toEqual([]);
    // The fixture exercises every grant of a report-mode function.
    expect(proof.unexercised.map((g) => g.action)).toEqual([]);
    // Every fixture call, its KMS calls on the archive and topic keys, and the declared paths.
    expect(proof.expected.filter((v) => v.request.origin === 'recorded')).toHaveLength(
      REPORT_RUN.length,
    );
    expect(
      proof.expected
        .filter((v) => v.request.origin === 'derived' && v.request.principal.startsWith('arn:'))
        .map((v) => v.request.action)
        .sort(),
    ).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKey']);
  });

  it('fails when the code makes a call its role is not granted, naming it', async () => {
    const proof = await proveDeployment(
      recordOf([SESSION, ...REPORT_RUN, call('iam:GetUser', user('alice'))]),
      accountDeployment('report', { mode: 'report' }),
    );

    expect(denied(proof)).toEqual([`iam:GetUser ${user('alice')}`]);
  });

  it('fails when a role is granted an action no call exercises, naming it', async () => {
    const proof = await proveDeployment(
      recordOf([SESSION, ...REPORT_RUN]),
      accountDeployment('report', { mode: 'report' }, (stack) =>
        stack.auditor.function.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['iam:ListRoles'], resources: ['*'] }),
        ),
      ),
    );

    expect(denied(proof)).toEqual([]);
    expect(proof.unexercised.map((g) => g.action)).toEqual(['iam:ListRoles']);
  });

  it('fails when a deployment allows what only a stronger mode does', async () => {
    const deleteRun: SessionLine = {
      ...SESSION,
      accessKeyId: 'ASCAFIXTURE0000000002',
      env: { ...SESSION.env, MODE: 'delete' },
    };
    const writes = [
      call('iam:DeleteSigningCertificate', user('alice'), { accessKeyId: deleteRun.accessKeyId }),
    ];
    const record = recordOf([SESSION, ...REPORT_RUN, deleteRun, ...writes]);

    const refused = await proveDeployment(record, accountDeployment('report', { mode: 'report' }));
    // The same record against a report-mode stack granting the delete by mistake.
    const leaking = await proveDeployment(
      record,
      accountDeployment('report', { mode: 'report' }, (stack) =>
        stack.auditor.function.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['iam:DeleteSigningCertificate'], resources: ['*'] }),
        ),
      ),
    );

    // Each action once: the record's call and the kind table's probe may both try it.
    const leaks = (proof: typeof refused) => [
      ...new Set(proof.refusals.filter((v) => v.result === 'Allowed').map((v) => v.request.action)),
    ];
    expect(refused.refusals.map((v) => [v.request.action, v.result])).toContainEqual([
      'iam:DeleteSigningCertificate',
      'ImplicitlyDenied',
    ]);
    expect(leaks(refused)).toEqual([]);
    expect(leaks(leaking)).toEqual(['iam:DeleteSigningCertificate']);
  });

  it('fails when a deployed role may upload a certificate (only the operator restores one)', async () => {
    const record = recordOf([SESSION, ...REPORT_RUN]);
    const uploads = (proof: Awaited<ReturnType<typeof proveDeployment>>) =>
      proof.refusals
        .filter((v) => v.request.action === 'iam:UploadSigningCertificate')
        .map((v) => v.result);

    const refused = await proveDeployment(record, accountDeployment('report', { mode: 'report' }));
    const leaking = await proveDeployment(
      record,
      accountDeployment('report', { mode: 'report' }, (stack) =>
        stack.auditor.function.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['iam:UploadSigningCertificate'], resources: ['*'] }),
        ),
      ),
    );

    expect(uploads(refused).length).toBeGreaterThan(0);
    expect(new Set(uploads(refused))).toEqual(new Set(['ImplicitlyDenied']));
    expect(uploads(leaking)).toContain('Allowed');
  });

  it('fails when the Config rule’s role may do what only the audit function does', async () => {
    const ruleKey = 'ASCAFIXTURE0000000003';
    const ruleSession: SessionLine = {
      kind: 'session',
      accessKeyId: ruleKey,
      principal: 'config-rule',
      env: { MODE: 'report' },
      label: 'fixture rule',
    };
    const ruleRun = [
      call('iam:GetAccountSummary', '*', { accessKeyId: ruleKey }),
      call('iam:ListUsers', '*', { accessKeyId: ruleKey }),
      ...KIND_READS({ accessKeyId: ruleKey }),
      call('iam:ListUserTags', user('alice'), { accessKeyId: ruleKey }),
      call('config:PutEvaluations', '*', { accessKeyId: ruleKey }),
    ];
    const record = recordOf([SESSION, ...REPORT_RUN, ruleSession, ...ruleRun]);
    const context = { mode: 'report', configRule: true };

    const held = await proveDeployment(record, accountDeployment('config-rule', context));
    const leaking = await proveDeployment(
      record,
      accountDeployment('config-rule', context, (stack) =>
        stack.auditor.configRule?.function.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }),
        ),
      ),
    );

    // The rule's calls and Config invoking it are allowed, and every grant of both roles is used.
    expect(denied(held)).toEqual([]);
    expect(held.unexercised.map((g) => g.action)).toEqual([]);
    expect(
      held.expected.filter((v) => v.request.reason === 'Config invokes the rule function'),
    ).toMatchObject([{ result: 'Allowed' }]);
    // What only the function does is tried as the rule's role, and refused, unless granted.
    const asRule = (proof: typeof held) => [
      ...new Set(
        proof.refusals
          .filter((v) => v.request.why.startsWith('the Config rule’s role'))
          .map((v) => `${v.request.action} ${v.result}`)
          .sort(),
      ),
    ];
    expect(asRule(held)).toEqual(['s3:PutObject ImplicitlyDenied', 'sns:Publish ImplicitlyDenied']);
    expect(asRule(leaking)).toContain('sns:Publish Allowed');
  });
});

describe('the permissions proof of the real-time function', () => {
  const realtimeKey = 'ASCAFIXTURE0000000004';
  const realtimeSession: SessionLine = {
    kind: 'session',
    accessKeyId: realtimeKey,
    principal: 'realtime',
    env: {
      ...SESSION.env,
      REALTIME_WINDOW_MAX_ACTIONS: '25',
      REALTIME_WINDOW_MINUTES: '60',
    },
    label: 'fixture real-time run',
  };
  /** What a report-mode real-time run for alice sends: alice read by name, never the account. */
  const realtimeRun = [
    call('iam:GetAccountSummary', '*', { accessKeyId: realtimeKey }),
    call('iam:GetUser', user('alice'), { accessKeyId: realtimeKey }),
    call('iam:ListSigningCertificates', user('alice'), { accessKeyId: realtimeKey }),
    call('iam:ListSSHPublicKeys', user('alice'), { accessKeyId: realtimeKey }),
    call('iam:GetSSHPublicKey', user('alice'), { accessKeyId: realtimeKey }),
    // Users-scoped: each kind listed user by user, a service-specific credential's too.
    call('iam:ListServiceSpecificCredentials', user('alice'), { accessKeyId: realtimeKey }),
    call('iam:ListUserTags', user('alice'), { accessKeyId: realtimeKey }),
    call(
      's3:PutObject',
      'arn:aws:s3:::evidence/reports/account=123456789012/date=2026-12-01/rt.json',
      { accessKeyId: realtimeKey },
    ),
    call('sns:Publish', TOPIC, { accessKeyId: realtimeKey }),
  ];
  const record = () => recordOf([SESSION, ...REPORT_RUN, realtimeSession, ...realtimeRun]);
  const context = { mode: 'report', realtime: true };

  /** The stack with iam:GetUser taken out of the real-time role's policy, as if never granted. */
  const withoutGetUser = (stack: AuditorStack) => {
    const policy = stack.auditor.realtime?.role.node.tryFindChild('DefaultPolicy') as iam.Policy;
    const document = stack.resolve(policy.document) as {
      Statement: { Action: string | string[] }[];
    };
    (policy.node.defaultChild as iam.CfnPolicy).addPropertyOverride('PolicyDocument', {
      ...document,
      Statement: document.Statement.map((statement) => ({
        ...statement,
        Action: [statement.Action].flat().filter((action) => action !== 'iam:GetUser'),
      })),
    });
  };

  it('passes a fixture real-time run against the stack as synthesized (the control)', async () => {
    const proof = await proveDeployment(record(), accountDeployment('realtime', context));

    expect(denied(proof)).toEqual([]);
    // The two runs and the declared paths (the queue, the logs) exercise every grant of both roles.
    expect(proof.unexercised.map((g) => `${g.role} ${g.action}`)).toEqual([]);
    // What only an account-wide scan does, tried as the real-time role, is refused.
    expect(
      proof.refusals
        .filter((v) => v.request.why.startsWith('the real-time role'))
        .map((v) => `${v.request.action} ${v.result}`)
        .sort(),
    ).toEqual(['iam:ListUsers ImplicitlyDenied']);
  });

  it('fails when the real-time role is not granted iam:GetUser, naming the call', async () => {
    const proof = await proveDeployment(
      record(),
      accountDeployment('realtime', context, withoutGetUser),
    );

    expect(denied(proof)).toEqual([`iam:GetUser ${user('alice')}`]);
  });

  it('holds a real-time run to its own role, and to none in a deployment without realtime', async () => {
    const proof = await proveDeployment(record(), accountDeployment('report', { mode: 'report' }));

    // Only the function's calls: the real-time run's GetUser is nobody's to prove there.
    expect(proof.expected.filter((v) => v.request.origin === 'recorded')).toHaveLength(
      REPORT_RUN.length,
    );
  });
});

describe('ResolvedTemplate', () => {
  const template = new ResolvedTemplate(
    {
      Parameters: { Trusted: { Type: 'String' } },
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'audit' } },
        Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
        Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
      },
    },
    { accountId: '111122223333', region: 'eu-west-1', partition: 'aws', stackName: 'S' },
    { Trusted: 'arn:aws:iam::444455556666:role/operator' },
  );

  it('resolves Ref, GetAtt, Join, Sub, Select and Split to the values AWS would', () => {
    expect(
      template.resolve({
        arn: { 'Fn::GetAtt': ['Role', 'Arn'] },
        name: { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: 'Machine' }] }] },
        objects: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/reports/*']] },
        sub: {
          'Fn::Sub':
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub's own placeholders
            'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${Role}',
        },
        parameter: { Ref: 'Trusted' },
      }),
    ).toEqual({
      arn: 'arn:aws:iam::111122223333:role/audit',
      name: 'Machine',
      objects: 'arn:aws:s3:::bucket/reports/*',
      sub: 'arn:aws:logs:eu-west-1:111122223333:log-group:audit',
      parameter: 'arn:aws:iam::444455556666:role/operator',
    });
  });

  it('refuses what it cannot resolve instead of guessing', () => {
    expect(() => template.resolve({ Ref: 'Nothing' })).toThrow('Ref to unknown Nothing');
    expect(() => template.resolve({ 'Fn::ImportValue': 'x' })).toThrow(
      'unsupported intrinsic Fn::ImportValue',
    );
  });
});
