import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createS3Client } from '../aws/s3';
import { createSnsClient } from '../aws/sns';
import { loadConfigFromEnv } from '../core/settings';
import { METRICS_NAMESPACE, SERVICE_NAME } from './metrics';
import { loadOrgEnvironment } from './org-environment';
import { createSummarizeHandler } from './org-summarize-handler';

const { archiveBucket } = loadOrgEnvironment(process.env);
const { topicArn } = loadConfigFromEnv(process.env);

/** The summarize step's entry point: one organization report, archived and published, and the run's metrics. */
export const handler = createSummarizeHandler({
  s3: createS3Client(),
  sns: createSnsClient(topicArn),
  topicArn,
  archiveBucket,
  now: () => new Date(),
  logger: new Logger({ serviceName: SERVICE_NAME }),
  metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
});
