import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { createS3Client } from '../aws/s3';
import { createStsClient } from '../aws/sts';
import { ConfigError, describeError } from '../core/errors';
import type { AccountResult } from '../core/org-report';
import { SETTINGS } from '../core/settings';
import { auditAccount } from '../org';
import { archiveChangeRecorder } from '../record/archive';
import { buildSinks } from '../sinks/registry';
import { withDeadline } from './deadline';
import { parseWorkerEvent } from './event';
import { SERVICE_NAME } from './metrics';
import { loadOrgEnvironment, type OrgEnvironment } from './org-environment';

export type { WorkerEvent } from './event';

/** False in a worker bundled without Security Hub (see scheduled-handler.ts). */
const SECURITY_HUB_BUNDLED =
  (process.env.SIGNING_CERT_AUDIT_SECURITY_HUB_BUNDLED as unknown) !== false;

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
    const {
      result: { result },
    } = await withDeadline(context, deps.deadlineMarginMs ?? 60_000, (stop) =>
      auditAccount(
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
          // Each member's findings imported into its own Security Hub, through its role.
          ...(deps.env.securityHubRegion
            ? {
                memberSinks: (clientConfig: Readonly<Record<string, unknown>>) =>
                  buildSinks(
                    { securityHubRegion: deps.env.securityHubRegion as string },
                    { clientConfig },
                  ),
              }
            : {}),
          // Each change in the member account recorded in the organization archive first.
          ...(deps.env.policy.mode === 'report'
            ? {}
            : { changeRecord: archiveChangeRecorder(deps.env.archiveBucket, deps.s3) }),
          stop,
        },
        event.accountId,
        deps.env.policy,
        {
          dryRun: event.dryRun === true,
          ...(event.scanStrategy ? { scanStrategy: event.scanStrategy } : {}),
        },
      ),
    );
    deps.logger.info('Account audited', { ...result });
    return result;
  };
}

/** The production dependencies of the worker. */
export function workerProductionDeps(
  env: Readonly<Record<string, string | undefined>>,
): WorkerDeps {
  const logger = new Logger({ serviceName: SERVICE_NAME });
  try {
    const orgEnv = loadOrgEnvironment(env);
    if (orgEnv.securityHubRegion !== undefined && !SECURITY_HUB_BUNDLED) {
      throw new ConfigError(
        `${SETTINGS.securityHubRegion.env} is set, but this worker was bundled without Security Hub: deploy it with securityHub enabled`,
      );
    }
    return {
      env: orgEnv,
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
