import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DeleteSigningCertificateCommand,
  GetAccountSummaryCommand,
  GetUserCommand,
  IAMClient,
  ListSigningCertificatesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFromEnv } from '../../../lambda/core/settings';
import {
  CREDENTIAL_TYPE_DIMENSION,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../../../lambda/handlers/metrics';
import { createHandler, productionDeps } from '../../../lambda/handlers/scheduled-handler';
import { snsSink } from '../../../lambda/sinks/sns';
import { lambdaContext } from '../../../tools/emulator/lambda-context';
import { capturedOutput } from '../accounts';
import {
  answerNoOtherCredentials,
  CERT_BODY_MARKER,
  daysAgo,
  getUserAnswer,
  iamCert,
  iamUser,
  memoryRecorder,
  NOW,
  TOPIC_ARN,
} from '../fixtures';

const iamMock = mockClient(IAMClient);
const snsMock = mockClient(SNSClient);
const s3Mock = mockClient(S3Client);

const context = lambdaContext(
  'req-123',
  'arn:aws:lambda:us-east-1:123456789012:function:signing-cert-audit',
);

const captured = capturedOutput();

/**
 * Builds the handler from this function environment with injected clients (aws-sdk-client-mock
 * answers their calls), a Powertools logger and metrics, and the fixed clock of the unit tests.
 */
function coldStart(env: Record<string, string>) {
  const config = loadConfigFromEnv({ TOPIC_ARN, ARCHIVE_BUCKET: 'evidence', ...env });
  return createHandler({
    config,
    iam: new IAMClient({ region: 'us-east-1' }),
    sinks: [snsSink(new SNSClient({ region: 'us-east-1' }), config.topicArn)],
    changeRecord: memoryRecorder(),
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    now: () => NOW,
  });
}

function givenAccount(): void {
  iamMock.on(ListUsersCommand).resolves({
    Users: [iamUser('alice'), iamUser('bob'), iamUser('carol')],
    IsTruncated: false,
  });
  iamMock
    .on(ListSigningCertificatesCommand, { UserName: 'alice' })
    .resolves({ Certificates: [iamCert('alice', 'CERTALICEOLD00000000000001', daysAgo(200))] })
    .on(ListSigningCertificatesCommand, { UserName: 'bob' })
    .resolves({ Certificates: [iamCert('bob', 'CERTBOBYOUNG00000000000001', daysAgo(5))] })
    .on(ListSigningCertificatesCommand, { UserName: 'carol' })
    .resolves({ Certificates: [] });
  iamMock.on(UpdateSigningCertificateCommand).resolves({});
}

const logLines = () => captured.jsonLines();
/**
 * The run's account-wide EMF document, the one the alarms read (a run listing every kind, the
 * default, prints its counts per kind beside it, each with a credentialType dimension).
 */
const accountEmf = () =>
  logLines().find((line) => '_aws' in line && !(CREDENTIAL_TYPE_DIMENSION in line));

beforeEach(() => {
  iamMock.reset();
  answerNoOtherCredentials(iamMock);
  snsMock.reset();
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
  iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  iamMock.on(GetUserCommand).callsFake(getUserAnswer);
  captured.start();
});

afterEach(() => captured.stop());

describe('handler', () => {
  it('audits, remediates by mode, publishes the report and returns the summary', async () => {
    // Prepare
    givenAccount();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const handler = coldStart({ MODE: 'deactivate' });

    // Act
    const summary = await handler({}, context);

    // Assess
    expect(summary).toMatchObject({
      usersScanned: 3,
      certificatesScanned: 2,
      nonCompliant: 1,
      deactivated: 1,
    });
    expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, {
      UserName: 'alice',
      CertificateId: 'CERTALICEOLD00000000000001',
      Status: 'Inactive',
    });
    expect(snsMock).toReceiveCommandTimes(PublishCommand, 1);
    expect(snsMock).toReceiveCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      // Every kind is read by default: an IAM credential audit, though only certificates were found.
      Subject: 'IAM credential audit 123456789012: 1 non-compliant',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'HIGH' },
        nonCompliant: { DataType: 'Number', StringValue: '1' },
        mode: { DataType: 'String', StringValue: 'deactivate' },
      },
    });
    // Every protocol but email gets the report JSON (SNS's per-protocol message structure).
    const published = JSON.parse(
      JSON.parse(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}').default,
    );
    expect(published).toMatchObject({
      runId: 'req-123',
      accountId: '123456789012',
      findings: [{ userName: 'alice', action: 'DEACTIVATED' }],
    });
  });

  it('logs one structured summary line with the Lambda context and emits EMF metrics', async () => {
    givenAccount();
    snsMock.on(PublishCommand).resolves({});
    const handler = coldStart({});

    await handler({}, context);

    const summaryLines = logLines().filter((line) => line.message === 'Audit finished');
    expect(summaryLines).toHaveLength(1);
    expect(summaryLines[0]).toMatchObject({
      level: 'INFO',
      service: 'signing-cert-audit',
      function_request_id: 'req-123',
      summary: { nonCompliant: 1 },
    });
    const emf = accountEmf();
    expect(emf).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'SigningCertAudit', Dimensions: [['service']] }] },
      service: 'signing-cert-audit',
      NonCompliant: 1,
      CertificatesScanned: 2,
      Deactivated: 0,
      Errors: 0,
    });
  });

  it.each([
    ['at exactly the limit', '1', { Withheld: 0, Deleted: 1 }, 'MEDIUM'],
    ['one over the limit', '0', { Withheld: 1, Deleted: 0 }, 'HIGH'],
  ])(
    'blast-radius guard %s: emits the Withheld metric the stack alarms on, publishes at %s',
    async (_when, limit, metrics, severity) => {
      // Prepare: one over-age Inactive certificate, which delete mode deletes (a MEDIUM finding).
      givenAccount();
      iamMock.on(ListSigningCertificatesCommand, { UserName: 'alice' }).resolves({
        Certificates: [iamCert('alice', 'CERTALICEOLD00000000000001', daysAgo(200), 'Inactive')],
      });
      iamMock.on(DeleteSigningCertificateCommand).resolves({});
      snsMock.on(PublishCommand).resolves({});
      const handler = coldStart({ MODE: 'delete', MAX_ACTIONS_PER_RUN: limit });

      // Act
      await handler({}, context);

      // Assess
      expect(iamMock).toReceiveCommandTimes(DeleteSigningCertificateCommand, metrics.Deleted);
      expect(accountEmf()).toMatchObject({ ...metrics, NonCompliant: 1 });
      expect(snsMock).toReceiveCommandWith(PublishCommand, {
        MessageAttributes: expect.objectContaining({
          severity: { DataType: 'String', StringValue: severity },
        }),
      });
    },
  );

  it('publishes nothing for a clean run and still logs its summary', async () => {
    iamMock.on(ListUsersCommand).resolves({ Users: [iamUser('bob')], IsTruncated: false });
    iamMock
      .on(ListSigningCertificatesCommand)
      .resolves({ Certificates: [iamCert('bob', 'CERTBOBYOUNG00000000000001', daysAgo(5))] });
    const handler = coldStart({});

    const summary = await handler({}, context);

    expect(summary).toMatchObject({ certificatesScanned: 1, nonCompliant: 0 });
    expect(snsMock).not.toReceiveCommand(PublishCommand);
    expect(logLines().some((line) => line.message === 'Audit finished')).toBe(true);
  });

  it('forces report mode for {"dryRun": true}', async () => {
    givenAccount();
    snsMock.on(PublishCommand).resolves({});
    const handler = coldStart({ MODE: 'delete' });

    await handler({ dryRun: true }, context);

    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(snsMock).toReceiveCommandWith(PublishCommand, {
      MessageAttributes: expect.objectContaining({
        mode: { DataType: 'String', StringValue: 'report' },
      }),
    });
  });

  it('refuses an unknown event key before touching IAM', async () => {
    const handler = coldStart({ MODE: 'deactivate' });

    await expect(handler({ dryrun: true }, context)).rejects.toThrow(
      /"dryrun": an event that mentions a dry run must be exactly \{"dryRun": true\}/,
    );
    expect(iamMock).not.toReceiveCommand(ListUsersCommand);
  });

  it('fails a cold start naming every bad variable at once', () => {
    expect(() => productionDeps({ TOPIC_ARN, MODE: 'purge', MAX_AGE_DAYS: '0' })).toThrow(
      /2 settings are not allowed:\n {2}- MAX_AGE_DAYS="0" is not allowed.*\n {2}- MODE="purge"/,
    );
  });

  it('fails a cold start with bad configuration, naming the variable', () => {
    expect(() => productionDeps({ TOPIC_ARN, MODE: 'purge' })).toThrow(
      /MODE="purge" is not allowed/,
    );
    expect(logLines()).toContainEqual(
      expect.objectContaining({ level: 'CRITICAL', message: 'Invalid configuration' }),
    );
  });

  it('fails the invocation when publishing fails, after logging the full report', async () => {
    // Prepare
    givenAccount();
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));
    const handler = coldStart({ MODE: 'deactivate' });

    // Act
    const run = handler({}, context);

    // Assess
    await expect(run).rejects.toThrow(
      /Publishing report part 1 of 1 .* failed \(NotFound: Topic does not exist\)/,
    );
    const logged = logLines().find(
      (line) => line.message === 'Delivering the report failed; the full report follows',
    );
    expect(logged).toMatchObject({
      level: 'ERROR',
      report: {
        findings: [
          { userName: 'alice', certificateId: 'CERTALICEOLD00000000000001', action: 'DEACTIVATED' },
        ],
      },
    });
  });

  it('keeps a large undelivered report in numbered log lines under the event limit', async () => {
    // Prepare: 3000 over-age certificates, about 1.9 MB of findings, and a topic that is gone.
    const users = Array.from({ length: 3000 }, (_, i) =>
      iamUser(`user-${String(i).padStart(4, '0')}`),
    );
    iamMock.on(ListUsersCommand).resolves({ Users: users, IsTruncated: false });
    iamMock.on(ListSigningCertificatesCommand).callsFake(({ UserName }: { UserName: string }) => ({
      Certificates: [
        iamCert(UserName, `CERT${UserName.toUpperCase()}000000000000000`, daysAgo(200)),
      ],
    }));
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error('gone'), { name: 'NotFoundException' }));
    const handler = coldStart({ MODE: 'report' });

    // Act
    await expect(handler({}, context)).rejects.toThrow(/Publishing report part 1 of/);

    // Assess
    const raw = captured
      .text()
      .split('\n')
      .filter((line) => line.includes('the full report follows'));
    expect(raw.length).toBeGreaterThan(5);
    for (const line of raw) expect(Buffer.byteLength(line)).toBeLessThan(256 * 1024);
    const parts = raw.map(
      (line) =>
        JSON.parse(line) as {
          runId: string;
          part: { index: number; count: number };
          report: { findings: unknown[] };
        },
    );
    expect(new Set(parts.map((p) => p.runId))).toEqual(new Set(['req-123']));
    expect(parts.map((p) => p.part.index)).toEqual(parts.map((_, i) => i + 1));
    expect(parts.every((p) => p.part.count === parts.length)).toBe(true);
    expect(parts.flatMap((p) => p.report.findings)).toHaveLength(3000);
  });

  it('fails when users cannot be listed, after logging and publishing the partial report', async () => {
    iamMock
      .on(ListUsersCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    snsMock.on(PublishCommand).resolves({});
    const handler = coldStart({});

    await expect(handler({}, context)).rejects.toThrow(
      /ListUsers failed after 0 users \(AccessDenied: not authorized\)/,
    );

    expect(logLines()).toContainEqual(
      expect.objectContaining({ message: 'Audit incomplete; the partial report follows' }),
    );
    expect(snsMock).toReceiveCommandWith(PublishCommand, {
      Subject: expect.stringContaining('INCOMPLETE'),
    });
  });

  it('never writes the certificate body to a log line or a message', async () => {
    givenAccount();
    snsMock.on(PublishCommand).resolves({});
    const handler = coldStart({ MODE: 'deactivate' });

    await handler({}, context);

    const messages = snsMock
      .commandCalls(PublishCommand)
      .map((call) => JSON.stringify(call.args[0].input));
    for (const text of [...messages, captured.text()]) {
      expect(text).not.toContain(CERT_BODY_MARKER);
      expect(text).not.toContain('BEGIN CERTIFICATE');
    }
    expect(messages.length).toBe(1);
    expect(captured.text().length).toBeGreaterThan(0);
  });
});

describe('the digest names only what was written', () => {
  /** The handler wired as the deployed function is: the archive first, then SNS. */
  const withArchive = () =>
    createHandler({
      ...productionDeps({ TOPIC_ARN, ARCHIVE_BUCKET: 'evidence', AWS_REGION: 'us-east-1' }),
      now: () => NOW,
    });
  const digest = () =>
    (
      JSON.parse(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}') as {
        email: string;
      }
    ).email;

  beforeEach(() => {
    s3Mock.reset();
    givenAccount();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('links the archived report when the archive wrote it', async () => {
    s3Mock.on(PutObjectCommand).resolves({});

    await withArchive()({}, context);

    expect(digest()).toMatch(/The whole report: s3:\/\/evidence\/reports\/account=123456789012\//);
  });

  it('names no object when the archive write failed, and the run still fails', async () => {
    s3Mock
      .on(PutObjectCommand)
      .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    await expect(withArchive()({}, context)).rejects.toThrow(/s3-archive: Writing s3:\/\/evidence/);

    expect(snsMock).toReceiveCommand(PublishCommand);
    expect(digest()).not.toContain('s3://');
    expect(digest()).toContain('The report could not be archived');
  });
});
