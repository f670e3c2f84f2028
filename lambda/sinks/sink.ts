import type { Report } from '../core/report';

/** What a sink did with a report. */
export type Delivery =
  | { readonly status: 'delivered'; readonly detail: string }
  | { readonly status: 'skipped'; readonly detail: string };

/**
 * Somewhere a report goes: SNS today, an S3 archive, Security Hub. A sink decides for itself
 * whether a report concerns it (SNS skips a clean run) and throws when delivery fails; the run
 * then keeps the report in the logs and fails. Sinks are delivered to in order, so an archive
 * placed first is written before anything is published.
 */
export interface ReportSink {
  /** Names the sink in logs and errors: `sns`, `s3-archive`, `security-hub`. */
  readonly name: string;
  deliver(report: Report): Promise<Delivery>;
}
