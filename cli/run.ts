import { createIamClient } from '../lambda/aws/iam';
import { ARCHIVE_SINK_NAME } from '../lambda/core/archive-layout';
import type { Report } from '../lambda/core/report';
import { renderHtml } from '../lambda/render/html';
import { ocsfJsonLines } from '../lambda/render/ocsf';
import { runAndDeliver } from '../lambda/run';
import type { CliOptions } from './args';
import { formatCsv, formatJson, formatSummary, formatTable } from './formats';
import type { CliIo } from './io';
import type { RunOutcome } from './output';
import { progressBar } from './progress';
import type { Wiring } from './wiring';

/**
 * Audits the caller's account with the same run as the Lambda (audit → sinks), a progress bar
 * on a terminal, and says what became of it: where the report went, the plan, the counts.
 */
export async function runAccount(
  options: CliOptions,
  io: CliIo,
  wiring: Wiring,
): Promise<RunOutcome> {
  const progress = io.stderr.isTTY ? progressBar(io.stderr) : undefined;
  const dryRun = !options.apply;
  const { report, deliveries, failures } = await runAndDeliver(
    {
      iam: createIamClient(wiring.clientConfig),
      logger: wiring.logger,
      now: options.asOf ?? new Date(),
      runId: wiring.runId,
      accountId: wiring.accountId,
      onProgress: progress?.update,
      ...(wiring.stop ? { stop: wiring.stop } : {}),
      sinks: wiring.sinks,
      ...(wiring.changeRecord ? { changeRecord: wiring.changeRecord } : {}),
      // Every report is written to the output; the logs need no copy.
      keepReport: () => undefined,
    },
    options.policy,
    { dryRun },
  ).finally(() => progress?.done());

  const interrupted = !report.complete && io.interrupt?.aborted === true;
  const after: string[] = [];
  for (const delivery of deliveries) {
    if (delivery.sink === ARCHIVE_SINK_NAME)
      after.push(`Archived the report at ${delivery.detail}.`);
    if (delivery.sink !== 'sns') continue;
    after.push(
      delivery.status === 'delivered'
        ? `Published the report to ${options.publishTo?.topicArn}.`
        : 'Nothing was published: the run was clean, and a clean run is only logged, as the Lambda does.',
    );
  }
  for (const failure of failures) {
    after.push(
      `signing-cert-audit: delivering the report (${failure.sink}) failed: ${failure.error.code}: ${failure.error.message}`,
    );
  }
  after.push(describeRun(report, options, dryRun), formatSummary(report.summary));
  const changed = report.summary.deactivated + report.summary.deleted;
  if (changed > 0) after.push(undoHint(report.runId, options, wiring));
  // Exit 3 means an AWS call failed; an ERROR about IAM data (an unusable tag) is a failing
  // finding (exit 1, by the findings rule).
  const failed = report.findings.filter((f) => f.error !== null);
  const [first] = failed;
  return {
    rendered: renderReport(report, options),
    before:
      report.complete || interrupted ? [] : [`signing-cert-audit: ${report.incompleteReason}`],
    after,
    interrupted: interrupted
      ? {
          line: `signing-cert-audit: interrupted: ${report.incompleteReason}. The report above says what was really done.`,
        }
      : undefined,
    late: first
      ? [
          `signing-cert-audit: ${failed.length} AWS call(s) failed, e.g. ${first.userName}: ${first.error?.code}: ${first.error?.message}`,
        ]
      : [],
    awsFailure: !report.complete || failures.length > 0 || failed.length > 0,
    summary: report.summary,
  };
}

/** How to undo an --apply run that changed something, or why it cannot be undone by restore. */
export function undoHint(
  runId: string,
  options: CliOptions,
  wiring: Pick<Wiring, 'changeRecord'>,
  /** The accounts flag of a run across accounts (`--accounts 111…,222…`). */
  accounts = '',
): string {
  if (wiring.changeRecord === undefined) {
    return 'No change record was kept (no --change-record or --archive-bucket): restore cannot undo this run; each deactivation can be undone by hand (aws iam update-signing-certificate --status Active).';
  }
  const from = options.changeRecord
    ? `--change-record ${options.changeRecord}`
    : `--archive-bucket ${options.archiveBucket}`;
  return `Every change was recorded in ${wiring.changeRecord.where} first. To undo this run: signing-cert-audit restore --run ${runId} ${from}${accounts}`;
}

/** The report in the format --format names. */
function renderReport(report: Report, options: CliOptions): string {
  if (options.format === 'csv') return formatCsv(report);
  if (options.format === 'table') return formatTable(report);
  if (options.format === 'html') return renderHtml(report);
  if (options.format === 'ocsf') return ocsfJsonLines(report);
  return formatJson(report);
}

/** One sentence on what was run: the account, the mode, and the plan or what held it back. */
function describeRun(report: Report, options: CliOptions, dryRun: boolean): string {
  const at = options.asOf ? ` as of ${report.evaluatedAt}` : '';
  const head = `Account ${report.accountId}, ${options.policy.mode} mode${at}.`;
  if (options.policy.mode === 'report') return head;
  const planned = report.findings.filter((f) => f.plannedAction !== null);
  const count = (action: string) => planned.filter((f) => f.plannedAction === action).length;
  // Running again with --apply would be withheld again: say what would let the changes through.
  const withheld = report.summary.withheld;
  const guard =
    withheld > 0
      ? `the blast-radius guard withheld ${withheld} change(s), more than --max-actions ${options.policy.maxActionsPerRun} allows: review them, then raise --max-actions or narrow the run (--path-prefix)`
      : undefined;
  if (!dryRun) return guard ? `${head} Nothing was changed: ${guard}.` : head;
  const how = options.asOf
    ? 'a forecast never changes anything'
    : (guard ?? 'run again with --apply to carry it out');
  return `${head} Plan: deactivate ${count('DEACTIVATE')}, delete ${count('DELETE')}. Nothing was changed: ${how}.`;
}
