import { describe, expect, it } from 'vitest';
import { formatCsv, formatTable } from '../../../cli/formats';
import type { Finding } from '../../../lambda/core/report';
import { ACCOUNT_ID, findingOf, policyWith, reportOf as sharedReportOf } from '../fixtures';

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

    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'userName,userArn,certificateId,status,uploadDate,ageDays,verdict,plannedAction,action,severity,fingerprint256,subject,notAfter,errorCode,errorMessage,detail',
    );
    expect(lines[1]).toBe(
      `'=cmd,arn:aws:iam::${ACCOUNT_ID}:user/alice,CERTX,Active,2026-01-01T00:00:00.000Z,326,NON_COMPLIANT,DEACTIVATE,NONE,HIGH,AB:CD,"CN=alice, O=Acme",2030-01-01T00:00:00.000Z,,,"said ""no"", twice"`,
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

  it('writes an aligned table with the plan', () => {
    const table = formatTable(reportOf([finding({})]));

    expect(table.split('\n')).toEqual([
      'user   certificate                status  age  verdict        plan        action  severity',
      '-----  -------------------------  ------  ---  -------------  ----------  ------  --------',
      'alice  CERTALICE0000000000000001  Active  326  NON_COMPLIANT  DEACTIVATE  NONE    HIGH',
      '',
    ]);
  });

  it('says so when there is nothing to list', () => {
    expect(formatTable(reportOf([]))).toContain('(no findings)');
  });
});
