import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { CREDENTIAL_TYPES } from '../lambda/core/credential';
import { KIND_WORDING } from '../lambda/core/credential-wording';
import { DURATION_METRIC, INCOMPLETE_METRIC, METRIC_NAMES } from '../lambda/handlers/metrics';
import {
  createNotifyingAlarms,
  type DashboardGraph,
  type RunMetricFactory,
} from './audit-monitoring';

/** The alarms the single-account auditor raises on its topic. */
export interface SigningCertAuditorAlarms {
  /** A run failed (the Lambda Errors metric), retries included. */
  readonly functionErrors: cloudwatch.Alarm;
  /** A run found at least one non-compliant certificate. */
  readonly nonCompliant: cloudwatch.Alarm;
  /** The blast-radius guard withheld a run's changes: more were planned than maxActionsPerRun. */
  readonly withheld: cloudwatch.Alarm;
  /** The root user holds a signing certificate, which only a human signed in as root can remove. */
  readonly rootSigningCertificate: cloudwatch.Alarm;
  /** A run did not see the whole account (stopped by the deadline, or listing failed). */
  readonly incomplete: cloudwatch.Alarm;
}

/**
 * Creates the single-account auditor's alarms in `scope`, named `<alarmNamePrefix>-…` (the topic
 * and key policies admit exactly these), each notifying `topic`.
 */
export function createAuditAlarms(
  scope: Construct,
  metrics: RunMetricFactory,
  fn: IFunction,
  topic: sns.ITopic,
  alarmNamePrefix: string,
): SigningCertAuditorAlarms {
  return createNotifyingAlarms(scope, topic, alarmNamePrefix, {
    functionErrors: {
      id: 'FunctionErrorsAlarm',
      suffix: 'function-errors',
      description:
        'A signing-certificate audit run failed (bad configuration, IAM unreachable, or the report could not be published). The failed event is in the failure queue; the logs hold the partial report.',
      metric: fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
    },
    nonCompliant: {
      id: 'NonCompliantAlarm',
      suffix: 'non-compliant',
      description:
        'The last signing-certificate audit run found certificates older than the policy allows. The findings report on this topic lists them.',
      metric: metrics.metric(METRIC_NAMES.nonCompliant),
    },
    withheld: {
      id: 'WithheldAlarm',
      suffix: 'withheld',
      description:
        'The blast-radius guard stopped a signing-certificate audit run from making any change: it planned more than maxActionsPerRun. Review the WITHHELD findings, then raise the limit or fix the cause.',
      metric: metrics.metric(METRIC_NAMES.withheld),
    },
    rootSigningCertificate: {
      id: 'RootSigningCertificateAlarm',
      suffix: 'root-signing-certificate',
      description:
        'The root user holds an X.509 signing certificate. No role can remove it: sign in as root and delete it under Security credentials.',
      metric: metrics.metric(METRIC_NAMES.rootSigningCertificate),
    },
    incomplete: {
      id: 'IncompleteAlarm',
      suffix: 'incomplete',
      description:
        'A signing-certificate audit run stopped before it had seen the whole account (the Lambda deadline, or users could not be listed) and delivered a partial report. If it is the deadline, use the credential-report scan strategy or ask AWS for a higher IAM rate; the report says why.',
      metric: metrics.metric(INCOMPLETE_METRIC),
    },
  });
}

/**
 * The single-account dashboard's graphs: what each run scanned and found, what it changed or
 * held back, its errors, the subjects it could not read (a gap in a "found" line there means
 * unknown, not zero), its duration, and the non-compliant and changed credentials of each kind
 * (every kind of the kind table: a run listing more than signing certificates emits them).
 */
export function auditDashboardGraphs(metrics: RunMetricFactory): DashboardGraph[] {
  const graphs: [title: string, lines: [metric: string, label: string][]][] = [
    [
      'Scanned per run',
      [
        [METRIC_NAMES.usersScanned, 'users'],
        [METRIC_NAMES.certificatesScanned, 'certificates'],
      ],
    ],
    [
      'Found per run',
      [
        [METRIC_NAMES.nonCompliant, 'non-compliant'],
        [METRIC_NAMES.expiringSoon, 'expiring soon'],
        [METRIC_NAMES.contentIssues, 'content issues'],
        [METRIC_NAMES.rootSigningCertificate, 'root certificate'],
      ],
    ],
    [
      'Changed per run',
      [
        [METRIC_NAMES.deactivated, 'deactivated'],
        [METRIC_NAMES.deleted, 'deleted'],
        [METRIC_NAMES.withheld, 'withheld by the guard'],
      ],
    ],
    [
      'Errors and incomplete runs',
      [
        [METRIC_NAMES.errors, 'errors'],
        [METRIC_NAMES.unread, 'subjects not read'],
        [INCOMPLETE_METRIC, 'incomplete'],
      ],
    ],
    ['Run duration', [[DURATION_METRIC, 'duration (ms)']]],
  ];
  return [
    ...graphs.map(([title, lines]) => ({
      title,
      metrics: lines.map(([name, label]) => metrics.metric(name, label)),
    })),
    // Per kind of credential (a run listing more than signing certificates emits them).
    {
      title: 'Non-compliant per run, by credential kind',
      metrics: CREDENTIAL_TYPES.map((type) => metrics.kindMetric(METRIC_NAMES.nonCompliant, type)),
    },
    {
      title: 'Changed per run, by credential kind',
      metrics: CREDENTIAL_TYPES.flatMap((type) => [
        metrics.kindMetric(
          METRIC_NAMES.deactivated,
          type,
          `${KIND_WORDING[type].plural} deactivated`,
        ),
        metrics.kindMetric(METRIC_NAMES.deleted, type, `${KIND_WORDING[type].plural} deleted`),
      ]),
    },
  ];
}
