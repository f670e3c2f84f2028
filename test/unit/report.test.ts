import { describe, expect, it } from 'vitest';
import {
  buildReport,
  type Finding,
  highestSeverity,
  type Report,
  type Severity,
  SNS_MAX_MESSAGE_BYTES,
  severityOf,
  shouldPublish,
  subjectFor,
  toReportMessages,
} from '../../lambda/report';
import { ACCOUNT_ID, NOW, policyWith } from './fixtures';

const finding = (i: number, overrides: Partial<Finding> = {}): Finding => ({
  userName: `user-${String(i).padStart(5, '0')}`,
  userArn: `arn:aws:iam::${ACCOUNT_ID}:user/engineering/platform/user-${String(i).padStart(5, '0')}`,
  certificateId: `CERT${String(i).padStart(24, '0')}`,
  status: 'Active',
  uploadDate: '2024-01-01T00:00:00.000Z',
  ageDays: 1057,
  verdict: 'NON_COMPLIANT',
  plannedAction: 'DEACTIVATE',
  override: null,
  action: 'DEACTIVATED',
  severity: 'HIGH',
  error: null,
  certificate: {
    fingerprint256: 'AB:CD',
    subject: `CN=user-${i}`,
    notAfter: '2030-01-01T00:00:00.000Z',
  },
  detail: null,
  ...overrides,
});

const reportOf = (
  findings: Finding[],
  extra: Partial<Parameters<typeof buildReport>[0]> = {},
): Report =>
  buildReport({
    runId: 'run-1',
    accountId: ACCOUNT_ID,
    now: NOW,
    policy: policyWith({ mode: 'deactivate' }),
    dryRun: false,
    complete: true,
    usersScanned: findings.length,
    certificatesScanned: findings.length,
    findings,
    ...extra,
  });

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
      overridden: 1,
      withheld: 1,
      errors: 2,
      gone: 1,
      contentIssues: 0,
      rootSigningCertificate: 0,
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
    expect(toReportMessages(report)[0]?.attributes.severity?.StringValue).toBe('CRITICAL');
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

describe('shouldPublish', () => {
  it('publishes nothing for a clean, complete run', () => {
    expect(shouldPublish(reportOf([]))).toBe(false);
  });

  it('publishes when anything is listed or the run was incomplete', () => {
    expect(shouldPublish(reportOf([finding(1)]))).toBe(true);
    expect(shouldPublish(reportOf([], { complete: false }))).toBe(true);
  });
});

describe('subjectFor', () => {
  it('names the account and the count, under 100 characters', () => {
    const report = reportOf([finding(1), finding(2, { action: 'FAILED' })]);

    expect(subjectFor(report)).toBe(
      `Signing certificate audit ${ACCOUNT_ID}: 2 non-compliant, 1 error`,
    );
    expect(
      subjectFor(reportOf([finding(1)], { complete: false }), 12, 345).length,
    ).toBeLessThanOrEqual(100);
  });
});

describe('toReportMessages', () => {
  it('sends a small report as one message with String/Number attributes', () => {
    // Act
    const messages = toReportMessages(reportOf([finding(1)]));

    // Assess
    expect(messages).toHaveLength(1);
    expect(messages[0]?.attributes).toEqual({
      severity: { DataType: 'String', StringValue: 'HIGH' },
      nonCompliant: { DataType: 'Number', StringValue: '1' },
      mode: { DataType: 'String', StringValue: 'deactivate' },
    });
    expect(JSON.parse(messages[0]?.body ?? '')).toEqual(reportOf([finding(1)]));
  });

  it('reports the mode as report on a dry run', () => {
    const messages = toReportMessages(reportOf([finding(1)], { dryRun: true }));
    expect(messages[0]?.attributes.mode?.StringValue).toBe('report');
  });

  it('splits 3,000 findings into parts under 256 KiB that reassemble to the same findings', () => {
    // Prepare
    const findings = Array.from({ length: 3000 }, (_, i) =>
      finding(i, { error: { code: 'ServiceFailure', message: 'x'.repeat(i % 7 === 0 ? 400 : 0) } }),
    );
    const report = reportOf(findings);

    // Act
    const messages = toReportMessages(report);

    // Assess
    expect(messages.length).toBeGreaterThan(1);
    const parts = messages.map((m) => JSON.parse(m.body) as Report);
    for (const [i, message] of messages.entries()) {
      const attributeBytes = Object.entries(message.attributes).reduce(
        (sum, [name, a]) => sum + name.length + a.DataType.length + a.StringValue.length,
        0,
      );
      expect(
        Buffer.byteLength(message.body) + attributeBytes + message.subject.length,
      ).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
      expect(message.subject).toContain(`(part ${i + 1}/${messages.length})`);
      expect(parts[i]?.part).toEqual({ index: i + 1, count: messages.length });
      expect(parts[i]?.summary).toEqual(report.summary);
      expect(parts[i]?.runId).toBe('run-1');
    }
    expect(parts.flatMap((p) => p.findings)).toEqual(report.findings);
  });

  it('honours a smaller size limit and never emits an over-size part', () => {
    const report = reportOf(Array.from({ length: 50 }, (_, i) => finding(i)));

    const messages = toReportMessages(report, 4096);

    expect(messages.length).toBeGreaterThan(3);
    for (const message of messages) expect(Buffer.byteLength(message.body)).toBeLessThan(4096);
    expect(messages.flatMap((m) => (JSON.parse(m.body) as Report).findings)).toHaveLength(50);
  });

  it('sends an incomplete run with no findings as one part', () => {
    const messages = toReportMessages(reportOf([], { complete: false }));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.subject).toContain('INCOMPLETE');
  });
});
