import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ORG_METRIC_NAMES } from '../lambda/handlers/metrics';
import {
  createNotifyingAlarms,
  type DashboardGraph,
  type RunMetricFactory,
} from './audit-monitoring';

/** The alarms the organization auditor raises on its topic: the account's, where they apply. */
export interface OrgAuditorAlarms {
  /** A run failed as a whole (the execution, not one account). */
  readonly failedRuns: cloudwatch.Alarm;
  /** A run could not audit some account at all (its role missing or refusing, a crash). */
  readonly accountsFailed: cloudwatch.Alarm;
  /** A run audited some account only in part (the deadline, a listing that failed). */
  readonly accountsIncomplete: cloudwatch.Alarm;
  /** A run found non-compliant certificates in some account. */
  readonly nonCompliant: cloudwatch.Alarm;
  /** The blast-radius guard withheld the changes of some account. */
  readonly withheld: cloudwatch.Alarm;
  /** The root user of some account holds a signing certificate. */
  readonly rootSigningCertificate: cloudwatch.Alarm;
}

/**
 * Creates the organization auditor's alarms in `scope`, named `<alarmNamePrefix>-…` (the topic
 * and key policies admit exactly these), each notifying `topic`: the execution's failure from
 * Step Functions, the rest from the run metrics the summarize step emits once per run.
 */
export function createOrgAuditAlarms(
  scope: Construct,
  metrics: RunMetricFactory,
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
    accountsFailed: {
      id: 'AccountsFailedAlarm',
      suffix: 'accounts-failed',
      description:
        'An organization audit run could not audit some accounts at all (the member role missing or refusing, a crash). The organization report names them and why.',
      metric: metrics.metric(ORG_METRIC_NAMES.accountsFailed),
    },
    accountsIncomplete: {
      id: 'AccountsIncompleteAlarm',
      suffix: 'accounts-incomplete',
      description:
        'An organization audit run audited some accounts only in part (the deadline, a listing or subject it could not read). The organization report says which and why.',
      metric: metrics.metric(ORG_METRIC_NAMES.accountsIncomplete),
    },
    nonCompliant: {
      id: 'NonCompliantAlarm',
      suffix: 'non-compliant',
      description:
        'The last organization audit run found certificates older than the policy allows. The organization report on this topic lists the accounts.',
      metric: metrics.metric(ORG_METRIC_NAMES.nonCompliant),
    },
    withheld: {
      id: 'WithheldAlarm',
      suffix: 'withheld',
      description:
        'The blast-radius guard stopped the changes of some accounts: more were planned than maxActionsPerRun. Review their WITHHELD findings, then raise the limit or fix the cause.',
      metric: metrics.metric(ORG_METRIC_NAMES.withheld),
    },
    rootSigningCertificate: {
      id: 'RootSigningCertificateAlarm',
      suffix: 'root-signing-certificate',
      description:
        'The root user of some account holds an X.509 signing certificate. No role can remove it: sign in as that root and delete it under Security credentials.',
      metric: metrics.metric(ORG_METRIC_NAMES.rootSigningCertificate),
    },
  });
}

/** The organization dashboard's graphs: the runs, the accounts each audited, what they found. */
export function orgDashboardGraphs(
  metrics: RunMetricFactory,
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
    {
      title: 'Accounts per run',
      metrics: [
        metrics.metric(ORG_METRIC_NAMES.accountsAudited, 'audited'),
        metrics.metric(ORG_METRIC_NAMES.accountsFailed, 'failed'),
        metrics.metric(ORG_METRIC_NAMES.accountsIncomplete, 'incomplete'),
      ],
    },
    {
      title: 'Found per run, over the accounts',
      metrics: [
        metrics.metric(ORG_METRIC_NAMES.nonCompliant, 'non-compliant'),
        metrics.metric(ORG_METRIC_NAMES.rootSigningCertificate, 'root certificate'),
        metrics.metric(ORG_METRIC_NAMES.withheld, 'withheld by the guard'),
      ],
    },
  ];
}
