import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  INCOMPLETE_METRIC,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../lambda/handlers/metrics';
import { declareServicePath } from './service-paths';

/**
 * What an alarm relies on to notify: CloudWatch publishes to the topic as
 * `cloudwatch.amazonaws.com`, naming the alarm in `aws:SourceArn` and its account in
 * `aws:SourceAccount` (the topic's key must let it encrypt, which the proof derives).
 */
export function declareAlarmNotifies(alarm: cloudwatch.Alarm, topic: sns.ITopic): void {
  declareServicePath(alarm, {
    description: `the ${alarm.node.id} notifies the topic`,
    principal: { service: 'cloudwatch.amazonaws.com' },
    action: 'sns:Publish',
    resource: topic.topicArn,
    context: { 'aws:SourceArn': alarm.alarmArn, 'aws:SourceAccount': Aws.ACCOUNT_ID },
  });
}

/** The alarms the auditor raises on its topic. */
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
 * Creates the auditor's alarms in `scope`, named `<alarmNamePrefix>-…` (the topic and key
 * policies admit exactly these), each notifying `topic`.
 */
export function createAuditAlarms(
  scope: Construct,
  fn: IFunction,
  topic: sns.ITopic,
  alarmNamePrefix: string,
): SigningCertAuditorAlarms {
  const functionErrors = new cloudwatch.Alarm(scope, 'FunctionErrorsAlarm', {
    alarmName: `${alarmNamePrefix}-function-errors`,
    alarmDescription:
      'A signing-certificate audit run failed (bad configuration, IAM unreachable, or the report could not be published). The failed event is in the failure queue; the logs hold the partial report.',
    metric: fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    // No run in the period is not an error.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  // Run metrics exist only in the hour of a run; between runs these alarms return to OK, so
  // every run that finds the condition notifies again.
  const runMetricAlarm = (id: string, metricName: string, suffix: string, description: string) =>
    new cloudwatch.Alarm(scope, id, {
      alarmName: `${alarmNamePrefix}-${suffix}`,
      alarmDescription: description,
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        // Powertools Metrics adds the service dimension to every metric it emits.
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Maximum',
        period: Duration.hours(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const nonCompliant = runMetricAlarm(
    'NonCompliantAlarm',
    METRIC_NAMES.nonCompliant,
    'non-compliant',
    'The last signing-certificate audit run found certificates older than the policy allows. The findings report on this topic lists them.',
  );
  const withheld = runMetricAlarm(
    'WithheldAlarm',
    METRIC_NAMES.withheld,
    'withheld',
    'The blast-radius guard stopped a signing-certificate audit run from making any change: it planned more than maxActionsPerRun. Review the WITHHELD findings, then raise the limit or fix the cause.',
  );
  const rootSigningCertificate = runMetricAlarm(
    'RootSigningCertificateAlarm',
    METRIC_NAMES.rootSigningCertificate,
    'root-signing-certificate',
    'The root user holds an X.509 signing certificate. No role can remove it: sign in as root and delete it under Security credentials.',
  );
  const incomplete = runMetricAlarm(
    'IncompleteAlarm',
    INCOMPLETE_METRIC,
    'incomplete',
    'A signing-certificate audit run stopped before it had seen the whole account (the Lambda deadline, or users could not be listed) and delivered a partial report. If it is the deadline, use the credential-report scan strategy or ask AWS for a higher IAM rate; the report says why.',
  );
  const notify = new SnsAction(topic);
  for (const alarm of [
    functionErrors,
    nonCompliant,
    withheld,
    rootSigningCertificate,
    incomplete,
  ]) {
    alarm.addAlarmAction(notify);
    declareAlarmNotifies(alarm, topic);
  }
  return { functionErrors, nonCompliant, withheld, rootSigningCertificate, incomplete };
}
