import { Aws, Duration, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { declareSchedulerPaths } from './service-paths';

/** What {@link createAuditSchedules} starts runs of, and how. */
export interface AuditSchedulesProps {
  /** What the schedules run, for their descriptions: "the signing-certificate audit". */
  readonly what: string;
  /** The regular runs: a Scheduler `cron(...)` or `rate(...)` expression. */
  readonly expression: string;
  /** Full-scan runs, sending `{"scanStrategy": "full"}`. @default - none */
  readonly fullScanExpression?: string;
  readonly timeZone: string;
  /** The target, given the scheduler's role and the input a run starts with. */
  readonly target: (
    role: iam.IRole,
    input: scheduler.ScheduleTargetInput,
  ) => scheduler.IScheduleTarget;
  /** The action the role starts a run with, on `targetArn`: `lambda:InvokeFunction`, `states:StartExecution`. */
  readonly action: string;
  readonly targetArn: string;
  /** Where the scheduler keeps a start it could not deliver. @default - none */
  readonly deadLetterQueue?: sqs.IQueue;
}

/** The schedules of a deployment and the role they start runs with. */
export interface AuditSchedules {
  readonly role: iam.Role;
  readonly schedule: scheduler.Schedule;
  readonly fullScanSchedule?: scheduler.Schedule;
}

/**
 * The schedules both deployments start runs with (EventBridge Scheduler, created in `scope` as
 * `SchedulerRole`, `Schedule` and `FullScanSchedule`): a role only this account's scheduler may
 * assume (`aws:SourceAccount`, against the confused deputy), a regular schedule whose input is
 * the explicit real run `{}` (any mention of a dry run makes an event a dry run or a refusal),
 * and optionally a full-scan schedule whose input is exactly `{"scanStrategy": "full"}`. The
 * paths the scheduler relies on are declared for the permissions proof.
 */
export function createAuditSchedules(scope: Construct, props: AuditSchedulesProps): AuditSchedules {
  const role = new iam.Role(scope, 'SchedulerRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
    description: `Lets EventBridge Scheduler start ${props.what}`,
  });
  const at = (expression: string) =>
    scheduler.ScheduleExpression.expression(expression, TimeZone.of(props.timeZone));
  const schedule = new scheduler.Schedule(scope, 'Schedule', {
    description: `Runs ${props.what}`,
    schedule: at(props.expression),
    target: props.target(role, scheduler.ScheduleTargetInput.fromObject({})),
  });
  const fullScanSchedule =
    props.fullScanExpression === undefined
      ? undefined
      : new scheduler.Schedule(scope, 'FullScanSchedule', {
          description: `Runs ${props.what} as a full scan, whatever scanStrategy says`,
          schedule: at(props.fullScanExpression),
          // Validated as strictly as dryRun: exactly this key and value.
          target: props.target(
            role,
            scheduler.ScheduleTargetInput.fromObject({ scanStrategy: 'full' }),
          ),
        });
  declareSchedulerPaths(scope, {
    role,
    action: props.action,
    target: props.targetArn,
    ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
  });
  return { role, schedule, ...(fullScanSchedule ? { fullScanSchedule } : {}) };
}

/** A start that cannot be delivered within the hour is kept; the next scheduled run is the retry. */
export const SCHEDULER_RETRY = { retryAttempts: 5, maxEventAge: Duration.hours(1) } as const;
