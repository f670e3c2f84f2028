import { describe, expect, it } from 'vitest';
import { buildOrgReport, emptySummary, failedAccount } from '../../../lambda/core/org-report';
import { DIGEST_MAX_ACCOUNT_LINES, renderOrgDigest } from '../../../lambda/render/org-digest';

const NOW = new Date('2026-12-01T06:00:00Z');

function clean(accountId: string) {
  return {
    accountId,
    status: 'AUDITED' as const,
    summary: { ...emptySummary(), usersScanned: 3 },
    severity: 'INFO' as const,
    error: null,
    reportLocation: null,
  };
}

describe('renderOrgDigest', () => {
  it('gives the totals, then the accounts needing attention first, each on one line', () => {
    const report = buildOrgReport('run-7', NOW, [
      clean('111111111111'),
      failedAccount('222222222222', 'AssumeRole failed (AccessDenied:\nnot authorized)'),
      {
        ...clean('333333333333'),
        summary: { ...emptySummary(), nonCompliant: 4 },
        severity: 'HIGH',
      },
    ]);

    const digest = renderOrgDigest(report, 's3://evidence/org-reports/run-7.json');
    const lines = digest.split('\n');
    const table = lines.slice(
      lines.indexOf('account       status      severity  non-compliant  why'),
    );

    expect(digest).toContain('Accounts:  2 audited, 0 incomplete, 1 failed');
    expect(table.slice(1, 4).map((l) => l.slice(0, 12))).toEqual([
      '222222222222',
      '333333333333',
      '111111111111',
    ]);
    expect(table[1]).toContain('AssumeRole failed (AccessDenied: not authorized)');
    expect(digest).toContain('The organization report: s3://evidence/org-reports/run-7.json');
  });

  it('counts, rather than lists, what is beyond its line limit', () => {
    const accounts = Array.from({ length: 1000 }, (_, i) => clean(String(100_000_000_000 + i)));
    accounts[999] = { ...failedAccount('100000000999', 'refused'), reportLocation: null } as never;

    const digest = renderOrgDigest(buildOrgReport('r', NOW, accounts), undefined);

    expect(digest).toContain(
      `… and ${1000 - DIGEST_MAX_ACCOUNT_LINES} more account(s), each listed in the organization report.`,
    );
    // The failed account is listed, first, even though its id sorts last.
    expect(digest.indexOf('100000000999')).toBeLessThan(digest.indexOf('100000000000'));
    expect(digest.split('\n').filter((l) => /^\d{12} /.test(l))).toHaveLength(
      DIGEST_MAX_ACCOUNT_LINES,
    );
  });

  it('names the accounts the selection left out, and says nothing of it when none were', () => {
    const scope = {
      selection: {
        includeOus: [],
        excludeOus: [],
        includeAccounts: [],
        excludeAccounts: ['999999999999'],
      },
      excluded: [
        { accountId: '999999999999', name: 'management', reason: 'excludeAccounts' as const },
      ],
    };

    const digest = renderOrgDigest(
      buildOrgReport('r', NOW, [clean('111111111111')], scope),
      undefined,
    );
    const plain = renderOrgDigest(buildOrgReport('r', NOW, [clean('111111111111')]), undefined);

    expect(digest).toContain(
      'Left out by the account selection: 1 account(s).\n999999999999  excludeAccounts  management',
    );
    expect(plain).not.toContain('Left out');
  });
});
