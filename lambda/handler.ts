import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { runAudit } from './audit';
import { loadConfigFromEnv } from './config';
import { AuditIncompleteError, describeError } from './errors';
import { parseInvocationEvent } from './event';
import { createIamClient } from './iam';
import { METRICS_NAMESPACE, recordRunMetrics, SERVICE_NAME } from './metrics';
import { createSnsClient, publishReport } from './publish';
import { LOG_CHUNK_BYTES, type Report, type Summary, shouldPublish, splitReport } from './report';

// Built once per execution environment and reused by every invocation.
const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
const config = loadConfigOrFail();
const iam = createIamClient();
const sns = createSnsClient(config.topicArn);

/** The scheduled audit: scan, judge, act by mode, publish the findings, return the summary. */
export const handler = async (event: unknown, context: Context): Promise<Summary> => {
  logger.addContext(context);
  const { dryRun } = parseInvocationEvent(event);
  const deps = {
    iam,
    logger,
    now: new Date(),
    runId: context.awsRequestId,
    accountId: accountIdOf(context.invokedFunctionArn),
  };
  let report: Report;
  try {
    report = await runAudit(deps, config, { dryRun });
  } catch (error: unknown) {
    if (!(error instanceof AuditIncompleteError)) throw error;
    // Keep what the partial run saw and did, then fail so Lambda's retry and failure destination see it.
    finishRun(error.report);
    logReport('Audit incomplete; the partial report follows', error.report);
    await publishReport(sns, config.topicArn, error.report).catch((publishError: unknown) =>
      logger.error('Publishing the partial report failed', { error: describeError(publishError) }),
    );
    throw error;
  }
  finishRun(report);
  if (shouldPublish(report)) {
    try {
      await publishReport(sns, config.topicArn, report);
    } catch (error: unknown) {
      logger.error('Publishing the report failed', { error: describeError(error) });
      logReport('Publishing the report failed; the full report follows', report);
      throw error;
    }
  }
  return report.summary;
};

/**
 * Keeps a report in the logs when it could not be delivered: numbered parts, each one log event
 * well under CloudWatch Logs' limit and valid JSON on its own, reassemblable by `runId`.
 */
function logReport(message: string, report: Report): void {
  for (const part of splitReport(report, LOG_CHUNK_BYTES)) {
    logger.error(message, { runId: report.runId, part: part.part, report: part });
  }
}

function finishRun(report: Report): void {
  recordRunMetrics(metrics, report.summary);
  metrics.publishStoredMetrics();
  logger.info('Audit finished', {
    runId: report.runId,
    complete: report.complete,
    mode: report.policy.mode,
    dryRun: report.policy.dryRun,
    severity: report.severity,
    summary: report.summary,
  });
}

function loadConfigOrFail() {
  try {
    return loadConfigFromEnv(process.env);
  } catch (error: unknown) {
    // Fails the cold start: a misconfigured auditor must never run on defaults.
    logger.critical('Invalid configuration', { error: describeError(error) });
    throw error;
  }
}

function accountIdOf(functionArn: string | undefined): string {
  return functionArn?.split(':')[4] || 'unknown';
}
