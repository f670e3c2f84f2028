import type { ArchiveLocation } from '../core/archive-layout';
import { VERDICTS, type Verdict } from '../core/checks/table';
import {
  credentialIdOf,
  credentialTypeOf,
  forKind,
  KIND_WORDING,
  kindCell,
  speaksOfKinds,
} from '../core/credential-wording';
import { exemptionLines } from '../core/exemptions';
import { type Finding, type Report, SEVERITIES } from '../core/report';
import { describeScope } from '../core/scope';

/** How many findings the digest lists; the archive holds them all. */
export const DIGEST_FINDINGS = 15;
/** Longest digest, in characters: an email body a person reads, not the report. */
export const DIGEST_MAX_CHARS = 12_000;

/**
 * What the digest may say of the archive: where it wrote the report, that the write failed, or
 * nothing (no archive).
 */
export type DigestArchive = { readonly written: ArchiveLocation } | 'failed' | undefined;

/**
 * The plain-text digest email subscribers get: account, time, mode, severity, counts, the most
 * severe findings as a short table, what to do about each kind, and where the whole report is:
 * an archived object only once it was written. A report that speaks of more than signing
 * certificates (core/credential-wording.ts) is a credential audit: its table names each
 * finding's kind, and what to do is said for each kind in its own words.
 */
export function renderDigest(report: Report, archive: DigestArchive): string {
  const { summary } = report;
  const kinds = speaksOfKinds(report);
  const top = [...report.findings]
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity))
    .slice(0, DIGEST_FINDINGS);
  const lines = [
    `${kinds ? 'IAM credential' : 'Signing certificate'} audit of account ${report.accountId}`,
    '',
    `When:      ${report.evaluatedAt}`,
    `Mode:      ${report.policy.mode}${report.policy.dryRun ? ' (dry run: nothing was changed)' : ''}`,
    `Severity:  ${report.severity}`,
    `Complete:  ${report.complete ? 'yes' : `NO: ${report.incompleteReason}`}`,
    // Only a users-scoped run says its scope: it covers those users, not the account.
    ...(report.scope.kind === 'users'
      ? [`Scope:     ${describeScope(report.scope)} (not the whole account)`]
      : []),
    '',
    `Users scanned ${summary.usersScanned}, certificates ${summary.certificatesScanned}.`,
    `Non-compliant ${summary.nonCompliant}, expiring soon ${summary.expiringSoon}, deactivated ${summary.deactivated}, deleted ${summary.deleted}, withheld ${summary.withheld}, exempt ${summary.exempt}, overridden by tag ${summary.overridden}, content issues ${summary.contentIssues}, errors ${summary.errors}.`,
  ];
  if (kinds) lines.push(findingsByKind(report));
  const exemptions = exemptionLines(report.exemptions);
  if (exemptions.length > 0) lines.push('', ...exemptions);
  if (summary.rootSigningCertificate > 0) {
    lines.push('', 'THE ROOT USER HOLDS A SIGNING CERTIFICATE: see the first finding below.');
  }
  if (top.length > 0) {
    lines.push(
      '',
      `Most severe findings (${top.length} of ${report.findings.length}):`,
      '',
      ...table(top, kinds),
    );
    lines.push('', 'What to do:');
    if (kinds) {
      // One line a verdict and kind: an SSH key is rotated with its own command.
      const seen = new Map<string, Finding>();
      for (const f of top) seen.set(`${f.verdict} ${credentialTypeOf(f) ?? ''}`, f);
      for (const f of seen.values()) {
        const type = credentialTypeOf(f);
        const of = type ? ` (${KIND_WORDING[type].label})` : '';
        lines.push(`- ${f.verdict}${of}: ${forKind(remediationOf(f.verdict), type)}`);
      }
    } else {
      const verdicts = [...new Set(top.map((finding) => finding.verdict))];
      for (const verdict of verdicts) lines.push(`- ${verdict}: ${remediationOf(verdict)}`);
    }
  } else {
    lines.push(
      '',
      `No findings: every ${kinds ? 'credential' : 'certificate'} is within the policy.`,
    );
  }
  lines.push(
    '',
    typeof archive === 'object'
      ? `The whole report: ${archive.written.report} (readable page: ${archive.written.html})`
      : archive === 'failed'
        ? 'The report could not be archived (the run failed, and its logs hold the report); the whole report is in the JSON message delivered to the topic’s other subscribers.'
        : 'The whole report is in the JSON message delivered to the topic’s other subscribers.',
    `Run ${report.runId}.`,
  );
  const text = `${lines.join('\n')}\n`;
  return text.length > DIGEST_MAX_CHARS ? `${text.slice(0, DIGEST_MAX_CHARS - 2)}…\n` : text;
}

/**
 * `Findings by kind: signing certificate 12, SSH public key 2, service-specific credential 0.`:
 * every kind the run listed, and any other a finding is about, in the kind table's order.
 */
function findingsByKind(report: Report): string {
  const listed = new Set<string>(report.policy.credentialKinds ?? []);
  for (const f of report.findings) listed.add(credentialTypeOf(f) ?? '');
  const counts = (Object.keys(KIND_WORDING) as (keyof typeof KIND_WORDING)[])
    .filter((type) => listed.has(type))
    .map((type) => {
      const n = report.findings.filter((f) => credentialTypeOf(f) === type).length;
      return `${KIND_WORDING[type].label} ${n}`;
    });
  return `Findings by kind: ${counts.join(', ')}.`;
}

function remediationOf(verdict: Verdict): string {
  return VERDICTS[verdict]?.remediation ?? 'Look at the finding.';
}

function table(findings: readonly Finding[], kinds: boolean): string[] {
  const rows = findings.map((f) => [
    f.severity,
    clip(f.userName, 32),
    ...(kinds
      ? [kindCell(f), clip(credentialIdOf(f) ?? '-', 32)]
      : [clip(f.certificateId ?? '-', 32)]),
    f.ageDays === null ? '-' : String(f.ageDays),
    f.verdict,
    f.action,
  ]);
  const header = [
    'severity',
    'user',
    ...(kinds ? ['kind', 'credential'] : ['certificate']),
    'age',
    'verdict',
    'action',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
