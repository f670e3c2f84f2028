import { createIamClient } from '../lambda/aws/iam';
import { ARCHIVE_SINK_NAME } from '../lambda/core/archive-layout';
import { CHANGE_RECORD_UNWRITABLE } from '../lambda/core/change-record';
import { exemptionLines } from '../lambda/core/exemptions';
import { filterReport } from '../lambda/core/listing-filter';
import type { Finding, Report } from '../lambda/core/report';
import type { AuditProgress } from '../lambda/engine/audit';
import { formatSummary } from '../lambda/render/text';
import { runAndDeliver } from '../lambda/run';
import type { CliOptions } from './args';
import type { CliIo } from './io';
import { type RunOutcome, renderReport } from './output';
import { progressFor } from './progress';
import { undoHint } from './undo';
import type { Wiring } from './wiring';

/**
 * Audits the caller's account with the same run as the Lambda (audit → sinks), with progress on
 * standard error (a counter on a terminal, a periodic line otherwise, none with --quiet), and
 * says what became of it: where the report went, the plan, the counts.
 */
export async function runAccount(
  options: CliOptions,
  io: CliIo,
  wiring: Wiring,
): Promise<RunOutcome> {
  const progress = progressFor(io.stderr, options, io.clock);
  const dryRun = !options.apply;
  const { report, deliveries, failures } = await runAndDeliver(
    {
      iam: createIamClient(wiring.clientConfig),
      logger: wiring.logger,
      now: options.asOf ?? new Date(),
      runId: wiring.runId,
      accountId: wiring.accountId,
      ...(progress ? { onProgress: (p: AuditProgress) => progress.update(p) } : {}),
      ...(wiring.stop ? { stop: wiring.stop } : {}),
      sinks: wiring.sinks,
      ...(wiring.changeRecord ? { changeRecord: wiring.changeRecord } : {}),
      ...(options.exemptions ? { exemptions: options.exemptions } : {}),
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
  // A table on standard output says it under the findings already (formatTable).
  const tableShown =
    options.format === 'table' && options.output === undefined && options.outputDir === undefined;
  if (!tableShown) after.push(...exemptionLines(report.exemptions));
  const changed = report.summary.deactivated + report.summary.deleted;
  if (changed > 0) after.push(undoHint(report.runId, options, wiring));
  // Exit 3 means an AWS call failed, or a change could not be recorded and so was not made; an
  // ERROR about IAM data (an unusable tag) is a failing finding (exit 1, by the findings rule).
  const failed = report.findings.filter((f) => f.error !== null);
  const listed = filterReport(report, options.listing);
  return {
    // Every format from the one report; the listing filtered, the summary the whole run's.
    render: (format) => renderReport(listed, format),
    names: { account: report.accountId, runId: report.runId },
    before:
      report.complete || interrupted ? [] : [`signing-cert-audit: ${report.incompleteReason}`],
    after,
    interrupted: interrupted
      ? {
          line: `signing-cert-audit: interrupted: ${report.incompleteReason}. The report above says what was really done.`,
        }
      : undefined,
    late: failureLines(failed, wiring.changeRecord?.where),
    awsFailure: !report.complete || failures.length > 0 || failed.length > 0,
    summary: report.summary,
  };
}

/**
 * What failed, for a person: changes not made because their record could not be written (a
 * local file, the archive: not an AWS call), apart from AWS calls that failed.
 */
export function failureLines(failed: readonly Finding[], where = 'its place'): string[] {
  const unrecorded = failed.filter((f) => f.error?.code === CHANGE_RECORD_UNWRITABLE);
  const calls = failed.filter((f) => f.error?.code !== CHANGE_RECORD_UNWRITABLE);
  const lines: string[] = [];
  const [record] = unrecorded;
  if (record) {
    lines.push(
      `signing-cert-audit: ${unrecorded.length} change(s) not made: the change record could not be written to ${where} (${record.error?.message}), and a change is made only once it is recorded`,
    );
  }
  const [call] = calls;
  if (call) {
    lines.push(
      `signing-cert-audit: ${calls.length} AWS call(s) failed, e.g. ${call.userName}: ${call.error?.code}: ${call.error?.message}`,
    );
  }
  return lines;
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
