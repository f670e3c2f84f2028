import { Logger } from '@aws-lambda-powertools/logger';
import {
  GetAccountSummaryCommand,
  GetUserCommand,
  IAMClient,
  IAMServiceException,
  ListSigningCertificatesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Report } from '../../../lambda/core/report';
import { usersScope } from '../../../lambda/core/scope';
import type { Policy } from '../../../lambda/core/settings';
import type { EventPolicy, IamCredentialEvent } from '../../../lambda/handlers/cloudtrail-event';
import { SERVICE_NAME } from '../../../lambda/handlers/metrics';
import { createAccountRealtimeHandler } from '../../../lambda/handlers/realtime-account';
import {
  groupByAccount,
  type RealtimeBatch,
  RealtimeRunFailedError,
  readRealtimeEvent,
} from '../../../lambda/handlers/realtime-handler';
import type { ReportSink } from '../../../lambda/sinks/sink';
import {
  type CallSpec,
  cloudTrailEvent,
  sqsBatch,
} from '../../../tools/emulator/cloudtrail-events';
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

const iamMock = mockClient(IAMClient);
const captured = capturedOutput();
const context = lambdaContext(
  'req-rt',
  `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:signing-cert-audit-realtime`,
);
const OTHER_ACCOUNT = '210987654321';
const POLICY: EventPolicy = { tagKeys: ['signing-cert-audit:exempt'], accountId: ACCOUNT_ID };

const upload = (userName: string, spec: Partial<CallSpec> = {}) =>
  cloudTrailEvent({
    eventName: 'UploadSigningCertificate',
    requestParameters: { userName, certificateBody: '-----BEGIN CERTIFICATE-----…' },
    ...spec,
  });
const createUser = () =>
  cloudTrailEvent({ eventName: 'CreateUser', requestParameters: { userName: 'mallory' } });

/** The SQS batch's message ids, in order. */
const messageIds = (batch: Record<string, unknown>) =>
  (batch.Records as { messageId: string }[]).map((record) => record.messageId);

/** A read event, as readIamEvent takes it: a user (or root) of an account, at a time. */
const read = (
  accountId: string,
  who: { userName?: string; root?: boolean },
  eventTime: string | null = null,
): IamCredentialEvent => ({
  accountId,
  ...(who.userName ? { userName: who.userName } : {}),
  root: who.root ?? false,
  eventName: 'UploadSigningCertificate',
  eventId: null,
  eventTime,
});
const taken = (...events: IamCredentialEvent[]): RealtimeBatch['taken'] =>
  events.map((event, index) => ({ messageId: `m${index}`, event }));

describe('readRealtimeEvent', () => {
  it('reads a direct EventBridge event as one message, taken or refused', () => {
    const batch = readRealtimeEvent(upload('alice'), POLICY);

    expect(batch).toMatchObject({ fromQueue: false, refused: [] });
    expect(batch.taken).toEqual([
      { messageId: 'event', event: expect.objectContaining({ userName: 'alice' }) },
    ]);
    expect(readRealtimeEvent(createUser(), POLICY)).toEqual({
      fromQueue: false,
      taken: [],
      refused: [{ messageId: 'event', reason: expect.stringContaining('"CreateUser"') }],
    });
  });

  it('reads an SQS batch message by message, refusing a body that is not JSON by its id', () => {
    const batch = sqsBatch([upload('alice'), createUser(), upload('bob')]);
    const records = batch.Records as { messageId: string; body: string }[];
    records.push({
      ...(records[0] as { messageId: string; body: string }),
      messageId: 'bad',
      body: '{not json',
    });
    const [alice, mallory, bob] = messageIds(batch);

    const read = readRealtimeEvent(batch, POLICY);

    expect(read.fromQueue).toBe(true);
    expect(read.taken.map((t) => [t.messageId, t.event.userName])).toEqual([
      [alice, 'alice'],
      [bob, 'bob'],
    ]);
    expect(read.refused).toEqual([
      { messageId: mallory, reason: expect.stringContaining('"CreateUser"') },
      { messageId: 'bad', reason: 'the message body is not JSON' },
    ]);
  });

  it('names a message without an id by its place, and reads a missing body as not JSON', () => {
    const read = readRealtimeEvent(
      { Records: [{ body: JSON.stringify(upload('alice')) }, {}] },
      POLICY,
    );

    expect(read.taken.map((t) => t.messageId)).toEqual(['record-0']);
    expect(read.refused).toEqual([
      { messageId: 'record-1', reason: 'the message body is not JSON' },
    ]);
  });

  it('reads an empty batch as nothing to do, and Records that are no list as one event', () => {
    expect(readRealtimeEvent({ Records: [] }, POLICY)).toEqual({
      fromQueue: true,
      taken: [],
      refused: [],
    });
    expect(readRealtimeEvent({ Records: 'x' }, POLICY)).toMatchObject({
      fromQueue: false,
      refused: [{ messageId: 'event' }],
    });
  });
});

describe('groupByAccount', () => {
  it('names a user once whatever the case and however many events, with every message', () => {
    const groups = groupByAccount(
      taken(
        read(ACCOUNT_ID, { userName: 'alice' }),
        read(ACCOUNT_ID, { userName: 'ALICE' }),
        read(ACCOUNT_ID, { userName: 'bob' }),
        read(ACCOUNT_ID, { userName: 'Alice' }),
      ),
    );

    expect(groups).toEqual([
      {
        accountId: ACCOUNT_ID,
        scope: { kind: 'users', userNames: ['alice', 'bob'] },
        messageIds: ['m0', 'm1', 'm2', 'm3'],
        firstEventTime: null,
      },
    ]);
  });

  it("merges the root user's events into its account's scope", () => {
    const [group] = groupByAccount(
      taken(read(ACCOUNT_ID, { root: true }), read(ACCOUNT_ID, { userName: 'alice' })),
    );
    expect(group?.scope).toEqual({ kind: 'users', userNames: ['alice'], root: true });
    // The root user alone is a scope too.
    expect(groupByAccount(taken(read(ACCOUNT_ID, { root: true })))[0]?.scope).toEqual(
      usersScope([], { root: true }),
    );
  });

  it('makes one group per account, each with its own users and messages', () => {
    const groups = groupByAccount(
      taken(
        read(ACCOUNT_ID, { userName: 'alice' }),
        read(OTHER_ACCOUNT, { userName: 'alice' }),
        read(ACCOUNT_ID, { userName: 'bob' }),
      ),
    );

    expect(groups.map((g) => [g.accountId, g.scope, g.messageIds])).toEqual([
      [ACCOUNT_ID, usersScope(['alice', 'bob']), ['m0', 'm2']],
      [OTHER_ACCOUNT, usersScope(['alice']), ['m1']],
    ]);
  });

  it('keeps the earliest call of each account, whatever the order and with times missing', () => {
    const groups = groupByAccount(
      taken(
        read(ACCOUNT_ID, { userName: 'a' }, '2026-11-23T05:59:30Z'),
        read(ACCOUNT_ID, { userName: 'b' }, null),
        read(ACCOUNT_ID, { userName: 'c' }, '2026-11-23T05:58:10Z'),
        read(ACCOUNT_ID, { userName: 'd' }, '2026-11-23T05:59:59Z'),
        read(OTHER_ACCOUNT, { userName: 'e' }, '2026-11-23T05:59:00Z'),
      ),
    );

    expect(groups.map((g) => g.firstEventTime)).toEqual([
      '2026-11-23T05:58:10Z',
      '2026-11-23T05:59:00Z',
    ]);
  });
});

describe('createAccountRealtimeHandler', () => {
  let reports: Report[];
  let logger: Logger;
  const keep: ReportSink = {
    name: 'memory',
    async deliver(report) {
      reports.push(report);
      return { status: 'delivered', detail: 'kept in memory' };
    },
  };
  const failing: ReportSink = {
    name: 'broken',
    async deliver() {
      throw new Error('the topic is gone');
    },
  };

  function coldStart(sinks: readonly ReportSink[] = [keep], overrides: Partial<Policy> = {}) {
    return createAccountRealtimeHandler({
      policy: policyWith({
        mode: 'deactivate',
        credentialKinds: ['signing-certificate'],
        ...overrides,
      }),
      iam: new IAMClient({ region: 'us-east-1' }),
      sinks,
      changeRecord: memoryRecorder(),
      logger,
      now: () => NOW,
    });
  }

  /** Every warning the handler logged, as [message, attributes]. */
  const warnings = () =>
    (logger.warn as unknown as { mock: { calls: unknown[][] } }).mock.calls.map((call) => [
      call[0],
      call[1],
    ]);

  beforeEach(() => {
    reports = [];
    logger = new Logger({ serviceName: SERVICE_NAME });
    vi.spyOn(logger, 'warn');
    iamMock.reset();
    answerNoOtherCredentials(iamMock);
    iamMock.on(GetUserCommand).callsFake(getUserAnswer);
    iamMock.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
    iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
    iamMock
      .on(ListSigningCertificatesCommand, { UserName: 'alice' })
      .resolves({ Certificates: [iamCert('alice', 'CERTALICEOLD00000000000001', daysAgo(200))] })
      .on(ListSigningCertificatesCommand, { UserName: 'bob' })
      .resolves({ Certificates: [iamCert('bob', 'CERTBOBYOUNG00000000000001', daysAgo(5))] });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});
    captured.start();
  });

  afterEach(() => captured.stop());

  it('audits a batch about alice three times and bob once in one run of both, never listing the account', async () => {
    const batch = sqsBatch([upload('alice'), upload('alice'), upload('bob'), upload('ALICE')]);

    const output = await coldStart()(batch, context);

    expect(output).toEqual({ batchItemFailures: [] });
    expect(reports).toHaveLength(1);
    expect(reports[0]?.scope).toEqual({ kind: 'users', userNames: ['alice', 'bob'] });
    expect(reports[0]?.runId).toBe('req-rt');
    expect(reports[0]?.summary).toMatchObject({ usersScanned: 2, deactivated: 1 });
    expect(iamMock).not.toReceiveCommand(ListUsersCommand);
    expect(iamMock).toReceiveCommandTimes(ListSigningCertificatesCommand, 2);
    expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, {
      UserName: 'alice',
      CertificateId: 'CERTALICEOLD00000000000001',
      Status: 'Inactive',
    });
  });

  it('logs each refused event with its message id and reason, and never fails the batch for it', async () => {
    const batch = sqsBatch([createUser(), upload('alice', { accountId: OTHER_ACCOUNT })]);
    const [mallory, elsewhere] = messageIds(batch);

    const output = await coldStart()(batch, context);

    expect(output).toEqual({ batchItemFailures: [] });
    expect(warnings()).toEqual([
      [
        'Event refused; nothing was done for it',
        { messageId: mallory, reason: expect.stringContaining('"CreateUser"') },
      ],
      [
        'Event refused; nothing was done for it',
        {
          messageId: elsewhere,
          reason: `the event is about account ${OTHER_ACCOUNT}, and this function audits account ${ACCOUNT_ID}`,
        },
      ],
    ]);
    // Nothing was audited for them.
    expect(reports).toEqual([]);
    expect(iamMock).not.toReceiveCommand(GetUserCommand);
  });

  it('answers a direct event with the outcome, and a refused one with its reason', async () => {
    const handler = coldStart();

    const output = await handler(upload('alice'), context);

    expect(output).toEqual({
      audited: [
        expect.objectContaining({
          accountId: ACCOUNT_ID,
          scope: 'users: alice',
          ok: true,
          runId: 'req-rt',
        }),
      ],
      refused: [],
    });
    expect(await handler(createUser(), context)).toEqual({
      audited: [],
      refused: [expect.stringContaining('"CreateUser"')],
    });
    // A direct event's refusal is logged without a message id.
    expect(warnings().at(-1)?.[1]).toEqual({ reason: expect.stringContaining('"CreateUser"') });
  });

  it('returns every message of an account whose report was not delivered, and none of the refused ones', async () => {
    const batch = sqsBatch([upload('alice'), createUser(), upload('bob')]);
    const [alice, , bob] = messageIds(batch);

    const output = await coldStart([keep, failing])(batch, context);

    expect(output).toEqual({
      batchItemFailures: [{ itemIdentifier: alice }, { itemIdentifier: bob }],
    });
    // The report was kept where it could be.
    expect(reports).toHaveLength(1);
  });

  it('returns every message of an account whose users could not be read (IAM throttling each attempt)', async () => {
    iamMock.on(GetUserCommand, { UserName: 'bob' }).rejects(
      new IAMServiceException({
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, attempts: 5 },
        message: 'Rate exceeded',
      }),
    );
    const batch = sqsBatch([upload('alice'), createUser(), upload('bob')]);
    const [alice, , bob] = messageIds(batch);

    const output = await coldStart()(batch, context);

    expect(reports[0]?.summary).toMatchObject({ unread: 1, deactivated: 1 });
    expect(output).toEqual({
      batchItemFailures: [{ itemIdentifier: alice }, { itemIdentifier: bob }],
    });
    // Directly, the invocation fails, saying so.
    await expect(coldStart()(upload('bob'), context)).rejects.toThrow(
      `The event-driven audit did not finish: ${ACCOUNT_ID} (users: bob): not fully audited: 1 subject(s) could not be read`,
    );
  });

  it('returns every message of an account whose run was stopped by the deadline', async () => {
    // 20 ms of time before the real-time margin (30 s), and GetUser answering after 100 ms: the
    // deadline stops the run before it lists alice's certificates.
    iamMock.on(GetUserCommand).callsFake(async (input: { UserName?: string }) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return getUserAnswer(input);
    });
    const short = lambdaContext('req-short', context.invokedFunctionArn, 30_020);
    const batch = sqsBatch([upload('alice'), createUser()]);
    const [alice] = messageIds(batch);

    const output = await coldStart()(batch, short);

    expect(reports[0]?.complete).toBe(false);
    expect(output).toEqual({ batchItemFailures: [{ itemIdentifier: alice }] });
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });

  it('fails a direct event whose run did not finish, saying why', async () => {
    const handler = coldStart([failing]);

    await expect(handler(upload('alice'), context)).rejects.toThrow(RealtimeRunFailedError);
    await expect(handler(upload('alice'), context)).rejects.toThrow(
      `The event-driven audit did not finish: ${ACCOUNT_ID} (users: alice): delivering to broken failed: the topic is gone`,
    );
  });
});
