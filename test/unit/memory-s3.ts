import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  type GetObjectCommandInput,
  NoSuchKey,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/**
 * A bucket in memory behind a mocked S3 client, with S3's conditional writes: GetObject answers
 * the object and its ETag (NoSuchKey when there is none); PutObject with `IfNoneMatch: '*'`
 * fails when the key exists, with `IfMatch` when the ETag is not the object's, both as S3
 * answers (PreconditionFailed, 412). Each answer waits for the next turn of the event loop, so
 * calls of runs going at once interleave as they would against S3, and a lost race is real.
 */
export function memoryS3(mock: AwsClientStub<S3Client>) {
  const objects = new Map<string, { body: string; etag: string }>();
  const counts = { gets: 0, puts: 0, preconditionFailed: 0 };
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  mock.on(GetObjectCommand).callsFake(async (input: GetObjectCommandInput) => {
    counts.gets += 1;
    await turn();
    const object = objects.get(input.Key ?? '');
    if (!object) {
      throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    }
    const { body, etag } = object;
    return { ETag: etag, Body: { transformToString: async () => body } };
  });
  mock.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
    counts.puts += 1;
    await turn();
    const key = input.Key ?? '';
    const existing = objects.get(key);
    const unmet =
      (input.IfNoneMatch === '*' && existing !== undefined) ||
      (input.IfMatch !== undefined && existing?.etag !== input.IfMatch);
    if (unmet) {
      counts.preconditionFailed += 1;
      throw new S3ServiceException({
        name: 'PreconditionFailed',
        $fault: 'client',
        $metadata: { httpStatusCode: 412 },
        message: 'At least one of the pre-conditions you specified did not hold',
      });
    }
    const body = String(input.Body);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    objects.set(key, { body, etag });
    return { ETag: etag };
  });
  return {
    objects,
    counts,
    /** An object's body, parsed. */
    json(key: string): unknown {
      const object = objects.get(key);
      return object ? JSON.parse(object.body) : undefined;
    },
  };
}
