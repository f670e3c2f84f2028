import {
  DeleteObjectCommand,
  GetObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { putJson } from '../aws/s3';
import { REPORTS_PREFIX } from '../core/archive-layout';
import {
  CHANGES_PREFIX,
  type ChangeEntry,
  ChangeRecordError,
  type ChangeRecorder,
  changeEntryKey,
  changeRunPrefix,
  parseChangeEntry,
} from '../core/change-record';
import { runNamesIn } from '../core/run-id';

/**
 * The change record in the evidence archive: one object an entry under `changes/`, written with
 * the archive's encryption and retention (its lifecycle rule and Object Lock cover every key).
 */
export function s3ChangeRecorder(s3: S3Client, bucket: string): ChangeRecorder {
  return {
    where: `s3://${bucket}/${CHANGES_PREFIX}`,
    async write(entry: ChangeEntry): Promise<void> {
      await putJson(s3, bucket, changeEntryKey(entry), entry);
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
  for (const name of new Set(runNamesIn(runId, accountId))) {
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

/** A report the archive holds: its key, its run id and when it was written. */
export interface ArchivedReport {
  readonly key: string;
  /** The run id as the key names it (made key-safe, as archiveKeys does). */
  readonly runId: string;
  readonly lastModified: Date | undefined;
}

/**
 * Every JSON report archived for one account (`reports/account=<id>/date=…/<run>.json`), through
 * the SDK paginator: which runs the archive knows, and where each one's report is.
 */
export async function listArchivedReports(
  s3: S3Client,
  bucket: string,
  accountId: string,
): Promise<ArchivedReport[]> {
  const reports: ArchivedReport[] = [];
  for await (const page of paginateListObjectsV2(
    { client: s3 },
    { Bucket: bucket, Prefix: `${REPORTS_PREFIX}account=${accountId}/` },
  )) {
    for (const object of page.Contents ?? []) {
      const runId = /\/([^/]+)\.json$/.exec(object.Key ?? '')?.[1];
      if (object.Key === undefined || runId === undefined) continue;
      reports.push({ key: object.Key, runId, lastModified: object.LastModified });
    }
  }
  return reports;
}

/** Reads one archived JSON object; a body that is not JSON is a ChangeRecordError naming it. */
export async function readArchivedJson(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<unknown> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await answer.Body?.transformToString()) ?? '';
  try {
    return JSON.parse(text);
  } catch {
    throw new ChangeRecordError(`s3://${bucket}/${key} is not JSON`);
  }
}

/** Where a restore's lock is kept in the archive: one for the whole archive. */
export const RESTORE_LOCK_KEY = `${CHANGES_PREFIX}restore.lock`;

/**
 * Takes the archive's restore lock: a PutObject that S3 makes only when no such object exists
 * (`If-None-Match: *`, S3's conditional write), so two restores from one archive never both
 * upload the same body. Resolves to the release (DeleteObject), or throws a ChangeRecordError
 * naming the holder when the lock is taken.
 */
export async function lockArchive(
  s3: S3Client,
  bucket: string,
  runId: string,
): Promise<() => Promise<void>> {
  const holder = { runId, since: new Date().toISOString() };
  try {
    await putJson(s3, bucket, RESTORE_LOCK_KEY, holder, { onlyIfAbsent: true });
  } catch (error: unknown) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 412 && (error as Error).name !== 'PreconditionFailed') throw error;
    let who = 'another restore';
    try {
      const held = (await readArchivedJson(s3, bucket, RESTORE_LOCK_KEY)) as Partial<typeof holder>;
      who = `restore ${String(held.runId)} (since ${String(held.since)})`;
    } catch {
      // Unreadable: the holder stays unnamed.
    }
    throw new ChangeRecordError(
      `s3://${bucket}/${RESTORE_LOCK_KEY} is held by ${who}: two restores from one archive could each upload the same certificate. Wait for it to finish; if no restore is running, remove it (aws s3 rm s3://${bucket}/${RESTORE_LOCK_KEY})`,
    );
  }
  return async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: RESTORE_LOCK_KEY }));
  };
}
