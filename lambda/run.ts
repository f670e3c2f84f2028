import { type Report, splitReport } from './core/report';
import type { Policy } from './core/settings';
import { type AuditDeps, type AuditLogger, type AuditOptions, runAudit } from './engine/audit';
import { type Deliveries, deliverToSinks } from './sinks/deliver';
import type { ReportSink } from './sinks/sink';

/**
 * Largest report part written to one log line. CloudWatch Logs caps an event at 256 KB (1 MB
 * since 2025, but 256 KB is what every reader handles); the margin leaves room for the logger's
 * own fields.
 */
export const LOG_CHUNK_BYTES = 200_000;

/** What the run needs beyond the audit's own dependencies: where the report goes. */
export interface RunDeps extends AuditDeps {
  /** Delivered to in order; the report is kept in the logs if any fails. */
  readonly sinks: readonly ReportSink[];
  /**
   * Keeps a report that may not have reached its sinks; by default {@link logReport}. The CLI
   * writes every report to its output anyway and passes its own.
   */
  readonly keepReport?: (message: string, report: Report) => void;
}

/** What a run produced and where its report went. */
export interface RunResult extends Deliveries {
  readonly report: Report;
}

/**
 * One run, shared by every entry point: audit, deliver the report to each sink, log the outcome.
 * Never throws for a failed delivery or a partial run: both come back in the result, after the
 * report has been kept in the logs (in parts, each one log event), and the entry point decides
 * what failing means to it (a failed Lambda invocation, a CLI exit status).
 */
export async function runAndDeliver(
  deps: RunDeps,
  policy: Policy,
  options: AuditOptions = {},
): Promise<RunResult> {
  const report = await runAudit(deps, policy, options);
  const keep = deps.keepReport ?? ((message, kept) => logReport(deps.logger, message, kept));
  let kept = false;
  if (!report.complete) {
    keep('Audit incomplete; the partial report follows', report);
    kept = true;
  }
  const { deliveries, failures } = await deliverToSinks(deps.sinks, report, (sink, error) =>
    deps.logger.error(`Delivering the report to ${sink} failed`, { error }),
  );
  if (failures.length > 0 && !kept) {
    keep('Delivering the report failed; the full report follows', report);
  }
  deps.logger.info('Audit finished', {
    runId: report.runId,
    complete: report.complete,
    mode: report.policy.mode,
    dryRun: report.policy.dryRun,
    severity: report.severity,
    summary: report.summary,
    deliveries,
  });
  return { report, deliveries, failures };
}

/**
 * Keeps a report in the logs: numbered parts, each one log event well under CloudWatch Logs'
 * limit and valid JSON on its own, reassemblable by `runId`.
 */
export function logReport(logger: AuditLogger, message: string, report: Report): void {
  for (const part of splitReport(report, LOG_CHUNK_BYTES)) {
    logger.error(message, { runId: report.runId, part: part.part, report: part });
  }
}
