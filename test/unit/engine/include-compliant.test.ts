import {
  GetAccountSummaryCommand,
  GetSSHPublicKeyCommand,
  GetUserCommand,
  IAMClient,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { findingsExit } from '../../../cli/args';
import { isFailing } from '../../../lambda/core/checks/table';
import { evaluateUsers } from '../../../lambda/core/config-evaluations';
import { type Report, withoutCompliant } from '../../../lambda/core/report';
import type { Policy } from '../../../lambda/core/settings';
import { runAudit } from '../../../lambda/engine/audit';
import { toAsffFindings } from '../../../lambda/sinks/asff';
import { generateSshPublicKey } from '../../../tools/emulator/ssh-keys';
import {
  ACCOUNT_ID,
  daysAgo,
  getUserAnswer,
  iamCert,
  iamUser,
  NOW,
  policyWith,
  recordingLogger,
} from '../fixtures';

const iamMock = mockClient(IAMClient);

/**
 * alice: an over-age certificate and a young one, a young SSH key; bob: a certificate close to
 * the maximum age and a weak young SSH key; carol: a young certificate, and exempt (untouched:
 * nothing of hers is reported, so her tags are never read); dave: nothing at all.
 */
beforeEach(() => {
  iamMock.reset();
  iamMock.on(ListUsersCommand).resolves({
    Users: ['alice', 'bob', 'carol', 'dave'].map((name) => iamUser(name)),
    IsTruncated: false,
  });
  iamMock.on(GetUserCommand).callsFake(getUserAnswer);
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [] });
  iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  iamMock.on(ListServiceSpecificCredentialsCommand).resolves({ ServiceSpecificCredentials: [] });
  iamMock.on(UpdateSigningCertificateCommand).resolves({});
  const certificates = {
    alice: [
      iamCert('alice', 'CERTALICEOLD00000000000001', daysAgo(400)),
      iamCert('alice', 'CERTALICEYOUNG000000000001', daysAgo(10)),
    ],
    bob: [iamCert('bob', 'CERTBOBNEARLY0000000000001', daysAgo(80))],
    carol: [iamCert('carol', 'CERTCAROLYOUNG000000000001', daysAgo(30), 'Inactive')],
    dave: [],
  };
  for (const [user, held] of Object.entries(certificates)) {
    iamMock.on(ListSigningCertificatesCommand, { UserName: user }).resolves({ Certificates: held });
  }
  const keys: Record<string, [string, number, string][]> = {
    alice: [['APKAALICEYOUNG000001', 10, generateSshPublicKey()]],
    bob: [['APKABOBWEAK000000001', 5, generateSshPublicKey({ bits: 1024 })]],
  };
  iamMock.on(ListSSHPublicKeysCommand).resolves({ SSHPublicKeys: [] });
  for (const [user, held] of Object.entries(keys)) {
    iamMock.on(ListSSHPublicKeysCommand, { UserName: user }).resolves({
      SSHPublicKeys: held.map(([id, age]) => ({
        UserName: user,
        SSHPublicKeyId: id,
        Status: 'Active',
        UploadDate: daysAgo(age),
      })),
    });
    for (const [id, , body] of held) {
      iamMock
        .on(GetSSHPublicKeyCommand, { SSHPublicKeyId: id })
        .resolves({ SSHPublicKey: { SSHPublicKeyBody: body } as never });
    }
  }
});

/** Every credential the account holds, by kind and id: what the scan reads. */
const EVERY_CREDENTIAL = [
  'signing-certificate/CERTALICEOLD00000000000001',
  'signing-certificate/CERTALICEYOUNG000000000001',
  'signing-certificate/CERTBOBNEARLY0000000000001',
  'signing-certificate/CERTCAROLYOUNG000000000001',
  'ssh-public-key/APKAALICEYOUNG000001',
  'ssh-public-key/APKABOBWEAK000000001',
];

async function audit(overrides: Partial<Policy> = {}, dryRun = false): Promise<Report> {
  return runAudit(
    {
      iam: new IAMClient({ region: 'us-east-1' }),
      logger: recordingLogger(),
      now: NOW,
      runId: 'run-1',
      accountId: ACCOUNT_ID,
    },
    policyWith({ credentialKinds: ['signing-certificate', 'ssh-public-key'], ...overrides }),
    { dryRun },
  );
}

const credentialsOf = (report: Report) =>
  [...new Set(report.findings.map((f) => `${f.credentialType}/${f.credentialId}`))].sort();

describe('runAudit with includeCompliant', () => {
  it('lists every credential read: each compliant one as one COMPLIANT finding, INFO, nothing planned or done', async () => {
    const report = await audit({ includeCompliant: true });

    expect(credentialsOf(report)).toEqual(EVERY_CREDENTIAL);
    expect(
      report.findings
        .filter((f) => f.verdict === 'COMPLIANT')
        .map((f) => [f.userName, f.credentialType, f.credentialId, f.status, f.ageDays]),
    ).toEqual([
      ['alice', 'ssh-public-key', 'APKAALICEYOUNG000001', 'Active', 10],
      ['alice', 'signing-certificate', 'CERTALICEYOUNG000000000001', 'Active', 10],
      ['carol', 'signing-certificate', 'CERTCAROLYOUNG000000000001', 'Inactive', 30],
    ]);
    for (const f of report.findings.filter((f) => f.verdict === 'COMPLIANT')) {
      expect(f).toMatchObject({
        severity: 'INFO',
        action: 'NONE',
        plannedAction: null,
        error: null,
        override: null,
      });
      expect(isFailing(f.verdict)).toBe(false);
    }
    // A certificate's identity is there, as on any certificate finding.
    expect(
      report.findings.find((f) => f.credentialId === 'CERTALICEYOUNG000000000001')?.certificate,
    ).toMatchObject({ subject: 'CN=signing-cert-audit test' });
  });

  it('lists no COMPLIANT finding without it, nor a credential that has another verdict (the control)', async () => {
    const without = await audit();
    const withIt = await audit({ includeCompliant: true });

    expect(without.findings.some((f) => f.verdict === 'COMPLIANT')).toBe(false);
    expect(credentialsOf(without)).toEqual([
      'signing-certificate/CERTALICEOLD00000000000001',
      'signing-certificate/CERTBOBNEARLY0000000000001',
      'ssh-public-key/APKABOBWEAK000000001',
    ]);
    // The other findings are exactly those of the run without it.
    expect(withoutCompliant(withIt).findings).toEqual(without.findings);
  });

  it.each([
    ['report mode', {}, false],
    ['deactivate mode', { mode: 'deactivate' as const }, false],
    ['a dry run of delete mode', { mode: 'delete' as const }, true],
  ])(
    'keeps the summary, the severity and the exit status exactly as without it: %s',
    async (_name, policy, dryRun) => {
      const without = await audit(policy, dryRun);
      iamMock.resetHistory();
      const withIt = await audit({ ...policy, includeCompliant: true }, dryRun);

      expect(withIt.findings.length).toBeGreaterThan(without.findings.length);
      expect(withIt.summary).toEqual(without.summary);
      expect(withIt.severity).toBe(without.severity);
      expect(findingsExit(withIt.summary, 'non-compliant')).toBe(
        findingsExit(without.summary, 'non-compliant'),
      );
      expect(withIt.policy).toEqual({ ...without.policy, includeCompliant: true });
    },
  );

  it('changes nothing more: the same changes in deactivate mode', async () => {
    await audit({ mode: 'deactivate', includeCompliant: true });
    const changed = iamMock
      .commandCalls(UpdateSigningCertificateCommand)
      .map((call) => call.args[0].input.CertificateId);

    expect(changed).toEqual(['CERTALICEOLD00000000000001']);
  });

  it('gives Security Hub and the Config rule exactly what they get without it', async () => {
    const without = await audit();
    const withIt = await audit({ includeCompliant: true });
    const target = { region: 'us-east-1', partition: 'aws' };
    const users = ['alice', 'bob', 'carol', 'dave'].map((name) => ({
      userName: name,
      userArn: iamUser(name).Arn as string,
      userId: iamUser(name).UserId,
      certificates: name === 'dave' ? 0 : 2,
    }));

    expect(toAsffFindings(withIt, target)).toEqual(toAsffFindings(without, target));
    expect(evaluateUsers(users, withIt.findings)).toEqual(evaluateUsers(users, without.findings));
  });
});
