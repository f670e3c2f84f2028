import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Context } from 'aws-lambda';
import { createIamClient } from '../aws/iam';
import { describeError, SigningCertAuditError } from '../core/errors';
import type { Summary } from '../core/report';
import { type Config, loadConfigFromEnv } from '../core/settings';
import { runAndDeliver } from '../run';
import type { ReportSink } from '../sinks/sink';
import { createSnsClient, snsSink } from '../sinks/sns';
import { parseInvocationEvent } from './event';
import { METRICS_NAMESPACE, recordRunMetrics, SERVICE_NAME } from './metrics';

/** A run that did not end well: incomplete, or its report could not be delivered. */
export class RunFailedError extends SigningCertAuditError {
  override readonly name = 'RunFailedError';
}

/** Everything the scheduled function talks to, built once per execution environment. */
export interface HandlerDeps {
  readonly config: Config;
  readonly iam: IAMClient;
  readonly sinks: readonly ReportSink[];
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The clock; a run evaluates the policy at the moment it starts. */
  readonly now: () => Date;
}

/** The Lambda handler's shape. */
export type AuditHandler = (event: unknown, context: Context) => Promise<Summary>;

/**
 * The scheduled audit, wired: read the event, run (audit → sinks → log), emit the run's
 * metrics, return the summary. A partial run or a failed delivery fails the invocation after
 * the report was kept, so Lambda's retries and failure destination see it.
 */
export function createHandler(deps: HandlerDeps): AuditHandler {
  return async (event, context) => {
    deps.logger.addContext(context);
    const { dryRun } = parseInvocationEvent(event);
    const result = await runAndDeliver(
      {
        iam: deps.iam,
        logger: deps.logger,
        now: deps.now(),
        runId: context.awsRequestId,
        accountId: accountIdOf(context.invokedFunctionArn),
        sinks: deps.sinks,
      },
      deps.config,
      { dryRun },
    );
    recordRunMetrics(deps.metrics, result.report.summary);
    deps.metrics.publishStoredMetrics();
    if (!result.report.complete) {
      throw new RunFailedError(`Audit incomplete: ${result.report.incompleteReason}`);
    }
    if (result.failures.length > 0) {
      const reasons = result.failures.map((f) => `${f.sink}: ${f.error.message}`).join('; ');
      throw new RunFailedError(`Delivering the report failed: ${reasons}`);
    }
    return result.report.summary;
  };
}

/**
 * The real dependencies, from the function's environment: a misconfigured auditor fails its
 * cold start, naming the variable, and never runs on defaults.
 */
export function productionDeps(env: Readonly<Record<string, string | undefined>>): HandlerDeps {
  const logger = new Logger({ serviceName: SERVICE_NAME });
  let config: Config;
  try {
    config = loadConfigFromEnv(env);
  } catch (error: unknown) {
    logger.critical('Invalid configuration', { error: describeError(error) });
    throw error;
  }
  return {
    config,
    iam: createIamClient(),
    sinks: [snsSink(createSnsClient(config.topicArn), config.topicArn)],
    logger,
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    now: () => new Date(),
  };
}

function accountIdOf(functionArn: string | undefined): string {
  return functionArn?.split(':')[4] || 'unknown';
}
