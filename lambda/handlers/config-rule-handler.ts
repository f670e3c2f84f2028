import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { IAMClient } from '@aws-sdk/client-iam';
import { createConfigClient, putEvaluations } from '../aws/config';
import { createIamClient } from '../aws/iam';
import { evaluateUsers, type RuleCompliance } from '../core/config-evaluations';
import { SigningCertAuditError } from '../core/errors';
import type { ExemptionList } from '../core/exemptions';
import { ACCOUNT_SCOPE } from '../core/scope';
import { loadPolicyFromEnv, type Policy } from '../core/settings';
import { type ConfigRuleInvocation, parseConfigRuleEvent } from './config-rule-event';
import { loadExemptionsFromEnv } from './exemptions-env';
import {
  type AuditHandlerDeps,
  type AuditRun,
  type AuditTrigger,
  accountOfFunction,
  coldStart,
  createAuditHandler,
  failIfIncomplete,
  type LambdaDeps,
  type LambdaHandler,
} from './lambda-handler';

/** The rule's run did not see the whole account: its evaluations cover the users it reached. */
export class RuleRunIncompleteError extends SigningCertAuditError {
  override readonly name = 'RuleRunIncompleteError';
}

/** Everything the Config rule's function talks to, built once per execution environment. */
export interface ConfigRuleHandlerDeps extends LambdaDeps {
  /** The policy the function was deployed with; its mode is never used: the rule only reports. */
  readonly policy: Policy;
  readonly iam: IAMClient;
  readonly config: ConfigServiceClient;
  /** The exemptions file's checked entries, when the function was deployed with one. */
  readonly exemptions?: ExemptionList;
}

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
export type ConfigRuleHandler = LambdaHandler<RuleRunSummary>;

/** The rule's dependencies as the wrapper holds them: an audit's, and Config's client. */
type RuleDeps = AuditHandlerDeps & { readonly config: ConfigServiceClient };

/**
 * The AWS Config rule's trigger: Config's event (a periodic evaluation, or refused), a run over
 * the whole account, and its evaluations as the output. A run that did not see the whole account
 * delivers what it saw, then fails (unless the deadline stopped it, which a retry would hit
 * again), so Lambda's error metric and Config's rule status show it.
 */
export const CONFIG_RULE_TRIGGER: AuditTrigger<ConfigRuleInvocation, RuleRunSummary, RuleDeps> = {
  parse: (event, context, deps) => {
    const invocation = parseConfigRuleEvent(event, accountOfFunction(context.invokedFunctionArn));
    if (invocation.ignoredKeys.length > 0) {
      deps.logger.warn('The Config event holds keys this rule does not know; they were ignored', {
        ignoredKeys: invocation.ignoredKeys,
      });
    }
    return invocation;
  },
  // A periodic evaluation is about the account: every user.
  scope: () => ACCOUNT_SCOPE,
  // Report mode, and a full scan: every user is listed by ListUsers, which gives the IAM user id
  // Config names a user by (the credential report has no such column, and does not show users
  // whose certificates are all Inactive).
  options: () => ({ dryRun: true, scanStrategy: 'full' }),
  accountId: (invocation) => invocation.accountId,
  output: deliverEvaluations,
};

/**
 * The AWS Config rule, wired by the one handler wrapper: the same audit as the scheduled
 * function in report mode whatever the deployment's mode (a rule evaluates, it never changes
 * anything; the function's role has no IAM write permission either, and no change record is
 * passed, so a deletion would be refused), its users turned into one evaluation each
 * (core/config-evaluations.ts) and delivered with PutEvaluations. `trigger` is the rule's own;
 * another (a test's, a rule triggered by a change to one user) names its own scope, and the
 * evaluations follow it: a users-scoped run evaluates only those users.
 */
export function createConfigRuleHandler(
  deps: ConfigRuleHandlerDeps,
  trigger: AuditTrigger<ConfigRuleInvocation, RuleRunSummary, RuleDeps> = CONFIG_RULE_TRIGGER,
): ConfigRuleHandler {
  return createAuditHandler(trigger, {
    ...deps,
    policy: { ...deps.policy, mode: 'report', scanStrategy: 'full' },
    // No sink: the evaluations are the rule's output; the scheduled function delivers reports.
    sinks: [],
  });
}

/** The evaluation of every user the run reached, delivered with PutEvaluations. */
async function deliverEvaluations(
  run: AuditRun<ConfigRuleInvocation>,
  deps: RuleDeps,
): Promise<RuleRunSummary> {
  const { report, event: invocation } = run;
  const { evaluations, omitted } = evaluateUsers(
    run.scanned.map(({ user, certificates, byKind }) => ({
      userName: user.userName,
      userArn: user.userArn,
      userId: user.userId,
      certificates,
      ...(byKind ? { byKind } : {}),
    })),
    report.findings,
    { kinds: report.policy.credentialKinds },
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
  failIfIncomplete(
    run,
    deps.logger,
    (reason) =>
      new RuleRunIncompleteError(
        `Audit incomplete: ${reason}; the users it reached were evaluated, the others keep their previous evaluation`,
      ),
    'Stopped by the deadline; the users reached were evaluated',
  );
  return summary;
}

/**
 * The real dependencies, from the function's environment: a misconfigured rule fails its cold
 * start, naming the variable, and never runs on defaults. Only the policy is read: the rule
 * publishes nothing and archives nothing.
 */
export function productionDeps(
  env: Readonly<Record<string, string | undefined>>,
): ConfigRuleHandlerDeps {
  return coldStart((logger) => {
    const policy = loadPolicyFromEnv(env);
    const exemptions = loadExemptionsFromEnv(env, {
      now: new Date(),
      maxExemptionDays: policy.maxExemptionDays,
    });
    return {
      policy,
      ...(exemptions ? { exemptions } : {}),
      iam: createIamClient(),
      config: createConfigClient(),
      logger,
      now: () => new Date(),
    };
  });
}
