import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createEnumerateHandler } from '../../../lambda/handlers/org-enumerate-handler';

describe('the enumerate step', () => {
  it('fails a run whose selection leaves no account, writing nothing', async () => {
    const s3 = mockClient(S3Client);
    const organizations = mockClient(OrganizationsClient);
    organizations.on(ListAccountsCommand).resolves({
      Accounts: [{ Id: '111111111111', Name: 'only', State: 'ACTIVE' }],
    });
    const enumerate = createEnumerateHandler({
      s3: new S3Client({}),
      organizations: new OrganizationsClient({}),
      archiveBucket: 'evidence',
      env: { EXCLUDE_ACCOUNTS: '111111111111' },
    });

    await expect(enumerate({ runId: 'run-1', input: {} })).rejects.toThrow(
      /^The account selection left no ACTIVE account to audit \(1 left out by it;/,
    );
    expect(s3.calls()).toHaveLength(0);
    s3.restore();
    organizations.restore();
  });
});

describe('the enumerate step’s settings', () => {
  it('refuses a selection id of the wrong form when it is built, naming the variable', () => {
    const build = () =>
      createEnumerateHandler({
        s3: new S3Client({}),
        organizations: new OrganizationsClient({}),
        archiveBucket: 'evidence',
        env: { INCLUDE_OUS: 'ou-ab12-abcdefgh,sandbox' },
      });

    expect(build).toThrow(
      'INCLUDE_OUS="sandbox" is not allowed: expected OU or root ids, separated by commas',
    );
  });
});
