import { Logger } from '@aws-lambda-powertools/logger';
import { createS3Client } from '../aws/s3';
import { createSnsClient } from '../aws/sns';
import { loadConfigFromEnv } from '../core/settings';

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
