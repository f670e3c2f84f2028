import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { orgReportKey, scopeKey } from '../core/archive-layout';
import { describeError, SigningCertAuditError } from '../core/errors';
import {
  type AccountResult,
  buildOrgReport,
  failedAccount,
  type OrgReport,
  type OrgScope,
} from '../core/org-report';
import { deliverToSinks } from '../sinks/deliver';
import { buildOrgSinks } from '../sinks/registry';
import { runIdOf, type WorkerEvent } from './event';
import { recordOrgRunMetrics } from './metrics';

/** The map's result, as the summarize step gets it: every item's output, or its failure. */
export type MapItemOutcome =
  | { readonly output: AccountResult }
  | { readonly accountId: string; readonly error: string };

/** The organization report built from the map's items. */
export function summarize(
  runId: string,
  now: Date,
  outcomes: readonly MapItemOutcome[],
  scope: OrgScope | null = null,
): OrgReport {
  return buildOrgReport(
    runId,
    now,
    outcomes.map((outcome) =>
      'output' in outcome ? outcome.output : failedAccount(outcome.accountId, outcome.error),
    ),
    scope,
  );
}

/**
 * The run's scope as the enumerate step wrote it; null (and a warning) when it cannot be read:
 * the organization report is still written, without it.
 */
async function readScope(
  deps: { readonly s3: S3Client; readonly archiveBucket: string; readonly logger?: Logger },
  runId: string,
): Promise<OrgScope | null> {
  try {
    const { Body } = await deps.s3.send(
      new GetObjectCommand({ Bucket: deps.archiveBucket, Key: scopeKey(runId) }),
    );
    return JSON.parse((await Body?.transformToString('utf8')) ?? 'null') as OrgScope | null;
  } catch (error: unknown) {
    deps.logger?.warn('The run’s scope could not be read; the report is written without it', {
      key: scopeKey(runId),
      error: describeError(error),
    });
    return null;
  }
}

/** Where the Distributed Map's ResultWriterV2 put its manifest. */
export interface SummarizeEvent {
  readonly runId: string;
  readonly resultWriterDetails: { readonly Bucket: string; readonly Key: string };
}

/** What the summarize step reports back to the state machine: small, the report is archived. */
export interface SummarizeResult {
  readonly runId: string;
  readonly reportKey: string;
  readonly counts: OrgReport['counts'];
  readonly severity: OrgReport['severity'];
}

/** One child execution's line in a ResultWriter result file. */
interface ChildResult {
  readonly Input?: string;
  readonly Output?: string;
  readonly Status?: string;
  readonly Error?: string;
  readonly Cause?: string;
}

/**
 * The map's outcomes from its ResultWriter output: the manifest lists result files by status;
 * each file is a JSON array of child executions, each with its input and output as JSON text.
 * A succeeded child's output is the account's status (the worker's, or the catch's FAILED);
 * a failed child (which the catch should have prevented) is FAILED with its cause.
 */
export async function readMapOutcomes(
  read: (key: string) => Promise<string>,
  manifestKey: string,
): Promise<MapItemOutcome[]> {
  const manifest = JSON.parse(await read(manifestKey)) as {
    ResultFiles?: Record<string, readonly { readonly Key: string }[]>;
  };
  const outcomes: MapItemOutcome[] = [];
  for (const [status, files] of Object.entries(manifest.ResultFiles ?? {})) {
    for (const file of files) {
      for (const child of JSON.parse(await read(file.Key)) as ChildResult[]) {
        const input = safeJson(child.Input) as Partial<WorkerEvent> | undefined;
        const output = safeJson(child.Output) as AccountResult | undefined;
        // The catch's FAILED status (a Pass state) carries the account and why, nothing more.
        if (
          status === 'SUCCEEDED' &&
          output?.accountId &&
          output.status === 'FAILED' &&
          !output.summary
        ) {
          outcomes.push({ accountId: output.accountId, error: output.error ?? 'failed' });
        } else if (status === 'SUCCEEDED' && output?.accountId) outcomes.push({ output });
        else {
          outcomes.push({
            accountId: input?.accountId ?? 'unknown',
            error:
              `${child.Error ?? child.Status ?? status}: ${child.Cause ?? 'no cause given'}`.slice(
                0,
                500,
              ),
          });
        }
      }
    }
  }
  return outcomes;
}

function safeJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The summarize step: reads the map's results, delivers one organization report through the
 * sinks (the archive, then one organization-level message: the report to every protocol, a
 * digest to email) and emits the run's metrics. Failing to archive or publish fails the step,
 * so the execution shows it.
 */
export function createSummarizeHandler(deps: {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly archiveBucket: string;
  readonly now: () => Date;
  readonly logger?: Logger;
  /** The run's metrics (ORG_METRIC_NAMES), emitted once per run as EMF. */
  readonly metrics: Metrics;
}) {
  return async (event: SummarizeEvent): Promise<SummarizeResult> => {
    const runId = runIdOf(event?.runId, 'summarize');
    const read = async (key: string) => {
      const { Body } = await deps.s3.send(
        new GetObjectCommand({ Bucket: event.resultWriterDetails.Bucket, Key: key }),
      );
      return (await Body?.transformToString('utf8')) ?? '';
    };
    const outcomes = await readMapOutcomes(read, event.resultWriterDetails.Key);
    const report = summarize(runId, deps.now(), outcomes, await readScope(deps, runId));
    // Delivered through the same sinks as an account's report: the archive, then SNS.
    const sinks = await buildOrgSinks(
      { archiveBucket: deps.archiveBucket, topicArn: deps.topicArn },
      { s3: deps.s3, sns: deps.sns },
    );
    const { failures } = await deliverToSinks(sinks, report, (sink, error) =>
      deps.logger?.error(`Delivering the organization report to ${sink} failed`, { error }),
    );
    // Emitted whatever became of the deliveries: the run happened, and its alarms need its counts.
    recordOrgRunMetrics(deps.metrics, report);
    deps.metrics.publishStoredMetrics();
    // Failing to archive or publish fails the step, so the execution shows it.
    if (failures.length > 0) {
      throw new SigningCertAuditError(
        `Delivering the organization report failed: ${failures.map((f) => `${f.sink}: ${f.error.code}: ${f.error.message}`).join('; ')}`,
      );
    }
    const key = orgReportKey(report);
    return { runId, reportKey: key, counts: report.counts, severity: report.severity };
  };
}
