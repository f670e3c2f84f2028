import {
  GetObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CHANGES_PREFIX,
  type ChangeEntry,
  type ChangeRecorder,
  changeEntryKey,
  changeRunPrefix,
  parseChangeEntry,
} from '../core/change-record';

/**
 * The change record in the evidence archive: one object an entry under `changes/`, written with
 * the archive's encryption and retention (its lifecycle rule and Object Lock cover every key).
 */
export function s3ChangeRecorder(s3: S3Client, bucket: string): ChangeRecorder {
  return {
    where: `s3://${bucket}/${CHANGES_PREFIX}`,
    async write(entry: ChangeEntry): Promise<void> {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: changeEntryKey(entry),
          Body: `${JSON.stringify(entry)}\n`,
          ContentType: 'application/json',
        }),
      );
    },
  };
}

/**
 * Every entry recorded by one run in one account, read from the archive (ListObjectsV2 through
 * the SDK paginator, then GetObject each). An organization run's account run is named
 * `<run>-<account>`: both names are looked for, so the organization run's id finds it too.
 */
export async function readS3ChangeRecord(
  s3: S3Client,
  bucket: string,
  accountId: string,
  runId: string,
): Promise<ChangeEntry[]> {
  const entries: ChangeEntry[] = [];
  for (const name of new Set([runId, `${runId}-${accountId}`])) {
    const prefix = changeRunPrefix(accountId, name);
    for await (const page of paginateListObjectsV2(
      { client: s3 },
      { Bucket: bucket, Prefix: prefix },
    )) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        const where = `s3://${bucket}/${object.Key}`;
        const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
        const text = (await answer.Body?.transformToString()) ?? '';
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          value = undefined;
        }
        entries.push(parseChangeEntry(value, where));
      }
    }
  }
  return entries;
}
