import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  createNotifyingAlarms,
  type DashboardGraph,
  type RunMetricFactory,
} from './audit-monitoring';

/** The alarms the organization auditor raises on its topic. */
export interface OrgAuditorAlarms {
  /** A run failed as a whole (the execution, not one account). */
  readonly failedRuns: cloudwatch.Alarm;
}

/**
 * Creates the organization auditor's alarms in `scope`, named `<alarmNamePrefix>-…` (the topic
 * and key policies admit exactly these), each notifying `topic`.
 */
export function createOrgAuditAlarms(
  scope: Construct,
  _metrics: RunMetricFactory,
  stateMachine: sfn.IStateMachine,
  topic: sns.ITopic,
  alarmNamePrefix: string,
): OrgAuditorAlarms {
  return createNotifyingAlarms(scope, topic, alarmNamePrefix, {
    failedRuns: {
      id: 'FailedRunsAlarm',
      suffix: 'failed-runs',
      description:
        'An organization audit run failed (the execution, not one account): see its execution history.',
      metric: stateMachine.metricFailed({ period: Duration.hours(1), statistic: 'Sum' }),
    },
  });
}

/** The organization dashboard's graphs: the runs, then what each run found across the accounts. */
export function orgDashboardGraphs(
  _metrics: RunMetricFactory,
  stateMachine: sfn.IStateMachine,
): DashboardGraph[] {
  const runs = (label: string, metric: cloudwatch.Metric) =>
    metric.with({ label, period: Duration.hours(1) });
  return [
    {
      title: 'Runs',
      metrics: [
        runs('started', stateMachine.metricStarted({ statistic: 'Sum' })),
        runs('succeeded', stateMachine.metricSucceeded({ statistic: 'Sum' })),
        runs('failed', stateMachine.metricFailed({ statistic: 'Sum' })),
      ],
    },
  ];
}
