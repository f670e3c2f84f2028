import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Context } from 'aws-lambda';
import type { CredentialReportWait } from '../aws/credential-report';
import { createIamClient } from '../aws/iam';
import type { ChangeRecorder } from '../core/change-record';
import { ConfigError, describeError, SigningCertAuditError } from '../core/errors';
import type { Summary } from '../core/report';
import { type Config, loadConfigFromEnv, SETTINGS } from '../core/settings';
import { archiveChangeRecorder } from '../record/archive';
import { runAndDeliver } from '../run';
import { buildSinks, SINK_REGISTRY, type SinkEntry } from '../sinks/registry';
import type { ReportSink } from '../sinks/sink';
import { withDeadline } from './deadline';
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
  /** Where each change is recorded before it is made (the archive), in deactivate and delete mode. */
  readonly changeRecord?: ChangeRecorder;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The clock; a run evaluates the policy at the moment it starts. */
  readonly now: () => Date;
  /**
   * With less Lambda time than this left, the run starts no new listing or change, lets the
   * calls in flight finish, and delivers a partial report: time for those calls and for the
   * delivery to every sink.
   * @default DEADLINE_MARGIN_MS
   */
  readonly deadlineMarginMs?: number;
  /** How long to wait for the credential report; the defaults of aws/credential-report.ts. */
  readonly credentialReportWait?: Pick<CredentialReportWait, 'maxWaitMs' | 'pollMs'>;
}

/**
 * False in a bundle built for a function deployed without Security Hub: the construct passes
 * esbuild `define: { 'process.env.SIGNING_CERT_AUDIT_SECURITY_HUB_BUNDLED': 'false' }`, and
 * esbuild then drops the Security Hub sink and its client (about 220 KB) from the bundle.
 * Unbundled (tests, the CLI) it is true.
 */
const SECURITY_HUB_BUNDLED =
  (process.env.SIGNING_CERT_AUDIT_SECURITY_HUB_BUNDLED as unknown) !== false;

/** The default deadline margin: 90 s of a 900 s function. */
export const DEADLINE_MARGIN_MS = 90_000;

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
    const { dryRun, scanStrategy } = parseInvocationEvent(event);
    const started = performance.now();
    const { result, deadline } = await withDeadline(
      context,
      deps.deadlineMarginMs ?? DEADLINE_MARGIN_MS,
      (stop) =>
        runAndDeliver(
          {
            iam: deps.iam,
            logger: deps.logger,
            now: deps.now(),
            runId: context.awsRequestId,
            accountId: accountIdOf(context.invokedFunctionArn),
            sinks: deps.sinks,
            ...(deps.changeRecord ? { changeRecord: deps.changeRecord } : {}),
            stop,
            ...(deps.credentialReportWait
              ? { credentialReportWait: deps.credentialReportWait }
              : {}),
          },
          deps.config,
          { dryRun, ...(scanStrategy ? { scanStrategy } : {}) },
        ),
    );
    recordRunMetrics(deps.metrics, result.report, performance.now() - started);
    deps.metrics.publishStoredMetrics();
    if (result.failures.length > 0) {
      const reasons = result.failures.map((f) => `${f.sink}: ${f.error.message}`).join('; ');
      throw new RunFailedError(`Delivering the report failed: ${reasons}`);
    }
    if (!result.report.complete && !deadline.aborted) {
      throw new RunFailedError(`Audit incomplete: ${result.report.incompleteReason}`);
    }
    if (!result.report.complete) {
      // A retry would hit the same wall: the partial report is delivered and the Incomplete
      // metric raises its alarm instead of a failed invocation.
      deps.logger.warn('Stopped by the deadline; the partial report was delivered', {
        incompleteReason: result.report.incompleteReason,
      });
    }
    return result.report.summary;
  };
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
  const logger = new Logger({ serviceName: SERVICE_NAME });
  let config: Config;
  try {
    config = loadConfigFromEnv(env);
    if (config.securityHubRegion !== undefined && !SECURITY_HUB_BUNDLED) {
      throw new ConfigError(
        `${SETTINGS.securityHubRegion.env} is set, but this function was bundled without Security Hub: deploy it with securityHub enabled`,
      );
    }
  } catch (error: unknown) {
    logger.critical('Invalid configuration', { error: describeError(error) });
    throw error;
  }
  return {
    config,
    iam: createIamClient(),
    // The archive first, so the report is kept before anything is published; each sink's
    // module (and SDK client) loads at its first delivery, and SNS's only for a report worth
    // publishing: a clean run never loads it.
    // The sinks the configuration turns on, from the one registry (lambda/sinks/registry.ts).
    sinks: buildSinks(
      {
        archiveBucket: config.archiveBucket,
        topicArn: config.topicArn,
        securityHubRegion: config.securityHubRegion,
      },
      {},
      registry,
    ),
    ...(config.mode !== 'report' && config.archiveBucket
      ? { changeRecord: archiveChangeRecorder(config.archiveBucket) }
      : {}),
    logger,
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    now: () => new Date(),
  };
}

function accountIdOf(functionArn: string | undefined): string {
  return functionArn?.split(':')[4] || 'unknown';
}
