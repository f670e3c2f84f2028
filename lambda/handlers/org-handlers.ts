import { Logger } from '@aws-lambda-powertools/logger';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { type createOrganizationsClient, listActiveAccounts } from '../aws/organizations';
import { createStsClient, DEFAULT_MEMBER_ROLE_NAME } from '../aws/sts';
import { ConfigError, describeError } from '../core/errors';
import {
  type AccountResult,
  buildOrgReport,
  failedAccount,
  type OrgReport,
} from '../core/org-report';
import { loadPolicyFromEnv, type Policy, SETTINGS } from '../core/settings';
import { auditAccount } from '../org';
import { archiveSink, createS3Client } from '../sinks/s3-archive';
import { SERVICE_NAME } from './metrics';

/** The item the Distributed Map hands each worker: one account of one run. */
export interface WorkerEvent {
  readonly accountId: string;
  readonly runId: string;
}

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
  return async (event: WorkerEvent, context: Context): Promise<AccountResult> => {
    deps.logger.addContext(context);
    if (!/^\d{12}$/.test(event?.accountId ?? '') || typeof event?.runId !== 'string') {
      throw new ConfigError(
        `Invalid worker event: expected {"accountId": "<12 digits>", "runId": "<id>"}, got ${JSON.stringify(event).slice(0, 200)}`,
      );
    }
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
          sinks: [archiveSink(deps.s3, deps.env.archiveBucket)],
          archiveBucket: deps.env.archiveBucket,
          stop: deadline.signal,
        },
        event.accountId,
        deps.env.policy,
        { dryRun: false },
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
  /** The execution's name or id: the run id every account shares. */
  readonly runId: string;
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
    const runId = safeRunId(event?.runId);
    const accounts = await listActiveAccounts(deps.organizations, selectionFrom(deps.env));
    const key = `org-runs/${runId}/accounts.json`;
    const items: WorkerEvent[] = accounts.map((account) => ({
      accountId: account.accountId,
      runId,
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

/** The map's result, as the summarize step gets it: every item's output, or its failure. */
export type MapItemOutcome =
  | { readonly output: AccountResult }
  | { readonly accountId: string; readonly error: string };

/** The organization report built from the map's items. */
export function summarize(
  runId: string,
  now: Date,
  outcomes: readonly MapItemOutcome[],
): OrgReport {
  return buildOrgReport(
    runId,
    now,
    outcomes.map((outcome) =>
      'output' in outcome ? outcome.output : failedAccount(outcome.accountId, outcome.error),
    ),
  );
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

function safeRunId(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  const safe = text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  if (safe === '') throw new ConfigError('Invalid enumerate event: expected {"runId": "<id>"}');
  return safe;
}
