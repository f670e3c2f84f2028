import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { CLIENT_DEFAULTS } from './http';

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
 * Writes `value` as one JSON line (`application/json`) at `key`; with `onlyIfAbsent`, only when
 * no object is there (S3's conditional write, `If-None-Match: *`; 412 PreconditionFailed when one is).
 */
export async function putJson(
  s3: S3Client,
  bucket: string,
  key: string,
  value: unknown,
  { onlyIfAbsent = false }: { readonly onlyIfAbsent?: boolean } = {},
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(value)}\n`,
      ContentType: 'application/json',
      ...(onlyIfAbsent ? { IfNoneMatch: '*' } : {}),
    }),
  );
}
