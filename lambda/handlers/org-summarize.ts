import { loadConfigFromEnv } from '../core/settings';
import { createS3Client } from '../sinks/s3-archive';
import { createSnsClient } from '../sinks/sns';
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
});
