import { describe, expect, it } from 'vitest';
import {
  type AccountResult,
  buildOrgReport,
  byAttention,
  emptySummary,
  failedAccount,
  needsAttention,
  reportForMessage,
} from '../../../lambda/core/org-report';
import type { Summary } from '../../../lambda/core/report';

const NOW = new Date('2026-12-01T06:00:00Z');

function audited(accountId: string, summary: Partial<Summary> = {}): AccountResult {
  return {
    accountId,
    status: 'AUDITED',
    // As buildReport counts them: every non-compliant, withheld, error and root finding fails.
    summary: {
      ...emptySummary(),
      usersScanned: 10,
      certificatesScanned: 2,
      ...summary,
      failing:
        summary.failing ??
        (summary.nonCompliant ?? 0) +
          (summary.errors ?? 0) +
          (summary.rootSigningCertificate ?? 0) +
          (summary.withheld ?? 0),
    },
    severity: (summary.nonCompliant ?? 0) > 0 ? 'HIGH' : 'INFO',
    error: null,
    reportLocation: `s3://evidence/reports/${accountId}.json`,
  };
}

describe('buildOrgReport', () => {
  it('sums every summary, counts each status, and sorts the accounts by id', () => {
    const report = buildOrgReport('run-1', NOW, [
      audited('333333333333', { nonCompliant: 2, deactivated: 2 }),
      failedAccount('111111111111', 'AssumeRole … failed (AccessDenied: no)'),
      audited('222222222222', { expiringSoon: 1 }),
      { ...audited('444444444444', { nonCompliant: 1 }), status: 'INCOMPLETE', error: 'deadline' },
    ]);

    expect(report.accounts.map((a) => a.accountId)).toEqual([
      '111111111111',
      '222222222222',
      '333333333333',
      '444444444444',
    ]);
    expect(report.totals).toEqual({
      ...emptySummary(),
      usersScanned: 30,
      certificatesScanned: 6,
      nonCompliant: 3,
      deactivated: 2,
      expiringSoon: 1,
      failing: 3,
    });
    expect(report.counts).toEqual({ accounts: 4, audited: 2, incomplete: 1, failed: 1 });
    expect(report).toMatchObject({
      kind: 'organization',
      runId: 'run-1',
      evaluatedAt: '2026-12-01T06:00:00.000Z',
    });
  });

  it('is HIGH when an account could not be audited, even if every audited one is clean', () => {
    expect(buildOrgReport('r', NOW, [audited('1'.repeat(12))]).severity).toBe('INFO');
    expect(
      buildOrgReport('r', NOW, [audited('1'.repeat(12)), failedAccount('2'.repeat(12), 'x')])
        .severity,
    ).toBe('HIGH');
  });
});

describe('needsAttention and byAttention', () => {
  it('puts failed, then incomplete, then the most non-compliant first, clean ones last', () => {
    const accounts = [
      audited('100000000001'),
      audited('100000000002', { nonCompliant: 1 }),
      failedAccount('100000000003', 'refused'),
      audited('100000000004', { nonCompliant: 5 }),
      { ...audited('100000000005'), status: 'INCOMPLETE' as const, error: 'deadline' },
    ];

    expect([...accounts].sort(byAttention).map((a) => a.accountId.slice(-1))).toEqual([
      '3',
      '5',
      '4',
      '2',
      '1',
    ]);
    expect(accounts.map(needsAttention)).toEqual([false, true, true, true, true]);
    expect(needsAttention(audited('100000000006', { withheld: 1 }))).toBe(true);
    expect(needsAttention(audited('100000000007', { errors: 1 }))).toBe(true);
    expect(needsAttention(audited('100000000008', { rootSigningCertificate: 1 }))).toBe(true);
    // A young certificate with a weak key is failing too, though not non-compliant.
    expect(needsAttention(audited('100000000009', { contentIssues: 1, failing: 1 }))).toBe(true);
    expect(needsAttention(audited('100000000010', { expiringSoon: 1, failing: 0 }))).toBe(false);
  });
});

describe('reportForMessage', () => {
  const many = (count: number, every: number) =>
    Array.from({ length: count }, (_, index) => {
      const id = String(100_000_000_000 + index);
      return index % every === 0
        ? failedAccount(id, `AssumeRole arn:aws:iam::${id}:role/SigningCertAuditMember failed`)
        : audited(id);
    });

  it('keeps a report that fits whole', () => {
    const report = buildOrgReport('r', NOW, many(20, 7));

    const message = reportForMessage(report, 200_000);

    expect(message.accounts).toEqual(report.accounts);
    expect(message).toMatchObject({ accountsListed: 'all', accountsOmitted: 0 });
  });

  it('cuts a large organization to the accounts that need attention, under the limit, totals whole', () => {
    const report = buildOrgReport('r', NOW, many(5000, 50));
    expect(new TextEncoder().encode(JSON.stringify(report)).length).toBeGreaterThan(200_000);

    const message = reportForMessage(report, 200_000);

    expect(new TextEncoder().encode(JSON.stringify(message)).length).toBeLessThanOrEqual(200_000);
    expect(message.accountsListed).toBe('attention');
    expect(message.accounts).toHaveLength(100);
    expect(message.accounts.every((a) => a.status === 'FAILED')).toBe(true);
    expect(message.accountsOmitted).toBe(4900);
    expect(message.totals).toEqual(report.totals);
    expect(message.counts).toEqual(report.counts);
  });

  it('lists the most urgent first when even those do not all fit', () => {
    const report = buildOrgReport('r', NOW, many(5000, 1));

    const message = reportForMessage(report, 20_000);

    expect(new TextEncoder().encode(JSON.stringify(message)).length).toBeLessThanOrEqual(20_000);
    expect(message.accounts.length).toBeGreaterThan(50);
    expect(message.accountsOmitted).toBe(5000 - message.accounts.length);
  });
});
