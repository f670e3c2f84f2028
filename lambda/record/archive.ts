import type { S3Client } from '@aws-sdk/client-s3';
import { CHANGES_PREFIX, type ChangeRecorder, lazyChangeRecorder } from '../core/change-record';

/**
 * The change record in the evidence archive, its S3 module and client loaded at the first write
 * (a run that changes nothing never loads them). The scheduled function, the organization
 * worker and the CLI's `--archive-bucket` record here.
 */
export function archiveChangeRecorder(bucket: string, s3?: S3Client): ChangeRecorder {
  return lazyChangeRecorder(`s3://${bucket}/${CHANGES_PREFIX}`, async () => {
    const [{ s3ChangeRecorder }, { createS3Client }] = await Promise.all([
      import('./s3'),
      import('../aws/s3'),
    ]);
    return s3ChangeRecorder(s3 ?? createS3Client(), bucket);
  });
}
