import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DeleteUserCommand, UntagUserCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeEach, describe, expect, it } from 'vitest';
import { windowStarts } from '../../lambda/core/change-budget';
import type { Report } from '../../lambda/core/report';
import type { Mode } from '../../lambda/core/settings';
import type { AccountOutcome, RealtimeOutput } from '../../lambda/handlers/realtime-handler';
import { KIND_INDEX } from '../../lambda/kinds';
import { s3ChangeBudget } from '../../lambda/record/window-budget';
import { AuditorStack } from '../../lib/auditor-stack';
import { cloudTrailEvent, sqsBatch } from '../../tools/emulator/cloudtrail-events';
import {
  createMailbox,
  memberClients,
  readStatuses,
  receiveAll,
  type SeededCertificate,
  type SeedUser,
  seedUserCredentials,
  seedUsers,
} from '../../tools/emulator/emulator';
import { startFaultProxy } from '../../tools/emulator/fault-proxy';
import { resetMoto } from '../../tools/emulator/moto';
import { createApp } from '../cdk/helpers';
import { clients, endpoint, invokeRealtime } from './harness';

/**
 * The real-time function, through its real handler (its pre-built bundle, as deployed) on the
 * emulator, fed IAM calls as EventBridge delivers them from CloudTrail: each event's user
 * audited at once, by one users-scoped run that reads only that user, with the scheduled
 * audit's policy, mode, change record and archive; refused events change nothing and say why;
 * the window guard holds across invocations.
 */

const BUCKET = 'signing-cert-audit-evidence';
const EXEMPT = 'signing-cert-audit:exempt';

/** alice, bob and dave each hold an over-age certificate; carol a young one; erin is exempt; frank none. */
const ACCOUNT: SeedUser[] = [
  { userName: 'alice', certificates: [{ ageDays: 400 }] },
  { userName: 'bob', certificates: [{ ageDays: 400 }] },
  { userName: 'carol', certificates: [{ ageDays: 10 }] },
  { userName: 'dave', certificates: [{ ageDays: 400 }] },
  {
    userName: 'erin',
    certificates: [{ ageDays: 400 }],
    tags: [{ Key: EXEMPT, Value: 'true' }],
  },
  { userName: 'frank' },
];

const DEACTIVATE = {
  MODE: 'deactivate',
  ARCHIVE_BUCKET: BUCKET,
  CREDENTIAL_KINDS: 'signing-certificate',
  REALTIME_WINDOW_MAX_ACTIONS: '25',
  REALTIME_WINDOW_MINUTES: '60',
};

let seeded: SeededCertificate[];
let env: Record<string, string>;
const idOf = (userName: string) =>
  seeded.find((certificate) => certificate.userName === userName)?.certificateId ?? '';

beforeEach(async () => {
  await resetMoto(endpoint);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  seeded = await seedUsers(clients.iam, endpoint, ACCOUNT);
  env = { ...DEACTIVATE, TOPIC_ARN: (await createMailbox(clients)).topicArn };
});

const upload = (userName: string) =>
  cloudTrailEvent({
    eventName: 'UploadSigningCertificate',
    requestParameters: { userName, certificateBody: '-----BEGIN CERTIFICATE-----…' },
  });

/** Every key of the archive bucket under `prefix`. */
async function keys(prefix = ''): Promise<string[]> {
  const { Contents = [] } = await clients.s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }),
  );
  return Contents.map((object) => object.Key ?? '').sort();
}

async function readReport(runId: string): Promise<Report> {
  const key = (await keys('reports/')).find((k) => k.endsWith(`/${runId}.json`));
  if (!key) throw new Error(`no archived report for run ${runId}`);
  const { Body } = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse((await Body?.transformToString('utf8')) ?? '{}') as Report;
}

function audited(output: RealtimeOutput): readonly AccountOutcome[] {
  if (!('audited' in output)) throw new Error('expected a direct invocation summary');
  return output.audited;
}

describe('the real-time function on the emulator', () => {
  it('deactivates an over-age certificate the moment it is uploaded, reading only that user', async () => {
    // Every IAM call the function makes, with the user it names, seen on its way to the emulator.
    const iamCalls: string[] = [];
    const proxy = await startFaultProxy(
      endpoint,
      {
        respond: (request) => {
          if (request.service === 'iam') {
            iamCalls.push(`${request.action} ${request.params.get('UserName') ?? '-'}`);
          }
          return undefined;
        },
      },
      // Recorded behind it, by the emulator's own record, which the seeding taught alice's ARN.
      { record: false },
    );
    let output: RealtimeOutput;
    try {
      output = await invokeRealtime({ ...env, AWS_ENDPOINT_URL: proxy.endpoint }, upload('alice'));
    } finally {
      await proxy.close();
    }
    // Only alice is read: by name, never by listing the account's users or its credential report.
    expect(new Set(iamCalls)).toEqual(
      new Set([
        'GetUser alice',
        'ListSigningCertificates alice',
        'ListUserTags alice',
        'UpdateSigningCertificate alice',
      ]),
    );

    const [outcome] = audited(output);
    expect(outcome).toMatchObject({ scope: 'users: alice', ok: true });
    expect(outcome?.summary).toMatchObject({ usersScanned: 1, deactivated: 1 });
    const statuses = await readStatuses(clients.iam);
    expect(statuses.get(idOf('alice'))).toBe('Inactive');
    // Control: bob's certificate is as over age, and no event named him.
    expect(statuses.get(idOf('bob'))).toBe('Active');

    const report = await readReport(outcome?.runId ?? '');
    expect(report.scope).toEqual({ kind: 'users', userNames: ['alice'] });
    expect(report.findings.map((f) => f.userName)).toEqual(['alice']);
    // The change was recorded before it was made, as any run's.
    expect((await keys('changes/')).length).toBeGreaterThan(0);
    // The findings stay out of the account's Athena table (findings/).
    expect(await keys('findings/')).toEqual([]);
  });

  it('audits a certificate set Active again, and ignores one set Inactive', async () => {
    const reactivate = (status: string) =>
      cloudTrailEvent({
        eventName: 'UpdateSigningCertificate',
        requestParameters: { userName: 'dave', certificateId: idOf('dave'), status },
      });
    const refused = await invokeRealtime(env, reactivate('Inactive'));
    expect(refused).toEqual({
      audited: [],
      refused: [expect.stringContaining('only a credential set Active is audited')],
    });
    expect((await readStatuses(clients.iam)).get(idOf('dave'))).toBe('Active');

    const [outcome] = audited(await invokeRealtime(env, reactivate('Active')));
    expect(outcome?.summary).toMatchObject({ usersScanned: 1, deactivated: 1 });
    expect((await readStatuses(clients.iam)).get(idOf('dave'))).toBe('Inactive');
  });

  it.each(['report', 'deactivate'] as const)(
    "%s mode: reports the root user's certificate when the root user uploaded one for itself",
    async (mode) => {
      const proxy = await startFaultProxy(endpoint, {
        respond: (request) =>
          request.action === 'GetAccountSummary'
            ? { status: 200, xml: ROOT_CERTIFICATE_SUMMARY }
            : undefined,
      });
      try {
        const rootUpload = cloudTrailEvent({
          eventName: 'UploadSigningCertificate',
          caller: { type: 'Root' },
          requestParameters: { certificateBody: '-----BEGIN CERTIFICATE-----…' },
        });
        const [outcome] = audited(
          await invokeRealtime(
            { ...env, MODE: mode, AWS_ENDPOINT_URL: proxy.endpoint },
            rootUpload,
          ),
        );
        expect(outcome).toMatchObject({ scope: 'users: the root user', ok: true });
        expect(outcome?.summary).toMatchObject({ rootSigningCertificate: 1, usersScanned: 0 });
        const report = await readReport(outcome?.runId ?? '');
        expect(report.findings.map((f) => f.verdict)).toEqual(['ROOT_SIGNING_CERTIFICATE']);
      } finally {
        await proxy.close();
      }
    },
  );

  it("audits a user's certificate at once when its exemption tag is removed", async () => {
    const untag = cloudTrailEvent({
      eventName: 'UntagUser',
      requestParameters: { userName: 'erin', tagKeys: [EXEMPT] },
    });
    // While erin is exempt, the event's audit changes nothing (the exemption holds).
    const [exempt] = audited(await invokeRealtime(env, untag));
    expect(exempt?.summary).toMatchObject({ exempt: 1, deactivated: 0 });
    expect((await readStatuses(clients.iam)).get(idOf('erin'))).toBe('Active');

    await clients.iam.send(new UntagUserCommand({ UserName: 'erin', TagKeys: [EXEMPT] }));
    const [outcome] = audited(await invokeRealtime(env, untag));
    expect(outcome?.summary).toMatchObject({ exempt: 0, deactivated: 1 });
    expect((await readStatuses(clients.iam)).get(idOf('erin'))).toBe('Inactive');
  });

  it('changes nothing for another API, a failed call, another tag or a malformed event, and says why', async () => {
    const events = [
      cloudTrailEvent({ eventName: 'CreateUser', requestParameters: { userName: 'alice' } }),
      cloudTrailEvent({
        eventName: 'UploadSigningCertificate',
        requestParameters: { userName: 'alice' },
        errorCode: 'LimitExceededException',
      }),
      cloudTrailEvent({
        eventName: 'TagUser',
        requestParameters: { userName: 'alice', tags: [{ key: 'team', value: 'x' }] },
      }),
      cloudTrailEvent({ eventName: 'UploadSigningCertificate', eventSource: 's3.amazonaws.com' }),
      { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
      'not an event',
    ];
    const batch = sqsBatch(events);
    (batch.Records as { body: string }[]).push({
      ...(batch.Records as { body: string }[])[0],
      body: '{not json',
    } as never);
    const before = await readStatuses(clients.iam);

    const output = await invokeRealtime(env, batch);

    // From the queue: nothing failed, so nothing comes again (a refused event never would do better).
    expect(output).toEqual({ batchItemFailures: [] });
    expect(await readStatuses(clients.iam)).toEqual(before);
    expect(await keys()).toEqual([]);
    // Each refusal, one by one, as the direct invocation answers it.
    const reasons = await Promise.all(
      events.map(async (event) => {
        const answer = await invokeRealtime(env, event);
        return 'refused' in answer ? answer.refused : [];
      }),
    );
    expect(reasons).toEqual([
      [expect.stringContaining('"CreateUser", which cannot change what an audit finds')],
      [expect.stringContaining('failed (errorCode "LimitExceededException")')],
      [expect.stringContaining('touched neither signing-cert-audit:exempt nor')],
      [expect.stringContaining('only "iam.amazonaws.com" calls are taken')],
      [expect.stringContaining('only "AWS API Call via CloudTrail" events are taken')],
      [expect.stringContaining('not a JSON object')],
    ]);
    expect(await readStatuses(clients.iam)).toEqual(before);
  });

  it('makes one change for duplicate events, in one batch or again later', async () => {
    const event = upload('alice');
    const first = await invokeRealtime(env, sqsBatch([event, event, upload('ALICE')]));
    expect(first).toEqual({ batchItemFailures: [] });
    // A late repeat: IAM's state is read again, and there is nothing left to change.
    const [again] = audited(await invokeRealtime(env, event));
    expect(again?.summary).toMatchObject({ usersScanned: 1, deactivated: 0 });

    const intents = (await keys('changes/')).filter((key) =>
      key.endsWith('.DEACTIVATE.intent.json'),
    );
    expect(intents).toHaveLength(1);
    expect((await readStatuses(clients.iam)).get(idOf('alice'))).toBe('Inactive');
  });

  it('reports a user deleted since the event as gone, not as an error', async () => {
    await clients.iam.send(new DeleteUserCommand({ UserName: 'frank' }));
    const [outcome] = audited(await invokeRealtime(env, upload('frank')));
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome?.summary).toMatchObject({ gone: 1, errors: 0 });
  });

  it('holds the blast-radius guard over a window, across invocations', async () => {
    const windowed = { ...env, REALTIME_WINDOW_MAX_ACTIONS: '2' };
    const outcomes: AccountOutcome[] = [];
    for (const userName of ['alice', 'bob', 'dave']) {
      outcomes.push(...audited(await invokeRealtime(windowed, upload(userName))));
    }
    expect(outcomes.map((o) => [o.summary?.deactivated, o.summary?.withheld])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    const statuses = await readStatuses(clients.iam);
    expect(['alice', 'bob', 'dave'].map((u) => statuses.get(idOf(u)))).toEqual([
      'Inactive',
      'Inactive',
      'Active',
    ]);
    const report = await readReport(outcomes[2]?.runId ?? '');
    expect(report.findings[0]?.detail).toContain(
      'the window guard allows 2 change(s) per 60 minutes',
    );
    // The count is kept in the archive, one object a window.
    const { current } = windowStarts(new Date(), 60);
    expect(await keys('guard/')).toEqual([
      `guard/account=123456789012/window=${current.toISOString()}.json`,
    ]);
  });
});

/**
 * A user holding over-age credentials of every kind, one Active and one Inactive past
 * deleteAfterDays of each, and what each mode does to them with the default kinds (every kind
 * read, only signing certificates changed): the runs whose calls the permissions proof's
 * `realtime` deployments are proven against in each mode (test/permissions/deployments.ts).
 */
async function seedEveryKind(iam: typeof clients.iam): Promise<void> {
  await seedUsers(iam, endpoint, [
    { userName: 'stale', certificates: [{ ageDays: 200 }, { ageDays: 300, status: 'Inactive' }] },
  ]);
  await seedUserCredentials(iam, endpoint, [
    {
      userName: 'stale',
      sshPublicKeys: [{ ageDays: 200 }, { ageDays: 300, status: 'Inactive' }],
      serviceCredentials: [
        { serviceName: 'codecommit.amazonaws.com', ageDays: 200 },
        { serviceName: 'cassandra.amazonaws.com', ageDays: 300, status: 'Inactive' },
      ],
    },
  ]);
}

const MODES: readonly Mode[] = ['report', 'deactivate', 'delete'];
/** What a mode does to the two over-age signing certificates; the other kinds are only reported. */
const CERTIFICATE_ACTIONS: Readonly<Record<Mode, string[]>> = {
  report: ['NONE', 'NONE'],
  deactivate: ['DEACTIVATED', 'NONE'],
  delete: ['DEACTIVATED', 'DELETED'],
};

function actionsByKind(report: Report): Record<string, string[]> {
  return Object.fromEntries(
    KIND_INDEX.map((kind) => [
      kind.type,
      report.findings
        .filter((f) => (f.credentialType ?? 'signing-certificate') === kind.type)
        .map((f) => f.action)
        .sort(),
    ]),
  );
}

const EVERY_KIND_EXPECTED = (mode: Mode) =>
  Object.fromEntries(
    KIND_INDEX.map((kind) => [
      kind.type,
      kind.type === 'signing-certificate' ? CERTIFICATE_ACTIONS[mode] : ['NONE', 'NONE'],
    ]),
  );

/** The real-time settings of each mode, with the default kinds. */
const realtimeEnv = (mode: Mode) => ({
  MODE: mode,
  ARCHIVE_BUCKET: BUCKET,
  REALTIME_WINDOW_MAX_ACTIONS: '25',
  REALTIME_WINDOW_MINUTES: '60',
});

describe('the real-time function with every kind, in every mode', () => {
  it.each(MODES)(
    "%s mode: the named user's credentials of every kind read by name, changed as the mode says",
    async (mode) => {
      await seedEveryKind(clients.iam);

      const [outcome] = audited(
        await invokeRealtime(
          { ...realtimeEnv(mode), TOPIC_ARN: env.TOPIC_ARN ?? '' },
          upload('stale'),
        ),
      );

      expect(outcome).toMatchObject({ scope: 'users: stale', ok: true });
      const report = await readReport(outcome?.runId ?? '');
      expect(actionsByKind(report)).toEqual(EVERY_KIND_EXPECTED(mode));
      // The window guard counts the changes outside report mode only.
      expect((await keys('guard/')).length).toBe(mode === 'report' ? 0 : 1);
    },
  );

  it.each(MODES)(
    "%s mode: the organization's function reads a member's user by name through the member role",
    async (mode) => {
      const MEMBER = '333333333333';
      await seedEveryKind((await memberClients(endpoint, MEMBER)).iam);

      const output = await invokeRealtime(
        { ...realtimeEnv(mode), MEMBER_ROLE_NAME: 'SigningCertAuditMember' },
        cloudTrailEvent({
          eventName: 'UploadSigningCertificate',
          accountId: MEMBER,
          requestParameters: { userName: 'stale' },
        }),
        { organization: true },
      );

      const [outcome] = audited(output);
      expect(outcome).toMatchObject({ accountId: MEMBER, scope: 'users: stale', ok: true });
      const key = (await keys(`reports/account=${MEMBER}/`)).find((k) => k.endsWith('.json'));
      const { Body } = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const report = JSON.parse((await Body?.transformToString('utf8')) ?? '{}') as Report;
      expect(actionsByKind(report)).toEqual(EVERY_KIND_EXPECTED(mode));
    },
  );
});

describe("IAM's events through the deployed rule and queue on the emulator", () => {
  it('reaches the function with the calls the rule matches, and nothing else', async () => {
    // The rule's pattern as the stack deploys it (the template), not as the code spells it.
    const stack = new AuditorStack(createApp({ realtime: true }), 'Realtime');
    const rules = Template.fromStack(stack).findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { source: ['aws.iam'] } },
    });
    const [pattern] = Object.values(rules).map((rule) => rule.Properties.EventPattern);
    expect(pattern).toBeDefined();
    const events = new EventBridgeClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const { QueueUrl: queueUrl = '' } = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: 'signing-cert-audit-realtime' }),
    );
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await events.send(
      new PutRuleCommand({ Name: 'iam-events', EventPattern: JSON.stringify(pattern) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'iam-events',
        Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn ?? '' }],
      }),
    );
    const calls = [
      upload('alice'),
      cloudTrailEvent({
        eventName: 'UploadSigningCertificate',
        requestParameters: { userName: 'bob' },
        errorCode: 'LimitExceededException',
      }),
      cloudTrailEvent({ eventName: 'CreateUser', requestParameters: { userName: 'bob' } }),
      cloudTrailEvent({
        eventName: 'DeleteSigningCertificate',
        requestParameters: { userName: 'bob' },
      }),
      cloudTrailEvent({
        eventName: 'TagUser',
        requestParameters: { userName: 'bob', tags: [{ key: 'team', value: 'x' }] },
      }),
    ];
    await events.send(
      new PutEventsCommand({
        Entries: calls.map((call) => ({
          Source: call.source as string,
          DetailType: call['detail-type'] as string,
          Detail: JSON.stringify(call.detail),
        })),
      }),
    );
    const received = await receiveAll(clients.sqs, queueUrl);
    // The failed call, the other API and the deletion never leave EventBridge; the TagUser does
    // (its tags are the function's to read), and the function refuses it.
    expect(
      received
        .map((m) => (JSON.parse(m.body) as { detail: { eventName: string } }).detail.eventName)
        .sort(),
    ).toEqual(['TagUser', 'UploadSigningCertificate']);

    const output = await invokeRealtime(env, {
      Records: received.map((m, i) => ({ messageId: `m-${i}`, body: m.body })),
    });

    expect(output).toEqual({ batchItemFailures: [] });
    const statuses = await readStatuses(clients.iam);
    expect(statuses.get(idOf('alice'))).toBe('Inactive');
    expect(statuses.get(idOf('bob'))).toBe('Active');
  });
});

describe("the window guard's count on the emulator's S3", () => {
  it('grants exactly the limit to runs racing for it (conditional writes), and nothing past it', async () => {
    const budget = s3ChangeBudget(clients.s3, BUCKET, {
      maxActions: 5,
      minutes: 60,
    });
    const now = new Date();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => budget.reserve('123456789012', 1, now)),
    );
    const granted = answers.filter((a) => a.granted).length;
    // Runs that lost every race are refused too (never granted past the count): at most 5.
    expect(granted).toBeLessThanOrEqual(5);
    expect(granted).toBeGreaterThan(0);
    // Taken one at a time, the rest of the window is granted, and then nothing more.
    const more = [];
    for (let i = 0; i < 6; i += 1) more.push(await budget.reserve('123456789012', 1, now));
    expect(granted + more.filter((a) => a.granted).length).toBe(5);
    // Another account's window is its own.
    expect((await budget.reserve('210987654321', 5, now)).granted).toBe(true);
  });
});

describe("the organization's real-time function on the emulator", () => {
  it("audits each member account's users through the member role, one run per account", async () => {
    const STALE = '111111111111';
    const CLEAN = '222222222222';
    const seededIn: Record<string, SeededCertificate[]> = {};
    for (const [account, users] of [
      [
        STALE,
        [
          { userName: 'old', certificates: [{ ageDays: 400 }] },
          { userName: 'other', certificates: [{ ageDays: 400 }] },
        ],
      ],
      [CLEAN, [{ userName: 'fresh', certificates: [{ ageDays: 10 }] }]],
    ] as const) {
      seededIn[account] = await seedUsers(
        (await memberClients(endpoint, account)).iam,
        endpoint,
        users,
      );
    }
    const orgEnv = {
      MODE: 'deactivate',
      ARCHIVE_BUCKET: BUCKET,
      MEMBER_ROLE_NAME: 'SigningCertAuditMember',
      CREDENTIAL_KINDS: 'signing-certificate',
      REALTIME_WINDOW_MAX_ACTIONS: '25',
      REALTIME_WINDOW_MINUTES: '60',
    };
    const batch = sqsBatch([
      cloudTrailEvent({
        eventName: 'UploadSigningCertificate',
        accountId: STALE,
        requestParameters: { userName: 'old' },
      }),
      cloudTrailEvent({
        eventName: 'UploadSigningCertificate',
        accountId: CLEAN,
        requestParameters: { userName: 'fresh' },
      }),
    ]);

    expect(await invokeRealtime(orgEnv, batch, { organization: true })).toEqual({
      batchItemFailures: [],
    });

    const statusOf = async (account: string, userName: string) => {
      const id = seededIn[account]?.find((c) => c.userName === userName)?.certificateId ?? '';
      return (await readStatuses((await memberClients(endpoint, account)).iam)).get(id);
    };
    expect(await statusOf(STALE, 'old')).toBe('Inactive');
    // Controls: the same account's other over-age holder, named by no event; the other account.
    expect(await statusOf(STALE, 'other')).toBe('Active');
    expect(await statusOf(CLEAN, 'fresh')).toBe('Active');
    // The central account's own users are not the organization function's to audit.
    expect((await readStatuses(clients.iam)).get(idOf('alice'))).toBe('Active');
    // Each account's report, in the organization archive, says its scope.
    const reports = (await keys('reports/')).filter((k) => k.endsWith('.json'));
    expect(reports.map((k) => k.split('/')[1]).sort()).toEqual([
      `account=${STALE}`,
      `account=${CLEAN}`,
    ]);
    // The change was recorded in the member account's prefix of the central archive.
    expect(
      (await keys(`changes/account=${STALE}/`)).some((k) => k.endsWith('.DEACTIVATE.intent.json')),
    ).toBe(true);
  });
});

/** GetAccountSummary's answer when the root user holds a signing certificate. */
const ROOT_CERTIFICATE_SUMMARY = `<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountSummaryResult><SummaryMap><entry><key>AccountSigningCertificatesPresent</key><value>1</value></entry></SummaryMap></GetAccountSummaryResult><ResponseMetadata><RequestId>root</RequestId></ResponseMetadata></GetAccountSummaryResponse>`;
