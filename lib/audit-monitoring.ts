import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { CredentialType } from '../lambda/core/credential';
import { KIND_WORDING } from '../lambda/core/credential-wording';
import {
  CREDENTIAL_TYPE_DIMENSION,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../lambda/handlers/metrics';
import { declareAlarmNotifies } from './service-paths';

/**
 * Every run metric of the tool, made once (in the spirit of cdk-monitoring-constructs' metric
 * factories): the namespace and the `service` dimension Powertools Metrics adds to everything the
 * functions emit, one point per run. Alarms and dashboards take their metrics from here.
 */
export class RunMetricFactory {
  /** A metric the functions emit once per run (as a Count), read over an hour. */
  metric(
    metricName: string,
    label?: string,
    statistic = 'Maximum',
    dimensions: Readonly<Record<string, string>> = {},
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: SERVICE_NAME, ...dimensions },
      statistic,
      ...(label ? { label } : {}),
      // A run a day by default: one point per run, however the schedule is set.
      period: Duration.hours(1),
    });
  }

  /**
   * The count of one kind of credential that a run listing more than signing certificates emits
   * (lambda/handlers/metrics.ts `KIND_METRIC_KEYS`): the same name with the `credentialType`
   * dimension, a metric of its own that no alarm reads. Labelled with the kind when no label is
   * given.
   */
  kindMetric(metricName: string, type: CredentialType, label?: string): cloudwatch.Metric {
    return this.metric(metricName, label ?? KIND_WORDING[type].plural, 'Maximum', {
      [CREDENTIAL_TYPE_DIMENSION]: type,
    });
  }
}

/** One alarm: its construct id, the suffix of its name, what it tells, and the metric it reads. */
export interface AlarmSpec {
  readonly id: string;
  readonly suffix: string;
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
}

/**
 * Alarms that notify `topic`, each named `<alarmNamePrefix>-<suffix>` (the topic and its key admit
 * exactly these, see audit-topic.ts), firing at 1 or more in an hour. No data is not an alarm:
 * run metrics exist only in the hour of a run, so between runs the alarms return to OK and every
 * run that finds the condition notifies again. The path each alarm relies on to notify is
 * declared for the permissions proof.
 */
export function createNotifyingAlarms<K extends string>(
  scope: Construct,
  topic: sns.ITopic,
  alarmNamePrefix: string,
  specs: Readonly<Record<K, AlarmSpec>>,
): Record<K, cloudwatch.Alarm> {
  const notify = new SnsAction(topic);
  const alarms = {} as Record<K, cloudwatch.Alarm>;
  for (const key of Object.keys(specs) as K[]) {
    const spec = specs[key];
    const alarm = new cloudwatch.Alarm(scope, spec.id, {
      alarmName: `${alarmNamePrefix}-${spec.suffix}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(notify);
    declareAlarmNotifies(alarm, topic);
    alarms[key] = alarm;
  }
  return alarms;
}

/** A graph of the dashboard: its title and metrics. */
export interface DashboardGraph {
  readonly title: string;
  readonly metrics: readonly cloudwatch.IMetric[];
}

/**
 * A deployment's dashboard: its graphs two to a row, then the state of every alarm. Plain
 * aws-cdk-lib: a handful of widgets do not need a monitoring library.
 */
export class AuditDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(
    scope: Construct,
    id: string,
    props: {
      readonly graphs: readonly DashboardGraph[];
      readonly alarms: readonly cloudwatch.IAlarm[];
    },
  ) {
    super(scope, id);
    const widgets: cloudwatch.IWidget[] = [
      ...props.graphs.map(
        (graph) =>
          new cloudwatch.GraphWidget({
            title: graph.title,
            left: [...graph.metrics],
            width: 12,
            height: 6,
            leftYAxis: { min: 0 },
          }),
      ),
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...props.alarms],
        width: 12,
        height: 6,
      }),
    ];
    const rows: cloudwatch.IWidget[][] = [];
    for (let i = 0; i < widgets.length; i += 2) rows.push(widgets.slice(i, i + 2));
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(30),
      widgets: rows,
    });
  }
}
