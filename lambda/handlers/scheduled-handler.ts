import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Summary } from '../core/report';
import { ACCOUNT_SCOPE } from '../core/scope';
import type { Config } from '../core/settings';
import { SINK_REGISTRY, type SinkEntry } from '../sinks/registry';
import { productionAuditDeps } from './audit-deps';
import { type InvocationOptions, parseInvocationEvent } from './event';
import {
  type AuditHandlerDeps,
  type AuditTrigger,
  createAuditHandler,
  deliveredSummary,
  type LambdaHandler,
} from './lambda-handler';

export { RunFailedError } from './lambda-handler';

/** Everything the scheduled function talks to, built once per execution environment. */
export interface HandlerDeps extends Omit<AuditHandlerDeps, 'policy' | 'metrics'> {
  /** The configuration the function was deployed with: the policy and where reports go. */
  readonly config: Config;
  readonly metrics: Metrics;
}

/** The Lambda handler's shape. */
export type AuditHandler = LambdaHandler<Summary>;

/**
 * The scheduled function's trigger: the schedules' event (`{}`, `{"dryRun": true}`, a scan
 * strategy, or EventBridge's scheduled event) read by the one strict rule (event.ts), a run over
 * the whole account, and the summary as its output: a partial run or a failed delivery fails the
 * invocation after the report was kept, so Lambda's retries and failure destination see it.
 */
export const SCHEDULED_TRIGGER: AuditTrigger<InvocationOptions, Summary> = {
  parse: (event) => parseInvocationEvent(event),
  scope: () => ACCOUNT_SCOPE,
  options: ({ dryRun, scanStrategy }) => ({ dryRun, ...(scanStrategy ? { scanStrategy } : {}) }),
  output: deliveredSummary,
};

/** The scheduled audit, wired by the one handler wrapper (lambda-handler.ts). */
export function createHandler(deps: HandlerDeps): AuditHandler {
  return createAuditHandler(SCHEDULED_TRIGGER, { ...deps, policy: deps.config });
}

/**
 * The real dependencies, from the function's environment: a misconfigured auditor fails its
 * cold start, naming the variable, and never runs on defaults.
 */
export function productionDeps(
  env: Readonly<Record<string, string | undefined>>,
  /** The sinks there are (a test adds one of its own). */
  registry: readonly SinkEntry[] = SINK_REGISTRY,
): HandlerDeps {
  const { policy, ...deps } = productionAuditDeps(env, registry);
  return { ...deps, config: policy };
}
