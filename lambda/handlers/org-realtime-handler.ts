import { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { createS3Client } from '../aws/s3';
import { createStsClient } from '../aws/sts';
import { type ChangeBudget, windowLimitFromEnv } from '../core/change-budget';
import { describeScope } from '../core/scope';
import { auditAccount } from '../org';
import { archiveChangeRecorder } from '../record/archive';
import { s3ChangeBudget } from '../record/window-budget';
import { buildSinks } from '../sinks/registry';
import {
  coldStart,
  type LambdaDeps,
  type LambdaHandler,
  partitionOfFunction,
  requireSecurityHubBundled,
} from './lambda-handler';
import { METRICS_NAMESPACE, recordRunMetrics, SERVICE_NAME } from './metrics';
import { loadOrgEnvironment, type OrgEnvironment } from './org-environment';
import {
  type AccountOutcome,
  createRealtimeHandler,
  type RealtimeOutput,
} from './realtime-handler';

/** The organization's real-time function's dependencies, built once per execution environment. */
export interface OrgRealtimeDeps extends LambdaDeps {
  readonly env: OrgEnvironment;
  readonly sts: STSClient;
  readonly s3: S3Client;
  /** The window guard, in a mode that changes credentials. */
  readonly changeBudget?: ChangeBudget;
  /** Settings for each member's IAM client (an endpoint in tests). */
  readonly iamConfig?: Record<string, unknown>;
  /**
   * The run metrics' buffer, flushed after each account's run: a users-scoped run's, with the
   * `scope` dimension, which the stack's real-time Withheld alarm reads.
   */
  readonly metrics?: Metrics;
}

/**
 * The organization's real-time function: every member account's IAM events, forwarded by each
 * member's us-east-1 rule to the central bus (whose policy admits only the organization), each
 * account's users audited through the member role, with the organization worker's run
 * (lambda/org.ts): the archive in the organization layout, the member's own Security Hub, the
 * change record, and the window guard per member account.
 */
export function createOrgRealtimeHandler(deps: OrgRealtimeDeps): LambdaHandler<RealtimeOutput> {
  const { env } = deps;
  return createRealtimeHandler({
    deps,
    policy: env.policy,
    onlyAccount: () => undefined,
    audit: async (events, runId, stop, context): Promise<AccountOutcome> => {
      const started = performance.now();
      const { result, report } = await auditAccount(
        {
          sts: deps.sts,
          roleName: env.roleName,
          partition: partitionOfFunction(context.invokedFunctionArn),
          orgRunId: runId,
          now: deps.now(),
          logger: deps.logger,
          ...(deps.iamConfig ? { iamConfig: deps.iamConfig } : {}),
          sinks: buildSinks(
            { archiveBucket: env.archiveBucket, archiveLayout: 'organization' },
            { s3: deps.s3 },
          ),
          ...(env.securityHubRegion
            ? {
                memberSinks: (clientConfig: Readonly<Record<string, unknown>>) =>
                  buildSinks(
                    { securityHubRegion: env.securityHubRegion as string },
                    { clientConfig },
                  ),
              }
            : {}),
          ...(env.policy.mode === 'report'
            ? {}
            : { changeRecord: archiveChangeRecorder(env.archiveBucket, deps.s3) }),
          ...(deps.changeBudget ? { changeBudget: deps.changeBudget } : {}),
          ...(env.exemptions ? { exemptions: env.exemptions } : {}),
          stop,
        },
        events.accountId,
        env.policy,
        { dryRun: false, scope: events.scope },
      );
      if (deps.metrics && report) {
        recordRunMetrics(deps.metrics, report, performance.now() - started);
        deps.metrics.publishStoredMetrics();
      }
      // AUDITED only: INCOMPLETE is a run stopped early or a subject it could not read, whose
      // events come again.
      const ok = result.status === 'AUDITED' && report?.complete === true;
      return {
        accountId: events.accountId,
        scope: describeScope(events.scope),
        ok,
        runId: report?.runId ?? runId,
        ...(report ? { summary: report.summary } : {}),
        ...(ok ? {} : { error: result.error ?? report?.incompleteReason ?? 'not audited' }),
      };
    },
  });
}

/** The production dependencies, from the function's environment, at cold start. */
export function orgRealtimeProductionDeps(
  env: Readonly<Record<string, string | undefined>>,
): OrgRealtimeDeps {
  return coldStart((logger) => {
    const orgEnv = requireSecurityHubBundled(loadOrgEnvironment(env), 'function');
    const s3 = createS3Client();
    return {
      env: orgEnv,
      sts: createStsClient(),
      s3,
      ...(orgEnv.policy.mode === 'report'
        ? {}
        : { changeBudget: s3ChangeBudget(s3, orgEnv.archiveBucket, windowLimitFromEnv(env)) }),
      logger,
      metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
      now: () => new Date(),
    };
  });
}
