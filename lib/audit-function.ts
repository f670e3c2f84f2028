import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type HandlerAsset, handlerAssetPath } from './handler-assets';
import { declareRuntimeChoice, type RuntimeChoice } from './runtime';
import { declareFunctionPaths } from './service-paths';

/** What {@link createAuditFunction} builds a function with. */
export interface AuditFunctionProps {
  /** What it is, in the permissions reference: "the audit function". */
  readonly name: string;
  /** The pre-built handler it runs (lib/handler-assets.ts). */
  readonly asset: HandlerAsset;
  /** The function's description. */
  readonly description: string;
  /** The role's description (IAM allows Latin-1 only). @default - the function's */
  readonly roleDescription?: string;
  /** Its environment: the settings it runs with. */
  readonly environment: Record<string, string>;
  /** Lambda's timeout. */
  readonly timeout: Duration;
  /** How long its logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Invoked asynchronously: a failed invocation is retried twice (a run is idempotent), then its
   * event is kept in this queue.
   * @default - invoked synchronously (by Step Functions), no destination
   */
  readonly failureQueue?: sqs.IQueue;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** The log group's construct id, for a deployment that had it before. @default `${id}Logs` */
  readonly logGroupId?: string;
  /** The runtime, chosen once per construct (lib/runtime.ts). */
  readonly runtime: RuntimeChoice;
}

/** A function of the tool, its role and its log group. */
export interface AuditFunction {
  /** The Lambda function, running its pre-built handler. */
  readonly function: lambda.Function;
  /** Its own execution role: the function's grants, and nothing else's. */
  readonly role: iam.Role;
  /** Its own log group, kept after the stack goes. */
  readonly logGroup: logs.LogGroup;
}

/**
 * A function of the tool, built the same way in both deployments (created in `scope` as `id`,
 * `${id}Role` and `${id}Logs`, so the logical ids of existing deployments stay): Node.js (a
 * runtime the handlers are tested on) on ARM, running its pre-built bundle (the options `npm run size` measures), an explicit role
 * that may write only to the function's own log group (not AWSLambdaBasicExecutionRole), a log
 * group kept after the stack goes (the logs are the record of what the auditor saw and changed),
 * and, for an asynchronous function, its failure destination with nothing but sqs:SendMessage.
 * The service paths it relies on are declared for the permissions proof.
 */
export function createAuditFunction(
  scope: Construct,
  id: string,
  props: AuditFunctionProps,
): AuditFunction {
  const logGroup = new logs.LogGroup(scope, props.logGroupId ?? `${id}Logs`, {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription ?? props.description,
  });
  logGroup.grantWrite(role);
  const { failureQueue } = props;
  if (failureQueue) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'KeepFailedRunsInTheFailureQueue',
        actions: ['sqs:SendMessage'],
        resources: [failureQueue.queueArn],
      }),
    );
  }
  const fn = new lambda.Function(scope, id, {
    description: props.description,
    // Pre-built with the options of lib/bundling.ts (npm run build): no bundling at synth, so
    // a consumer's app needs neither esbuild nor this project's sources.
    code: lambda.Code.fromAsset(handlerAssetPath(props.asset)),
    handler: 'index.handler',
    // The newest runtime both the app's aws-cdk-lib knows and the handlers are tested on (or
    // the one the app pins), never NODEJS_LATEST: that moves with aws-cdk-lib upgrades, to
    // runtimes the handlers were never run on.
    runtime: props.runtime.runtime,
    architecture: lambda.Architecture.ARM_64,
    // Lambda's CPU share grows with memory, and a large account means thousands of IAM
    // responses to parse; 256 MB is a starting point (unmeasured) for the benchmark to tune.
    memorySize: 256,
    timeout: props.timeout,
    ...(props.reservedConcurrentExecutions === undefined
      ? {}
      : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
    role,
    logGroup,
    environment: props.environment,
    ...(failureQueue
      ? {
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          // Lambda sends the failed event with the function's role, which needs sqs:SendMessage
          // and nothing more (Lambda Developer Guide, "Capturing records of Lambda asynchronous
          // invocations"); SqsDestination's grantSendMessages would add GetQueueAttributes and
          // GetQueueUrl, which nothing calls.
          onFailure: { bind: () => ({ destination: failureQueue.queueArn }) },
        }
      : {}),
  });
  declareRuntimeChoice(fn, props.runtime);
  declareFunctionPaths(scope, {
    name: props.name,
    role,
    logGroup,
    ...(failureQueue ? { failureQueue } : {}),
  });
  return { function: fn, role, logGroup };
}
