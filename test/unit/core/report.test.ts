import { describe, expect, it } from 'vitest';
import {
  type Finding,
  highestSeverity,
  isClean,
  type Severity,
  severityOf,
  splitReport,
} from '../../../lambda/core/report';
import { deactivateReportOf, numberedFinding } from '../fixtures';

const finding = numberedFinding;

const reportOf = deactivateReportOf;

describe('buildReport', () => {
  it('counts the summary from the findings and sorts them by user then certificate', () => {
    // Prepare
    const findings = [
      finding(2, { action: 'FAILED', error: { code: 'AccessDenied', message: 'no' } }),
      finding(1, { verdict: 'EXPIRING_SOON', action: 'NONE', severity: 'LOW' }),
      finding(3, { action: 'DELETED' }),
      finding(4, { action: 'WITHHELD' }),
      finding(5, { verdict: 'ERROR', certificateId: null, action: 'NONE', severity: 'MEDIUM' }),
      finding(6, {
        verdict: 'NOT_EVALUATED',
        certificateId: null,
        action: 'GONE',
        severity: 'INFO',
      }),
      finding(7, {
        verdict: 'OVERRIDDEN',
        action: 'NONE',
        plannedAction: null,
        severity: 'LOW',
        override: {
          tag: 'signing-cert-audit:max-age-days=300',
          accountVerdict: 'NON_COMPLIANT',
          accountPlannedAction: 'DEACTIVATE',
        },
      }),
    ];

    // Act
    const report = reportOf(findings, { usersScanned: 10, certificatesScanned: 12 });

    // Assess
    expect(report.summary).toEqual({
      usersScanned: 10,
      certificatesScanned: 12,
      nonCompliant: 3,
      expiringSoon: 1,
      deactivated: 0,
      deleted: 1,
      exempt: 0,
      exemptionsExpiring: 0,
      sshKeyIssues: 0,
      overridden: 1,
      withheld: 1,
      errors: 2,
      gone: 1,
      contentIssues: 0,
      rootSigningCertificate: 0,
      // Three NON_COMPLIANT and one ERROR: the check table's failing verdicts.
      failing: 4,
      // The ERROR carries no AWS error and the failed change is a write: every subject was read.
      unread: 0,
    });
    expect(report.findings.map((f) => f.userName)).toEqual([
      'user-00001',
      'user-00002',
      'user-00003',
      'user-00004',
      'user-00005',
      'user-00006',
      'user-00007',
    ]);
    expect(report).toMatchObject({
      schemaVersion: '1',
      source: 'signing-cert-audit',
      severity: 'HIGH',
      part: { index: 1, count: 1 },
    });
  });
});

describe('buildReport: content, root and severity', () => {
  it('counts content findings and a root certificate, and takes the highest severity', () => {
    // Prepare
    const findings = [
      finding(1, { verdict: 'WEAK_KEY', ageDays: null, action: 'NONE', severity: 'MEDIUM' }),
      finding(1, { verdict: 'CERT_EXPIRED', ageDays: null, action: 'NONE', severity: 'HIGH' }),
      finding(2, { verdict: 'UNPARSEABLE', ageDays: null, action: 'NONE', severity: 'MEDIUM' }),
      finding(3, { verdict: 'EXEMPT', action: 'NONE', severity: 'INFO' }),
      finding(0, {
        userName: '<root>',
        certificateId: null,
        verdict: 'ROOT_SIGNING_CERTIFICATE',
        action: 'NONE',
        severity: 'CRITICAL',
      }),
    ];

    // Act
    const report = reportOf(findings);

    // Assess
    expect(report.summary).toMatchObject({
      contentIssues: 3,
      rootSigningCertificate: 1,
      exempt: 1,
      nonCompliant: 0,
      errors: 0,
    });
    expect(report.severity).toBe('CRITICAL');
    expect(reportOf(findings.slice(0, 4)).severity).toBe('HIGH');
    expect(reportOf([findings[3] as Finding]).severity).toBe('INFO');
  });
});

describe('severityOf', () => {
  it.each<[Finding['verdict'], string | null, Finding['action'], Severity]>([
    ['ROOT_SIGNING_CERTIFICATE', null, 'NONE', 'CRITICAL'],
    ['NON_COMPLIANT', 'Active', 'NONE', 'HIGH'],
    ['NON_COMPLIANT', 'Active', 'DEACTIVATED', 'HIGH'],
    ['CERT_EXPIRED', 'Inactive', 'NONE', 'HIGH'],
    ['NON_COMPLIANT', 'Inactive', 'NONE', 'MEDIUM'],
    ['NON_COMPLIANT', 'Inactive', 'DELETED', 'MEDIUM'],
    // The guard holding back a change, and a change that failed, raise a finding to HIGH.
    ['NON_COMPLIANT', 'Inactive', 'WITHHELD', 'HIGH'],
    ['NON_COMPLIANT', 'Inactive', 'FAILED', 'HIGH'],
    ['WEAK_KEY', 'Active', 'NONE', 'MEDIUM'],
    ['WEAK_SIGNATURE', 'Active', 'NONE', 'MEDIUM'],
    ['UNPARSEABLE', 'Active', 'NONE', 'MEDIUM'],
    ['ERROR', null, 'NONE', 'MEDIUM'],
    ['EXPIRING_SOON', 'Active', 'NONE', 'LOW'],
    ['CERT_EXPIRING', 'Active', 'NONE', 'LOW'],
    ['EXEMPT', 'Active', 'NONE', 'INFO'],
    ['NOT_EVALUATED', null, 'GONE', 'INFO'],
  ])('rates %s (%s, %s) %s', (verdict, status, action, severity) => {
    expect(severityOf(verdict, status, action)).toBe(severity);
  });
});

describe('highestSeverity', () => {
  it('picks the most severe and defaults to INFO', () => {
    expect(highestSeverity(['LOW', 'CRITICAL', 'MEDIUM'])).toBe('CRITICAL');
    expect(highestSeverity([])).toBe('INFO');
  });
});

describe('isClean', () => {
  it('is a complete run with nothing listed', () => {
    expect(isClean(reportOf([]))).toBe(true);
  });

  it('is not when anything is listed or the run was incomplete', () => {
    expect(isClean(reportOf([finding(1)]))).toBe(false);
    expect(isClean(reportOf([], { incompleteReason: 'ListUsers failed' }))).toBe(false);
  });
});

describe('splitReport', () => {
  it('keeps every part under the limit, each a whole envelope, reassembling to the findings', () => {
    const report = reportOf(Array.from({ length: 500 }, (_, i) => finding(i)));

    const parts = splitReport(report, 20_000);

    expect(parts.length).toBeGreaterThan(5);
    for (const [i, part] of parts.entries()) {
      expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(20_000);
      expect(part).toMatchObject({ runId: 'run-1', part: { index: i + 1, count: parts.length } });
      expect(part.summary).toEqual(report.summary);
    }
    expect(parts.flatMap((part) => part.findings)).toEqual(report.findings);
  });

  it('records why a run is incomplete', () => {
    expect(reportOf([], { incompleteReason: 'stopped early' })).toMatchObject({
      complete: false,
      incompleteReason: 'stopped early',
    });
    expect(reportOf([])).toMatchObject({ complete: true, incompleteReason: null });
  });
});
