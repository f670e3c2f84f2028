import { type PlannedAction, SEVERITIES, type Severity, type TagOverride } from './checks/check';
import { isCompliant, type Verdict, verdictSeverity } from './checks/table';
import { countFindings, SUMMARY_KEYS, type SummaryKey } from './counts';
import type { CredentialType } from './credential';
import type { ErrorDetail } from './errors';
import type { ExemptionsSummary, FindingExemption } from './exemptions';
import type { ListingFilter } from './listing-filter';
import { ACCOUNT_SCOPE, type RunScope } from './scope';
import type { Policy, ScanStrategy } from './settings';

export type { PlannedAction, RunScope, Severity, TagOverride, Verdict };
export { SEVERITIES };

/** Report schema version; bumped only if a consumer could break. */
export const SCHEMA_VERSION = '1';
/** The `source` field of every report, so subscribers can tell our messages apart. */
export const REPORT_SOURCE = 'signing-cert-audit';

/** What the run did about a finding. */
export const ACTIONS = ['NONE', 'DEACTIVATED', 'DELETED', 'WITHHELD', 'GONE', 'FAILED'] as const;
/** One of {@link ACTIONS}. */
export type Action = (typeof ACTIONS)[number];

/** One listed finding: one certificate (or one user whose certificates could not be read). */
export interface Finding {
  readonly userName: string;
  readonly userArn: string;
  /** Null when the user's certificates could not be listed, or for another kind of credential. */
  readonly certificateId: string | null;
  /**
   * The kind of credential the finding is about (an addition): `signing-certificate`,
   * `ssh-public-key`, `service-specific-credential`; null for a finding about a user whose
   * credentials could not be listed.
   */
  readonly credentialType: CredentialType | null;
  /** IAM's id of the credential, whatever its kind (an addition); null as for certificateId. */
  readonly credentialId: string | null;
  /** A service-specific credential's service (`bedrock.amazonaws.com`…); null for other kinds (an addition). */
  readonly serviceName: string | null;
  /** The status seen when the certificate was listed, before any action. */
  readonly status: string | null;
  readonly uploadDate: string | null;
  readonly ageDays: number | null;
  readonly verdict: Verdict;
  /** The change the mode asked for (null for none); `action` says what became of it. */
  readonly plannedAction: PlannedAction | null;
  readonly action: Action;
  readonly severity: Severity;
  readonly error: ErrorDetail | null;
  /** What identifies the certificate without its body; null when it could not be read. */
  readonly certificate: CertificateIdentity | null;
  /** Why, in a sentence, where the verdict alone does not say (exemption, weak key, root, …). */
  readonly detail: string | null;
  /** Set when the user's maximum-age tag changed this certificate's verdict or planned action. */
  readonly override: TagOverride | null;
  /**
   * Present only when an entry of the exemptions file exempted the credential (an addition): the
   * entry's position, reason, approver, ticket and last day. Absent otherwise (an exempt tag
   * says so in `detail`).
   */
  readonly exemption?: FindingExemption | null;
}

/** A certificate's identity from its content: never the body itself. */
export interface CertificateIdentity {
  readonly fingerprint256: string;
  readonly subject: string;
  readonly notAfter: string;
}

/**
 * The first report schema's summary fields and what each means. They stay, and keep their
 * meaning, but none is counted by hand: each is derived from the check table (the count a
 * verdict's row names) or the engine's counts (lambda/core/counts.ts).
 */
export interface SchemaOneSummary {
  readonly usersScanned: number;
  readonly certificatesScanned: number;
  readonly nonCompliant: number;
  readonly expiringSoon: number;
  readonly deactivated: number;
  readonly deleted: number;
  readonly exempt: number;
  /** Certificates whose verdict or planned action a user's maximum-age tag changed (an addition). */
  readonly overridden: number;
  readonly withheld: number;
  readonly errors: number;
  /** Users or certificates that vanished during the run (an addition to the first schema's summary). */
  readonly gone: number;
  /** Content findings: expired, expiring, weak key or signature, unparseable (an addition). */
  readonly contentIssues: number;
  /** 1 when the root user holds a signing certificate, else 0 (an addition). */
  readonly rootSigningCertificate: number;
  /**
   * Findings whose verdict the check table marks failing (non-compliant, expired, weak, root,
   * ERROR…), whatever the certificate's status: what the command line exits 1 on; Security Hub
   * reports them FAILED only while the certificate can still be used (an addition).
   */
  readonly failing: number;
  /**
   * Subjects (users, and the root user) the run could not read: a call about them failed, so
   * their certificates' state is unknown, never "fixed" (an addition; see {@link unreadSubjects}).
   */
  readonly unread: number;
}

/**
 * Counts for the whole run; compliant certificates are counted here (in `certificatesScanned`)
 * and listed only with `includeCompliant`, as COMPLIANT findings no count adds. Every
 * count the check table names is a field (the first schema's, and a new check's), so a new
 * check's verdicts are counted without a change here.
 */
export type Summary = SchemaOneSummary & { readonly [K in SummaryKey]: number };

/** The findings report, schema version 1 (the README's "Findings report"); every change since is an addition. */
export interface Report {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly source: typeof REPORT_SOURCE;
  readonly runId: string;
  readonly accountId: string;
  readonly evaluatedAt: string;
  /** False when the run could not list every user; the findings then cover only part of the account. */
  readonly complete: boolean;
  /** Why the run is incomplete (listing failed, stopped early); null when complete (an addition). */
  readonly incompleteReason: string | null;
  /** Highest severity among the findings, INFO when there are none. */
  readonly severity: Severity;
  /**
   * The policy, and `dryRun`: true when the mode's changes were planned but, on purpose, not made
   * (a dry run of deactivate or delete mode); always false in report mode, which plans none.
   */
  readonly policy: Policy & { readonly dryRun: boolean };
  readonly scan: ScanInfo;
  /**
   * Which users the run covered (an addition): `{ "kind": "account" }`, or `{ "kind": "users",
   * "userNames": [...] }` for a run about named users only, which never speaks for the account.
   * A report without it is an account's.
   */
  readonly scope: RunScope;
  readonly summary: Summary;
  readonly part: { readonly index: number; readonly count: number };
  readonly findings: readonly Finding[];
  /**
   * Set only when the findings listed were filtered (the CLI's --severity, --verdict; an
   * addition): what was asked, and how many of the run's findings are listed. The summary and
   * severity stay the whole run's.
   */
  readonly filter?: ListingFilter;
  /**
   * Set only when the run had an exemptions file (an addition): how many of its entries apply to
   * the account, how many findings they exempted, which entries have expired, and which matched
   * no credential (`stale`; null when the run could not tell: not a complete full scan of the
   * whole account).
   */
  readonly exemptions?: ExemptionsSummary;
}

/** How the run found the users it listed certificates for (an addition to the schema). */
export interface ScanInfo {
  /** The strategy the run used: `full`, or `credential-report` when the report could be used. */
  readonly strategy: ScanStrategy;
  /** When IAM generated the credential report the run used; null for a full scan. */
  readonly credentialReportGeneratedAt: string | null;
  /** Why a run asked to use the credential report scanned in full instead; null otherwise. */
  readonly fallbackReason: string | null;
}

/** What the audit hands over to be turned into a report. */
export interface ReportInput {
  readonly runId: string;
  readonly accountId: string;
  readonly now: Date;
  readonly policy: Policy;
  readonly dryRun: boolean;
  /** Why the run is incomplete; null (or absent) when it saw the whole account. */
  readonly incompleteReason?: string | null;
  /** Defaults to a full scan. */
  readonly scan?: ScanInfo;
  /** Defaults to the whole account. */
  readonly scope?: RunScope;
  readonly usersScanned: number;
  readonly certificatesScanned: number;
  readonly findings: readonly Finding[];
  /** What the exemptions file came to, when the run had one. */
  readonly exemptions?: ExemptionsSummary;
}

/**
 * The severity of one finding: its verdict's, from the check table (for an over-age certificate
 * HIGH when Active, MEDIUM when Inactive), raised to HIGH for a change that failed or was
 * withheld.
 */
export function severityOf(verdict: Verdict, status: string | null, action: Action): Severity {
  if (action === 'FAILED' || action === 'WITHHELD') {
    return highestSeverity([verdictSeverity(verdict, status), 'HIGH']);
  }
  return verdictSeverity(verdict, status);
}

/** The highest of some severities; INFO for none. */
export function highestSeverity(severities: Iterable<Severity>): Severity {
  let best = SEVERITIES.length - 1;
  for (const severity of severities) best = Math.min(best, SEVERITIES.indexOf(severity));
  return SEVERITIES[best] ?? 'INFO';
}

/** Builds the whole (unsplit) report; findings are sorted by user then certificate so runs compare. */
export function buildReport(input: ReportInput): Report {
  const findings = [...input.findings].sort(compareFindings);
  const incompleteReason = input.incompleteReason ?? null;
  return {
    schemaVersion: SCHEMA_VERSION,
    source: REPORT_SOURCE,
    runId: input.runId,
    accountId: input.accountId,
    evaluatedAt: input.now.toISOString(),
    complete: incompleteReason === null,
    incompleteReason,
    severity: highestSeverity(findings.map((finding) => finding.severity)),
    // A dry run plans the mode's changes without making them; report mode plans none, so it is
    // never called one, whatever the invocation asked.
    policy: { ...input.policy, dryRun: input.dryRun && input.policy.mode !== 'report' },
    scan: input.scan ?? {
      strategy: 'full',
      credentialReportGeneratedAt: null,
      fallbackReason: null,
    },
    scope: input.scope ?? ACCOUNT_SCOPE,
    summary: summaryOf(input, findings),
    part: { index: 1, count: 1 },
    findings,
    ...(input.exemptions ? { exemptions: input.exemptions } : {}),
  };
}

/** The summary of a run: every count of the table, in the schema's order. */
function summaryOf(input: ReportInput, findings: readonly Finding[]): Summary {
  const values: Record<SummaryKey, number> = {
    ...countFindings(findings),
    usersScanned: input.usersScanned,
    certificatesScanned: input.certificatesScanned,
    unread: countUnread(unreadSubjects(findings)),
  };
  return Object.fromEntries(SUMMARY_KEYS.map((key) => [key, values[key]])) as unknown as Summary;
}

/** The name root findings carry: never a real user's (IAM user names cannot contain < or >). */
export const ROOT_USER_NAME = '<root>';

/** Who a run could not read: the root user, and users by ARN. */
export interface UnreadSubjects {
  /** GetAccountSummary failed: whether root holds a signing certificate is unknown. */
  readonly root: boolean;
  /** Users a read of which failed (their certificates, their tags, a certificate's facts). */
  readonly userArns: ReadonlySet<string>;
  /**
   * The same users by name, lower-cased (IAM's names are unique whatever their case): a user a
   * users-scoped run could not read at all (GetUser failed) has no ARN from IAM.
   */
  readonly userNames: ReadonlySet<string>;
}

/**
 * The subjects a run could not read, from its findings: every ERROR that carries an AWS error
 * (a failed call about that user, or GetAccountSummary for root). What they hold is unknown:
 * Security Hub keeps their findings as they were, their metrics are not emitted as zero, and an
 * organization run shows their account as not fully audited. An ERROR without an AWS error (an
 * unusable tag) is about data the run did read.
 */
export function unreadSubjects(findings: readonly Finding[]): UnreadSubjects {
  const failed = findings.filter((f) => f.verdict === 'ERROR' && f.error !== null);
  const users = failed.filter((f) => f.userName !== ROOT_USER_NAME);
  return {
    root: failed.some((f) => f.userName === ROOT_USER_NAME),
    userArns: new Set(users.map((f) => f.userArn)),
    userNames: new Set(users.map((f) => f.userName.toLowerCase())),
  };
}

function countUnread(unread: UnreadSubjects): number {
  return unread.userArns.size + (unread.root ? 1 : 0);
}

/** True when the report holds nothing to look at: nothing listed, no error, every user seen. */
export function isClean(report: Report): boolean {
  return report.findings.length === 0 && report.summary.errors === 0 && report.complete;
}

/**
 * The report without its COMPLIANT findings (listed with `includeCompliant`): what every sink
 * but the archive is given, so SNS, its digest and Security Hub see what they would without the
 * setting. The summary is untouched (COMPLIANT is counted nowhere); a report without any is
 * returned as it is.
 */
export function withoutCompliant<R extends Report>(report: R): R {
  if (!report.findings.some((finding) => isCompliant(finding.verdict))) return report;
  return { ...report, findings: report.findings.filter((f) => !isCompliant(f.verdict)) };
}

/**
 * Splits a report into parts whose JSON is at most `maxBytes`: each part is the whole envelope
 * with a slice of the findings, valid JSON on its own and numbered in `part`, so the parts
 * reassemble by `runId`. Used for SNS messages and for the log lines that keep a failed run.
 */
export function splitReport(report: Report, maxBytes: number): Report[] {
  // The envelope with the widest part numbers it could need, so numbering can never push a part over.
  const envelopeBytes = byteLength(
    JSON.stringify({ ...report, part: { index: 999_999, count: 999_999 }, findings: [] }),
  );
  const chunks = chunkBySize(report.findings, maxBytes - envelopeBytes);
  return chunks.map((findings, i) => ({
    ...report,
    part: { index: i + 1, count: chunks.length },
    findings,
  }));
}

function chunkBySize(findings: readonly Finding[], budget: number): Finding[][] {
  const chunks: Finding[][] = [[]];
  let used = 0;
  for (const finding of findings) {
    const size = byteLength(JSON.stringify(finding)) + 1; // +1 for the separating comma
    const current = chunks[chunks.length - 1] as Finding[];
    if (current.length > 0 && used + size > budget) {
      chunks.push([finding]);
      used = size;
    } else {
      current.push(finding);
      used += size;
    }
  }
  return chunks;
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.userName, b.userName) ||
    compareText(a.certificateId ?? '', b.certificateId ?? '') ||
    compareText(a.verdict, b.verdict)
  );
}

// Code-unit order, not locale order, so the same account always sorts the same way.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** UTF-8 length of a string, in bytes. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
