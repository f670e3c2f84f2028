import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import {
  DURATION_METRIC,
  INCOMPLETE_METRIC,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../lambda/handlers/metrics';
import type { SigningCertAuditorAlarms } from './auditor-alarms';

/** A run metric as the function emits it (Powertools adds the service dimension). */
function runMetric(metricName: string, label: string, statistic = 'Maximum'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    label,
    // A run a day by default: one point per run, however the schedule is set.
    period: Duration.hours(1),
  });
}

/**
 * The auditor's dashboard: what each run scanned and found, what it changed or held back, its
 * errors, the subjects it could not read (a gap in a "found" line there means unknown, not
 * zero) and duration, over time, and the state of every alarm. Plain aws-cdk-lib: a handful of
 * widgets do not need a monitoring library.
 */
export class AuditDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, alarms: SigningCertAuditorAlarms) {
    super(scope, id);
    const graph = (title: string, metrics: cloudwatch.IMetric[], width = 12) =>
      new cloudwatch.GraphWidget({ title, left: metrics, width, height: 6, leftYAxis: { min: 0 } });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(30),
      widgets: [
        [
          graph('Scanned per run', [
            runMetric(METRIC_NAMES.usersScanned, 'users'),
            runMetric(METRIC_NAMES.certificatesScanned, 'certificates'),
          ]),
          graph('Found per run', [
            runMetric(METRIC_NAMES.nonCompliant, 'non-compliant'),
            runMetric(METRIC_NAMES.expiringSoon, 'expiring soon'),
            runMetric(METRIC_NAMES.contentIssues, 'content issues'),
            runMetric(METRIC_NAMES.rootSigningCertificate, 'root certificate'),
          ]),
        ],
        [
          graph('Changed per run', [
            runMetric(METRIC_NAMES.deactivated, 'deactivated'),
            runMetric(METRIC_NAMES.deleted, 'deleted'),
            runMetric(METRIC_NAMES.withheld, 'withheld by the guard'),
          ]),
          graph('Errors and incomplete runs', [
            runMetric(METRIC_NAMES.errors, 'errors'),
            runMetric(METRIC_NAMES.unread, 'subjects not read'),
            runMetric(INCOMPLETE_METRIC, 'incomplete'),
          ]),
        ],
        [
          graph('Run duration', [runMetric(DURATION_METRIC, 'duration (ms)')]),
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: Object.values(alarms),
            width: 12,
            height: 6,
          }),
        ],
      ],
    });
  }
}
