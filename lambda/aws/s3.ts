import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
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
