import type { ArchiveLocation } from '../core/archive-layout';
import type { OrgReport } from '../core/org-report';
import type { Report } from '../core/report';

/** What a sink did with a report. */
export type Delivery =
  | {
      readonly status: 'delivered';
      readonly detail: string;
      /** Set by the archive: where it wrote the report, now that it has. */
      readonly archived?: ArchiveLocation;
    }
  | { readonly status: 'skipped'; readonly detail: string };

/** What the sinks before this one did with the same report. */
export interface DeliveryContext {
  /** Where an earlier sink archived the report: the only location a later sink may name. */
  readonly archived?: ArchiveLocation;
  /** The names of the earlier sinks whose delivery failed. */
  readonly failed: readonly string[];
}

/**
 * Somewhere a report goes: SNS today, an S3 archive, Security Hub. A sink decides for itself
 * whether a report concerns it (SNS skips a clean run) and throws when delivery fails; the run
 * then keeps the report in the logs and fails. Sinks are delivered to in order, so an archive
 * placed first is written before anything is published.
 */
export interface ReportSink {
  /** Names the sink in logs and errors: `sns`, `s3-archive`, `security-hub`. */
  readonly name: string;
  /** `context` says what the earlier sinks did: a link is only ever to an object written. */
  deliver(report: Report, context?: DeliveryContext): Promise<Delivery>;
}

/**
 * Somewhere an organization report goes: the same deliveries as an account's report (the
 * archive, SNS), for the organization run's one report.
 */
export interface OrgReportSink {
  readonly name: string;
  deliver(report: OrgReport, context?: DeliveryContext): Promise<Delivery>;
}
