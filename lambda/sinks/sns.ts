import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { ARCHIVE_SINK_NAME } from '../core/archive-layout';
import { speaksOfKinds } from '../core/credential-wording';
import { describeError, SigningCertAuditError } from '../core/errors';
import { type OrgReport, reportForMessage } from '../core/org-report';
import { byteLength, isClean, type Report, splitReport } from '../core/report';
import type { Mode } from '../core/settings';
import { type DigestArchive, renderDigest } from '../render/digest';
import { renderOrgDigest } from '../render/org-digest';
import type { Delivery, DeliveryContext, OrgReportSink, ReportSink } from './sink';

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
  /** The report part as JSON: what every protocol but email receives. */
  readonly body: string;
  /** The plain-text digest email subscribers receive instead. */
  readonly email: string;
  readonly attributes: Readonly<
    Record<string, { DataType: 'String' | 'Number'; StringValue: string }>
  >;
}

/**
 * The Publish `Message` for SNS's per-protocol message structure (`MessageStructure: json`):
 * email subscribers get the digest, every other protocol the report JSON, with the same
 * message attributes so filter policies keep working.
 */
export function structuredMessage(message: ReportMessage): string {
  return JSON.stringify({ default: message.body, email: message.email });
}

/**
 * The SNS sink: publishes a report that holds something to look at (a clean run is only logged)
 * to the topic, split into numbered parts under SNS's size limit. The digest names the archived
 * report only when an earlier sink wrote it (`context.archived`), and says so when the archive
 * failed: it never names an object that was not written.
 */
export function snsSink(sns: SNSClient, topicArn: string): ReportSink {
  return {
    name: 'sns',
    async deliver(report: Report, context?: DeliveryContext): Promise<Delivery> {
      if (isClean(report)) return { status: 'skipped', detail: 'a clean run is only logged' };
      const archive: DigestArchive = context?.archived
        ? { written: context.archived }
        : context?.failed.includes(ARCHIVE_SINK_NAME)
          ? 'failed'
          : undefined;
      const ids = await publishReport(sns, topicArn, report, archive);
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
  archive?: DigestArchive,
): Promise<string[]> {
  const messages = toReportMessages(report, SNS_MAX_MESSAGE_BYTES, archive);
  const messageIds: string[] = [];
  for (const [i, message] of messages.entries()) {
    try {
      const output = await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: message.subject,
          MessageStructure: 'json',
          Message: structuredMessage(message),
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
 * Splits a report into SNS messages of at most `maxBytes` (the structured message, subject and
 * attributes together). Each part's JSON is the whole report envelope with a slice of the
 * findings, valid on its own and numbered in `part`; the first part's email is the digest, the
 * others' a line pointing back to it. The JSON is escaped once more inside the structured
 * message, so the parts are sized on the final message, shrinking the slices until they fit.
 */
export function toReportMessages(
  report: Report,
  maxBytes = SNS_MAX_MESSAGE_BYTES,
  archive?: DigestArchive,
): ReportMessage[] {
  const attributes = messageAttributes(report);
  const attributeBytes = Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum + byteLength(name) + byteLength(value.DataType) + byteLength(value.StringValue),
    0,
  );
  const digest = renderDigest(report, archive);
  const fixed = attributeBytes + SNS_MAX_SUBJECT_LENGTH + byteLength(JSON.stringify(digest)) + 64;
  return shrinkToFit(
    maxBytes - fixed,
    (budget) => {
      const parts = splitReport(report, budget);
      return parts.map(
        (part, i): ReportMessage => ({
          subject: subjectFor(report, i + 1, parts.length),
          body: JSON.stringify(part),
          email:
            i === 0
              ? digest
              : `Part ${i + 1} of ${parts.length} of the ${speaksOfKinds(report) ? 'IAM credential' : 'signing certificate'} audit report ${report.runId}: the digest is in part 1.${typeof archive === 'object' ? ` The whole report: ${archive.written.report}` : ''}\n`,
          attributes,
        }),
      );
    },
    (messages) =>
      messages.every(
        (message) =>
          byteLength(structuredMessage(message)) + byteLength(message.subject) + attributeBytes <=
          maxBytes,
      ),
    `the report cannot be split into SNS messages of ${maxBytes} bytes`,
  );
}

/**
 * The one "shrink to fit SNS" loop, for an account's report and the organization's alike: the
 * JSON is escaped once more inside the structured message, so what fits is only known once
 * built. Builds at `start` bytes of budget, then at 85% of it, until `fits`; throws a
 * RangeError saying `what` once the budget is down to 1 KB.
 */
export function shrinkToFit<T>(
  start: number,
  build: (budget: number) => T,
  fits: (built: T) => boolean,
  what: string,
): T {
  for (let budget = start; budget > 1024; budget = Math.floor(budget * 0.85)) {
    const built = build(budget);
    if (fits(built)) return built;
  }
  throw new RangeError(what);
}

/**
 * The Subject: the account and the count, under SNS's 100-character limit; an `IAM credential
 * audit`, as the digest says, for a report that speaks of more than signing certificates.
 */
export function subjectFor(report: Report, index = 1, count = 1): string {
  const { nonCompliant, errors } = report.summary;
  const what = speaksOfKinds(report) ? 'IAM credential' : 'Signing certificate';
  let subject = `${what} audit ${report.accountId}: ${nonCompliant} non-compliant`;
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

/** SNS's limit is 256 KiB with the attributes; the message stays under this. */
export const ORG_MESSAGE_MAX_BYTES = 240_000;

/**
 * The SNS message of an organization run: the report as JSON for machines (`default`: whole,
 * or cut to the accounts that need attention when a large organization's would not fit, always
 * valid JSON) and the digest for email, together under SNS's size limit.
 */
export function orgMessage(report: OrgReport, location: string | undefined): string {
  const email = renderOrgDigest(report, location);
  // The digest is bounded (DIGEST_MAX_ACCOUNT_LINES a list) and the smallest report is its
  // totals, so it always fits; a message over SNS's limit would fail every Publish.
  return shrinkToFit(
    ORG_MESSAGE_MAX_BYTES - Buffer.byteLength(email),
    (budget) =>
      JSON.stringify({
        default: JSON.stringify({ ...reportForMessage(report, budget), reportLocation: location }),
        email,
      }),
    (message) => Buffer.byteLength(message) <= ORG_MESSAGE_MAX_BYTES,
    `the organization message cannot be made to fit in ${ORG_MESSAGE_MAX_BYTES} bytes`,
  );
}

/**
 * The SNS sink of the organization run: one message, the report to every protocol (whole, or cut
 * to fit) and the digest to email, naming the archived report only once the archive wrote it.
 */
export function orgSnsSink(sns: SNSClient, topicArn: string): OrgReportSink {
  return {
    name: 'sns',
    async deliver(report: OrgReport, context?: DeliveryContext): Promise<Delivery> {
      const location = context?.archived?.report;
      try {
        await sns.send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject:
              `Signing certificate audit: ${report.counts.accounts} accounts, ${report.totals.nonCompliant} non-compliant${report.counts.failed ? `, ${report.counts.failed} failed` : ''}`.slice(
                0,
                SNS_MAX_SUBJECT_LENGTH,
              ),
            MessageStructure: 'json',
            Message: orgMessage(report, location),
            MessageAttributes: {
              severity: { DataType: 'String', StringValue: report.severity },
              nonCompliant: { DataType: 'Number', StringValue: String(report.totals.nonCompliant) },
              kind: { DataType: 'String', StringValue: 'organization' },
            },
          }),
        );
      } catch (error: unknown) {
        const { code, message } = describeError(error);
        throw new PublishError(
          `Publishing the organization report to ${topicArn} failed (${code}: ${message})`,
          {
            cause: error,
          },
        );
      }
      return { status: 'delivered', detail: `published to ${topicArn}` };
    },
  };
}
