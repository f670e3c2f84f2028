import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../lambda/core/report';
import { formatCsv, formatResult, formatTable } from '../../../lambda/render/text';
import { ACCOUNT_ID, findingOf, policyWith, reportOf as sharedReportOf } from '../fixtures';
import {
  bedrockKeyFinding,
  certificatesOnlyPolicy,
  everyKindPolicy,
  ofUser,
  sshKeyFinding,
} from '../kind-findings';

describe('formatters', () => {
  const finding = (overrides: Partial<Finding>): Finding =>
    findingOf({
      plannedAction: 'DEACTIVATE',
      certificate: {
        fingerprint256: 'AB:CD',
        subject: 'CN=alice, O=Acme',
        notAfter: '2030-01-01T00:00:00.000Z',
      },
      ...overrides,
    });
  const reportOf = (findings: Finding[]) =>
    sharedReportOf(findings, {
      policy: policyWith({ mode: 'deactivate' }),
      dryRun: true,
      usersScanned: 2,
      certificatesScanned: 2,
    });

  it('writes one CSV row per finding under a header, quoting and defusing cells', () => {
    const csv = formatCsv(
      reportOf([
        finding({}),
        finding({ userName: '=cmd', certificateId: 'CERTX', detail: 'said "no", twice' }),
      ]),
    );

    // Every kind is listed by default: each row ends with its kind, its id and its service.
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'userName,userArn,certificateId,status,uploadDate,ageDays,verdict,plannedAction,action,severity,fingerprint256,subject,notAfter,errorCode,errorMessage,detail,credentialType,credentialId,serviceName',
    );
    expect(lines[1]).toBe(
      `'=cmd,arn:aws:iam::${ACCOUNT_ID}:user/alice,CERTX,Active,2026-01-01T00:00:00.000Z,326,NON_COMPLIANT,DEACTIVATE,NONE,HIGH,AB:CD,"CN=alice, O=Acme",2030-01-01T00:00:00.000Z,,,"said ""no"", twice",signing-certificate,CERTX,`,
    );
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
  });

  it.each(['\t=1+1', '\r=1+1', '-2+3', '+cmd', '@SUM(A1)'])(
    'defuses a cell starting with %j so a spreadsheet shows it',
    (userName) => {
      const row = formatCsv(reportOf([finding({ userName })])).split('\r\n')[1] ?? '';

      expect(row.replace(/^"/, '').startsWith(`'${userName}`)).toBe(true);
    },
  );

  it('writes an aligned table with the plan, severity first', () => {
    const table = formatTable(reportOf([finding({})]));

    expect(table.split('\n')).toEqual([
      'severity  user   kind         credential                 status  age  verdict        plan        action  detail',
      '--------  -----  -----------  -------------------------  ------  ---  -------------  ----------  ------  ------',
      'HIGH      alice  certificate  CERTALICE0000000000000001  Active  326  NON_COMPLIANT  DEACTIVATE  NONE',
      '',
    ]);
  });

  it('lists the most severe findings first, then by user', () => {
    const table = formatTable(
      reportOf([
        finding({ userName: 'zed', severity: 'LOW', verdict: 'EXPIRING_SOON' }),
        finding({ userName: 'bob', severity: 'CRITICAL', verdict: 'ROOT_SIGNING_CERTIFICATE' }),
        finding({ userName: 'amy', severity: 'LOW', verdict: 'EXPIRING_SOON' }),
      ]),
    );

    const users = table
      .split('\n')
      .slice(2, 5)
      .map((row) => row.split(/\s+/).slice(0, 2).join(' '));
    expect(users).toEqual(['CRITICAL bob', 'LOW amy', 'LOW zed']);
  });

  it('puts a long detail last without widening the rule', () => {
    const detail = 'x'.repeat(120);
    const [, rule, row] = formatTable(reportOf([finding({ detail })])).split('\n');

    expect(rule?.endsWith('  ------')).toBe(true);
    expect(row?.endsWith(`  ${detail}`)).toBe(true);
  });

  it('says so when there is nothing to list', () => {
    expect(formatTable(reportOf([]))).toContain('(no findings)');
  });

  describe('the one-line result', () => {
    const summary = reportOf([]).summary;

    it('names each nonzero count a person acts on, and the exit status', () => {
      const line = formatResult({ ...summary, nonCompliant: 3, deactivated: 2, withheld: 1 }, 1);

      expect(line).toBe('3 non-compliant, 2 deactivated, 1 withheld — exit 1');
    });

    it('says nothing was found on a clean run', () => {
      expect(formatResult(summary, 0)).toBe('nothing to report — exit 0');
      expect(formatResult({ ...summary, errors: 2, rootSigningCertificate: 1 }, 3)).toBe(
        '1 root signing certificate, 2 errors — exit 3',
      );
    });

    it('counts what could not be read, never as clean', () => {
      expect(formatResult({ ...summary, errors: 1, unread: 2 }, 3)).toBe(
        '1 error, 2 not read — exit 3',
      );
    });
  });
});

describe('formatters: every kind of credential', () => {
  const report = (findings: Finding[]) =>
    sharedReportOf(findings, { policy: everyKindPolicy({ mode: 'deactivate' }), dryRun: true });
  const mixed = () =>
    report([
      findingOf({ plannedAction: 'DEACTIVATE' }),
      ofUser('bob', sshKeyFinding({ plannedAction: 'DEACTIVATE' })),
      ofUser('carol', bedrockKeyFinding({ status: 'Expired', severity: 'MEDIUM' })),
    ]);

  it('writes a kind column and each credential’s id in the table', () => {
    expect(formatTable(mixed()).split('\n')).toEqual([
      'severity  user   kind                          credential                 status   age  verdict        plan        action  detail',
      '--------  -----  ----------------------------  -------------------------  -------  ---  -------------  ----------  ------  ------',
      'HIGH      alice  certificate                   CERTALICE0000000000000001  Active   326  NON_COMPLIANT  DEACTIVATE  NONE',
      'HIGH      bob    SSH key                       APKAALICE000000000001      Active   326  NON_COMPLIANT  DEACTIVATE  NONE',
      'MEDIUM    carol  service credential (bedrock)  ACCAALICE000000000001      Expired  326  NON_COMPLIANT  -           NONE',
      '',
    ]);
  });

  it('adds the kind’s columns to the CSV; a certificate’s own stay empty for another kind', () => {
    const [header, certificate, ssh, bedrock] = formatCsv(mixed()).split('\r\n');
    const columns = (header ?? '').split(',');
    const cells = (row: string | undefined) =>
      Object.fromEntries((row ?? '').split(',').map((cell, i) => [columns[i], cell]));

    expect(columns.slice(-3)).toEqual(['credentialType', 'credentialId', 'serviceName']);
    expect(cells(certificate)).toMatchObject({
      certificateId: 'CERTALICE0000000000000001',
      fingerprint256: 'AB:CD',
      credentialType: 'signing-certificate',
      credentialId: 'CERTALICE0000000000000001',
      serviceName: '',
    });
    for (const row of [ssh, bedrock]) {
      expect(cells(row)).toMatchObject({
        certificateId: '',
        fingerprint256: '',
        subject: '',
        notAfter: '',
      });
    }
    expect(cells(ssh)).toMatchObject({
      credentialType: 'ssh-public-key',
      credentialId: 'APKAALICE000000000001',
    });
    expect(cells(bedrock)).toMatchObject({
      credentialType: 'service-specific-credential',
      credentialId: 'ACCAALICE000000000001',
      serviceName: 'bedrock.amazonaws.com',
      status: 'Expired',
    });
  });

  it('keeps a certificates-only report’s table and CSV as they were (the control)', () => {
    const only = sharedReportOf([findingOf()], { policy: certificatesOnlyPolicy() });

    expect(formatTable(only).split('\n')[0]).toMatch(/^severity {2}user {3}certificate /);
    expect(formatCsv(only).split('\r\n')[0]).not.toContain('credentialType');
    // The same certificate in a run listing every kind is named by its kind.
    expect(formatCsv(report([findingOf()])).split('\r\n')[0]).toContain('credentialType');
  });
});

describe('formatters: COMPLIANT findings (includeCompliant)', () => {
  const young = findingOf({
    certificateId: 'CERTALICEYOUNG00000000001',
    credentialId: 'CERTALICEYOUNG00000000001',
    ageDays: 10,
    verdict: 'COMPLIANT',
    severity: 'INFO',
  });
  const withCompliant = sharedReportOf([findingOf(), young], {
    policy: policyWith({ includeCompliant: true }),
  });

  it('writes a CSV row for each, verdict COMPLIANT, beside the failing ones', () => {
    const [header, ...rows] = formatCsv(withCompliant).trimEnd().split('\r\n');
    const columns = (header ?? '').split(',');
    const cells = rows.map((row) =>
      Object.fromEntries(row.split(',').map((cell, i) => [columns[i], cell])),
    );

    expect(cells.map((c) => [c.certificateId, c.verdict, c.severity, c.action])).toEqual([
      ['CERTALICE0000000000000001', 'NON_COMPLIANT', 'HIGH', 'NONE'],
      ['CERTALICEYOUNG00000000001', 'COMPLIANT', 'INFO', 'NONE'],
    ]);
    // The control: without them, the one failing row.
    expect(
      formatCsv(sharedReportOf([findingOf()]))
        .trimEnd()
        .split('\r\n'),
    ).toHaveLength(2);
  });

  it('lists each in the table, least severe last', () => {
    const lines = formatTable(withCompliant).trimEnd().split('\n');

    expect(lines.at(-1)).toMatch(
      /^INFO +alice +certificate +CERTALICEYOUNG00000000001 +Active +10 +COMPLIANT +- +NONE$/,
    );
  });
});
