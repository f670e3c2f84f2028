import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { CLIENT_DEFAULTS } from '../aws/http';
import {
  ARCHIVE_SINK_NAME,
  type ArchiveLayout,
  archiveKeys,
  archiveLocation,
  findingsJsonLines,
} from '../core/archive-layout';
import { describeError, SigningCertAuditError } from '../core/errors';
import type { Report } from '../core/report';
import { renderHtml } from '../render/html';
import type { Delivery, ReportSink } from './sink';

/** Writing to the archive failed after the SDK's retries. */
export class ArchiveError extends SigningCertAuditError {
  override readonly name = 'ArchiveError';
}

/**
 * Builds the S3 client: the timeouts of http.ts; region, credentials and endpoint from the
 * standard sources. With a custom endpoint (`AWS_ENDPOINT_URL`: moto, LocalStack, MinIO) the
 * bucket goes in the path, since `bucket.127.0.0.1` does not resolve.
 */
export function createS3Client(
  config: S3ClientConfig = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): S3Client {
  const custom = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return new S3Client({
    ...CLIENT_DEFAULTS,
    ...(custom ? { forcePathStyle: true } : {}),
    ...config,
  });
}

/**
 * The evidence archive: every run's whole report (never split), its findings as JSON Lines and
 * a self-contained HTML page, clean runs included (the evidence that the account was clean).
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
