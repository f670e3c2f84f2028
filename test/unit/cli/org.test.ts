import { describe, expect, it } from 'vitest';
import { formatOrgTable } from '../../../cli/org';
import { buildOrgReport, emptySummary, failedAccount } from '../../../lambda/core/org-report';

describe('formatOrgTable', () => {
  it('prints one line per account, the why column unpadded and its rule as wide as its title', () => {
    const long = `AssumeRole failed (AccessDenied: ${'x'.repeat(200)})`;
    const report = buildOrgReport('run-1', new Date('2026-12-01T06:00:00Z'), [
      failedAccount('333333333333', long),
      {
        accountId: '111111111111',
        status: 'AUDITED',
        summary: { ...emptySummary(), usersScanned: 2, nonCompliant: 1 },
        severity: 'HIGH',
        error: null,
        reportLocation: null,
      },
    ]);

    const lines = formatOrgTable({ ...report, reports: [] }).split('\n');

    expect(lines[0]).toMatch(/^account {7}status {3}severity {2}users {2}non-compliant .* why$/);
    expect(lines[1]?.endsWith('  ---')).toBe(true);
    expect(lines[1]?.length).toBe(lines[0]?.length);
    expect(lines[2]).toMatch(/^111111111111 {2}AUDITED {2}HIGH {6}2 {6}1 /);
    expect(lines[3]?.startsWith('333333333333  FAILED')).toBe(true);
    expect(lines[3]?.endsWith(long)).toBe(true);
  });
});
