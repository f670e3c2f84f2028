import { describe, expect, it } from 'vitest';
import { buildOrgReport, emptySummary, failedAccount } from '../../../lambda/core/org-report';
import { ORG_MESSAGE_MAX_BYTES, orgMessage } from '../../../lambda/sinks/sns';

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
