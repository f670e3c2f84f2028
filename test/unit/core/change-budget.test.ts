import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ChangeBudgetError,
  WINDOW_SETTINGS,
  windowLimitFromEnv,
  windowStarts,
} from '../../../lambda/core/change-budget';
import { s3ChangeBudget } from '../../../lambda/record/window-budget';
import { ACCOUNT_ID, NOW } from '../fixtures';
import { memoryS3 } from '../memory-s3';

const s3Mock = mockClient(S3Client);
const BUCKET = 'evidence';
const LIMIT = { maxActions: 25, minutes: 60 };
/** NOW (06:00:00Z) falls at the start of the 06:00 hour: a minute in, to be inside it. */
const AT = new Date(NOW.getTime() + 60_000);
const CURRENT = `guard/account=${ACCOUNT_ID}/window=2026-11-23T06:00:00.000Z.json`;
const PREVIOUS = `guard/account=${ACCOUNT_ID}/window=2026-11-23T05:00:00.000Z.json`;

const budget = (limit = LIMIT) => s3ChangeBudget(new S3Client({}), BUCKET, limit);

/** A count object as GetObject answers it. */
const countObject = (reserved: number, etag: string) => ({
  ETag: etag,
  Body: { transformToString: async () => JSON.stringify({ reserved }) },
});
const noSuchKey = () =>
  new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
const s3Error = (name: string, status: number) =>
  new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} (test)`,
  });

/** Every PutObject sent, as sent. */
const puts = (): PutObjectCommandInput[] =>
  s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input);

beforeEach(() => {
  s3Mock.reset();
});

describe('windowLimitFromEnv', () => {
  const GOOD = { REALTIME_WINDOW_MAX_ACTIONS: '25', REALTIME_WINDOW_MINUTES: '60' };

  it.each([
    [{ REALTIME_WINDOW_MAX_ACTIONS: '0', REALTIME_WINDOW_MINUTES: '1' }, 0, 1],
    [GOOD, 25, 60],
    [{ REALTIME_WINDOW_MAX_ACTIONS: '10000', REALTIME_WINDOW_MINUTES: '1440' }, 10_000, 1440],
    [{ REALTIME_WINDOW_MAX_ACTIONS: '007', REALTIME_WINDOW_MINUTES: '015' }, 7, 15],
  ])('reads %j', (env, maxActions, minutes) => {
    expect(windowLimitFromEnv(env)).toEqual({ maxActions, minutes });
  });

  it.each([
    ['REALTIME_WINDOW_MAX_ACTIONS', undefined, 'not set', '0 to 10000'],
    ['REALTIME_WINDOW_MAX_ACTIONS', 'ten', '"ten"', '0 to 10000'],
    ['REALTIME_WINDOW_MAX_ACTIONS', '2.5', '"2.5"', '0 to 10000'],
    ['REALTIME_WINDOW_MAX_ACTIONS', '-1', '"-1"', '0 to 10000'],
    ['REALTIME_WINDOW_MAX_ACTIONS', '', '""', '0 to 10000'],
    ['REALTIME_WINDOW_MAX_ACTIONS', ' 5', '" 5"', '0 to 10000'],
    ['REALTIME_WINDOW_MAX_ACTIONS', '10001', '"10001"', '0 to 10000'],
    ['REALTIME_WINDOW_MAX_ACTIONS', '1e3', '"1e3"', '0 to 10000'],
    ['REALTIME_WINDOW_MINUTES', undefined, 'not set', '1 to 1440'],
    ['REALTIME_WINDOW_MINUTES', '0', '"0"', '1 to 1440'],
    ['REALTIME_WINDOW_MINUTES', '1441', '"1441"', '1 to 1440'],
    ['REALTIME_WINDOW_MINUTES', '9999999', '"9999999"', '1 to 1440'],
    ['REALTIME_WINDOW_MINUTES', '0x10', '"0x10"', '1 to 1440'],
  ])('refuses %s=%j, naming it and what is allowed', (name, value, shown, range) => {
    const env = { ...GOOD, [name]: value };

    expect(() => windowLimitFromEnv(env)).toThrow(ChangeBudgetError);
    expect(() => windowLimitFromEnv(env)).toThrow(
      `${name} is ${shown}: expected a whole number from ${range}`,
    );
  });

  it('names the settings it reads (the construct sets these two)', () => {
    expect([WINDOW_SETTINGS.maxActions.env, WINDOW_SETTINGS.minutes.env]).toEqual([
      'REALTIME_WINDOW_MAX_ACTIONS',
      'REALTIME_WINDOW_MINUTES',
    ]);
  });

  it('echoes a long bad value cut short', () => {
    const env = { ...GOOD, REALTIME_WINDOW_MINUTES: 'x'.repeat(5000) };

    expect(() => windowLimitFromEnv(env)).toThrow(
      `REALTIME_WINDOW_MINUTES is "${'x'.repeat(40)}": expected`,
    );
  });
});

describe('windowStarts', () => {
  it.each([
    [
      'inside an hour',
      '2026-11-23T06:17:42.123Z',
      60,
      '2026-11-23T06:00:00.000Z',
      '2026-11-23T05:00:00.000Z',
    ],
    [
      'at its first millisecond',
      '2026-11-23T06:00:00.000Z',
      60,
      '2026-11-23T06:00:00.000Z',
      '2026-11-23T05:00:00.000Z',
    ],
    [
      'at its last millisecond',
      '2026-11-23T06:59:59.999Z',
      60,
      '2026-11-23T06:00:00.000Z',
      '2026-11-23T05:00:00.000Z',
    ],
    [
      'of 15 minutes',
      '2026-11-23T06:17:42.000Z',
      15,
      '2026-11-23T06:15:00.000Z',
      '2026-11-23T06:00:00.000Z',
    ],
    [
      'of a day',
      '2026-11-23T06:17:42.000Z',
      1440,
      '2026-11-23T00:00:00.000Z',
      '2026-11-22T00:00:00.000Z',
    ],
    [
      'across midnight',
      '2026-11-23T00:00:30.000Z',
      1,
      '2026-11-23T00:00:00.000Z',
      '2026-11-22T23:59:00.000Z',
    ],
  ])('fixed windows %s', (_when, now, minutes, current, previous) => {
    const starts = windowStarts(new Date(now), minutes);

    expect(starts.current.toISOString()).toBe(current);
    expect(starts.previous.toISOString()).toBe(previous);
  });

  it('fixes windows on the epoch, whatever their length: now is in [current, current + length)', () => {
    const length = 7 * 60_000;
    for (const ms of [0, 1, length - 1, length, 1_795_000_000_123]) {
      const { current, previous } = windowStarts(new Date(ms), 7);
      expect(current.getTime() % length).toBe(0);
      expect(current.getTime()).toBeLessThanOrEqual(ms);
      expect(ms).toBeLessThan(current.getTime() + length);
      expect(current.getTime() - previous.getTime()).toBe(length);
    }
  });
});

describe('s3ChangeBudget', () => {
  it('writes the first reservation of a window with IfNoneMatch *, under the window and account', async () => {
    s3Mock.on(GetObjectCommand).rejects(noSuchKey());
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"e1"' });

    const answer = await budget().reserve(ACCOUNT_ID, 3, AT);

    expect(answer).toEqual({ granted: true, used: 3, limit: 25 });
    expect(puts()).toHaveLength(1);
    const [put] = puts();
    expect(put).toMatchObject({ Bucket: BUCKET, Key: CURRENT, IfNoneMatch: '*' });
    expect(put?.IfMatch).toBeUndefined();
    expect(JSON.parse(String(put?.Body))).toEqual({
      reserved: 3,
      windowStart: '2026-11-23T06:00:00.000Z',
      windowMinutes: 60,
    });
    // Both windows were read: the previous one and this one.
    const read = s3Mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key);
    expect(read).toEqual([PREVIOUS, CURRENT]);
    expect(budget().where).toBe(`s3://${BUCKET}/guard/`);
  });

  it('writes a later reservation with IfMatch the ETag it read, adding to the count', async () => {
    s3Mock.on(GetObjectCommand, { Key: PREVIOUS }).rejects(noSuchKey());
    s3Mock.on(GetObjectCommand, { Key: CURRENT }).resolves(countObject(4, '"etag-4"') as never);
    s3Mock.on(PutObjectCommand).resolves({});

    const answer = await budget().reserve(ACCOUNT_ID, 2, AT);

    expect(answer).toEqual({ granted: true, used: 6, limit: 25 });
    const [put] = puts();
    expect(put).toMatchObject({ Key: CURRENT, IfMatch: '"etag-4"' });
    expect(put?.IfNoneMatch).toBeUndefined();
    expect(JSON.parse(String(put?.Body))).toMatchObject({ reserved: 6 });
  });

  it.each([
    ['PreconditionFailed', 412],
    ['ConditionalRequestConflict', 409],
  ])(
    'reads the count again after a lost race (%s), and writes on the new ETag',
    async (name, status) => {
      s3Mock.on(GetObjectCommand, { Key: PREVIOUS }).rejects(noSuchKey());
      s3Mock
        .on(GetObjectCommand, { Key: CURRENT })
        .resolvesOnce(countObject(4, '"etag-4"') as never)
        .resolves(countObject(9, '"etag-9"') as never);
      s3Mock.on(PutObjectCommand).rejectsOnce(s3Error(name, status)).resolves({});

      const answer = await budget().reserve(ACCOUNT_ID, 2, AT);

      expect(answer).toEqual({ granted: true, used: 11, limit: 25 });
      expect(puts().map((p) => [p.IfMatch, JSON.parse(String(p.Body)).reserved])).toEqual([
        ['"etag-4"', 6],
        ['"etag-9"', 11],
      ]);
      expect(s3Mock.commandCalls(GetObjectCommand, { Key: CURRENT })).toHaveLength(2);
    },
  );

  it('refuses when the count read again after a lost race leaves no room', async () => {
    s3Mock.on(GetObjectCommand, { Key: PREVIOUS }).rejects(noSuchKey());
    s3Mock
      .on(GetObjectCommand, { Key: CURRENT })
      .resolvesOnce(countObject(20, '"etag-20"') as never)
      .resolves(countObject(24, '"etag-24"') as never);
    s3Mock.on(PutObjectCommand).rejectsOnce(s3Error('PreconditionFailed', 412)).resolves({});

    const answer = await budget().reserve(ACCOUNT_ID, 2, AT);

    expect(answer).toEqual({
      granted: false,
      reason:
        'the window guard allows 25 change(s) per 60 minutes in this account, 24 were already made, and this run planned 2',
    });
    expect(puts()).toHaveLength(1);
  });

  it('gives up after 8 lost races in a row, naming the count', async () => {
    s3Mock.on(GetObjectCommand).rejects(noSuchKey());
    s3Mock.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));

    const answer = await budget().reserve(ACCOUNT_ID, 1, AT);

    expect(answer).toEqual({
      granted: false,
      reason: `the window guard's count (${CURRENT}) changed under this run 8 times in a row`,
    });
    expect(puts()).toHaveLength(8);
  });

  it('counts the previous window too (the window slides), and refuses past the limit naming it', async () => {
    s3Mock.on(GetObjectCommand, { Key: PREVIOUS }).resolves(countObject(20, '"p"') as never);
    s3Mock.on(GetObjectCommand, { Key: CURRENT }).resolves(countObject(3, '"c"') as never);
    s3Mock.on(PutObjectCommand).resolves({});

    const refused = await budget().reserve(ACCOUNT_ID, 3, AT);

    expect(refused).toEqual({
      granted: false,
      reason:
        'the window guard allows 25 change(s) per 60 minutes in this account, 23 were already made, and this run planned 3',
    });
    expect(puts()).toEqual([]);
    // Control: up to the limit exactly is granted, and only this window's count is written.
    const granted = await budget().reserve(ACCOUNT_ID, 2, AT);
    expect(granted).toEqual({ granted: true, used: 25, limit: 25 });
    expect(puts().map((p) => [p.Key, JSON.parse(String(p.Body)).reserved])).toEqual([[CURRENT, 5]]);
  });

  it('refuses everything with a limit of 0', async () => {
    s3Mock.on(GetObjectCommand).rejects(noSuchKey());

    const answer = await budget({ maxActions: 0, minutes: 60 }).reserve(ACCOUNT_ID, 1, AT);

    expect(answer).toMatchObject({ granted: false });
    expect(puts()).toEqual([]);
  });

  it.each([
    ['the previous window', PREVIOUS],
    ['this window', CURRENT],
  ])('grants nothing when %s cannot be read, naming the key and the error', async (_which, key) => {
    s3Mock.on(GetObjectCommand).rejects(noSuchKey());
    s3Mock.on(GetObjectCommand, { Key: key }).rejects(s3Error('AccessDenied', 403));
    s3Mock.on(PutObjectCommand).resolves({});

    const answer = await budget().reserve(ACCOUNT_ID, 1, AT);

    expect(answer).toEqual({
      granted: false,
      reason: `the window guard's count (s3://${BUCKET}/${CURRENT}) could not be read or written (AccessDenied: AccessDenied (test))`,
    });
    expect(puts()).toEqual([]);
  });

  it('grants nothing when the count cannot be written, and does not try again', async () => {
    s3Mock.on(GetObjectCommand).rejects(noSuchKey());
    s3Mock.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));

    const answer = await budget().reserve(ACCOUNT_ID, 1, AT);

    expect(answer).toMatchObject({ granted: false });
    expect((answer as { reason: string }).reason).toContain(
      `could not be read or written (AccessDenied:`,
    );
    expect(puts()).toHaveLength(1);
  });

  it('reads a missing count (NoSuchKey) as 0, and a count in another account or window as its own', async () => {
    const bucket = memoryS3(s3Mock);
    const guard = budget({ maxActions: 5, minutes: 60 });

    expect(await guard.reserve(ACCOUNT_ID, 5, AT)).toEqual({ granted: true, used: 5, limit: 5 });
    // Another account has its own window.
    expect(await guard.reserve('210987654321', 5, AT)).toMatchObject({ granted: true });
    // This account's is full…
    expect(await guard.reserve(ACCOUNT_ID, 1, AT)).toMatchObject({ granted: false });
    // …for this hour and the next (the previous window counts), and free again the hour after.
    const nextHour = new Date(AT.getTime() + 3_600_000);
    const hourAfter = new Date(AT.getTime() + 2 * 3_600_000);
    expect(await guard.reserve(ACCOUNT_ID, 1, nextHour)).toMatchObject({ granted: false });
    expect(await guard.reserve(ACCOUNT_ID, 5, hourAfter)).toMatchObject({ granted: true, used: 5 });
    expect(bucket.json(CURRENT)).toMatchObject({ reserved: 5 });
  });

  it('lets only one of two runs at once take the last of the window (S3 conditional writes)', async () => {
    const bucket = memoryS3(s3Mock);
    const guard = budget({ maxActions: 3, minutes: 60 });
    await guard.reserve(ACCOUNT_ID, 2, AT);

    const answers = await Promise.all([
      guard.reserve(ACCOUNT_ID, 1, AT),
      guard.reserve(ACCOUNT_ID, 1, AT),
    ]);

    expect(answers.filter((a) => a.granted)).toHaveLength(1);
    expect(answers.filter((a) => !a.granted)).toEqual([
      {
        granted: false,
        reason: expect.stringContaining('3 were already made, and this run planned 1'),
      },
    ]);
    expect(bucket.json(CURRENT)).toMatchObject({ reserved: 3 });
    // The race was real: one write lost on its ETag and was read again.
    expect(bucket.counts.preconditionFailed).toBe(1);
  });

  it('lets only one of two first writers of a window create its count (IfNoneMatch *)', async () => {
    const bucket = memoryS3(s3Mock);
    const guard = budget({ maxActions: 10, minutes: 60 });

    const answers = await Promise.all([
      guard.reserve(ACCOUNT_ID, 4, AT),
      guard.reserve(ACCOUNT_ID, 4, AT),
    ]);

    expect(answers).toEqual([
      { granted: true, used: expect.any(Number), limit: 10 },
      { granted: true, used: expect.any(Number), limit: 10 },
    ]);
    expect(answers.map((a) => (a.granted ? a.used : 0)).sort()).toEqual([4, 8]);
    expect(bucket.json(CURRENT)).toMatchObject({ reserved: 8 });
    expect(bucket.counts.preconditionFailed).toBe(1);
  });
});
