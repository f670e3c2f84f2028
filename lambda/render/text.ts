import { credentialIdOf, kindCell, speaksOfKinds } from '../core/credential-wording';
import { exemptionLines } from '../core/exemptions';
import { describeFilter } from '../core/listing-filter';
import type { OrgReport } from '../core/org-report';
import { type Finding, type Report, SEVERITIES, type Summary } from '../core/report';
import type { RestoreReport } from '../core/restore-report';

/** The CSV columns, one row per finding; nested values are flattened, the body never exists here. */
export const CSV_COLUMNS = [
  'userName',
  'userArn',
  'certificateId',
  'status',
  'uploadDate',
  'ageDays',
  'verdict',
  'plannedAction',
  'action',
  'severity',
  'fingerprint256',
  'subject',
  'notAfter',
  'errorCode',
  'errorMessage',
  'detail',
] as const;

/**
 * The columns that name each finding's credential, after the others, in the CSV of a report
 * that speaks of more than signing certificates (core/credential-wording.ts `speaksOfKinds`):
 * the kind, IAM's id of the credential and a service credential's service. A certificates-only
 * report's CSV keeps its columns; the certificate's own (`certificateId`, `fingerprint256`,
 * `subject`, `notAfter`) stay empty for another kind.
 */
export const CSV_KIND_COLUMNS = ['credentialType', 'credentialId', 'serviceName'] as const;

/**
 * The columns of an exemptions file entry, last, in the CSV of a report whose run had an
 * exemptions file: empty for a finding no entry exempted.
 */
export const CSV_EXEMPTION_COLUMNS = [
  'exemptionEntry',
  'exemptionReason',
  'exemptionApprovedBy',
  'exemptionTicket',
  'exemptionExpires',
] as const;

type CsvColumn =
  | (typeof CSV_COLUMNS)[number]
  | (typeof CSV_KIND_COLUMNS)[number]
  | (typeof CSV_EXEMPTION_COLUMNS)[number];

function csvValues(finding: Finding): Record<CsvColumn, string | number | null> {
  return {
    userName: finding.userName,
    userArn: finding.userArn,
    certificateId: finding.certificateId,
    status: finding.status,
    uploadDate: finding.uploadDate,
    ageDays: finding.ageDays,
    verdict: finding.verdict,
    plannedAction: finding.plannedAction,
    action: finding.action,
    severity: finding.severity,
    fingerprint256: finding.certificate?.fingerprint256 ?? null,
    subject: finding.certificate?.subject ?? null,
    notAfter: finding.certificate?.notAfter ?? null,
    errorCode: finding.error?.code ?? null,
    errorMessage: finding.error?.message ?? null,
    detail: finding.detail,
    credentialType: finding.credentialType ?? null,
    credentialId: credentialIdOf(finding),
    serviceName: finding.serviceName ?? null,
    exemptionEntry: finding.exemption?.entry ?? null,
    exemptionReason: finding.exemption?.reason ?? null,
    exemptionApprovedBy: finding.exemption?.approvedBy ?? null,
    exemptionTicket: finding.exemption?.ticket ?? null,
    exemptionExpires: finding.exemption?.expires ?? null,
  };
}

/** The CSV's columns for a report: the kind's columns too when it speaks of more than certificates. */
export function csvColumnsOf(report: Report): readonly CsvColumn[] {
  return [
    ...CSV_COLUMNS,
    ...(speaksOfKinds(report) ? CSV_KIND_COLUMNS : []),
    ...(report.exemptions ? CSV_EXEMPTION_COLUMNS : []),
  ];
}

/**
 * The findings as CSV (RFC 4180): a header, then one row per finding. A text cell that starts
 * with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` so a spreadsheet shows
 * it instead of running it (OWASP's CSV injection guidance; IAM user names may start with those).
 */
export function formatCsv(report: Report): string {
  const csv = csvDocument(csvColumnsOf(report), report.findings.map(csvValues));
  // A filtered listing says so on its first line, before the header, so it is never taken for the whole run's.
  return report.filter ? `# ${describeFilter(report.filter)}\r\n${csv}` : csv;
}

/** A CSV document (RFC 4180, CRLF): a header of `columns`, then a row for each of `rows`. */
function csvDocument<C extends string>(
  columns: readonly C[],
  rows: readonly Record<C, string | number | null>[],
): string {
  const lines = [columns.join(',')];
  for (const values of rows) lines.push(columns.map((column) => csvCell(values[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The report as one JSON document, exactly the report schema (never split into parts). */
export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * The findings as an aligned text table for a terminal, with the summary under it. A report that
 * speaks of more than signing certificates has a `kind` column and a `credential` column (IAM's
 * id, whatever the kind) where a certificates-only one has `certificate`.
 */
export function formatTable(report: Report): string {
  const kinds = speaksOfKinds(report);
  const header = [
    'severity',
    'user',
    ...(kinds ? ['kind', 'credential'] : ['certificate']),
    'status',
    'age',
    'verdict',
    'plan',
    'action',
    'detail',
  ];
  // Most severe first, then by user and credential: what to look at is on top.
  const findings = [...report.findings].sort(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      a.userName.localeCompare(b.userName) ||
      (credentialIdOf(a) ?? '').localeCompare(credentialIdOf(b) ?? ''),
  );
  const rows = findings.map((f) => [
    f.severity,
    f.userName,
    ...(kinds ? [kindCell(f), credentialIdOf(f) ?? '-'] : [f.certificateId ?? '-']),
    f.status ?? '-',
    f.ageDays === null ? '-' : String(f.ageDays),
    f.verdict,
    f.plannedAction ?? '-',
    f.action,
    f.error ? `${f.error.code}: ${f.error.message}` : (f.detail ?? ''),
  ]);
  const out = alignedTable(header, rows);
  if (rows.length === 0) out.push('(no findings)');
  if (report.filter) out.push(describeFilter(report.filter));
  out.push(...exemptionLines(report.exemptions));
  return `${out.join('\n')}\n`;
}

/**
 * The lines of a table for a terminal: the header, a rule, the rows, columns aligned. The last
 * column is free text (a detail, a reason): it is not padded, and its rule is as wide as its title.
 */
function alignedTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const last = header.length - 1;
  const widths = header.map((title, column) =>
    column === last
      ? title.length
      : Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column < last ? cell.padEnd(widths[column] ?? 0) : cell))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** One line of counts, as `usersScanned=32  certificatesScanned=31  …`. */
export function formatSummary(summary: Summary): string {
  return Object.entries(summary)
    .map(([name, value]) => `${name}=${value}`)
    .join('  ');
}

/** The organization report as the CLI prints it: the report and every account's whole report. */
export interface OrgOutput extends OrgReport {
  /** Each audited account's report; each finding also carries its `accountId`. */
  readonly reports: readonly (Report & {
    readonly findings: readonly (Report['findings'][number] & { readonly accountId: string })[];
  })[];
}

/** One line per account, then every finding with its account. */
export function formatOrgTable(output: OrgOutput): string {
  const rows = output.accounts.map((a) => [
    a.accountId,
    a.status,
    a.severity ?? '-',
    String(a.summary?.usersScanned ?? '-'),
    String(a.summary?.nonCompliant ?? '-'),
    String(a.summary?.deactivated ?? '-'),
    String(a.summary?.deleted ?? '-'),
    String(a.summary?.errors ?? '-'),
    a.error ?? '',
  ]);
  const header = [
    'account',
    'status',
    'severity',
    'users',
    'non-compliant',
    'deactivated',
    'deleted',
    'errors',
    'why',
  ];
  const out = [...alignedTable(header, rows), ''];
  for (const report of output.reports) {
    if (report.findings.length === 0) continue;
    out.push(`Account ${report.accountId}:`, formatTable(report).trimEnd(), '');
  }
  return `${out.join('\n')}\n`;
}

/** The counts a person reads first, in this order, with their words (`one|many` where they differ). */
const RESULT_COUNTS: readonly [keyof Summary, string][] = [
  ['nonCompliant', 'non-compliant'],
  ['rootSigningCertificate', 'root signing certificate|root signing certificates'],
  ['contentIssues', 'with content issues'],
  ['expiringSoon', 'expiring soon'],
  ['deactivated', 'deactivated'],
  ['deleted', 'deleted'],
  ['withheld', 'withheld'],
  ['errors', 'error|errors'],
  ['unread', 'not read'],
];

/** One line for a person: `3 non-compliant, 2 deactivated, 1 withheld — exit 1`. */
export function formatResult(
  summary: Summary,
  status: number,
  lead: readonly string[] = [],
): string {
  const counts = RESULT_COUNTS.filter(([key]) => summary[key] > 0).map(([key, words]) => {
    const [one, many = one] = words.split('|');
    return `${summary[key]} ${summary[key] === 1 ? one : many}`;
  });
  const parts = [...lead, ...counts];
  return `${parts.length > 0 ? parts.join(', ') : 'nothing to report'} — exit ${status}`;
}

/** The restore's CSV columns, one row a recorded change; the body is never in a restore report. */
export const RESTORE_CSV_COLUMNS = [
  'accountId',
  'runId',
  'userName',
  'certificateId',
  'fingerprint256',
  'change',
  'recordedOutcome',
  'verdict',
  'plannedAction',
  'targetStatus',
  'action',
  'newCertificateId',
  'errorCode',
  'errorMessage',
  'detail',
] as const;

/** A restore's steps as CSV, with the same spreadsheet-safe cells as the audit's. */
export function formatRestoreCsv(report: RestoreReport): string {
  return csvDocument(
    RESTORE_CSV_COLUMNS,
    report.steps.map((step) => ({
      accountId: step.accountId,
      runId: step.runId,
      userName: step.userName,
      certificateId: step.certificateId,
      fingerprint256: step.fingerprint256,
      change: step.change,
      recordedOutcome: step.recordedOutcome,
      verdict: step.verdict,
      plannedAction: step.plannedAction,
      targetStatus: step.targetStatus,
      action: step.action,
      newCertificateId: step.newCertificateId,
      errorCode: (step.actionError ?? step.error)?.code ?? null,
      errorMessage: (step.actionError ?? step.error)?.message ?? null,
      detail: step.detail,
    })),
  );
}

/** A restore's steps as an aligned table, the newest change first (the order they are undone in). */
export function formatRestoreTable(report: RestoreReport): string {
  const header = [
    'account',
    'user',
    'certificate',
    'change',
    'recorded',
    'verdict',
    'plan',
    'action',
    'new certificate',
    'detail',
  ];
  const rows = report.steps.map((step) => [
    step.accountId,
    step.userName,
    step.certificateId,
    step.change,
    step.recordedOutcome ?? '-',
    step.verdict,
    step.plannedAction ?? '-',
    step.action,
    step.newCertificateId ?? '-',
    step.detail,
  ]);
  const out = alignedTable(header, rows);
  if (rows.length === 0) out.push('(no recorded change)');
  return `${out.join('\n')}\n`;
}
