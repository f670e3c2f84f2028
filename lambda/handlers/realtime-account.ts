import { createS3Client } from '../aws/s3';
import { ChangeBudgetError, windowLimitFromEnv } from '../core/change-budget';
import { describeScope } from '../core/scope';
import { SETTINGS } from '../core/settings';
import { s3ChangeBudget } from '../record/window-budget';
import { SINK_REGISTRY, type SinkEntry } from '../sinks/registry';
import { type ProductionAuditDeps, productionAuditDeps } from './audit-deps';
import { type AuditHandlerDeps, type LambdaHandler, runScoped } from './lambda-handler';
import {
  type AccountOutcome,
  createRealtimeHandler,
  functionAccount,
  type RealtimeOutput,
} from './realtime-handler';

/**
 * The single-account real-time function: the events of its own account only, each batch's users
 * audited in one users-scoped run with the scheduled function's dependencies (the configuration,
 * the sinks, the change record, the metrics) and the window guard.
 */
export function createAccountRealtimeHandler(
  deps: AuditHandlerDeps,
): LambdaHandler<RealtimeOutput> {
  return createRealtimeHandler({
    deps,
    policy: deps.policy,
    onlyAccount: functionAccount,
    audit: async (events, runId, stop): Promise<AccountOutcome> => {
      const run = await runScoped(
        deps,
        { runId, accountId: events.accountId, options: { scope: events.scope } },
        stop,
      );
      const { report, failures } = run;
      const problems = [
        ...(report.complete ? [] : [`incomplete: ${report.incompleteReason}`]),
        // A user the run could not read (IAM throttling it, say) was not audited: its events
        // come again, as an incomplete run's do, rather than being taken as done.
        ...(report.summary.unread > 0
          ? [`not fully audited: ${report.summary.unread} subject(s) could not be read`]
          : []),
        ...failures.map((f) => `delivering to ${f.sink} failed: ${f.error.message}`),
      ];
      return {
        accountId: events.accountId,
        scope: describeScope(events.scope),
        ok: problems.length === 0,
        runId: report.runId,
        summary: report.summary,
        ...(problems.length > 0 ? { error: problems.join('; ') } : {}),
      };
    },
  });
}

/**
 * The real dependencies, from the function's environment (the scheduled function's, and the
 * window guard's two variables): in a mode that changes credentials, the window guard keeps its
 * counts in the archive bucket, which must be set.
 */
export function realtimeProductionDeps(
  env: Readonly<Record<string, string | undefined>>,
  registry: readonly SinkEntry[] = SINK_REGISTRY,
): ProductionAuditDeps {
  const deps = productionAuditDeps(env, registry);
  if (deps.policy.mode === 'report') return deps;
  const bucket = deps.policy.archiveBucket;
  try {
    if (!bucket) {
      throw new ChangeBudgetError(
        `${SETTINGS.archiveBucket.env} is not set: in ${deps.policy.mode} mode the real-time function keeps its window guard's counts in the archive`,
      );
    }
    return {
      ...deps,
      changeBudget: s3ChangeBudget(createS3Client(), bucket, windowLimitFromEnv(env)),
    };
  } catch (error: unknown) {
    deps.logger.critical('Invalid configuration', { error: (error as Error).message });
    throw error;
  }
}
