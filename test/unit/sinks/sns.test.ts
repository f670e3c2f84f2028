import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { archiveLocation } from '../../../lambda/core/archive-layout';
import { type Report, splitReport } from '../../../lambda/core/report';
import { usersScope } from '../../../lambda/core/scope';
import { renderDigest } from '../../../lambda/render/digest';
import {
  PublishError,
  type ReportMessage,
  SNS_MAX_MESSAGE_BYTES,
  snsSink,
  structuredMessage,
  subjectFor,
  toReportMessages,
} from '../../../lambda/sinks/sns';
import { ACCOUNT_ID, deactivateReportOf, numberedFinding } from '../fixtures';
import {
  bedrockKeyFinding,
  certificatesOnlyPolicy,
  everyKindPolicy,
  ofUser,
  sshKeyFinding,
} from '../kind-findings';

const finding = numberedFinding;
/** The `i`-th user's SSH key, and Bedrock key, as numberedFinding names its certificate. */
const sshKeyOf = (i: number) =>
  ofUser(`user-${i}`, sshKeyFinding({ credentialId: `APKA${String(i).padStart(17, '0')}` }));
const bedrockKeyOf = (i: number) =>
  ofUser(`user-${i}`, bedrockKeyFinding({ credentialId: `ACCA${String(i).padStart(17, '0')}` }));

/** The bytes SNS counts of a Publish request: the structured message, subject and attributes. */
const publishedBytes = (message: ReportMessage | undefined) =>
  message === undefined
    ? Number.NaN
    : Buffer.byteLength(structuredMessage(message)) +
      Buffer.byteLength(message.subject) +
      Object.entries(message.attributes).reduce(
        (sum, [name, a]) => sum + Buffer.byteLength(name + a.DataType + a.StringValue),
        0,
      );

const reportOf = deactivateReportOf;

describe('subjectFor', () => {
  it('names the account and the count, under 100 characters', () => {
    const report = reportOf([finding(1), finding(2, { action: 'FAILED' })]);

    // Every kind is read by default: an IAM credential audit, though it found certificates only.
    expect(subjectFor(report)).toBe(`IAM credential audit ${ACCOUNT_ID}: 2 non-compliant, 1 error`);
    expect(
      subjectFor(reportOf([finding(1)], { incompleteReason: 'ListUsers failed' }), 12, 345).length,
    ).toBeLessThanOrEqual(100);
  });
});

describe('subjectFor: every kind of credential', () => {
  it('calls a report of more than signing certificates an IAM credential audit, as its digest does', () => {
    const report = reportOf([sshKeyFinding()], { policy: everyKindPolicy() });

    expect(subjectFor(report)).toBe(`IAM credential audit ${ACCOUNT_ID}: 1 non-compliant`);
    expect(renderDigest(report, undefined).split('\n')[0]).toBe(
      `IAM credential audit of account ${ACCOUNT_ID}`,
    );
  });

  it('keeps a certificates-only run a signing certificate audit (the control)', () => {
    const report = reportOf([finding(1), finding(2, { action: 'FAILED' })], {
      policy: certificatesOnlyPolicy({ mode: 'deactivate' }),
    });

    expect(subjectFor(report)).toBe(
      `Signing certificate audit ${ACCOUNT_ID}: 2 non-compliant, 1 error`,
    );
    expect(subjectFor(reportOf([sshKeyFinding()], { policy: certificatesOnlyPolicy() }))).toBe(
      `IAM credential audit ${ACCOUNT_ID}: 1 non-compliant`,
    );
  });
});

describe('toReportMessages', () => {
  it('sends a small report as one message with String/Number attributes', () => {
    // Act
    const messages = toReportMessages(reportOf([finding(1)]));

    // Assess
    expect(messages).toHaveLength(1);
    expect(messages[0]?.attributes).toEqual({
      severity: { DataType: 'String', StringValue: 'HIGH' },
      nonCompliant: { DataType: 'Number', StringValue: '1' },
      mode: { DataType: 'String', StringValue: 'deactivate' },
    });
    expect(JSON.parse(messages[0]?.body ?? '')).toEqual(reportOf([finding(1)]));
  });

  it('reports the mode as report on a dry run', () => {
    const messages = toReportMessages(reportOf([finding(1)], { dryRun: true }));
    expect(messages[0]?.attributes.mode?.StringValue).toBe('report');
  });

  it('splits 3,000 findings into parts under 256 KiB that reassemble to the same findings', () => {
    // Prepare
    const findings = Array.from({ length: 3000 }, (_, i) =>
      finding(i, { error: { code: 'ServiceFailure', message: 'x'.repeat(i % 7 === 0 ? 400 : 0) } }),
    );
    const report = reportOf(findings);

    // Act
    const messages = toReportMessages(report);

    // Assess
    expect(messages.length).toBeGreaterThan(1);
    const parts = messages.map((m) => JSON.parse(m.body) as Report);
    for (const [i, message] of messages.entries()) {
      const attributeBytes = Object.entries(message.attributes).reduce(
        (sum, [name, a]) => sum + name.length + a.DataType.length + a.StringValue.length,
        0,
      );
      expect(
        Buffer.byteLength(message.body) + attributeBytes + message.subject.length,
      ).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
      expect(message.subject).toContain(`(part ${i + 1}/${messages.length})`);
      expect(parts[i]?.part).toEqual({ index: i + 1, count: messages.length });
      expect(parts[i]?.summary).toEqual(report.summary);
      expect(parts[i]?.runId).toBe('run-1');
    }
    expect(parts.flatMap((p) => p.findings)).toEqual(report.findings);
  });

  it('honours a smaller size limit and never emits an over-size part, whatever the kinds', () => {
    // Prepare: 50 findings of every kind, in a run listing every kind (the default).
    const ofKind = (i: number) =>
      i % 3 === 0 ? finding(i) : i % 3 === 1 ? sshKeyOf(i) : bedrockKeyOf(i);
    const report = reportOf(Array.from({ length: 50 }, (_, i) => ofKind(i)));
    const limit = 6144;

    // Act
    const messages = toReportMessages(report, limit);

    // Assess: the whole Publish request (structured message, subject, attributes) fits.
    expect(messages.length).toBeGreaterThan(3);
    for (const message of messages) {
      expect(publishedBytes(message)).toBeLessThanOrEqual(limit);
    }
    expect(messages.flatMap((m) => (JSON.parse(m.body) as Report).findings)).toEqual(
      report.findings,
    );
  });

  it('refuses a limit the digest and one finding cannot fit in, naming it', () => {
    // The digest (about 2.5 KB for a run of every kind) rides in the first part with the report
    // envelope and at least one finding: 4 KiB cannot hold them.
    const report = reportOf(Array.from({ length: 50 }, (_, i) => finding(i)));
    const [smallest] = splitReport(report, 0);
    const first = toReportMessages(report, 6144)[0];
    const least = first && { ...first, body: JSON.stringify(smallest) };

    expect(publishedBytes(least)).toBeGreaterThan(4096);
    expect(() => toReportMessages(report, 4096)).toThrow(
      new RangeError('the report cannot be split into SNS messages of 4096 bytes'),
    );
  });

  it('sends an incomplete run with no findings as one part', () => {
    const messages = toReportMessages(reportOf([], { incompleteReason: 'ListUsers failed' }));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.subject).toContain('INCOMPLETE');
  });
});

describe('the email digest (SNS per-protocol message)', () => {
  const snsMock = mockClient(SNSClient);
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:findings';

  beforeEach(() => snsMock.reset());

  it('publishes the JSON to every protocol and a readable digest to email, with the same attributes', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const report = reportOf([
      finding(1, { severity: 'HIGH' }),
      finding(2, { verdict: 'EXPIRING_SOON', action: 'NONE', severity: 'LOW' }),
    ]);

    // Act
    await snsSink(new SNSClient({}), TOPIC).deliver(report, {
      archived: archiveLocation('evidence', report),
      failed: [],
    });

    // Assess: the exact request SNS receives.
    expect(snsMock).toReceiveCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      MessageStructure: 'json',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'HIGH' },
        nonCompliant: { DataType: 'Number', StringValue: '1' },
        mode: { DataType: 'String', StringValue: 'deactivate' },
      },
    });
    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    const structured = JSON.parse(input?.Message ?? '{}') as { default: string; email: string };
    expect(Object.keys(structured).sort()).toEqual(['default', 'email']);
    expect(JSON.parse(structured.default)).toEqual(report);
    const digest = structured.email;
    // Every kind is read by default: the digest names each finding's kind.
    expect(digest).toContain(`IAM credential audit of account ${ACCOUNT_ID}`);
    expect(digest).toContain('Severity:  HIGH');
    expect(digest).toMatch(/Non-compliant 1, expiring soon 1/);
    expect(digest).toMatch(
      /^HIGH\s+user-00001\s+certificate\s+CERT0+1\s+1057\s+NON_COMPLIANT\s+DEACTIVATED$/m,
    );
    expect(digest).toContain(
      'What to do:\n- NON_COMPLIANT (signing certificate): Rotate the certificate',
    );
    expect(digest).toContain(
      `The whole report: s3://evidence/reports/account=${ACCOUNT_ID}/date=2026-11-23/run-1.json`,
    );
    expect(digest).not.toContain('{');
  });

  it('says in the digest that a users-scoped run covered those users, not the account', () => {
    const scoped = renderDigest(
      reportOf([finding(1)], { scope: usersScope(['alice']) }),
      undefined,
    );
    const account = renderDigest(reportOf([finding(1)]), undefined);

    expect(scoped).toContain('Scope:     users: alice (not the whole account)');
    expect(account).not.toContain('Scope:');
  });

  it('keeps every structured part under 256 KiB, the digest in the first', () => {
    const findings = Array.from({ length: 3000 }, (_, i) =>
      finding(i, { detail: '"quoted" '.repeat(20) }),
    );

    const messages = toReportMessages(reportOf(findings));

    expect(messages.length).toBeGreaterThan(2);
    for (const message of messages) {
      expect(
        Buffer.byteLength(structuredMessage(message)) + Buffer.byteLength(message.subject),
      ).toBeLessThan(SNS_MAX_MESSAGE_BYTES);
    }
    expect(messages[0]?.email).toContain('Most severe findings (15 of 3000)');
    expect(messages[1]?.email).toMatch(/^Part 2 of \d+ of the IAM credential audit report run-1/);
    expect(messages.flatMap((m) => (JSON.parse(m.body) as Report).findings)).toHaveLength(3000);
  });
});

describe('snsSink', () => {
  const snsMock = mockClient(SNSClient);
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:findings';

  beforeEach(() => snsMock.reset());

  it('publishes a report with findings, with the severity attribute', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const report = reportOf([
      finding(1, { verdict: 'ROOT_SIGNING_CERTIFICATE', severity: 'CRITICAL' }),
    ]);

    const delivery = await snsSink(new SNSClient({}), TOPIC).deliver(report);

    expect(delivery).toEqual({ status: 'delivered', detail: `1 message(s) to ${TOPIC}` });
    expect(snsMock).toReceiveCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      MessageAttributes: expect.objectContaining({
        severity: { DataType: 'String', StringValue: 'CRITICAL' },
      }),
    });
  });

  it('skips a clean run without calling SNS', async () => {
    const delivery = await snsSink(new SNSClient({}), TOPIC).deliver(reportOf([]));

    expect(delivery.status).toBe('skipped');
    expect(snsMock).not.toReceiveCommand(PublishCommand);
  });

  it('throws a PublishError naming the part, the topic and the cause', async () => {
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error('gone'), { name: 'NotFoundException' }));

    await expect(snsSink(new SNSClient({}), TOPIC).deliver(reportOf([finding(1)]))).rejects.toThrow(
      PublishError,
    );
    await expect(snsSink(new SNSClient({}), TOPIC).deliver(reportOf([finding(1)]))).rejects.toThrow(
      `Publishing report part 1 of 1 to ${TOPIC} failed (NotFound: gone)`,
    );
  });
});
