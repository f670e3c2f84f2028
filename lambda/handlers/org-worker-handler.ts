import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { createS3Client } from '../aws/s3';
import { createStsClient } from '../aws/sts';
import type { AccountResult } from '../core/org-report';
import { auditAccount } from '../org';
import { archiveChangeRecorder } from '../record/archive';
import { buildSinks } from '../sinks/registry';
import { parseWorkerEvent } from './event';
import {
  coldStart,
  createLambdaHandler,
  type LambdaDeps,
  type LambdaHandler,
  partitionOfFunction,
  requireSecurityHubBundled,
} from './lambda-handler';
import { loadOrgEnvironment, type OrgEnvironment } from './org-environment';

export type { WorkerEvent } from './event';

/**
 * The worker's default deadline margin: less than the single-account function's, as a worker
 * audits one account and delivers to the archive (and the member's Security Hub) only.
 */
export const WORKER_DEADLINE_MARGIN_MS = 60_000;

/** The worker's dependencies, built once per execution environment. */
export interface WorkerDeps extends LambdaDeps {
  readonly env: OrgEnvironment;
  readonly sts: STSClient;
  readonly s3: S3Client;
  /** Settings for each member's IAM client (an endpoint in tests). */
  readonly iamConfig?: Record<string, unknown>;
}

/**
 * The Distributed Map's worker, wired by the one handler wrapper (lambda-handler.ts): audits
 * one member account through its role with the same run as the single-account function
 * (lambda/org.ts: its own wiring, since it enters another account), archives the account's
 * report, and returns only a small status. An account whose role cannot be assumed comes back
 * FAILED with why; anything else that goes wrong throws, and the state machine's catch turns it
 * into FAILED for this account.
 */
export function createWorkerHandler(deps: WorkerDeps): LambdaHandler<AccountResult> {
  return createLambdaHandler(deps, {
    // The single-account rule: a dry run in its one exact form or refused, no unknown key. The
    // README documents this event, so operators will invoke the worker by hand.
    parse: (input) => parseWorkerEvent(input),
    deadlineMarginMs: WORKER_DEADLINE_MARGIN_MS,
    run: (event, stop, context) =>
      auditAccount(
        {
          sts: deps.sts,
          roleName: deps.env.roleName,
          partition: partitionOfFunction(context.invokedFunctionArn),
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
          ...(deps.env.exemptions ? { exemptions: deps.env.exemptions } : {}),
          stop,
        },
        event.accountId,
        deps.env.policy,
        {
          dryRun: event.dryRun === true,
          ...(event.scanStrategy ? { scanStrategy: event.scanStrategy } : {}),
        },
      ),
    output: ({ result: { result } }) => {
      deps.logger.info('Account audited', { ...result });
      return result;
    },
  });
}

/** The production dependencies of the worker. */
export function workerProductionDeps(
  env: Readonly<Record<string, string | undefined>>,
): WorkerDeps {
  return coldStart((logger) => ({
    env: requireSecurityHubBundled(loadOrgEnvironment(env), 'worker'),
    sts: createStsClient(),
    s3: createS3Client(),
    logger,
    now: () => new Date(),
  }));
}
