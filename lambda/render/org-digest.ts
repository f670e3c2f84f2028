import { type AccountResult, byAttention, type OrgReport } from '../core/org-report';

/** Accounts listed one per line in the email; beyond this, clean accounts are only counted. */
export const DIGEST_MAX_ACCOUNT_LINES = 200;

/**
 * The organization report as a plain-text email: the totals, then a line per account, the ones
 * that need attention first. A large organization's clean accounts are counted, not listed (the
 * organization report lists them all).
 */
export function renderOrgDigest(report: OrgReport, location: string | undefined): string {
  const { totals, counts } = report;
  const ordered = [...report.accounts].sort(byAttention);
  const listed = ordered.slice(0, DIGEST_MAX_ACCOUNT_LINES);
  const unlisted = ordered.length - listed.length;
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
    ...listed.map(line),
    ...(unlisted > 0
      ? [`… and ${unlisted} more account(s), each listed in the organization report.`]
      : []),
    ...excludedLines(report),
    '',
    location
      ? `The organization report: ${location}; each account's report is beside it in the archive.`
      : 'Each account’s report is in the archive.',
    `Run ${report.runId}.`,
  ];
  return `${lines.join('\n')}\n`;
}

function line(account: AccountResult): string {
  // One line each: an error message is cut, its whole text is in the organization report.
  const why = (account.error ?? '').replace(/\s+/g, ' ').slice(0, 160);
  return `${account.accountId.padEnd(12)}  ${account.status.padEnd(10)}  ${(account.severity ?? '-').padEnd(8)}  ${String(account.summary?.nonCompliant ?? '-').padEnd(13)}  ${why}`.trimEnd();
}

/** The accounts the run's selection left out on purpose, so a skip is never silent. */
function excludedLines(report: OrgReport): string[] {
  const excluded = report.scope?.excluded ?? [];
  if (excluded.length === 0) return [];
  return [
    '',
    `Left out by the account selection: ${excluded.length} account(s).`,
    ...excluded
      .slice(0, DIGEST_MAX_ACCOUNT_LINES)
      .map((a) => `${a.accountId.padEnd(12)}  ${a.reason.padEnd(15)}  ${a.name.slice(0, 60)}`),
    ...(excluded.length > DIGEST_MAX_ACCOUNT_LINES
      ? ['… each listed in the organization report.']
      : []),
  ];
}
