import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { type createOrganizationsClient, selectActiveAccounts } from '../aws/organizations';
import { createS3Client } from '../aws/s3';
import { createStsClient, DEFAULT_MEMBER_ROLE_NAME } from '../aws/sts';
import { orgReportKey } from '../core/archive-layout';
import { ConfigError, describeError, SigningCertAuditError } from '../core/errors';
import {
  type AccountResult,
  buildOrgReport,
  failedAccount,
  type OrgReport,
  type OrgScope,
} from '../core/org-report';
import { loadPolicyFromEnv, type Policy, SETTINGS } from '../core/settings';
import { auditAccount } from '../org';
import { deliverToSinks } from '../sinks/deliver';
import { buildOrgSinks, buildSinks } from '../sinks/registry';
import { parseInvocationEvent, parseWorkerEvent, runIdOf, type WorkerEvent } from './event';
import { SERVICE_NAME } from './metrics';

export type { WorkerEvent } from './event';

/** What every organization function reads from its environment. */
export interface OrgEnvironment {
  readonly policy: Policy;
  readonly archiveBucket: string;
  readonly roleName: string;
}

/** Reads the organization functions' environment: the policy, the archive, the member role. */
export function loadOrgEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): OrgEnvironment {
  const policy = loadPolicyFromEnv(env);
  const archiveBucket = env[SETTINGS.archiveBucket.env];
  if (
    archiveBucket === undefined ||
    !SETTINGS.archiveBucket.schema.safeParse(archiveBucket).success
  ) {
    throw new ConfigError(
      `${SETTINGS.archiveBucket.env}=${JSON.stringify(archiveBucket)} is not allowed: expected ${SETTINGS.archiveBucket.allowed}`,
    );
  }
  const roleName = env.MEMBER_ROLE_NAME ?? DEFAULT_MEMBER_ROLE_NAME;
  if (!/^[\w+=,.@-]{1,64}$/.test(roleName)) {
    throw new ConfigError(
      `MEMBER_ROLE_NAME=${JSON.stringify(roleName.slice(0, 80))} is not allowed: expected an IAM role name`,
    );
  }
  return { policy, archiveBucket, roleName };
}

/** The worker's dependencies, built once per execution environment. */
export interface WorkerDeps {
  readonly env: OrgEnvironment;
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Settings for each member's IAM client (an endpoint in tests). */
  readonly iamConfig?: Record<string, unknown>;
  /** Less Lambda time than this left: start no new work in the account (see scheduled-handler). */
  readonly deadlineMarginMs?: number;
}

/**
 * The Distributed Map's worker: audits one member account through its role with the same run
 * as the single-account function, archives the account's report, and returns only a small
 * status. An account whose role cannot be assumed comes back FAILED with why; anything else
 * that goes wrong throws, and the state machine's catch turns it into FAILED for this account.
 */
export function createWorkerHandler(deps: WorkerDeps) {
  return async (input: unknown, context: Context): Promise<AccountResult> => {
    deps.logger.addContext(context);
    // The single-account rule: a dry run in its one exact form or refused, no unknown key. The
    // README documents this event, so operators will invoke the worker by hand.
    const event = parseWorkerEvent(input);
    const margin = deps.deadlineMarginMs ?? 60_000;
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(`deadline: less than ${Math.round(margin / 1000)} s of Lambda time left`),
      Math.max(0, context.getRemainingTimeInMillis() - margin),
    );
    try {
      const { result } = await auditAccount(
        {
          sts: deps.sts,
          roleName: deps.env.roleName,
          partition: partitionOf(context.invokedFunctionArn),
          orgRunId: event.runId,
          now: deps.now(),
          logger: deps.logger,
          ...(deps.iamConfig ? { iamConfig: deps.iamConfig } : {}),
          // Each account's report in the organization layout, from the one registry.
          sinks: buildSinks(
            { archiveBucket: deps.env.archiveBucket, archiveLayout: 'organization' },
            { s3: deps.s3 },
          ),
          stop: deadline.signal,
        },
        event.accountId,
        deps.env.policy,
        {
          dryRun: event.dryRun === true,
          ...(event.scanStrategy ? { scanStrategy: event.scanStrategy } : {}),
        },
      );
      deps.logger.info('Account audited', { ...result });
      return result;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The enumerate step's input and output. */
export interface EnumerateEvent {
  /** The execution's name: the run id every account shares (a name it cannot be is refused). */
  readonly runId: string;
  /**
   * The execution's input, read by the single-account function's rules: `{}` (or the schedule's
   * input) for a real run, `{"dryRun": true}` for a dry run, optionally a `scanStrategy`; any
   * other input fails the run here, before any account is touched.
   */
  readonly input?: unknown;
}
/** Where the account list was written, for the Distributed Map's S3 item reader. */
export interface EnumerateResult {
  readonly runId: string;
  readonly bucket: string;
  readonly key: string;
  readonly count: number;
}

/** Which accounts, read from the environment (comma-separated lists). */
function selectionFrom(env: Readonly<Record<string, string | undefined>>) {
  const list = (name: string) =>
    (env[name] ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  return {
    includeOus: list('INCLUDE_OUS'),
    excludeOus: list('EXCLUDE_OUS'),
    includeAccounts: list('INCLUDE_ACCOUNTS'),
    excludeAccounts: list('EXCLUDE_ACCOUNTS'),
  };
}

/**
 * The enumerate step: the organization's ACTIVE accounts the selection keeps, written to the
 * archive as a JSON array of worker events (the Distributed Map's item reader reads it).
 */
export function createEnumerateHandler(deps: {
  readonly s3: S3Client;
  readonly organizations: ReturnType<typeof createOrganizationsClient>;
  readonly archiveBucket: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}) {
  return async (event: EnumerateEvent): Promise<EnumerateResult> => {
    const runId = runIdOf(event?.runId, 'enumerate');
    const { dryRun, scanStrategy } = parseInvocationEvent(event?.input);
    const selection = selectionFrom(deps.env);
    const { accounts, excluded } = await selectActiveAccounts(deps.organizations, selection);
    // Nothing to audit is a misconfiguration (an OU typo, an include list of closed accounts),
    // never a clean run: fail here, so the failed-run alarm says so.
    if (accounts.length === 0) {
      throw new ConfigError(
        `The account selection left no ACTIVE account to audit (${excluded.length} left out by it; selection ${JSON.stringify(selection).slice(0, 500)})`,
      );
    }
    const key = `org-runs/${runId}/accounts.json`;
    // What the run set out to audit, for the organization report: written first, so a run
    // whose accounts were listed always has it.
    const scope: OrgScope = { selection, excluded };
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.archiveBucket,
        Key: scopeKey(runId),
        Body: JSON.stringify(scope),
        ContentType: 'application/json',
      }),
    );
    // Each item is a worker event by the worker's own rule: a real run says nothing of a dry run.
    const items: WorkerEvent[] = accounts.map((account) => ({
      accountId: account.accountId,
      runId,
      ...(dryRun ? { dryRun: true } : {}),
      ...(scanStrategy ? { scanStrategy } : {}),
    }));
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.archiveBucket,
        Key: key,
        Body: JSON.stringify(items),
        ContentType: 'application/json',
      }),
    );
    return { runId, bucket: deps.archiveBucket, key, count: items.length };
  };
}

/** Where the enumerate step keeps a run's scope (its selection and the accounts left out). */
export function scopeKey(runId: string): string {
  return `org-runs/${runId}/scope.json`;
}

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

/** The production dependencies of the worker. */
export function workerProductionDeps(
  env: Readonly<Record<string, string | undefined>>,
): WorkerDeps {
  const logger = new Logger({ serviceName: SERVICE_NAME });
  try {
    return {
      env: loadOrgEnvironment(env),
      sts: createStsClient(),
      s3: createS3Client(),
      logger,
      now: () => new Date(),
    };
  } catch (error: unknown) {
    logger.critical('Invalid configuration', { error: describeError(error) });
    throw error;
  }
}

function partitionOf(arn: string | undefined): string {
  return arn?.split(':')[1] || 'aws';
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
 * The summarize step: reads the map's results, writes one organization report to the archive
 * and publishes one organization-level message (the report to every protocol, a digest to
 * email). Failing to archive or publish fails the step, so the execution shows it.
 */
export function createSummarizeHandler(deps: {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly archiveBucket: string;
  readonly now: () => Date;
  readonly logger?: Logger;
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
