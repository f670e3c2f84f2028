import { Logger } from '@aws-lambda-powertools/logger';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { loadPolicyFromEnv } from '../../../lambda/core/settings';
import { createEnumerateHandler, createWorkerHandler } from '../../../lambda/handlers/org-handlers';
import { lambdaContext } from '../../../tools/emulator/lambda-context';

const NOW = new Date('2026-12-01T06:00:00Z');

describe('the worker’s event', () => {
  const worker = createWorkerHandler({
    env: {
      policy: loadPolicyFromEnv({ MODE: 'deactivate' }),
      archiveBucket: 'evidence',
      roleName: 'SigningCertAuditMember',
    },
    sts: {} as never,
    s3: {} as never,
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    now: () => NOW,
  });
  const context = lambdaContext('w', 'arn:aws:lambda:us-east-1:123456789012:function:w');

  it.each([
    [{ accountId: '1234', runId: 'r' }],
    [{ accountId: '123456789012' }],
    [{ accountId: '123456789012', runId: 'r', dryRun: 'true' }],
    [{ accountId: '123456789012', runId: 'r', scanStrategy: 'fast' }],
    [{ accountId: '123456789012', runId: '../../reports/x' }],
  ])('refuses %j before touching anything', async (event) => {
    await expect(worker(event, context)).rejects.toThrow(/^Invalid worker event: /);
  });
});

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
