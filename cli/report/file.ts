import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { SEVERITIES } from '../../lambda/core/checks/check';
import { VERDICTS, type Verdict } from '../../lambda/core/checks/table';
import { SUMMARY_KEYS } from '../../lambda/core/counts';
import { CREDENTIAL_TYPES } from '../../lambda/core/credential';
import { describeError, SigningCertAuditError } from '../../lambda/core/errors';
import { ACCOUNT_ID } from '../../lambda/core/patterns';
import { ACTIONS, REPORT_SOURCE, type Report, SCHEMA_VERSION } from '../../lambda/core/report';

/** A file `report --input` cannot re-render: the message names the file and what is wrong. */
export class ReportFileError extends SigningCertAuditError {
  override readonly name = 'ReportFileError';
}

const text = z.string();
const nullableText = z.nullable(z.string());

/** An exemptions file entry as a finding or the report names it. */
const EXEMPTION = z.looseObject({
  entry: z.number(),
  reason: text,
  approvedBy: text,
  ticket: nullableText,
  expires: text,
});
const NOTES = z.array(
  z.looseObject({
    ...EXEMPTION.shape,
    user: text,
    credentialId: nullableText,
    kind: nullableText,
  }),
);

/** One finding, as the report schema writes it (fields added later are allowed). */
const FINDING = z.looseObject({
  userName: text,
  userArn: text,
  certificateId: nullableText,
  credentialType: z.nullable(z.enum(CREDENTIAL_TYPES)),
  credentialId: nullableText,
  serviceName: nullableText,
  status: nullableText,
  uploadDate: nullableText,
  ageDays: z.nullable(z.number()),
  verdict: z.enum(Object.keys(VERDICTS) as [Verdict, ...Verdict[]]),
  plannedAction: nullableText,
  action: z.enum(ACTIONS),
  severity: z.enum(SEVERITIES),
  error: z.nullable(z.object({ code: text, message: text })),
  certificate: z.nullable(z.looseObject({ fingerprint256: text, subject: text, notAfter: text })),
  detail: nullableText,
  override: z.nullable(z.looseObject({})),
  exemption: z.optional(z.nullable(EXEMPTION)),
});

/** One account's report, schema version 1, as `--format json` writes it (lambda/core/report.ts). */
const REPORT = z.looseObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  source: z.literal(REPORT_SOURCE),
  runId: text.check(z.minLength(1)),
  accountId: text.check(z.regex(ACCOUNT_ID)),
  evaluatedAt: text,
  complete: z.boolean(),
  incompleteReason: nullableText,
  severity: z.enum(SEVERITIES),
  policy: z.looseObject({ mode: text, dryRun: z.boolean() }),
  scan: z.looseObject({
    strategy: text,
    credentialReportGeneratedAt: nullableText,
    fallbackReason: nullableText,
  }),
  scope: z.union([
    z.object({ kind: z.literal('account') }),
    // A real-time run about the root user's own call covers the root user too.
    z.object({
      kind: z.literal('users'),
      userNames: z.array(text),
      root: z.optional(z.literal(true)),
    }),
  ]),
  summary: z.looseObject(Object.fromEntries(SUMMARY_KEYS.map((key) => [key, z.number()]))),
  part: z.object({ index: z.number(), count: z.number() }),
  findings: z.array(FINDING),
  exemptions: z.optional(
    z.looseObject({
      entries: z.number(),
      exempted: z.number(),
      expiredCount: z.number(),
      expired: NOTES,
      staleCount: z.nullable(z.number()),
      stale: z.nullable(NOTES),
    }),
  ),
});

/**
 * Reads one account's JSON report from `path` (a saved `--format json`, or a report from the
 * evidence archive), checked against the report schema; throws a ReportFileError naming the file
 * and what is wrong: unreadable, not JSON, an organization report, a part of a split report, or
 * the first field that is not as the schema says.
 */
export function readReportFile(path: string): Report {
  const where = `--input=${JSON.stringify(path)}`;
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    throw new ReportFileError(`${where} cannot be read: ${describeError(error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error: unknown) {
    throw new ReportFileError(
      `${where} is not JSON (${describeError(error).message}): give a report as --format json writes it`,
    );
  }
  return parseReport(value, where);
}

/** Checks a parsed JSON value against the report schema; `where` names it in the refusal. */
export function parseReport(value: unknown, where: string): Report {
  const fields = typeof value === 'object' && value !== null ? value : {};
  if ('accounts' in fields && 'reports' in fields) {
    throw new ReportFileError(
      `${where} is an organization report: re-render one account's report (one of its reports, or that account's report in the archive)`,
    );
  }
  const result = REPORT.safeParse(value);
  if (!result.success) {
    const [issue] = result.error.issues;
    const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ReportFileError(
      `${where} is not a signing-cert-audit report (schema ${SCHEMA_VERSION})${at}: ${issue?.message ?? 'unreadable'}`,
    );
  }
  // The file as written, not as the schema reorders it: a re-render keeps its fields in their order.
  const report = value as Report;
  if (report.part.count !== 1) {
    throw new ReportFileError(
      `${where} is part ${report.part.index} of ${report.part.count} of a split report (an SNS message or a log line): it lists only some findings; re-render the whole report (--format json, or the archive's)`,
    );
  }
  return report;
}
