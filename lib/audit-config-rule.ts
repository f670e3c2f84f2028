import { Duration, Validations } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type Policy, toEnvironment } from '../lambda/core/settings';
import { type AuditFunction, createAuditFunction } from './audit-function';
import { grantAuditAccess } from './auditor-permissions';
import type { RuntimeChoice } from './runtime';
import { declareConfigRuleInvokes } from './service-paths';

/** What {@link createAuditConfigRule} builds the rule with. */
export interface AuditConfigRuleProps {
  /** The auditor's policy; the rule's function only ever reports, whatever its mode. */
  readonly policy: Policy;
  /** How often Config runs the rule. */
  readonly frequency: config.MaximumExecutionFrequency;
  /** How long the function's logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** The auditor's runtime choice, the same for its every function. */
  readonly runtime: RuntimeChoice;
}

/** The AWS Config rule of the auditor: its function (role, log group) and the rule. */
export interface AuditConfigRule extends AuditFunction {
  /** The periodic custom rule that invokes the function. */
  readonly rule: config.CustomRule;
}

/**
 * A periodic AWS Config custom rule that evaluates every IAM user's signing certificates, created
 * in `scope` as `id` (the rule), `${id}Function`, `${id}FunctionRole` and `${id}FunctionLogs`.
 * Its function runs the pre-built `config-rule` handler with the auditor's policy in report
 * mode, and may only read IAM (grantAuditAccess, report mode, full scan: what the handler runs)
 * and deliver evaluations. It has no failure queue: Config shows a failed invocation in the
 * rule's evaluation status (LastFailedInvocationTime, LastErrorMessage), and the next period
 * evaluates again.
 */
export function createAuditConfigRule(
  scope: Construct,
  id: string,
  props: AuditConfigRuleProps,
): AuditConfigRule {
  const built = createAuditFunction(scope, `${id}Function`, {
    name: 'the Config rule function',
    description: 'AWS Config rule: evaluates each IAM user’s signing certificates (reports only)',
    roleDescription: 'Signing-certificate audit Config rule function (reports only)',
    asset: 'config-rule',
    // Report mode and a full scan, as the handler runs whatever its environment says: the
    // environment and the role say the same thing, and the permissions proof reads both.
    environment: toEnvironment({ ...props.policy, mode: 'report', scanStrategy: 'full' }),
    // Lambda's maximum: a large account's full scan, as the scheduled function's.
    timeout: Duration.minutes(15),
    logRetention: props.logRetention,
    runtime: props.runtime,
  });
  const { role } = built;
  // The reads of every kind the policy reads, and no write of any kind: report mode.
  grantAuditAccess(role, {
    mode: 'report',
    userPathPrefix: props.policy.userPathPrefix,
    scanStrategy: 'full',
    credentialKinds: props.policy.credentialKinds,
    remediateKinds: props.policy.remediateKinds,
    deleteServiceCredentials: props.policy.deleteServiceCredentials,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DeliverEvaluationsToConfig',
      // PutEvaluations has no resource type: `*` is its only form (Service Authorization
      // Reference, "Actions, resources, and condition keys for AWS Config",
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsconfig.html).
      // The evaluations go to the rule whose ResultToken the invocation carries.
      actions: ['config:PutEvaluations'],
      resources: ['*'],
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'config:PutEvaluations has no resource-level permissions (Service Authorization Reference, AWS Config), so Resource "*" is its only form; with it only the IAM reads that have none either or name no user (iam:ListUsers, iam:GetAccountSummary, an account-wide kind’s listing). All read IAM, or deliver the rule’s evaluations.',
  });
  // CustomRule attaches the AWS managed AWSConfigRulesExecutionRole to the function's role, which
  // would let it read every Config snapshot and write any Config setting (config:Put*). Handing
  // it a reference without a role leaves the role as granted above; the rule still adds the
  // function's invoke permission for config.amazonaws.com, from this account.
  const target = lambda.Function.fromFunctionAttributes(scope, `${id}Target`, {
    functionArn: built.function.functionArn,
    sameEnvironment: true,
  });
  const rule = new config.CustomRule(scope, id, {
    lambdaFunction: target,
    description:
      "Each IAM user's X.509 signing certificates against the signing-cert-audit policy: NON_COMPLIANT when one fails (over age, expired, weak), NOT_APPLICABLE without any",
    configurationChanges: false,
    periodic: true,
    maximumExecutionFrequency: props.frequency,
  });
  declareConfigRuleInvokes(rule, built.function.functionArn);
  return { ...built, rule };
}
