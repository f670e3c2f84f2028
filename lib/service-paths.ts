import { Aws } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';

/** The metadata type a service path is kept under, on the construct that declares it. */
export const SERVICE_PATH_METADATA = 'signing-cert-audit:service-path';

/**
 * A call AWS makes for the deployment, which no code of this project sends: an alarm notifying
 * the topic, the scheduler starting a run, Lambda writing a function's logs or its failed event,
 * Step Functions invoking a task. The deployment relies on each, so each is declared beside the
 * construct that creates it, and the permissions proof (test/permissions/) checks that the
 * synthesized policies allow it, as it checks every call the code makes.
 */
export interface ServicePath {
  /** What it is, in a few words: "the failed-runs alarm notifies the topic". */
  readonly description: string;
  /** Who calls: the service itself (`cloudwatch.amazonaws.com`), or a role the service acts as. */
  readonly principal: { readonly service: string } | { readonly roleArn: string };
  /** The IAM action, `service:Operation`. */
  readonly action: string;
  /** The resource ARN the action is evaluated on (tokens allowed). */
  readonly resource: string;
  /** The request context AWS sends with it (`aws:SourceArn`, `aws:SourceAccount`, …). */
  readonly context?: Readonly<Record<string, string>>;
}

/** A role's side of a path: the role's ARN as a principal. */
export function asRole(role: iam.IRole): ServicePath['principal'] {
  return { roleArn: role.roleArn };
}

/** Declares a service path on `scope` (the construct whose resources it connects). */
export function declareServicePath(scope: IConstruct, path: ServicePath): void {
  scope.node.addMetadata(SERVICE_PATH_METADATA, path);
}

/** Declares that `service` assumes `role` (its trust policy must allow it), with the context AWS sends. */
export function declareAssumedBy(
  scope: IConstruct,
  role: iam.IRole,
  service: string,
  description: string,
  context?: Readonly<Record<string, string>>,
): void {
  declareServicePath(scope, {
    description,
    principal: { service },
    action: 'sts:AssumeRole',
    resource: role.roleArn,
    ...(context ? { context } : {}),
  });
}

/** Every service path declared under `root`, with the construct that declared it. */
export function servicePathsOf(root: IConstruct): { scope: IConstruct; path: ServicePath }[] {
  return root.node
    .findAll()
    .flatMap((scope) =>
      scope.node.metadata
        .filter((entry) => entry.type === SERVICE_PATH_METADATA)
        .map((entry) => ({ scope, path: entry.data as ServicePath })),
    );
}

/**
 * The paths every function of the tool relies on: Lambda assumes its role, writes its logs to its
 * log group with that role, and (for asynchronous invocations with an on-failure destination)
 * sends the failed event to the queue with that role too (Lambda Developer Guide, "Capturing
 * records of Lambda asynchronous invocations": the execution role needs sqs:SendMessage).
 */
export function declareFunctionPaths(
  scope: IConstruct,
  props: {
    readonly name: string;
    readonly role: iam.IRole;
    readonly logGroup: logs.ILogGroup;
    readonly failureQueue?: sqs.IQueue;
  },
): void {
  declareAssumedBy(
    scope,
    props.role,
    'lambda.amazonaws.com',
    `Lambda runs ${props.name} as its role`,
  );
  // A stream of the function's own log group, named as Lambda names them.
  const stream = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${props.logGroup.logGroupName}:log-stream:2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef`;
  for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
    declareServicePath(scope, {
      description: `Lambda writes ${props.name}'s logs to its log group`,
      principal: asRole(props.role),
      action,
      resource: stream,
    });
  }
  if (props.failureQueue) {
    declareServicePath(scope, {
      description: `Lambda keeps the failed event of ${props.name} in the failure queue`,
      principal: asRole(props.role),
      action: 'sqs:SendMessage',
      resource: props.failureQueue.queueArn,
    });
  }
}

/**
 * The actions Lambda's poller takes on an SQS event source with the function's role (Lambda
 * Developer Guide, "Using Lambda with Amazon SQS": execution role permissions): no more.
 */
export const SQS_EVENT_SOURCE_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
] as const;

/**
 * What a rule feeding a function through a queue relies on: EventBridge sends the rule's events
 * to the queue as `events.amazonaws.com`, naming the rule in `aws:SourceArn` (the queue's policy
 * must allow it), and Lambda reads and deletes them with the function's role
 * ({@link SQS_EVENT_SOURCE_ACTIONS}).
 */
export function declareQueuedRulePaths(
  scope: IConstruct,
  props: {
    readonly name: string;
    readonly rule: events.IRule;
    readonly queue: sqs.IQueue;
    readonly role: iam.IRole;
  },
): void {
  declareServicePath(scope, {
    description: `EventBridge sends the events of ${props.name}'s rule to its queue`,
    principal: { service: 'events.amazonaws.com' },
    action: 'sqs:SendMessage',
    resource: props.queue.queueArn,
    context: { 'aws:SourceArn': props.rule.ruleArn },
  });
  for (const action of SQS_EVENT_SOURCE_ACTIONS) {
    declareServicePath(scope, {
      description: `Lambda reads ${props.name}'s queue with its role`,
      principal: asRole(props.role),
      action,
      resource: props.queue.queueArn,
    });
  }
}

/**
 * What a schedule relies on: EventBridge Scheduler assumes its role (from this account, for the
 * default schedule group), starts the target with it, and puts a start it could not deliver in
 * the dead-letter queue with it too.
 */
export function declareSchedulerPaths(
  scope: IConstruct,
  props: {
    readonly role: iam.IRole;
    /** `lambda:InvokeFunction` or `states:StartExecution`. */
    readonly action: string;
    readonly target: string;
    readonly deadLetterQueue?: sqs.IQueue;
  },
): void {
  declareAssumedBy(
    scope,
    props.role,
    'scheduler.amazonaws.com',
    'EventBridge Scheduler assumes its role',
    {
      'aws:SourceAccount': Aws.ACCOUNT_ID,
      'aws:SourceArn': `arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule-group/default`,
    },
  );
  declareServicePath(scope, {
    description: 'EventBridge Scheduler starts a run',
    principal: asRole(props.role),
    action: props.action,
    resource: props.target,
  });
  if (props.deadLetterQueue) {
    declareServicePath(scope, {
      description: 'EventBridge Scheduler keeps an undeliverable start in the failure queue',
      principal: asRole(props.role),
      action: 'sqs:SendMessage',
      resource: props.deadLetterQueue.queueArn,
    });
  }
}

/**
 * What a custom AWS Config rule relies on: Config invokes the rule's function as
 * `config.amazonaws.com`, from this account (`aws:SourceAccount`), which the function's resource
 * policy must allow (aws-cdk-lib's CustomRule adds that permission, with the source account).
 */
export function declareConfigRuleInvokes(scope: IConstruct, functionArn: string): void {
  declareServicePath(scope, {
    description: 'Config invokes the rule function',
    principal: { service: 'config.amazonaws.com' },
    action: 'lambda:InvokeFunction',
    resource: functionArn,
    context: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
  });
}

/**
 * What an alarm relies on to notify: CloudWatch publishes to the topic as
 * `cloudwatch.amazonaws.com`, naming the alarm in `aws:SourceArn` and its account in
 * `aws:SourceAccount` (the topic's key must let it encrypt, which the proof derives).
 */
export function declareAlarmNotifies(
  alarm: cloudwatch.IAlarm & IConstruct,
  topic: sns.ITopic,
): void {
  declareServicePath(alarm, {
    description: `the ${alarm.node.id} notifies the topic`,
    principal: { service: 'cloudwatch.amazonaws.com' },
    action: 'sns:Publish',
    resource: topic.topicArn,
    context: { 'aws:SourceArn': alarm.alarmArn, 'aws:SourceAccount': Aws.ACCOUNT_ID },
  });
}
