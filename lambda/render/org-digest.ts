import type { OrgReport } from '../core/org-report';

/** The organization report as a plain-text email: the totals, then a line per account. */
export function renderOrgDigest(report: OrgReport, location: string | undefined): string {
  const { totals, counts } = report;
  const lines = [
    `Signing certificate audit of ${counts.accounts} account(s)`,
    '',
    `When:      ${report.evaluatedAt}`,
    `Severity:  ${report.severity}`,
    `Accounts:  ${counts.audited} audited, ${counts.incomplete} incomplete, ${counts.failed} failed`,
    '',
    `Users scanned ${totals.usersScanned}, certificates ${totals.certificatesScanned}.`,
    `Non-compliant ${totals.nonCompliant}, expiring soon ${totals.expiringSoon}, deactivated ${totals.deactivated}, deleted ${totals.deleted}, withheld ${totals.withheld}, errors ${totals.errors}, root certificates ${totals.rootSigningCertificate}.`,
    '',
    'account       status      severity  non-compliant  why',
    ...report.accounts.map((a) =>
      `${a.accountId.padEnd(12)}  ${a.status.padEnd(10)}  ${(a.severity ?? '-').padEnd(8)}  ${String(a.summary?.nonCompliant ?? '-').padEnd(13)}  ${a.error ?? ''}`.trimEnd(),
    ),
    '',
    location
      ? `The organization report: ${location}; each account's report is beside it in the archive.`
      : 'Each account’s report is in the archive.',
    `Run ${report.runId}.`,
  ];
  return `${lines.join('\n').slice(0, 60_000)}\n`;
}
