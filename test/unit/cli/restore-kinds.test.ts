import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSSHPublicKeyCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  UpdateSSHPublicKeyCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../../../cli/main';
import { parseRestoreArgs } from '../../../cli/restore/args';
import { sshKeyFingerprint } from '../../../lambda/core/ssh-key';
import { generateSshPublicKey } from '../../../tools/emulator/ssh-keys';
import { mockedAccount } from '../accounts';
import { ACCOUNT_ID, daysAgo, iamUser } from '../fixtures';

const KEY = generateSshPublicKey({ comment: 'alice@laptop' });
const OLD_ID = 'APKAALICEOLD00000001';

/** A local record of run-1, a delete-mode run that deleted alice's Inactive SSH key. */
function recordOfDeletion(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'restore-kinds-')), 'changes.jsonl');
  const key = { runId: 'run-1', accountId: ACCOUNT_ID, certificateId: OLD_ID, change: 'DELETE' };
  const lines = [
    {
      recordVersion: '2',
      entry: 'run',
      recordedAt: '2026-12-01T00:00:00Z',
      runId: 'run-1',
      accountId: ACCOUNT_ID,
      mode: 'delete',
    },
    {
      ...key,
      recordVersion: '2',
      entry: 'intent',
      recordedAt: '2026-12-01T00:00:01Z',
      credentialType: 'ssh-public-key',
      userName: 'alice',
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
      userId: iamUser('alice').UserId,
      status: 'Inactive',
      uploadDate: '2025-01-01T00:00:00.000Z',
      fingerprint256: sshKeyFingerprint(KEY),
      body: KEY,
    },
    {
      ...key,
      recordVersion: '2',
      entry: 'outcome',
      recordedAt: '2026-12-01T00:00:02Z',
      outcome: 'DELETED',
      error: null,
    },
  ];
  writeFileSync(file, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
  return file;
}

function streams() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text), isTTY: false },
    stderr: { write: (text: string) => err.push(text), isTTY: false },
    env: { AWS_REGION: 'us-east-1' },
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('restore --certificate', () => {
  it('takes an SSH key’s or service credential’s id (IAM’s pattern: 20 to 128), and refuses a shorter one', () => {
    const argv = ['--run', 'r', '--archive-bucket', 'evidence', '--certificate'];

    expect(parseRestoreArgs([...argv, OLD_ID], { stdoutIsTTY: false }).certificates).toEqual([
      OLD_ID,
    ]);
    expect(() => parseRestoreArgs([...argv, OLD_ID.slice(1)], { stdoutIsTTY: false })).toThrow(
      /^--certificate="PKAALICEOLD00000001"/,
    );
  });
});

describe('restore of an SSH key through main (IAM mocked)', () => {
  const account = mockedAccount();

  /** Alice holding `held` SSH keys now, of other bodies. */
  function aliceHolds(held: number): void {
    account.answer({ alice: [] });
    const ids = Array.from({ length: held }, (_, i) => `APKAALICEOTHER0000${i}0`);
    account.iam.on(ListSSHPublicKeysCommand, { UserName: 'alice' }).resolves({
      SSHPublicKeys: ids.map((id) => ({
        UserName: 'alice',
        SSHPublicKeyId: id,
        Status: 'Active',
        UploadDate: daysAgo(1),
      })),
    });
    account.iam
      .on(GetSSHPublicKeyCommand)
      .callsFake(() => ({ SSHPublicKey: { SSHPublicKeyBody: generateSshPublicKey() } }));
  }

  beforeEach(() => aliceHolds(0));

  it('uploads the deleted key again and sets it Inactive, as it was, reading only the kinds the record holds', async () => {
    const { io, stdout } = streams();
    const record = recordOfDeletion();
    account.iam
      .on(UploadSSHPublicKeyCommand)
      .resolves({ SSHPublicKey: { SSHPublicKeyId: 'APKAALICENEW00000001' } as never });
    account.iam.on(UpdateSSHPublicKeyCommand).resolves({});

    const status = await main(
      ['restore', '--run', 'run-1', '--change-record', record, '--apply'],
      io,
    );

    expect(status).toBe(0);
    expect(JSON.parse(stdout()).steps).toMatchObject([
      {
        credentialType: 'ssh-public-key',
        plannedAction: 'UPLOAD',
        action: 'UPLOADED',
        newCertificateId: 'APKAALICENEW00000001',
      },
    ]);
    expect(account.iam).toReceiveCommandWith(UploadSSHPublicKeyCommand, {
      UserName: 'alice',
      SSHPublicKeyBody: KEY,
    });
    expect(account.iam).toReceiveCommandWith(UpdateSSHPublicKeyCommand, {
      UserName: 'alice',
      SSHPublicKeyId: 'APKAALICENEW00000001',
      Status: 'Inactive',
    });
    expect(account.iam).not.toReceiveCommand(ListSigningCertificatesCommand);
    // The restore's own record names the kind of what it uploaded.
    const own = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { entry: string; change?: string; credentialType?: string },
      )
      .filter((e) => e.entry === 'intent' && e.change === 'UPLOAD');
    expect(own).toMatchObject([{ credentialType: 'ssh-public-key' }]);
  });

  it('says an upload IAM refused for want of permission needs iam:UploadSSHPublicKey', async () => {
    const { io, stdout } = streams();
    account.iam
      .on(UploadSSHPublicKeyCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDenied' }));

    const status = await main(
      ['restore', '--run', 'run-1', '--change-record', recordOfDeletion(), '--apply'],
      io,
    );

    expect(status).toBe(3);
    const [step] = JSON.parse(stdout()).steps as { action: string; detail: string }[];
    expect(step?.action).toBe('FAILED');
    expect(step?.detail).toContain(
      'UploadSSHPublicKey failed (uploading needs iam:UploadSSHPublicKey, which no role this tool deploys holds',
    );
  });

  it('refuses a user already holding IAM’s five SSH keys, and uploads nothing', async () => {
    aliceHolds(5);
    const { io, stdout } = streams();

    const status = await main(
      ['restore', '--run', 'run-1', '--change-record', recordOfDeletion(), '--apply'],
      io,
    );

    expect(status).toBe(1);
    expect(JSON.parse(stdout()).steps).toMatchObject([
      {
        verdict: 'REFUSED',
        detail: expect.stringMatching(/^the user already holds IAM's 5 SSH public keys/),
      },
    ]);
    expect(account.iam).not.toReceiveCommand(UploadSSHPublicKeyCommand);
  });
});
