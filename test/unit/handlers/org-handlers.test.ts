import { Logger } from '@aws-lambda-powertools/logger';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { buildOrgReport, emptySummary, failedAccount } from '../../../lambda/core/org-report';
import { loadPolicyFromEnv } from '../../../lambda/core/settings';
import {
  createEnumerateHandler,
  createWorkerHandler,
  ORG_MESSAGE_MAX_BYTES,
  orgMessage,
} from '../../../lambda/handlers/org-handlers';
import { lambdaContext } from '../../../tools/emulator/lambda-context';

const NOW = new Date('2026-12-01T06:00:00Z');

function organization(count: number, failedEvery: number) {
  return buildOrgReport(
    'run-1',
    NOW,
    Array.from({ length: count }, (_, index) => {
      const id = String(100_000_000_000 + index);
      return index % failedEvery === 0
        ? failedAccount(id, `AssumeRole arn:aws:iam::${id}:role/SigningCertAuditMember failed`)
        : {
            accountId: id,
            status: 'AUDITED' as const,
            summary: { ...emptySummary(), usersScanned: 40, nonCompliant: index % 3 },
            severity: index % 3 ? ('HIGH' as const) : ('INFO' as const),
            error: null,
            reportLocation: `s3://evidence/reports/account=${id}/run-1.json`,
          };
    }),
  );
}

describe('orgMessage (the organization run’s SNS message)', () => {
  it('carries a small organization whole, with the digest for email', () => {
    const report = organization(10, 4);

    const message = JSON.parse(orgMessage(report, 's3://evidence/org.json'));
    const machine = JSON.parse(message.default);

    expect(machine.accounts).toEqual(report.accounts);
    expect(machine).toMatchObject({
      accountsListed: 'all',
      accountsOmitted: 0,
      reportLocation: 's3://evidence/org.json',
    });
    expect(message.email).toContain('Signing certificate audit of 10 account(s)');
  });

  it('stays valid JSON under SNS’s limit for 5000 accounts, the urgent ones kept', () => {
    const report = organization(5000, 10);

    const raw = orgMessage(report, 's3://evidence/org.json');
    const message = JSON.parse(raw);
    const machine = JSON.parse(message.default);

    expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(ORG_MESSAGE_MAX_BYTES);
    expect(machine.accountsListed).toBe('attention');
    expect(machine.accounts[0].status).toBe('FAILED');
    expect(machine.accounts.length + machine.accountsOmitted).toBe(5000);
    expect(machine.totals).toEqual(report.totals);
    expect(message.email).toContain('more account(s), each listed in the organization report');
  });
});

describe('orgMessage with a large scope', () => {
  it.each([2_000, 2_500, 10_000])(
    'stays under its bound with %i excluded accounts and as many named in the selection, saying how many were left out',
    (count) => {
      const ids = Array.from({ length: count }, (_, i) => String(200_000_000_000 + i));
      const report = {
        ...organization(count, 7),
        scope: {
          selection: {
            includeOus: [],
            excludeOus: ids.slice(0, 50).map((id) => `ou-ab12-${id.slice(0, 8)}`),
            includeAccounts: ids,
            excludeAccounts: ids,
          },
          excluded: ids.map((accountId) => ({
            accountId,
            name: `pilot-left-out-${accountId}`,
            reason: 'includeAccounts' as const,
          })),
        },
      };

      const raw = orgMessage(report, 's3://evidence/org.json');
      const message = JSON.parse(raw);
      const machine = JSON.parse(message.default);

      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(ORG_MESSAGE_MAX_BYTES);
      expect(machine.scope.excluded.length + machine.scopeOmitted.excluded).toBe(count);
      expect(
        machine.scope.selection.includeAccounts.length + machine.scopeOmitted.includeAccounts,
      ).toBe(count);
      expect(
        machine.scope.selection.excludeAccounts.length + machine.scopeOmitted.excludeAccounts,
      ).toBe(count);
      expect(machine.scope.selection.excludeOus).toHaveLength(50);
      expect(machine.accounts.length + machine.accountsOmitted).toBe(count);
      expect(machine.totals).toEqual(report.totals);
      expect(message.email).toContain(`Left out by the account selection: ${count} account(s).`);
    },
  );

  it('keeps a small scope whole', () => {
    const report = {
      ...organization(3, 2),
      scope: {
        selection: {
          includeOus: [],
          excludeOus: [],
          includeAccounts: [],
          excludeAccounts: ['1'.repeat(12)],
        },
        excluded: [
          { accountId: '1'.repeat(12), name: 'sandbox', reason: 'excludeAccounts' as const },
        ],
      },
    };

    const machine = JSON.parse(JSON.parse(orgMessage(report, 's3://evidence/org.json')).default);

    expect(machine.scope).toEqual(report.scope);
    expect(machine.scopeOmitted).toEqual({
      includeOus: 0,
      excludeOus: 0,
      includeAccounts: 0,
      excludeAccounts: 0,
      excluded: 0,
    });
  });
});

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
