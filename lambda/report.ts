import type { Mode, Policy } from './config';
import type { ErrorDetail } from './errors';
import type { PlannedAction } from './policy';

/** Report schema version; bumped only if a consumer could break. */
export const SCHEMA_VERSION = '1';
/** The `source` field of every report, so subscribers can tell our messages apart. */
export const REPORT_SOURCE = 'signing-cert-audit';
/** SNS's limit for one message, body and attributes together (256 KiB). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** SNS's limit for a Subject. */
export const SNS_MAX_SUBJECT_LENGTH = 100;
/**
 * Largest report chunk written to one log line. CloudWatch Logs caps an event at 256 KB
 * (1 MB since 2025, but 256 KB is what every reader handles); the margin leaves room for the
 * logger's own fields.
 */
export const LOG_CHUNK_BYTES = 200_000;

/**
 * What the audit concluded. The age verdicts (`NON_COMPLIANT`, `EXPIRING_SOON`), `EXEMPT` and
 * `ERROR` are DESIGN.md's; additions: `OVERRIDDEN` marks a certificate that is compliant only
 * because of the user's maximum-age tag; `NOT_EVALUATED` marks a user that vanished before its
 * certificates could be listed; the {@link CONTENT_VERDICTS} report what is inside a certificate;
 * `ROOT_SIGNING_CERTIFICATE` reports that the root user holds one.
 */
export type Verdict =
  | 'NON_COMPLIANT'
  | 'EXPIRING_SOON'
  | 'EXEMPT'
  | 'OVERRIDDEN'
  | 'ERROR'
  | 'NOT_EVALUATED'
  | ContentVerdict
  | 'ROOT_SIGNING_CERTIFICATE';
/** Verdicts on a certificate's content (report-only: they never trigger a change). */
export const CONTENT_VERDICTS = [
  'CERT_EXPIRED',
  'CERT_EXPIRING',
  'WEAK_KEY',
  'WEAK_SIGNATURE',
  'UNPARSEABLE',
] as const;
/** One of {@link CONTENT_VERDICTS}. */
export type ContentVerdict = (typeof CONTENT_VERDICTS)[number];
/** What the run did about it. */
export type Action = 'NONE' | 'DEACTIVATED' | 'DELETED' | 'WITHHELD' | 'GONE' | 'FAILED';
/** How urgently a human should look, highest first. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'] as const;
/** One of {@link SEVERITIES}. */
export type Severity = (typeof SEVERITIES)[number];

/** One listed finding: one certificate (or one user whose certificates could not be read). */
export interface Finding {
  readonly userName: string;
  readonly userArn: string;
  /** Null when the user's certificates could not be listed. */
  readonly certificateId: string | null;
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
}

/** What a user's maximum-age tag changed: the tag, and what the account policy alone would say. */
export interface TagOverride {
  /** `key=value` as found on the user. */
  readonly tag: string;
  readonly accountVerdict: 'COMPLIANT' | 'EXPIRING_SOON' | 'NON_COMPLIANT';
  readonly accountPlannedAction: PlannedAction | null;
}

/** A certificate's identity from its content: never the body itself. */
export interface CertificateIdentity {
  readonly fingerprint256: string;
  readonly subject: string;
  readonly notAfter: string;
}

/** Counts for the whole run; compliant certificates are counted here and never listed. */
export interface Summary {
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
  /** Users or certificates that vanished during the run (an addition to DESIGN.md's summary). */
  readonly gone: number;
  /** Content findings: expired, expiring, weak key or signature, unparseable (an addition). */
  readonly contentIssues: number;
  /** 1 when the root user holds a signing certificate, else 0 (an addition). */
  readonly rootSigningCertificate: number;
}

/** The findings report, schema version 1 (DESIGN.md), plus `complete` and per-finding `severity`. */
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
  readonly policy: Policy & { readonly dryRun: boolean };
  readonly summary: Summary;
  readonly part: { readonly index: number; readonly count: number };
  readonly findings: readonly Finding[];
}

/** What the audit hands over to be turned into a report. */
export interface ReportInput {
  readonly runId: string;
  readonly accountId: string;
  readonly now: Date;
  readonly policy: Policy;
  readonly dryRun: boolean;
  readonly complete: boolean;
  readonly incompleteReason?: string | null;
  readonly usersScanned: number;
  readonly certificatesScanned: number;
  readonly findings: readonly Finding[];
}

/** One SNS Publish request's worth of report. */
export interface ReportMessage {
  readonly subject: string;
  readonly body: string;
  readonly attributes: Readonly<
    Record<string, { DataType: 'String' | 'Number'; StringValue: string }>
  >;
}

/**
 * The severity of one finding from its verdict, the status it was seen in and what was done:
 * CRITICAL for a root certificate; HIGH for an over-age Active or expired certificate and for a
 * change that failed or was withheld; MEDIUM for an over-age Inactive certificate, weak crypto,
 * an unreadable certificate and errors; LOW for expiring soon; INFO otherwise.
 */
export function severityOf(verdict: Verdict, status: string | null, action: Action): Severity {
  if (action === 'FAILED' || action === 'WITHHELD') return 'HIGH';
  switch (verdict) {
    case 'ROOT_SIGNING_CERTIFICATE':
      return 'CRITICAL';
    case 'NON_COMPLIANT':
      return status === 'Active' ? 'HIGH' : 'MEDIUM';
    case 'CERT_EXPIRED':
      return 'HIGH';
    case 'WEAK_KEY':
    case 'WEAK_SIGNATURE':
    case 'UNPARSEABLE':
    case 'ERROR':
      return 'MEDIUM';
    case 'EXPIRING_SOON':
    case 'CERT_EXPIRING':
    case 'OVERRIDDEN':
      return 'LOW';
    default:
      return 'INFO';
  }
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
  const count = (test: (finding: Finding) => boolean) => findings.filter(test).length;
  return {
    schemaVersion: SCHEMA_VERSION,
    source: REPORT_SOURCE,
    runId: input.runId,
    accountId: input.accountId,
    evaluatedAt: input.now.toISOString(),
    complete: input.complete,
    incompleteReason: input.complete ? null : (input.incompleteReason ?? 'unknown'),
    severity: highestSeverity(findings.map((finding) => finding.severity)),
    policy: { ...input.policy, dryRun: input.dryRun },
    summary: {
      usersScanned: input.usersScanned,
      certificatesScanned: input.certificatesScanned,
      nonCompliant: count((f) => f.verdict === 'NON_COMPLIANT'),
      expiringSoon: count((f) => f.verdict === 'EXPIRING_SOON'),
      deactivated: count((f) => f.action === 'DEACTIVATED'),
      deleted: count((f) => f.action === 'DELETED'),
      exempt: count((f) => f.verdict === 'EXEMPT'),
      overridden: count((f) => f.override !== null),
      withheld: count((f) => f.action === 'WITHHELD'),
      errors: count((f) => f.verdict === 'ERROR' || f.action === 'FAILED'),
      gone: count((f) => f.action === 'GONE'),
      contentIssues: count((f) => (CONTENT_VERDICTS as readonly Verdict[]).includes(f.verdict)),
      rootSigningCertificate: count((f) => f.verdict === 'ROOT_SIGNING_CERTIFICATE'),
    },
    part: { index: 1, count: 1 },
    findings,
  };
}

/** A clean run (nothing listed, nothing failed, every user seen) is only logged, never published. */
export function shouldPublish(report: Report): boolean {
  return report.findings.length > 0 || report.summary.errors > 0 || !report.complete;
}

/**
 * Splits a report into SNS messages of at most `maxBytes` (body, subject and attributes
 * together). Each part is the whole report envelope with a slice of the findings, valid JSON on
 * its own, numbered in `part`.
 */
export function toReportMessages(
  report: Report,
  maxBytes = SNS_MAX_MESSAGE_BYTES,
): ReportMessage[] {
  const attributes = messageAttributes(report);
  const attributeBytes = Object.entries(attributes).reduce(
    (sum, [name, value]) => sum + bytes(name) + bytes(value.DataType) + bytes(value.StringValue),
    0,
  );
  const parts = splitReport(report, maxBytes - attributeBytes - SNS_MAX_SUBJECT_LENGTH);
  return parts.map((part, i) => {
    const message: ReportMessage = {
      subject: subjectFor(report, i + 1, parts.length),
      body: JSON.stringify(part),
      attributes,
    };
    const size = bytes(message.body) + bytes(message.subject) + attributeBytes;
    if (size > maxBytes) {
      throw new RangeError(
        `report part ${i + 1} is ${size} bytes, over the ${maxBytes}-byte limit`,
      );
    }
    return message;
  });
}

/** The Subject: the account and the count, under SNS's 100-character limit. */
export function subjectFor(report: Report, index = 1, count = 1): string {
  const { nonCompliant, errors } = report.summary;
  let subject = `Signing certificate audit ${report.accountId}: ${nonCompliant} non-compliant`;
  if (errors > 0) subject += `, ${errors} error${errors === 1 ? '' : 's'}`;
  if (!report.complete) subject += ', INCOMPLETE';
  if (count > 1) subject += ` (part ${index}/${count})`;
  return subject.slice(0, SNS_MAX_SUBJECT_LENGTH);
}

/** String/Number attributes only (moto's raw SQS delivery fails on Binary), so subscribers can filter. */
export function messageAttributes(report: Report): ReportMessage['attributes'] {
  const mode: Mode = report.policy.dryRun ? 'report' : report.policy.mode;
  return {
    severity: { DataType: 'String', StringValue: report.severity },
    nonCompliant: { DataType: 'Number', StringValue: String(report.summary.nonCompliant) },
    mode: { DataType: 'String', StringValue: mode },
  };
}

/**
 * Splits a report into parts whose JSON is at most `maxBytes`: each part is the whole envelope
 * with a slice of the findings, valid JSON on its own and numbered in `part`, so the parts
 * reassemble by `runId`. Used for SNS messages and for the log lines that keep a failed run.
 */
export function splitReport(report: Report, maxBytes: number): Report[] {
  // The envelope with the widest part numbers it could need, so numbering can never push a part over.
  const envelopeBytes = bytes(
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
    const size = bytes(JSON.stringify(finding)) + 1; // +1 for the separating comma
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

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
