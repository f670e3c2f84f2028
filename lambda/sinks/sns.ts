import { PublishCommand, SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { HTTP_TIMEOUTS } from '../aws/http';
import { describeError, SigningCertAuditError } from '../core/errors';
import { byteLength, isClean, type Report, splitReport } from '../core/report';
import type { Mode } from '../core/settings';
import type { Delivery, ReportSink } from './sink';

/** SNS's limit for one message, body and attributes together (256 KiB). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** SNS's limit for a Subject. */
export const SNS_MAX_SUBJECT_LENGTH = 100;

/** Publishing the report to SNS failed after the SDK's retries. */
export class PublishError extends SigningCertAuditError {
  override readonly name = 'PublishError';
}

/** One SNS Publish request's worth of report. */
export interface ReportMessage {
  readonly subject: string;
  readonly body: string;
  readonly attributes: Readonly<
    Record<string, { DataType: 'String' | 'Number'; StringValue: string }>
  >;
}

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
 * The SNS sink: publishes a report that holds something to look at (a clean run is only logged)
 * to the topic, split into numbered parts under SNS's size limit.
 */
export function snsSink(sns: SNSClient, topicArn: string): ReportSink {
  return {
    name: 'sns',
    async deliver(report: Report): Promise<Delivery> {
      if (isClean(report)) return { status: 'skipped', detail: 'a clean run is only logged' };
      const ids = await publishReport(sns, topicArn, report);
      return { status: 'delivered', detail: `${ids.length} message(s) to ${topicArn}` };
    },
  };
}

/**
 * Publishes a report to a topic, split into numbered parts under SNS's size limit. Throws a
 * PublishError naming the part that failed.
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

/**
 * Splits a report into SNS messages of at most `maxBytes` (body, subject and attributes
 * together). Each part is the whole report envelope with a slice of the findings, valid JSON on
 * its own, numbered in `part`.
 */
export function toReportMessages(
  report: Report,
  maxBytes = SNS_MAX_MESSAGE_BYTES,
): ReportMessage[] {
  const attributes = messageAttributes(report);
  const attributeBytes = Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum + byteLength(name) + byteLength(value.DataType) + byteLength(value.StringValue),
    0,
  );
  const parts = splitReport(report, maxBytes - attributeBytes - SNS_MAX_SUBJECT_LENGTH);
  return parts.map((part, i) => {
    const message: ReportMessage = {
      subject: subjectFor(report, i + 1, parts.length),
      body: JSON.stringify(part),
      attributes,
    };
    const size = byteLength(message.body) + byteLength(message.subject) + attributeBytes;
    if (size > maxBytes) {
      throw new RangeError(
        `report part ${i + 1} is ${size} bytes, over the ${maxBytes}-byte limit`,
      );
    }
    return message;
  });
}

/** The Subject: the account and the count, under SNS's 100-character limit. */
export function subjectFor(report: Report, index = 1, count = 1): string {
  const { nonCompliant, errors } = report.summary;
  let subject = `Signing certificate audit ${report.accountId}: ${nonCompliant} non-compliant`;
  if (errors > 0) subject += `, ${errors} error${errors === 1 ? '' : 's'}`;
  if (!report.complete) subject += ', INCOMPLETE';
  if (count > 1) subject += ` (part ${index}/${count})`;
  return subject.slice(0, SNS_MAX_SUBJECT_LENGTH);
}

/** String/Number attributes only (moto's raw SQS delivery fails on Binary), so subscribers can filter. */
export function messageAttributes(report: Report): ReportMessage['attributes'] {
  const mode: Mode = report.policy.dryRun ? 'report' : report.policy.mode;
  return {
    severity: { DataType: 'String', StringValue: report.severity },
    nonCompliant: { DataType: 'Number', StringValue: String(report.summary.nonCompliant) },
    mode: { DataType: 'String', StringValue: mode },
  };
}
