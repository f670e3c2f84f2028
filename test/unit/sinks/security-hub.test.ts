import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CredentialType } from '../../../lambda/core/credential';
import type { Finding, ScanInfo } from '../../../lambda/core/report';
import { type RunScope, usersScope } from '../../../lambda/core/scope';
import { asffId, productArn } from '../../../lambda/sinks/asff';
import { SecurityHubError, securityHubSink } from '../../../lambda/sinks/security-hub';
import { ACCOUNT_ID, findingOf, NOW, policyWith, reportOf as sharedReportOf } from '../fixtures';
import { bedrockKeyFinding, sshKeyFinding } from '../kind-findings';

const hubMock = mockClient(SecurityHubClient);
const TARGET = { region: 'us-east-1', partition: 'aws' };
const PRODUCT = productArn(TARGET, ACCOUNT_ID);

const finding = (
  certificateId: string,
  userArn = `arn:aws:iam::${ACCOUNT_ID}:user/eng/alice`,
): Finding => findingOf({ userArn, certificateId, certificate: null });

const reportOf = (
  findings: Finding[],
  extra: {
    incompleteReason?: string;
    scan?: ScanInfo;
    userPathPrefix?: string;
    scope?: RunScope;
    credentialKinds?: CredentialType[];
  } = {},
) =>
  sharedReportOf(findings, {
    runId: 'run-2',
    policy: policyWith({
      userPathPrefix: extra.userPathPrefix ?? '/',
      ...(extra.credentialKinds ? { credentialKinds: extra.credentialKinds } : {}),
    }),
    usersScanned: 1,
    certificatesScanned: 1,
    ...(extra.incompleteReason ? { incompleteReason: extra.incompleteReason } : {}),
    ...(extra.scan ? { scan: extra.scan } : {}),
    ...(extra.scope ? { scope: extra.scope } : {}),
  });

/** A finding Security Hub already holds, as GetFindings returns it. */
const held = (
  subject: string,
  overrides: Partial<AwsSecurityFinding> = {},
  userArn = `arn:aws:iam::${ACCOUNT_ID}:user/eng/bob`,
): AwsSecurityFinding =>
  ({
    SchemaVersion: '2018-10-08',
    Id: asffId(ACCOUNT_ID, subject, 'age'),
    ProductArn: PRODUCT,
    GeneratorId: 'signing-cert-audit/age',
    AwsAccountId: ACCOUNT_ID,
    CreatedAt: '2025-06-01T00:00:00.000Z',
    UpdatedAt: '2026-11-01T00:00:00.000Z',
    RecordState: 'ACTIVE',
    Resources: [{ Type: 'AwsIamUser', Id: userArn }],
    ...overrides,
  }) as AwsSecurityFinding;

const imported = () =>
  hubMock
    .commandCalls(BatchImportFindingsCommand)
    .flatMap((call) => call.args[0].input.Findings ?? []);

beforeEach(() => {
  hubMock.reset();
  hubMock.on(BatchImportFindingsCommand).callsFake(({ Findings = [] }) => ({
    SuccessCount: Findings.length,
    FailedCount: 0,
    FailedFindings: [],
  }));
});

describe('securityHubSink', () => {
  it('imports the run’s findings, keeps CreatedAt, and archives what it no longer produces', async () => {
    hubMock.on(GetFindingsCommand).resolves({
      Findings: [held('CERTALICE'), held('CERTBOBGONE')],
    });

    const delivery = await securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf([finding('CERTALICE')]),
    );

    expect(imported()).toEqual([
      expect.objectContaining({
        Id: asffId(ACCOUNT_ID, 'CERTALICE', 'age'),
        CreatedAt: '2025-06-01T00:00:00.000Z',
        RecordState: 'ACTIVE',
      }),
      expect.objectContaining({
        Id: asffId(ACCOUNT_ID, 'CERTBOBGONE', 'age'),
        RecordState: 'ARCHIVED',
        Compliance: { Status: 'PASSED' },
        UpdatedAt: NOW.toISOString(),
      }),
    ]);
    expect(delivery.detail).toMatch(/1 active, 0 resolved, 1 archived by the sweep/);
    // Every record state: an ARCHIVED finding's CreatedAt is kept too.
    expect(hubMock).toReceiveCommandWith(GetFindingsCommand, {
      Filters: {
        ProductArn: [{ Value: PRODUCT, Comparison: 'EQUALS' }],
        AwsAccountId: [{ Value: ACCOUNT_ID, Comparison: 'EQUALS' }],
        GeneratorId: [{ Value: 'signing-cert-audit/', Comparison: 'PREFIX' }],
      },
    });
  });

  it('imports and sweeps the same with COMPLIANT findings in the report, even given them whole', async () => {
    // bob's certificate was failing; this run found it compliant and, with includeCompliant, lists it.
    hubMock.on(GetFindingsCommand).resolves({ Findings: [held('CERTALICE'), held('CERTBOB')] });
    const compliant = findingOf({
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/eng/bob`,
      userName: 'bob',
      certificateId: 'CERTBOB',
      credentialId: 'CERTBOB',
      certificate: null,
      verdict: 'COMPLIANT',
      severity: 'INFO',
    });
    const sink = securityHubSink(new SecurityHubClient({}), TARGET);

    await sink.deliver(reportOf([finding('CERTALICE')]));
    const without = imported();
    hubMock.resetHistory();
    await sink.deliver(reportOf([finding('CERTALICE'), compliant]));

    expect(imported()).toEqual(without);
    // The sweep still resolves bob's finding: the credential is fixed.
    expect(without.map((f) => [f.Id, f.RecordState])).toEqual([
      [asffId(ACCOUNT_ID, 'CERTALICE', 'age'), 'ACTIVE'],
      [asffId(ACCOUNT_ID, 'CERTBOB', 'age'), 'ARCHIVED'],
    ]);
  });

  it('keeps the CreatedAt of a finding already ARCHIVED, and never sweeps it again', async () => {
    hubMock.on(GetFindingsCommand).resolves({
      Findings: [
        held('CERTALICE', { RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } }),
        held('CERTOLDGONE', { RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } }),
      ],
    });

    await securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf([{ ...finding('CERTALICE'), status: 'Inactive' }]),
    );

    expect(imported()).toEqual([
      expect.objectContaining({
        Id: asffId(ACCOUNT_ID, 'CERTALICE', 'age'),
        CreatedAt: '2025-06-01T00:00:00.000Z',
        RecordState: 'ARCHIVED',
      }),
    ]);
  });

  it('sweeps nothing of a user or a root the run could not read', async () => {
    const root = { Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT_ID}` };
    hubMock.on(GetFindingsCommand).resolves({
      Findings: [held('CERTBOB'), held('root', { Resources: [root] })],
    });
    const unreadBob = {
      ...finding('CERTBOB', `arn:aws:iam::${ACCOUNT_ID}:user/eng/bob`),
      userName: 'bob',
      certificateId: null,
      status: null,
      verdict: 'ERROR' as const,
      error: { code: 'AccessDenied', message: 'no' },
    };
    const unreadRoot = {
      ...unreadBob,
      userName: '<root>',
      userArn: `arn:aws:iam::${ACCOUNT_ID}:root`,
    };

    const delivery = await securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf([finding('CERTALICE'), unreadBob, unreadRoot]),
    );

    expect(imported().map((f) => f.Id)).toEqual([asffId(ACCOUNT_ID, 'CERTALICE', 'age')]);
    expect(delivery.detail).toContain(
      'the findings of 2 subject(s) the run could not read were left as they were',
    );
  });

  it.each([
    ['a partial run', { incompleteReason: 'stopped early (deadline)' }],
    [
      'a credential-report run',
      {
        scan: {
          strategy: 'credential-report' as const,
          credentialReportGeneratedAt: NOW.toISOString(),
          fallbackReason: null,
        },
      },
    ],
  ])('archives nothing after %s', async (_case, extra) => {
    hubMock.on(GetFindingsCommand).resolves({ Findings: [held('CERTBOBGONE')] });

    const delivery = await securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf([finding('CERTALICE')], extra),
    );

    expect(imported().map((f) => f.Id)).toEqual([asffId(ACCOUNT_ID, 'CERTALICE', 'age')]);
    expect(delivery.detail).toContain('no sweep');
  });

  it('sweeps only its own findings of this account, again on the client, and only under the path', async () => {
    // GetFindings filters are ignored by some servers (moto): the client checks again.
    hubMock.on(GetFindingsCommand).resolves({
      Findings: [
        held('OTHERPRODUCT', {
          ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
        }),
        held('OTHERACCOUNT', { AwsAccountId: '210987654321' }),
        held('ALREADYARCHIVED', { RecordState: 'ARCHIVED' }),
        held('FOREIGNID', { Id: 'someone-else/x/age' }),
        held('ROBOT', {}, `arn:aws:iam::${ACCOUNT_ID}:user/robots/r2`),
        held('ENGINEER', {}, `arn:aws:iam::${ACCOUNT_ID}:user/eng/bob`),
      ],
    });

    await securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf([], { userPathPrefix: '/eng/' }),
    );

    expect(imported().map((f) => f.Id)).toEqual([asffId(ACCOUNT_ID, 'ENGINEER', 'age')]);
  });

  it('sweeps, after a users-scoped run, only the stale findings of the users it re-read', async () => {
    // Prepare: Security Hub holds alice's old certificate, bob's, and root's.
    const root = { Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT_ID}` };
    const user = (name: string, path = '/eng/') => ({
      Type: 'AwsIamUser',
      Id: `arn:aws:iam::${ACCOUNT_ID}:user${path}${name}`,
      Details: { AwsIamUser: { UserName: name } },
    });
    hubMock.on(GetFindingsCommand).resolves({
      Findings: [
        held('CERTALICEOLD', { Resources: [user('alice')] }),
        held('CERTBOB', { Resources: [user('bob')] }),
        held('CERTMALLORY', { Resources: [user('mallory', '/')] }),
        held('root', { Resources: [root] }),
      ],
    });

    // Act: a run about alice (and mallory, who no longer exists) that found alice's new one.
    const delivery = await securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf([finding('CERTALICENEW')], { scope: usersScope(['Alice', 'mallory']) }),
    );

    // Assess: alice's old and mallory's are resolved; bob's and root's are not the run's to judge.
    expect(imported().map((f) => [f.Id, f.RecordState])).toEqual([
      [asffId(ACCOUNT_ID, 'CERTALICENEW', 'age'), 'ACTIVE'],
      [asffId(ACCOUNT_ID, 'CERTALICEOLD', 'age'), 'ARCHIVED'],
      [asffId(ACCOUNT_ID, 'CERTMALLORY', 'age'), 'ARCHIVED'],
    ]);
    expect(delivery.detail).toContain("the sweep covered the run's users: Alice, mallory");
  });

  it('keeps, after a users-scoped run, the findings of a named user it could not read at all', async () => {
    // GetUser failed: the finding names the user with the root path, its real ARN has /eng/.
    hubMock.on(GetFindingsCommand).resolves({
      Findings: [held('CERTBOB', {}, `arn:aws:iam::${ACCOUNT_ID}:user/eng/bob`)],
    });
    const unreadBob = {
      ...finding('CERTBOB', `arn:aws:iam::${ACCOUNT_ID}:user/bob`),
      userName: 'bob',
      certificateId: null,
      verdict: 'ERROR' as const,
      error: { code: 'ServiceFailure', message: 'Internal failure' },
    };

    await securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf([unreadBob], { scope: usersScope(['bob']) }),
    );

    expect(imported()).toEqual([]);
  });

  it('pages GetFindings to the end', async () => {
    hubMock
      .on(GetFindingsCommand)
      .resolvesOnce({ Findings: [held('PAGE1')], NextToken: 't' })
      .resolvesOnce({ Findings: [held('PAGE2')] });

    await securityHubSink(new SecurityHubClient({}), TARGET).deliver(reportOf([]));

    expect(hubMock).toReceiveCommandTimes(GetFindingsCommand, 2);
    expect(imported().map((f) => f.Id)).toHaveLength(2);
  });

  it('fails the delivery, naming them, when Security Hub refuses findings', async () => {
    hubMock.on(GetFindingsCommand).resolves({ Findings: [] });
    hubMock.on(BatchImportFindingsCommand).resolves({
      SuccessCount: 0,
      FailedCount: 1,
      FailedFindings: [
        {
          Id: asffId(ACCOUNT_ID, 'CERTALICE', 'age'),
          ErrorCode: 'InvalidInput',
          ErrorMessage: 'bad',
        },
      ],
    });

    const delivery = securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf([finding('CERTALICE')]),
    );

    await expect(delivery).rejects.toThrow(SecurityHubError);
    await expect(
      securityHubSink(new SecurityHubClient({}), TARGET).deliver(reportOf([finding('CERTALICE')])),
    ).rejects.toThrow(/refused 1 of 1 findings, e\.g\. .*CERTALICE\/age: InvalidInput bad/);
  });

  it('imports and sweeps by credential, whatever its kind', async () => {
    // Prepare: Security Hub holds alice's old SSH key and her Bedrock key, and bob's SSH key.
    const sshOld = 'ssh-public-key/APKAALICEOLD0000000001';
    const bedrock = 'service-specific-credential/ACCAALICE000000000001';
    const bobSsh = 'ssh-public-key/APKABOB00000000000001';
    hubMock.on(GetFindingsCommand).resolves({
      Findings: [held(sshOld), held(bedrock), held(bobSsh)],
    });

    // Act: a run over every kind that finds alice's new SSH key and her Bedrock key, now Expired.
    await securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf(
        [
          sshKeyFinding({ credentialId: 'APKAALICENEW0000000001' }),
          bedrockKeyFinding({ status: 'Expired', severity: 'MEDIUM' }),
        ],
        {
          credentialKinds: ['signing-certificate', 'ssh-public-key', 'service-specific-credential'],
        },
      ),
    );

    // Assess: the new key is active, the expired one resolved; what the run no longer found is
    // archived, each by its own Id.
    expect(imported().map((f) => [f.Id, f.RecordState, f.Compliance?.Status])).toEqual([
      [asffId(ACCOUNT_ID, 'ssh-public-key/APKAALICENEW0000000001', 'age'), 'ACTIVE', 'FAILED'],
      [asffId(ACCOUNT_ID, bedrock, 'age'), 'ARCHIVED', 'PASSED'],
      [asffId(ACCOUNT_ID, sshOld, 'age'), 'ARCHIVED', 'PASSED'],
      [asffId(ACCOUNT_ID, bobSsh, 'age'), 'ARCHIVED', 'PASSED'],
    ]);
  });

  it('leaves alone the findings of a kind the run did not list: it proves nothing of them', async () => {
    hubMock.on(GetFindingsCommand).resolves({
      Findings: [
        held('ssh-public-key/APKABOB00000000000001'),
        held('service-specific-credential/ACCABOB00000000000001'),
        held('CERTBOBGONE'),
      ],
    });

    // A run of signing certificates alone sweeps only certificates.
    await securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf([], { credentialKinds: ['signing-certificate'] }),
    );
    const certificatesOnly = imported().map((f) => f.Id);
    hubMock.resetHistory();
    // The control: a run of SSH keys alone sweeps only SSH keys.
    await securityHubSink(new SecurityHubClient({}), TARGET).deliver(
      reportOf([], { credentialKinds: ['ssh-public-key'] }),
    );

    expect(certificatesOnly).toEqual([asffId(ACCOUNT_ID, 'CERTBOBGONE', 'age')]);
    expect(imported().map((f) => f.Id)).toEqual([
      asffId(ACCOUNT_ID, 'ssh-public-key/APKABOB00000000000001', 'age'),
    ]);
    // A run of every kind (the default) sweeps them all.
    hubMock.resetHistory();
    await securityHubSink(new SecurityHubClient({}), TARGET).deliver(reportOf([]));
    expect(
      imported()
        .map((f) => f.Id)
        .sort(),
    ).toEqual(
      [
        asffId(ACCOUNT_ID, 'ssh-public-key/APKABOB00000000000001', 'age'),
        asffId(ACCOUNT_ID, 'service-specific-credential/ACCABOB00000000000001', 'age'),
        asffId(ACCOUNT_ID, 'CERTBOBGONE', 'age'),
      ].sort(),
    );
  });
});
