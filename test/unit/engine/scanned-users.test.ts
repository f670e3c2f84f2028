import { describe, expect, it } from 'vitest';
import type { IamUser } from '../../../lambda/aws/iam';
import type { Credential } from '../../../lambda/core/credential';
import { scannedUsers } from '../../../lambda/engine/scan';
import { ACCOUNT_ID, daysAgo } from '../fixtures';

const user = (userName: string): IamUser => ({
  userName,
  userArn: `arn:aws:iam::${ACCOUNT_ID}:user/${userName}`,
  userId: `AIDA${userName.toUpperCase()}`,
});

const listed = { userName: 'alice', status: 'Active', uploadDate: daysAgo(10), body: '' } as const;

describe('scannedUsers', () => {
  it('counts each user’s credentials, in all and by kind, for the Config rule’s annotation', () => {
    const credentials: Credential[] = [
      {
        ...listed,
        type: 'signing-certificate',
        credentialId: 'CERT1',
        content: { parsed: false, reason: 'test' },
      },
      {
        ...listed,
        type: 'ssh-public-key',
        credentialId: 'APKA1',
        key: { parsed: true, algorithm: 'ssh-rsa', bits: 2048 },
      },
      {
        ...listed,
        type: 'ssh-public-key',
        credentialId: 'APKA2',
        key: { parsed: true, algorithm: 'ssh-rsa', bits: 4096 },
      },
    ];

    const users = scannedUsers([
      { user: user('alice'), credentials },
      { user: user('bob'), credentials: [] },
      { user: user('carol'), error: new Error('AccessDenied') },
      { user: user('dave'), skipped: true },
    ]);

    expect(
      users.map(({ user: u, certificates, byKind }) => [u.userName, certificates, byKind]),
    ).toEqual([
      ['alice', 3, { 'signing-certificate': 1, 'ssh-public-key': 2 }],
      ['bob', 0, {}],
      ['carol', null, undefined],
    ]);
  });
});
