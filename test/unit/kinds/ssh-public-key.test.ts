import {
  DeleteSSHPublicKeyCommand,
  GetSSHPublicKeyCommand,
  IAMClient,
  ListSSHPublicKeysCommand,
  NoSuchEntityException,
  ServiceFailureException,
  UpdateSSHPublicKeyCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { sshKeyFingerprint } from '../../../lambda/core/ssh-key';
import { KIND_INDEX, kindOf } from '../../../lambda/kinds';
import { sshPublicKeys } from '../../../lambda/kinds/ssh-public-key';
import { generateSshPublicKey } from '../../../tools/emulator/ssh-keys';
import { daysAgo } from '../fixtures';

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });

const KEY_A = generateSshPublicKey({ comment: 'alice@laptop' });
const KEY_B = generateSshPublicKey({ bits: 1024 });

beforeEach(() => {
  iamMock.reset();
});

describe('the SSH public key kind', () => {
  it('is a row of the kind index: per-user, five a user, uploaded again on restore, with IAM’s actions', () => {
    expect(KIND_INDEX).toContain(sshPublicKeys);
    expect(kindOf('ssh-public-key')).toBe(sshPublicKeys);
    expect(sshPublicKeys).toMatchObject({
      label: 'SSH public key',
      listing: 'per-user',
      perUserLimit: 5,
      restore: 'reupload',
      actions: {
        read: ['iam:ListSSHPublicKeys', 'iam:GetSSHPublicKey'],
        deactivate: ['iam:UpdateSSHPublicKey'],
        delete: ['iam:DeleteSSHPublicKey'],
        restore: ['iam:UploadSSHPublicKey', 'iam:UpdateSSHPublicKey'],
      },
    });
    expect(sshPublicKeys.listAccount).toBeUndefined();
    expect(sshPublicKeys.fingerprint?.(KEY_A)).toBe(sshKeyFingerprint(KEY_A));
  });
});

describe('sshPublicKeys.listUser', () => {
  it('follows every page of ListSSHPublicKeys and reads each key’s body with GetSSHPublicKey, Encoding SSH', async () => {
    // Prepare: two pages (the second after the Marker), two keys.
    iamMock
      .on(ListSSHPublicKeysCommand, { UserName: 'alice' })
      .resolves({
        SSHPublicKeys: [
          {
            UserName: 'alice',
            SSHPublicKeyId: 'APKAALICE0000000000A',
            Status: 'Active',
            UploadDate: daysAgo(400),
          },
        ],
        IsTruncated: true,
        Marker: 'page-2',
      })
      .on(ListSSHPublicKeysCommand, { UserName: 'alice', Marker: 'page-2' })
      .resolves({
        SSHPublicKeys: [
          {
            UserName: 'alice',
            SSHPublicKeyId: 'APKAALICE0000000000B',
            Status: 'Inactive',
            UploadDate: daysAgo(10),
          },
        ],
        IsTruncated: false,
      });
    iamMock
      .on(GetSSHPublicKeyCommand, { SSHPublicKeyId: 'APKAALICE0000000000A' })
      .resolves({ SSHPublicKey: { SSHPublicKeyBody: KEY_A } as never })
      .on(GetSSHPublicKeyCommand, { SSHPublicKeyId: 'APKAALICE0000000000B' })
      .resolves({ SSHPublicKey: { SSHPublicKeyBody: KEY_B } as never });

    // Act
    const keys = await sshPublicKeys.listUser(iam, 'alice');

    // Assess
    expect(keys).toEqual([
      {
        type: 'ssh-public-key',
        userName: 'alice',
        credentialId: 'APKAALICE0000000000A',
        status: 'Active',
        uploadDate: daysAgo(400),
        key: { parsed: true, algorithm: 'rsa', bits: 2048 },
        body: KEY_A,
      },
      {
        type: 'ssh-public-key',
        userName: 'alice',
        credentialId: 'APKAALICE0000000000B',
        status: 'Inactive',
        uploadDate: daysAgo(10),
        key: { parsed: true, algorithm: 'rsa', bits: 1024 },
        body: KEY_B,
      },
    ]);
    expect(iamMock).toReceiveCommandTimes(ListSSHPublicKeysCommand, 2);
    expect(iamMock).toReceiveCommandWith(GetSSHPublicKeyCommand, {
      UserName: 'alice',
      SSHPublicKeyId: 'APKAALICE0000000000A',
      Encoding: 'SSH',
    });
    expect(iamMock).toReceiveCommandTimes(GetSSHPublicKeyCommand, 2);
  });

  it('leaves out a key deleted between the listing and its body (NoSuchEntity), and fails on any other error', async () => {
    iamMock.on(ListSSHPublicKeysCommand).resolves({
      SSHPublicKeys: [
        {
          UserName: 'bob',
          SSHPublicKeyId: 'APKABOBGONE000000000',
          Status: 'Active',
          UploadDate: daysAgo(1),
        },
        {
          UserName: 'bob',
          SSHPublicKeyId: 'APKABOBHERE000000000',
          Status: 'Active',
          UploadDate: daysAgo(1),
        },
      ],
    });
    iamMock
      .on(GetSSHPublicKeyCommand, { SSHPublicKeyId: 'APKABOBGONE000000000' })
      .rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }))
      .on(GetSSHPublicKeyCommand, { SSHPublicKeyId: 'APKABOBHERE000000000' })
      .resolves({ SSHPublicKey: { SSHPublicKeyBody: KEY_A } as never });

    const kept = await sshPublicKeys.listUser(iam, 'bob');

    expect(kept.map((k) => k.credentialId)).toEqual(['APKABOBHERE000000000']);

    iamMock
      .on(GetSSHPublicKeyCommand, { SSHPublicKeyId: 'APKABOBGONE000000000' })
      .rejects(new ServiceFailureException({ message: 'boom', $metadata: {} }));
    await expect(sshPublicKeys.listUser(iam, 'bob')).rejects.toThrow('boom');
  });

  it('reads a key IAM returns without a body as unreadable, with an empty body', async () => {
    iamMock.on(ListSSHPublicKeysCommand).resolves({
      SSHPublicKeys: [
        {
          UserName: 'carol',
          SSHPublicKeyId: 'APKACAROL00000000000',
          Status: 'Active',
          UploadDate: daysAgo(1),
        },
      ],
    });
    iamMock.on(GetSSHPublicKeyCommand).resolves({ SSHPublicKey: undefined });

    const [key] = await sshPublicKeys.listUser(iam, 'carol');

    expect(key).toMatchObject({
      body: '',
      key: { parsed: false, reason: 'IAM returned the key without its body' },
    });
  });
});

describe('sshPublicKeys changes', () => {
  it('sets a status and deletes one key by its id, always naming the user', async () => {
    iamMock.on(UpdateSSHPublicKeyCommand).resolves({});
    iamMock.on(DeleteSSHPublicKeyCommand).resolves({});

    await sshPublicKeys.setStatus(iam, 'alice', 'APKAALICE0000000000A', 'Inactive');
    await sshPublicKeys.remove(iam, 'alice', 'APKAALICE0000000000B');

    expect(iamMock).toReceiveCommandWith(UpdateSSHPublicKeyCommand, {
      UserName: 'alice',
      SSHPublicKeyId: 'APKAALICE0000000000A',
      Status: 'Inactive',
    });
    expect(iamMock).toReceiveCommandWith(DeleteSSHPublicKeyCommand, {
      UserName: 'alice',
      SSHPublicKeyId: 'APKAALICE0000000000B',
    });
  });

  it('uploads a body again and returns the new id IAM gives it; an answer without one is an error', async () => {
    iamMock
      .on(UploadSSHPublicKeyCommand)
      .resolvesOnce({ SSHPublicKey: { SSHPublicKeyId: 'APKANEWID00000000000' } as never })
      .resolvesOnce({});

    const id = await sshPublicKeys.upload?.(iam, 'alice', KEY_A);

    expect(id).toBe('APKANEWID00000000000');
    expect(iamMock).toReceiveCommandWith(UploadSSHPublicKeyCommand, {
      UserName: 'alice',
      SSHPublicKeyBody: KEY_A,
    });
    await expect(sshPublicKeys.upload?.(iam, 'alice', KEY_A)).rejects.toThrow(
      'UploadSSHPublicKey answered without a key id',
    );
  });
});
