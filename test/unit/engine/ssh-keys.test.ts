import {
  DeleteSSHPublicKeyCommand,
  GetAccountSummaryCommand,
  GetSSHPublicKeyCommand,
  GetUserCommand,
  IAMClient,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChangeIntent } from '../../../lambda/core/change-record';
import type { Policy } from '../../../lambda/core/settings';
import { sshKeyFingerprint } from '../../../lambda/core/ssh-key';
import { runAudit } from '../../../lambda/engine/audit';
import { generateSshPublicKey } from '../../../tools/emulator/ssh-keys';
import {
  ACCOUNT_ID,
  daysAgo,
  getUserAnswer,
  iamCert,
  iamUser,
  memoryRecorder,
  NOW,
  policyWith,
  recordingLogger,
} from '../fixtures';

const iamMock = mockClient(IAMClient);

const OLD_KEY = generateSshPublicKey({ comment: 'alice@old' });
const YOUNG_KEY = generateSshPublicKey();
const WEAK_KEY = generateSshPublicKey({ bits: 1024 });
const INACTIVE_KEY = generateSshPublicKey();

/** Alice: an over-age certificate, an over-age and a young SSH key; bob: an old Inactive key and a weak young one. */
beforeEach(() => {
  iamMock.reset();
  iamMock
    .on(ListUsersCommand)
    .resolves({ Users: [iamUser('alice'), iamUser('bob')], IsTruncated: false });
  iamMock.on(GetUserCommand).callsFake(getUserAnswer);
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [] });
  iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  iamMock
    .on(ListSigningCertificatesCommand, { UserName: 'alice' })
    .resolves({ Certificates: [iamCert('alice', 'CERTALICEOLD00000000000001', daysAgo(400))] })
    .on(ListSigningCertificatesCommand, { UserName: 'bob' })
    .resolves({ Certificates: [] });
  const keys = {
    alice: [
      ['APKAALICEOLD00000001', 'Active', 400, OLD_KEY],
      ['APKAALICEYOUNG000001', 'Active', 10, YOUNG_KEY],
    ],
    bob: [
      ['APKABOBINACTIVE00001', 'Inactive', 700, INACTIVE_KEY],
      ['APKABOBWEAK000000001', 'Active', 5, WEAK_KEY],
    ],
  } as const;
  for (const [user, held] of Object.entries(keys)) {
    iamMock.on(ListSSHPublicKeysCommand, { UserName: user }).resolves({
      SSHPublicKeys: held.map(([id, status, age]) => ({
        UserName: user,
        SSHPublicKeyId: id,
        Status: status,
        UploadDate: daysAgo(age),
      })),
    });
    for (const [id, , , body] of held) {
      iamMock
        .on(GetSSHPublicKeyCommand, { SSHPublicKeyId: id })
        .resolves({ SSHPublicKey: { SSHPublicKeyBody: body } as never });
    }
  }
  iamMock.on(UpdateSSHPublicKeyCommand).resolves({});
  iamMock.on(DeleteSSHPublicKeyCommand).resolves({});
  iamMock.on(UpdateSigningCertificateCommand).resolves({});
});

const BOTH: Partial<Policy> = { credentialKinds: ['signing-certificate', 'ssh-public-key'] };

async function audit(overrides: Partial<Policy>) {
  const record = memoryRecorder();
  const report = await runAudit(
    {
      iam: new IAMClient({ region: 'us-east-1' }),
      logger: recordingLogger(),
      now: NOW,
      runId: 'run-1',
      accountId: ACCOUNT_ID,
      changeRecord: record,
    },
    policyWith({ scanStrategy: 'full', ...BOTH, ...overrides }),
  );
  const intents = record.entries.filter((e): e is ChangeIntent => e.entry === 'intent');
  return { report, intents };
}

describe('runAudit: SSH public keys', () => {
  it('lists each key by kind and id, judged by age and by its content; reads none without the kind', async () => {
    const { report } = await audit({ mode: 'report' });
    const { report: certificatesOnly } = await audit({
      mode: 'report',
      credentialKinds: ['signing-certificate'],
    });

    expect(
      report.findings
        .filter((f) => f.credentialType === 'ssh-public-key')
        .map((f) => [f.userName, f.credentialId, f.certificateId, f.verdict]),
    ).toEqual([
      ['alice', 'APKAALICEOLD00000001', null, 'NON_COMPLIANT'],
      ['bob', 'APKABOBINACTIVE00001', null, 'NON_COMPLIANT'],
      ['bob', 'APKABOBWEAK000000001', null, 'SSH_KEY_WEAK'],
    ]);
    expect(report.summary).toMatchObject({ sshKeyIssues: 1, nonCompliant: 3 });
    // The body is never reported.
    expect(JSON.stringify(report)).not.toContain(OLD_KEY.split(' ')[1]);
    expect(certificatesOnly.findings.map((f) => f.credentialType)).toEqual(['signing-certificate']);
  });

  it('deactivates only the over-age Active key of the kinds remediateKinds names, recording its body and fingerprint first', async () => {
    const { report, intents } = await audit({
      mode: 'deactivate',
      remediateKinds: ['ssh-public-key'],
    });

    expect(iamMock).toReceiveCommandTimes(UpdateSSHPublicKeyCommand, 1);
    expect(iamMock).toReceiveCommandWith(UpdateSSHPublicKeyCommand, {
      UserName: 'alice',
      SSHPublicKeyId: 'APKAALICEOLD00000001',
      Status: 'Inactive',
    });
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(intents).toEqual([
      expect.objectContaining({
        credentialType: 'ssh-public-key',
        certificateId: 'APKAALICEOLD00000001',
        change: 'DEACTIVATE',
        body: OLD_KEY,
        fingerprint256: sshKeyFingerprint(OLD_KEY),
      }),
    ]);
    const certificate = report.findings.find((f) => f.credentialType === 'signing-certificate');
    expect(certificate).toMatchObject({
      action: 'NONE',
      detail: 'not changed: remediateKinds does not name signing-certificate',
    });
  });

  it('changes no SSH key under the default remediateKinds, and says why on each', async () => {
    const { report } = await audit({ mode: 'delete' });

    expect(iamMock).not.toReceiveCommand(UpdateSSHPublicKeyCommand);
    expect(iamMock).not.toReceiveCommand(DeleteSSHPublicKeyCommand);
    expect(
      report.findings
        .filter((f) => f.credentialType === 'ssh-public-key' && f.verdict === 'NON_COMPLIANT')
        .map((f) => [f.action, f.plannedAction, f.detail]),
    ).toEqual([
      [
        'NONE',
        null,
        expect.stringMatching(/not changed: remediateKinds does not name ssh-public-key$/),
      ],
      ['NONE', null, 'not changed: remediateKinds does not name ssh-public-key'],
    ]);
  });

  it('deletes an over-age Inactive key in delete mode, by its id', async () => {
    const { intents } = await audit({ mode: 'delete', remediateKinds: ['ssh-public-key'] });

    expect(iamMock).toReceiveCommandWith(DeleteSSHPublicKeyCommand, {
      UserName: 'bob',
      SSHPublicKeyId: 'APKABOBINACTIVE00001',
    });
    expect(intents.map((i) => [i.certificateId, i.change, i.status])).toEqual(
      expect.arrayContaining([['APKABOBINACTIVE00001', 'DELETE', 'Inactive']]),
    );
  });

  it('counts SSH key changes with certificate changes in the blast-radius guard', async () => {
    const both: Partial<Policy> = { remediateKinds: ['signing-certificate', 'ssh-public-key'] };

    const { report } = await audit({ mode: 'deactivate', ...both, maxActionsPerRun: 1 });
    const { report: room } = await audit({ mode: 'deactivate', ...both, maxActionsPerRun: 2 });

    // One certificate and one key planned: two, more than one allows, so neither is made.
    expect(report.findings.filter((f) => f.action === 'WITHHELD')).toHaveLength(2);
    expect(report.summary.withheld).toBe(2);
    expect(room.summary).toMatchObject({ withheld: 0, deactivated: 2 });
  });
});
