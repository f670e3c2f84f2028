import { Logger } from '@aws-lambda-powertools/logger';
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Context } from 'aws-lambda';
import { createConfigClient, putEvaluations } from '../aws/config';
import { createIamClient } from '../aws/iam';
import { evaluateUsers, type RuleCompliance } from '../core/config-evaluations';
import { describeError, SigningCertAuditError } from '../core/errors';
import { loadPolicyFromEnv, type Policy } from '../core/settings';
import type { ScannedUser } from '../engine/audit';
import { runAndDeliver } from '../run';
import { parseConfigRuleEvent } from './config-rule-event';
import { withDeadline } from './deadline';
import { SERVICE_NAME } from './metrics';

/** The rule's run did not see the whole account: its evaluations cover the users it reached. */
export class RuleRunIncompleteError extends SigningCertAuditError {
  override readonly name = 'RuleRunIncompleteError';
}

/** Everything the Config rule's function talks to, built once per execution environment. */
export interface ConfigRuleHandlerDeps {
  /** The policy the function was deployed with; its mode is never used: the rule only reports. */
  readonly policy: Policy;
  readonly iam: IAMClient;
  readonly config: ConfigServiceClient;
  readonly logger: Logger;
  /** The clock; the run evaluates the policy at the moment it starts. */
  readonly now: () => Date;
  /**
   * With less Lambda time than this left, the run starts no new listing and evaluates the users
   * it reached; the time left is for the calls in flight and PutEvaluations.
   * @default DEADLINE_MARGIN_MS
   */
  readonly deadlineMarginMs?: number;
}

/** The default deadline margin: 90 s of a 900 s function, as the scheduled function's. */
export const DEADLINE_MARGIN_MS = 90_000;

/** What one evaluation delivered: how many users got each compliance, and what was left out. */
export interface RuleRunSummary {
  readonly evaluations: Readonly<Record<RuleCompliance, number>>;
  /** Users the run reached but did not evaluate (unread, deleted during the run). */
  readonly omitted: number;
  /** PutEvaluations requests sent. */
  readonly requests: number;
  /** False when the run stopped early or ListUsers failed: users not reached were not evaluated. */
  readonly complete: boolean;
}

/** The Lambda handler's shape. */
export type ConfigRuleHandler = (event: unknown, context: Context) => Promise<RuleRunSummary>;

/**
 * The AWS Config rule, wired: read Config's event (a periodic evaluation, or refused), run the
 * same audit as the scheduled function in report mode whatever the deployment's mode (a rule
 * evaluates, it never changes anything; the function's role has no IAM write permission either,
 * and no change record is passed, so a deletion would be refused), turn the users it reached into
 * one evaluation each (core/config-evaluations.ts), and deliver them with PutEvaluations. A run
 * that did not see the whole account delivers what it saw, then fails (unless the deadline
 * stopped it, which a retry would hit again), so Lambda's error metric and Config's rule status
 * show it.
 */
export function createConfigRuleHandler(deps: ConfigRuleHandlerDeps): ConfigRuleHandler {
  return async (event, context) => {
    deps.logger.addContext(context);
    const invocation = parseConfigRuleEvent(event, accountIdOf(context.invokedFunctionArn));
    if (invocation.ignoredKeys.length > 0) {
      deps.logger.warn('The Config event holds keys this rule does not know; they were ignored', {
        ignoredKeys: invocation.ignoredKeys,
      });
    }
    let scanned: readonly ScannedUser[] = [];
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
            accountId: invocation.accountId,
            // No sink: the evaluations are the rule's output; the scheduled function delivers reports.
            sinks: [],
            stop,
            onUsersScanned: (users) => {
              scanned = users;
            },
          },
          // Report mode, and a full scan: every user is listed by ListUsers, which gives the IAM
          // user id Config names a user by (the credential report has no such column, and does
          // not show users whose certificates are all Inactive).
          { ...deps.policy, mode: 'report', scanStrategy: 'full' },
          { dryRun: true, scanStrategy: 'full' },
        ),
    );
    const { report } = result;
    const { evaluations, omitted } = evaluateUsers(
      scanned.map(({ user, certificates }) => ({
        userName: user.userName,
        userArn: user.userArn,
        userId: user.userId,
        certificates,
      })),
      report.findings,
    );
    for (const user of omitted) {
      deps.logger.warn('User not evaluated; Config keeps its previous evaluation', { ...user });
    }
    const { requests } = await putEvaluations(deps.config, evaluations, {
      resultToken: invocation.resultToken,
      orderingTimestamp: invocation.notificationCreationTime,
    });
    const counts: Record<RuleCompliance, number> = {
      COMPLIANT: 0,
      NON_COMPLIANT: 0,
      NOT_APPLICABLE: 0,
    };
    for (const evaluation of evaluations) counts[evaluation.compliance] += 1;
    const summary: RuleRunSummary = {
      evaluations: counts,
      omitted: omitted.length,
      requests,
      complete: report.complete,
    };
    deps.logger.info('Config rule evaluated', {
      configRuleName: invocation.configRuleName,
      ...summary,
    });
    if (!report.complete && !deadline.aborted) {
      throw new RuleRunIncompleteError(
        `Audit incomplete: ${report.incompleteReason}; the users it reached were evaluated, the others keep their previous evaluation`,
      );
    }
    if (!report.complete) {
      deps.logger.warn('Stopped by the deadline; the users reached were evaluated', {
        incompleteReason: report.incompleteReason,
      });
    }
    return summary;
  };
}

/**
 * The real dependencies, from the function's environment: a misconfigured rule fails its cold
 * start, naming the variable, and never runs on defaults. Only the policy is read: the rule
 * publishes nothing and archives nothing.
 */
export function productionDeps(
  env: Readonly<Record<string, string | undefined>>,
): ConfigRuleHandlerDeps {
  const logger = new Logger({ serviceName: SERVICE_NAME });
  let policy: Policy;
  try {
    policy = loadPolicyFromEnv(env);
  } catch (error: unknown) {
    logger.critical('Invalid configuration', { error: describeError(error) });
    throw error;
  }
  return {
    policy,
    iam: createIamClient(),
    config: createConfigClient(),
    logger,
    now: () => new Date(),
  };
}

/** The account of a function's ARN (`arn:partition:lambda:region:account:function:name`). */
function accountIdOf(functionArn: string | undefined): string | undefined {
  return functionArn?.split(':')[4] || undefined;
}
