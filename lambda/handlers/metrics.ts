import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Summary } from '../core/report';

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

/** Adds one Count per summary figure to the Powertools Metrics buffer (flushed as EMF by the caller). */
export function recordRunMetrics(metrics: Metrics, summary: Summary): void {
  for (const [key, name] of Object.entries(METRIC_NAMES) as [keyof typeof METRIC_NAMES, string][]) {
    metrics.addMetric(name, 'Count', summary[key]);
  }
}
