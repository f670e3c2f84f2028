import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfigFromEnv } from '../core/settings';
import { createS3Client } from '../sinks/s3-archive';
import { createSnsClient } from '../sinks/sns';
import { SERVICE_NAME } from './metrics';
import { createSummarizeHandler, loadOrgEnvironment } from './org-handlers';

const { archiveBucket } = loadOrgEnvironment(process.env);
const { topicArn } = loadConfigFromEnv(process.env);

/** The summarize step's entry point: one organization report, archived and published. */
export const handler = createSummarizeHandler({
  s3: createS3Client(),
  sns: createSnsClient(topicArn),
  topicArn,
  archiveBucket,
  now: () => new Date(),
  logger: new Logger({ serviceName: SERVICE_NAME }),
});
