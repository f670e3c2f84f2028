import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  GetAccountSummaryCommand,
  GetUserCommand,
  IAMClient,
  ListSigningCertificatesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GUARD_PREFIX, windowStarts } from '../../../lambda/core/change-budget';
import type { Summary } from '../../../lambda/core/report';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../../lambda/handlers/metrics';
import { createAccountRealtimeHandler } from '../../../lambda/handlers/realtime-account';
import type { RealtimeOutput } from '../../../lambda/handlers/realtime-handler';
import { s3ChangeBudget } from '../../../lambda/record/window-budget';
import type { ReportSink } from '../../../lambda/sinks/sink';
import { cloudTrailEvent, sqsBatch } from '../../../tools/emulator/cloudtrail-events';
import { lambdaContext } from '../../../tools/emulator/lambda-context';
import { capturedOutput } from '../accounts';
import {
  ACCOUNT_ID,
  answerNoOtherCredentials,
  daysAgo,
  getUserAnswer,
  iamCert,
  memoryRecorder,
  NOW,
  policyWith,
} from '../fixtures';
import { memoryS3 } from '../memory-s3';

/**
 * A storm: 10,000 certificates uploaded for 10,000 users at once (each over age: the clock of
 * the unit tests is far past their upload date), their events delivered by SQS to the real-time
 * handler two batches at a time (the event source mapping's maxConcurrency 2), with the window
 * guard's counts in a bucket with S3's conditional writes, so two runs at once really race for
 * the window's last changes. The window allows 25 changes; nothing else stops the storm.
 */

const iamMock = mockClient(IAMClient);
const s3Mock = mockClient(S3Client);
const captured = capturedOutput();
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:signing-cert-audit-realtime`;
const USERS = 10_000;
const WINDOW = { maxActions: 25, minutes: 60 };
const certificateOf = (userName: string) => `CERT${userName.toUpperCase().padEnd(21, '0')}`;

/** Each user's one over-age certificate, and what the run came to, as a sink sees it. */
function givenStorm() {
  iamMock.on(GetUserCommand).callsFake(getUserAnswer);
  iamMock.on(ListSigningCertificatesCommand).callsFake((input: { UserName: string }) => ({
    Certificates: [iamCert(input.UserName, certificateOf(input.UserName), daysAgo(400))],
    IsTruncated: false,
  }));
  iamMock.on(UpdateSigningCertificateCommand).resolves({});
  const bucket = memoryS3(s3Mock);
  const summaries: Summary[] = [];
  const withheldFindings: string[] = [];
  const sink: ReportSink = {
    name: 'memory',
    async deliver(report) {
      summaries.push(report.summary);
      for (const finding of report.findings) {
        if (finding.action === 'WITHHELD') withheldFindings.push(finding.detail ?? '');
      }
      return { status: 'delivered', detail: 'kept in memory' };
    },
  };
  const handler = createAccountRealtimeHandler({
    policy: policyWith({
      mode: 'deactivate',
      credentialKinds: ['signing-certificate'],
      maxActionsPerRun: 100,
    }),
    iam: new IAMClient({ region: 'us-east-1' }),
    sinks: [sink],
    changeRecord: memoryRecorder(),
    changeBudget: s3ChangeBudget(new S3Client({ region: 'us-east-1' }), 'evidence', WINDOW),
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    now: () => NOW,
  });
  return { handler, bucket, summaries, withheldFindings };
}

/** The storm's events in SQS batches of `size`, each invocation with its own request id. */
function batches(size: number) {
  const all = Array.from({ length: USERS }, (_, i) =>
    cloudTrailEvent({
      eventName: 'UploadSigningCertificate',
      requestParameters: { userName: `user-${String(i).padStart(5, '0')}`, certificateBody: '…' },
      eventTime: NOW,
    }),
  );
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < all.length; i += size) out.push(sqsBatch(all.slice(i, i + size)));
  return out;
}

/** Delivers the batches two at a time, as an event source mapping of maxConcurrency 2 does. */
async function deliverInPairs(
  handler: ReturnType<typeof givenStorm>['handler'],
  queue: readonly Record<string, unknown>[],
): Promise<RealtimeOutput[]> {
  const outputs: RealtimeOutput[] = [];
  for (let i = 0; i < queue.length; i += 2) {
    const pair = queue.slice(i, i + 2);
    outputs.push(
      ...(await Promise.all(
        pair.map((batch, j) => handler(batch, lambdaContext(`req-${i + j}`, FUNCTION_ARN))),
      )),
    );
  }
  return outputs;
}

/** The Withheld counts every run's EMF document emitted. */
const emittedWithheld = () =>
  captured
    .jsonLines()
    .filter((line) => '_aws' in line && typeof line.Withheld === 'number')
    .reduce((sum, line) => sum + (line.Withheld as number), 0);

const sum = (summaries: readonly Summary[], key: keyof Summary) =>
  summaries.reduce((total, s) => total + (s[key] as number), 0);

const guardKey = `${GUARD_PREFIX}account=${ACCOUNT_ID}/window=${windowStarts(NOW, WINDOW.minutes).current.toISOString()}.json`;

beforeEach(() => {
  iamMock.reset();
  s3Mock.reset();
  answerNoOtherCredentials(iamMock);
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
  iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  captured.start();
});

afterEach(() => captured.stop());

describe('a storm of 10,000 uploads against a window of 25 changes', () => {
  it('in batches of 100 (100 planned a run, past the window): withholds every change, makes none', async () => {
    const { handler, bucket, summaries, withheldFindings } = givenStorm();
    const queue = batches(100);
    expect(queue).toHaveLength(100);

    const outputs = await deliverInPairs(handler, queue);

    // Every run was whole and delivered: no message comes again.
    expect(outputs.every((o) => 'batchItemFailures' in o && o.batchItemFailures.length === 0)).toBe(
      true,
    );
    expect(summaries).toHaveLength(100);
    expect(sum(summaries, 'usersScanned')).toBe(USERS);
    expect(sum(summaries, 'nonCompliant')).toBe(USERS);
    // The window admits a run's changes whole or not at all: 100 never fit in 25.
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 0);
    expect(sum(summaries, 'withheld')).toBe(USERS);
    expect(emittedWithheld()).toBe(USERS);
    expect(withheldFindings).toHaveLength(USERS);
    expect(
      withheldFindings.every((detail) =>
        detail.includes(
          'withheld: the window guard allows 25 change(s) per 60 minutes in this account, 0 were already made, and this run planned 100',
        ),
      ),
    ).toBe(true);
    // Nothing was reserved, so no count was written.
    expect(bucket.objects.size).toBe(0);
    expect(iamMock).not.toReceiveCommand(ListUsersCommand);
  }, 60_000);

  it('in batches of 5 (5 planned a run): exactly 25 changes, every other one withheld, across races', async () => {
    const { handler, bucket, summaries, withheldFindings } = givenStorm();
    const queue = batches(5);
    expect(queue).toHaveLength(2000);

    const outputs = await deliverInPairs(handler, queue);

    expect(outputs.every((o) => 'batchItemFailures' in o && o.batchItemFailures.length === 0)).toBe(
      true,
    );
    expect(summaries).toHaveLength(2000);
    expect(sum(summaries, 'nonCompliant')).toBe(USERS);
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 25);
    expect(sum(summaries, 'deactivated')).toBe(25);
    expect(sum(summaries, 'withheld')).toBe(USERS - 25);
    expect(emittedWithheld()).toBe(USERS - 25);
    expect(withheldFindings).toHaveLength(USERS - 25);
    expect(withheldFindings.every((detail) => detail.includes('the window guard allows 25'))).toBe(
      true,
    );
    expect(bucket.json(guardKey)).toMatchObject({ reserved: 25 });
    // The runs raced for the window: a write lost on its ETag was read again, and refused or
    // granted on the new count (without the conditional writes this storm makes 50 changes).
    expect(bucket.counts.preconditionFailed).toBeGreaterThan(0);
  }, 60_000);
});
