import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Report, Summary } from '../core/report';

/** Service name on every log line and the `service` dimension of every metric. */
export const SERVICE_NAME = 'signing-cert-audit';
/** CloudWatch namespace of the run metrics; the stack's alarms read from it. */
export const METRICS_NAMESPACE = 'SigningCertAudit';

/** Metric names, each emitted once per run as a Count; the stack imports them for its alarms. */
export const METRIC_NAMES = {
  usersScanned: 'UsersScanned',
  certificatesScanned: 'CertificatesScanned',
  nonCompliant: 'NonCompliant',
  expiringSoon: 'ExpiringSoon',
  deactivated: 'Deactivated',
  deleted: 'Deleted',
  exempt: 'Exempt',
  overridden: 'Overridden',
  withheld: 'Withheld',
  errors: 'Errors',
  gone: 'Gone',
  contentIssues: 'CertificateContentIssues',
  rootSigningCertificate: 'RootSigningCertificate',
} as const satisfies Partial<Record<keyof Summary, string>>;

/** The run-level metric: 1 when the run did not see the whole account (deadline, listing failed). */
export const INCOMPLETE_METRIC = 'Incomplete';
/** The run's duration, in milliseconds. */
export const DURATION_METRIC = 'RunDuration';

/**
 * Adds one Count per summary figure, `Incomplete` and the run's duration to the Powertools
 * Metrics buffer (flushed as EMF by the caller).
 */
export function recordRunMetrics(metrics: Metrics, report: Report, durationMs: number): void {
  for (const [key, name] of Object.entries(METRIC_NAMES) as [keyof typeof METRIC_NAMES, string][]) {
    metrics.addMetric(name, 'Count', report.summary[key]);
  }
  metrics.addMetric(INCOMPLETE_METRIC, 'Count', report.complete ? 0 : 1);
  metrics.addMetric(DURATION_METRIC, 'Milliseconds', durationMs);
}
