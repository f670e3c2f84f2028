import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type BudgetAnswer,
  type ChangeBudget,
  GUARD_PREFIX,
  type WindowLimit,
  windowStarts,
} from '../core/change-budget';
import { describeError } from '../core/errors';

/** How many times a reservation is tried again when another run wrote the count first. */
const ATTEMPTS = 8;

/** One window's count, as kept. */
interface Count {
  readonly reserved: number;
  /** The object's ETag, for the conditional write; absent when there is none yet. */
  readonly etag?: string;
}

/**
 * The window guard's counts in the evidence archive: one small object a window and account
 * (`guard/account=<id>/window=<start>.json`), updated by S3's conditional writes (`If-Match` on
 * the ETag read, `If-None-Match: *` for the first), so two runs at once never both take the last
 * of the window: the one that loses the race reads the count again. A count that cannot be read
 * or written grants nothing: the run withholds its changes and says why.
 */
export function s3ChangeBudget(s3: S3Client, bucket: string, limit: WindowLimit): ChangeBudget {
  const keyOf = (accountId: string, start: Date) =>
    `${GUARD_PREFIX}account=${accountId}/window=${start.toISOString()}.json`;
  const read = async (key: string): Promise<Count> => {
    try {
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = JSON.parse((await answer.Body?.transformToString()) ?? '{}') as {
        reserved?: unknown;
      };
      const reserved = typeof body.reserved === 'number' && body.reserved >= 0 ? body.reserved : 0;
      return { reserved, ...(answer.ETag ? { etag: answer.ETag } : {}) };
    } catch (error: unknown) {
      if ((error as { name?: string }).name === 'NoSuchKey') return { reserved: 0 };
      throw error;
    }
  };
  return {
    where: `s3://${bucket}/${GUARD_PREFIX}`,
    async reserve(accountId, planned, now): Promise<BudgetAnswer> {
      const { current, previous } = windowStarts(now, limit.minutes);
      const key = keyOf(accountId, current);
      try {
        const before = (await read(keyOf(accountId, previous))).reserved;
        for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
          const count = await read(key);
          const used = before + count.reserved;
          if (used + planned > limit.maxActions) {
            return {
              granted: false,
              reason: `the window guard allows ${limit.maxActions} change(s) per ${limit.minutes} minutes in this account, ${used} were already made, and this run planned ${planned}`,
            };
          }
          try {
            await s3.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: key,
                Body: `${JSON.stringify({ reserved: count.reserved + planned, windowStart: current.toISOString(), windowMinutes: limit.minutes })}\n`,
                ContentType: 'application/json',
                ...(count.etag ? { IfMatch: count.etag } : { IfNoneMatch: '*' }),
              }),
            );
            return { granted: true, used: used + planned, limit: limit.maxActions };
          } catch (error: unknown) {
            if (!isLostRace(error)) throw error;
          }
        }
        return {
          granted: false,
          reason: `the window guard's count (${key}) changed under this run ${ATTEMPTS} times in a row`,
        };
      } catch (error: unknown) {
        const { code, message } = describeError(error);
        return {
          granted: false,
          reason: `the window guard's count (s3://${bucket}/${key}) could not be read or written (${code}: ${message})`,
        };
      }
    },
  };
}

/** S3's answer to a conditional write another writer got to first. */
function isLostRace(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    name === 'PreconditionFailed' ||
    name === 'ConditionalRequestConflict' ||
    status === 412 ||
    status === 409
  );
}
