import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { CLIENT_DEFAULTS } from './http';

/**
 * Builds the SNS client for a topic: in the topic's own region, read from its ARN, since a
 * Publish to a topic of another region fails with NotFound (after the run's changes were made);
 * adaptive retry mode, the timeouts of http.ts; credentials and endpoint from the standard AWS
 * sources.
 */
export function createSnsClient(topicArn: string, config: SNSClientConfig = {}): SNSClient {
  return new SNSClient({
    retryMode: 'adaptive',
    maxAttempts: 5,
    ...CLIENT_DEFAULTS,
    ...config,
    region: regionOfArn(topicArn),
  });
}

/** The region of an ARN (`arn:partition:service:region:account:resource`). */
export function regionOfArn(arn: string): string {
  const region = arn.split(':')[3];
  if (!region) throw new RangeError(`no region in ARN ${JSON.stringify(arn.slice(0, 200))}`);
  return region;
}
