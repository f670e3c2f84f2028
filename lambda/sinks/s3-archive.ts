import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { putJson } from '../aws/s3';
import {
  ARCHIVE_SINK_NAME,
  type ArchiveLayout,
  archiveKeys,
  archiveLocation,
  findingsJsonLines,
  orgReportKey,
} from '../core/archive-layout';
import { describeError, SigningCertAuditError } from '../core/errors';
import type { OrgReport } from '../core/org-report';
import type { Report } from '../core/report';
import { renderHtml } from '../render/html';
import { ocsfJsonLines } from '../render/ocsf';
import type { Delivery, OrgReportSink, ReportSink } from './sink';

/** Writing to the archive failed after the SDK's retries. */
export class ArchiveError extends SigningCertAuditError {
  override readonly name = 'ArchiveError';
}

/**
 * The evidence archive: every run's whole report (never split), its findings as JSON Lines, its
 * failing findings as OCSF Compliance Findings (JSON Lines, empty for a clean run) and a
 * self-contained HTML page, clean runs included (the evidence that the account was clean).
 * Placed first among the sinks, so the report is kept before anything is published; a failed
 * write fails the run after the report was logged. `layout` places the findings for the Glue
 * table over this archive (see archive-layout.ts).
 */
export function archiveSink(
  s3: S3Client,
  bucket: string,
  layout: ArchiveLayout = 'account',
): ReportSink {
  return {
    name: ARCHIVE_SINK_NAME,
    async deliver(report: Report): Promise<Delivery> {
      const keys = archiveKeys(report, layout);
      const objects = [
        { key: keys.report, body: `${JSON.stringify(report)}\n`, type: 'application/json' },
        { key: keys.findings, body: findingsJsonLines(report), type: 'application/x-ndjson' },
        { key: keys.ocsf, body: ocsfJsonLines(report), type: 'application/x-ndjson' },
        { key: keys.html, body: renderHtml(report), type: 'text/html; charset=utf-8' },
      ];
      for (const object of objects) {
        try {
          await s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: object.key,
              Body: object.body,
              ContentType: object.type,
            }),
          );
        } catch (error: unknown) {
          const { code, message } = describeError(error);
          throw new ArchiveError(
            `Writing s3://${bucket}/${object.key} failed (${code}: ${message})`,
            { cause: error },
          );
        }
      }
      return {
        status: 'delivered',
        detail: `s3://${bucket}/${keys.report}`,
        archived: archiveLocation(bucket, report),
      };
    },
  };
}

/**
 * The archive of the organization run: its one report, whole, under `org-reports/` (its
 * accounts' reports were archived by the workers). The location it returns is the one the
 * organization message may name.
 */
export function orgArchiveSink(s3: S3Client, bucket: string): OrgReportSink {
  return {
    name: ARCHIVE_SINK_NAME,
    async deliver(report: OrgReport): Promise<Delivery> {
      const key = orgReportKey(report);
      try {
        await putJson(s3, bucket, key, report);
      } catch (error: unknown) {
        const { code, message } = describeError(error);
        throw new ArchiveError(`Writing s3://${bucket}/${key} failed (${code}: ${message})`, {
          cause: error,
        });
      }
      const uri = `s3://${bucket}/${key}`;
      return {
        status: 'delivered',
        detail: `archived to ${uri}`,
        archived: { report: uri, html: uri },
      };
    },
  };
}
