import type { OrgReport } from './org-report';
import type { Report } from './report';
import { coversAccount } from './scope';

/** Where a report was archived: `s3://` locations, for the email digest to point at. */
export interface ArchiveLocation {
  /** `s3://bucket/key` of the JSON report. */
  readonly report: string;
  /** `s3://bucket/key` of the HTML page. */
  readonly html: string;
}

/** The archive sink's name, in deliveries, logs and errors. */
export const ARCHIVE_SINK_NAME = 's3-archive';

/** Where whole reports and their HTML pages go; the function may write only under it. */
export const REPORTS_PREFIX = 'reports/';
/** Where the findings go as JSON Lines: the Glue table's location, holding nothing else. */
export const FINDINGS_PREFIX = 'findings/';

/** The keys one report is archived under. */
export interface ArchiveKeys {
  readonly report: string;
  readonly html: string;
  /**
   * The findings as JSON Lines: under `findings/`, the Glue table's location, for a run that
   * speaks for the account; beside the report (`<run>.findings.jsonl` under `reports/`, which no
   * table reads) for a users-scoped run, so a query over the table (a day's findings, a run's
   * counts) never takes a run about some users for the account's.
   */
  readonly findings: string;
  /**
   * The failing findings as OCSF Compliance Findings (JSON Lines), beside the report: under
   * `reports/`, which the function may already write and which no Glue table reads.
   */
  readonly ocsf: string;
}

/**
 * How the findings are laid out, which decides the Glue table over them: `account` for one
 * account's archive (partitions `account=`/`date=`, its table projects the one account id),
 * `organization` for the archive every member account's worker writes to (partition `date=`
 * only, each line naming its account), so that a query over the organization's table sees
 * every account, including one that joined after deployment: partition projection needs its
 * values at deploy time, and the member accounts are not known then.
 */
export type ArchiveLayout = 'account' | 'organization';

/**
 * Athena-friendly keys (Hive-style partitions). Findings are under a prefix of their own because
 * Athena reads every object under a table's location: the whole report beside them would be
 * read as a malformed row. Reports and pages are always under `account=`/`date=`, for people,
 * whatever the run's scope (the report's `scope` says it).
 */
export function archiveKeys(report: Report, layout: ArchiveLayout = 'account'): ArchiveKeys {
  const date = `date=${report.evaluatedAt.slice(0, 10)}`;
  const partition = `account=${report.accountId}/${date}`;
  // A run id is a Lambda request id, a UUID, or `<organization run>-<account>`, all safe for a
  // key; anything else is made safe.
  const run = report.runId.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    report: `${REPORTS_PREFIX}${partition}/${run}.json`,
    html: `${REPORTS_PREFIX}${partition}/${run}.html`,
    ocsf: `${REPORTS_PREFIX}${partition}/${run}.ocsf.jsonl`,
    findings: !coversAccount(report.scope)
      ? `${REPORTS_PREFIX}${partition}/${run}.findings.jsonl`
      : layout === 'organization'
        ? `${FINDINGS_PREFIX}${date}/${report.accountId}-${run}.jsonl`
        : `${FINDINGS_PREFIX}${partition}/${run}.jsonl`,
  };
}

/** The archive's `s3://` locations of a report, for the email digest (the same in every layout). */
export function archiveLocation(bucket: string, report: Report): ArchiveLocation {
  const keys = archiveKeys(report);
  return { report: `s3://${bucket}/${keys.report}`, html: `s3://${bucket}/${keys.html}` };
}

/**
 * The findings as JSON Lines, one finding a line with the run it belongs to, for Athena (the
 * Glue table's columns, lib/auditor-archive.ts, are these keys). Every line names its
 * credential's kind, id and service (`credentialType`, `credentialId`, `serviceName`), null
 * where the finding has none. An empty file for a clean run: the run happened, and found
 * nothing.
 */
export function findingsJsonLines(report: Report): string {
  return report.findings
    .map((finding) =>
      JSON.stringify({
        runId: report.runId,
        evaluatedAt: report.evaluatedAt,
        accountId: report.accountId,
        ...finding,
        // A finding from before findings named their kind still has every column.
        credentialType: finding.credentialType ?? null,
        credentialId: finding.credentialId ?? null,
        serviceName: finding.serviceName ?? null,
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** The organization report's key in the archive. */
export function orgReportKey(report: OrgReport): string {
  return `${ORG_REPORTS_PREFIX}date=${report.evaluatedAt.slice(0, 10)}/${report.runId}.json`;
}

/** Where an organization run's working files go: its accounts, its scope, the map's results. */
export const ORG_RUNS_PREFIX = 'org-runs/';
/** Where organization reports go. */
export const ORG_REPORTS_PREFIX = 'org-reports/';

/** Where the enumerate step writes a run's accounts, for the Distributed Map's item reader. */
export function accountListKey(runId: string): string {
  return `${ORG_RUNS_PREFIX}${runId}/accounts.json`;
}

/** Where the enumerate step keeps a run's scope (its selection and the accounts left out). */
export function scopeKey(runId: string): string {
  return `${ORG_RUNS_PREFIX}${runId}/scope.json`;
}
