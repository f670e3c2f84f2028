import { PublishCommand, SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { describeError, PublishError } from './errors';
import { HTTP_TIMEOUTS } from './http';
import { type Report, toReportMessages } from './report';

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
    requestHandler: HTTP_TIMEOUTS,
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

/**
 * Publishes a report to a topic, split into numbered parts under SNS's size limit. Throws a
 * PublishError naming the part that failed; the caller keeps the report (logs it) before failing.
 */
export async function publishReport(
  sns: SNSClient,
  topicArn: string,
  report: Report,
): Promise<string[]> {
  const messages = toReportMessages(report);
  const messageIds: string[] = [];
  for (const [i, message] of messages.entries()) {
    try {
      const output = await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: message.subject,
          Message: message.body,
          MessageAttributes: message.attributes,
        }),
      );
      messageIds.push(output.MessageId ?? '');
    } catch (error: unknown) {
      const { code, message: reason } = describeError(error);
      throw new PublishError(
        `Publishing report part ${i + 1} of ${messages.length} to ${topicArn} failed (${code}: ${reason})`,
        { cause: error },
      );
    }
  }
  return messageIds;
}
