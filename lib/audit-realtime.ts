import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { GUARD_PREFIX, WINDOW_SETTINGS } from '../lambda/core/change-budget';
import { ConfigError } from '../lambda/core/errors';
import { type Mode, parseSettings } from '../lambda/core/settings';
import { createAuditFunction } from './audit-function';
import { type AlarmSpec, createNotifyingAlarms } from './audit-monitoring';
import type { AuditArchive } from './auditor-archive';
import { DEPLOY_SETTINGS } from './deploy-settings';
import type { HandlerAsset } from './handler-assets';
import { REALTIME_EVENT_PATTERN } from './realtime-events';
import type { RuntimeChoice } from './runtime';
import { declareQueuedRulePaths, SQS_EVENT_SOURCE_ACTIONS } from './service-paths';

/** The real-time function's own settings, as environment variables (beside the scheduled function's). */
export const REALTIME_ENVIRONMENT = {
  windowMaxActions: WINDOW_SETTINGS.maxActions.env,
  windowMinutes: WINDOW_SETTINGS.minutes.env,
} as const;

/** Where the window guard keeps its counters in the archive (`guard/account=<id>/…`). */
export { GUARD_PREFIX };

/** The real-time function's Lambda timeout: a run audits the few users a batch of events names. */
export const REALTIME_TIMEOUT = Duration.minutes(5);
/** How long the event source gathers messages before invoking. */
export const REALTIME_BATCHING_WINDOW = Duration.seconds(5);
/**
 * The queue's visibility timeout: at least six times the function's timeout, plus the batching
 * window, as Lambda advises for an SQS event source (Lambda Developer Guide, "Using Lambda with
 * Amazon SQS"), so a message is not handed to a second invocation while the first still runs.
 */
export const REALTIME_VISIBILITY_TIMEOUT = Duration.seconds(
  6 * REALTIME_TIMEOUT.toSeconds() + REALTIME_BATCHING_WINDOW.toSeconds(),
);
/** How many times a message is received before the dead-letter queue keeps it. */
export const REALTIME_MAX_RECEIVE_COUNT = 5;

/** The window guard's settings: at most this many changes in this many minutes. */
export interface RealtimeWindow {
  readonly maxActions: number;
  readonly minutes: number;
}

/**
 * The window settings of the props, each checked by its row (0 to 10000 changes, 1 to 1440
 * minutes; one error names every bad one): the changes default to the construct's
 * maxActionsPerRun, the minutes to 60.
 */
export function realtimeWindow(
  props: { readonly realtimeWindowMaxActions?: number; readonly realtimeWindowMinutes?: number },
  maxActionsPerRun: number,
): RealtimeWindow {
  const { realtimeWindowMaxActions, realtimeWindowMinutes } = parseSettings(
    DEPLOY_SETTINGS,
    ['realtimeWindowMaxActions', 'realtimeWindowMinutes'],
    'prop',
    props,
  );
  return {
    maxActions: realtimeWindowMaxActions ?? maxActionsPerRun,
    minutes: realtimeWindowMinutes,
  };
}

/** What {@link RealtimeAudit} builds. */
export interface RealtimeAuditProps {
  /** The bus whose IAM events start a run. @default - the stack's region's default bus */
  readonly eventBus?: events.IEventBus;
  /** The pre-built handler (lib/handler-assets.ts). */
  readonly asset: HandlerAsset;
  /** What it is, in the permissions reference. */
  readonly name: string;
  readonly description: string;
  /** The environment of the deployment's scheduled runs (or worker): the same settings. */
  readonly environment: Record<string, string>;
  readonly window: RealtimeWindow;
  /** The mode the function runs in: outside report mode the window guard needs the archive. */
  readonly mode: Mode;
  /** The archive: the window guard keeps its counters under guard/. */
  readonly archive?: AuditArchive;
  readonly logRetention: logs.RetentionDays;
  readonly runtime: RuntimeChoice;
  /** The alarms' topic, and the prefix of their names that the topic admits. */
  readonly topic: sns.ITopic;
  readonly alarmNamePrefix: string;
  /** More alarms on the real-time runs (the account's Withheld metric of users-scoped runs). */
  readonly extraAlarms?: Readonly<Record<string, AlarmSpec>>;
}

/**
 * The real-time audit (opt-in): an EventBridge rule with {@link REALTIME_EVENT_PATTERN} on a bus,
 * an SQS queue it alone may send to (targets.SqsQueue adds the queue policy: events.amazonaws.com
 * with aws:SourceArn the rule), with a dead-letter queue, and a function that reads the queue
 * in batches and reports the messages it failed on, so only those are retried. The queue absorbs
 * bursts (a script tagging a thousand users) and EventBridge's at-least-once, unordered delivery:
 * each run reads the users again, and the window guard (counters under guard/ in the archive)
 * bounds the changes of all runs in a window as maxActionsPerRun bounds one run's.
 */
export class RealtimeAudit extends Construct {
  /** The rule that sends IAM's events to the queue. */
  public readonly rule: events.Rule;
  /** The events waiting for a run. */
  public readonly queue: sqs.Queue;
  /** Where a message goes after 5 failed receives (REALTIME_MAX_RECEIVE_COUNT). */
  public readonly deadLetterQueue: sqs.Queue;
  /** The real-time function. */
  public readonly function: lambda.Function;
  /** Its own role: the grants its caller adds, the queue's and the window guard's. */
  public readonly role: iam.Role;
  /** Its log group. */
  public readonly logGroup: logs.LogGroup;
  /** The alarms, each notifying the topic. */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: RealtimeAuditProps) {
    super(scope, id);
    if (props.mode !== 'report' && props.archive === undefined) {
      throw new ConfigError(
        `realtime in ${props.mode} mode needs an archive bucket: the window guard keeps its count of the changes made there (${GUARD_PREFIX}); give one, or use report mode`,
      );
    }
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the real-time queue; nothing consumes it (an alarm reports a message in it), so it needs no DLQ of its own.',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // SQS-managed encryption: the messages are IAM's events, and it keeps the rule's and the
      // function's roles free of KMS permissions.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: REALTIME_VISIBILITY_TIMEOUT,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: REALTIME_MAX_RECEIVE_COUNT },
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: 'IAM calls that give, change or re-tag a user credential: audit that user now',
      eventPattern: REALTIME_EVENT_PATTERN,
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      targets: [new targets.SqsQueue(this.queue)],
    });

    const built = createAuditFunction(this, 'Function', {
      name: props.name,
      description: props.description,
      asset: props.asset,
      environment: {
        ...props.environment,
        [REALTIME_ENVIRONMENT.windowMaxActions]: String(props.window.maxActions),
        [REALTIME_ENVIRONMENT.windowMinutes]: String(props.window.minutes),
      },
      timeout: REALTIME_TIMEOUT,
      logRetention: props.logRetention,
      runtime: props.runtime,
    });
    this.function = built.function;
    this.role = built.role;
    this.logGroup = built.logGroup;
    // Lambda polls the queue with the function's role, which needs sqs:ReceiveMessage,
    // sqs:DeleteMessage and sqs:GetQueueAttributes and nothing more (Lambda Developer Guide,
    // "Using Lambda with Amazon SQS"); SqsEventSource's grantConsumeMessages would add
    // ChangeMessageVisibility and GetQueueUrl, which Lambda does not call.
    const consume = this.queue.grant(this.role, ...SQS_EVENT_SOURCE_ACTIONS);
    const mapping = new lambda.EventSourceMapping(this, 'EventSource', {
      target: this.function,
      eventSourceArn: this.queue.queueArn,
      batchSize: 100,
      maxBatchingWindow: REALTIME_BATCHING_WINDOW,
      // Two runs at most (SQS's least): the window guard is shared, and IAM's rate is the account's.
      maxConcurrency: 2,
      reportBatchItemFailures: true,
    });
    // Lambda checks the role may read the queue when the mapping is created.
    consume.applyBefore(mapping);
    declareQueuedRulePaths(this, {
      name: props.name,
      rule: this.rule,
      queue: this.queue,
      role: this.role,
    });
    // The window guard's counters: read and written under guard/ of the archive, outside report
    // mode only (a report-mode run changes nothing, so counts nothing).
    if (props.mode !== 'report' && props.archive) {
      props.archive.grantObjects(this.role, GUARD_PREFIX, { read: true, write: true });
      const created = props.archive.bucket.node.defaultChild as s3.CfnBucket | undefined;
      const bucket = created
        ? `<${Stack.of(this).resolve(created.logicalId)}.Arn>`
        : `arn:<AWS::Partition>:s3:::${props.archive.bucket.bucketName}`;
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucket}/${GUARD_PREFIX}*]`,
        reason: `s3:GetObject and s3:PutObject under ${GUARD_PREFIX} of the archive only: the window guard's counters, one per account and window, not known at deploy time.`,
      });
    }

    this.alarms = createNotifyingAlarms(this, props.topic, props.alarmNamePrefix, {
      deadLetters: {
        id: 'DeadLettersAlarm',
        suffix: 'realtime-dead-letters',
        description:
          'An IAM event could not be audited after 5 attempts and is kept in the real-time dead-letter queue: the function logs say why. The next scheduled run still audits the user.',
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
      },
      functionErrors: {
        id: 'FunctionErrorsAlarm',
        suffix: 'realtime-function-errors',
        description:
          'A real-time audit invocation failed as a whole (bad configuration, IAM or the archive unreachable); its messages return to the queue and, after 5 attempts, to the dead-letter queue.',
        metric: this.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      },
      ...props.extraAlarms,
    });
  }
}
