import { Aws, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ORG_RUNS_PREFIX } from '../lambda/core/archive-layout';
import type { AuditArchive } from './auditor-archive';
import { asRole, declareAssumedBy, declareServicePath } from './service-paths';

/** What {@link createOrgStateMachine} runs. */
export interface OrgStateMachineProps {
  readonly enumerate: lambda.Function;
  readonly worker: lambda.Function;
  readonly summarize: lambda.Function;
  readonly archive: AuditArchive;
  /** Accounts audited at once by the Distributed Map. */
  readonly maxConcurrency: number;
}

/**
 * The organization's run, on AWS's distributed engine (a Standard state machine, JSONPath,
 * created in `scope`): enumerate the accounts (written to S3), fan out with a Distributed Map (S3
 * item reader, ResultWriterV2, bounded concurrency) to the worker, with retries on Lambda
 * throttling and a catch that turns any failure into that account's FAILED status, then
 * summarize. The paths Step Functions relies on are declared for the permissions proof.
 */
export function createOrgStateMachine(
  scope: Construct,
  props: OrgStateMachineProps,
): { stateMachine: sfn.StateMachine; map: sfn.DistributedMap } {
  const listAccounts = new tasks.LambdaInvoke(scope, 'ListAccounts', {
    lambdaFunction: props.enumerate,
    // The execution's input goes to enumerate, which refuses anything but a run or a dry run.
    payload: sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.executionName,
      input: sfn.JsonPath.executionInput,
    }),
    payloadResponseOnly: true,
    resultPath: '$.enumerated',
  });
  const auditOne = new tasks.LambdaInvoke(scope, 'AuditAccount', {
    lambdaFunction: props.worker,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
  });
  // Lambda's own throttling and transient faults are retried; the audit's own failures are not
  // (they would fail the same way), and anything left becomes this account's FAILED status.
  auditOne.addRetry({
    errors: [
      'Lambda.TooManyRequestsException',
      'Lambda.ServiceException',
      'Lambda.SdkClientException',
      'Lambda.AWSLambdaException',
    ],
    interval: Duration.seconds(2),
    maxAttempts: 6,
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
  const failed = new sfn.Pass(scope, 'AccountFailed', {
    parameters: {
      'accountId.$': '$.accountId',
      status: 'FAILED',
      summary: null,
      severity: null,
      'error.$': "States.Format('{}: {}', $.failure.Error, $.failure.Cause)",
      reportLocation: null,
    },
  });
  auditOne.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.failure' });
  const map = new sfn.DistributedMap(scope, 'AuditAccounts', {
    itemReader: new sfn.S3JsonItemReader({
      bucketNamePath: sfn.JsonPath.stringAt('$.enumerated.bucket'),
      key: sfn.JsonPath.stringAt('$.enumerated.key'),
    }),
    resultWriterV2: new sfn.ResultWriterV2({
      bucket: props.archive.bucket,
      prefix: `${ORG_RUNS_PREFIX}map-results`,
    }),
    maxConcurrency: props.maxConcurrency,
    label: 'AuditAccounts',
    // One account's failure is its status (the catch); the map itself never fails the run.
    toleratedFailurePercentage: 100,
    // Standard child executions: a worker may run 15 minutes, past an Express child's 5.
    mapExecutionType: sfn.StateMachineType.STANDARD,
    resultPath: '$.map',
  });
  map.itemProcessor(auditOne);
  const report = new tasks.LambdaInvoke(scope, 'SummarizeRun', {
    lambdaFunction: props.summarize,
    payload: sfn.TaskInput.fromObject({
      'runId.$': '$.enumerated.runId',
      'resultWriterDetails.$': '$.map.ResultWriterDetails',
    }),
    payloadResponseOnly: true,
  });
  const machineLogs = new logs.LogGroup(scope, 'StateMachineLogs', {
    retention: logs.RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    definitionBody: sfn.DefinitionBody.fromChainable(listAccounts.next(map).next(report)),
    stateMachineType: sfn.StateMachineType.STANDARD,
    tracingEnabled: true,
    // Every state transition, without execution data (no account data in the logs): one run a day.
    logs: { destination: machineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    timeout: Duration.hours(24),
  });
  props.archive.key?.grant(stateMachine, 'kms:Decrypt', 'kms:GenerateDataKey');
  declareStateMachinePaths(scope, stateMachine, props.archive, [
    props.enumerate,
    props.worker,
    props.summarize,
  ]);
  return { stateMachine, map };
}

/**
 * What a run relies on Step Functions for, with the state machine's role (Step Functions
 * Developer Guide: "IAM policies for using Distributed Map states", "ItemReader", "ResultWriter",
 * "Logging using CloudWatch Logs" and "AWS X-Ray and Step Functions").
 */
function declareStateMachinePaths(
  scope: Construct,
  stateMachine: sfn.StateMachine,
  archive: AuditArchive,
  functions: readonly lambda.Function[],
): void {
  const role = stateMachine.role;
  const sm = stateMachine.stateMachineArn;
  const path = (description: string, action: string, resource: string) =>
    declareServicePath(scope, { description, principal: asRole(role), action, resource });
  declareAssumedBy(
    scope,
    role,
    'states.amazonaws.com',
    'Step Functions runs the state machine as its role',
    {
      'aws:SourceAccount': Aws.ACCOUNT_ID,
      'aws:SourceArn': sm,
    },
  );
  for (const fn of functions) {
    path(`the state machine invokes ${fn.node.id}`, 'lambda:InvokeFunction', fn.functionArn);
  }
  path(
    "the map's item reader reads the run's account list",
    's3:GetObject',
    archive.bucket.arnForObjects(`${ORG_RUNS_PREFIX}run-1/accounts.json`),
  );
  // The result writer writes the manifest and result files, in parts when they are large.
  const results = `${ORG_RUNS_PREFIX}map-results/run-1/00000000-0000-0000-0000-000000000000`;
  for (const action of [
    's3:PutObject',
    's3:GetObject',
    's3:ListMultipartUploadParts',
    's3:AbortMultipartUpload',
  ]) {
    path(
      "the map's result writer writes the run's results",
      action,
      archive.bucket.arnForObjects(`${results}/SUCCEEDED_0.json`),
    );
  }
  // The Distributed Map runs each account as a child execution, and stops or redrives them.
  path('the map starts a child execution per account', 'states:StartExecution', sm);
  const smName = Fn.select(6, Fn.split(':', sm));
  // In the forms the guide's Distributed Map policy grants them: executions of this state
  // machine to follow and stop, and the map run's labelled child executions to redrive.
  const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${smName}`;
  for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
    path(
      'the map follows and stops its child executions',
      action,
      `${executions}:00000000-0000-0000-0000-000000000000`,
    );
  }
  path(
    'a redriven map run redrives its child executions',
    'states:RedriveExecution',
    `${executions}/AuditAccounts:00000000-0000-0000-0000-000000000000`,
  );
  for (const action of [
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
  ]) {
    path(
      "Step Functions delivers the execution history to the state machine's log group",
      action,
      '*',
    );
  }
  for (const action of [
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
  ]) {
    path('Step Functions sends the traces of a run to X-Ray', action, '*');
  }
}
