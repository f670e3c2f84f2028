import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createMailbox,
  emulatorClients,
  type Mailbox,
  readStatuses,
  reassemble,
  receiveAll,
  seedUsers,
} from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { clients, endpoint, invokeHandler } from './harness';

/** The archive every deployed function has: delete mode keeps its change record there. */
const EVIDENCE = 'signing-cert-audit-evidence';
let mailbox: Mailbox;

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  await clients.s3.send(new CreateBucketCommand({ Bucket: EVIDENCE }));
});

/** The console's "Scheduled Event" test template. */
const SCHEDULED_TEMPLATE = {
  id: 'cdc73f9d-aea9-11e3-9d5a-835b769c0d9c',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '1970-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/ExampleRule'],
  detail: {},
};

describe('a dry run is always a dry run (through the real handler)', () => {
  it.each([
    ['deactivate', { dryRun: true }],
    ['delete', { ...SCHEDULED_TEMPLATE, dryRun: true }],
  ])('in %s mode, %j plans and changes nothing', async (mode, event) => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'stale', certificates: [{ ageDays: 200 }, { ageDays: 300 }] },
    ]);
    const before = await readStatuses(clients.iam);

    const summary = await invokeHandler(
      { TOPIC_ARN: mailbox.topicArn, ARCHIVE_BUCKET: EVIDENCE, MODE: mode },
      event,
    );

    expect(await readStatuses(clients.iam)).toEqual(before);
    expect(summary).toMatchObject({ nonCompliant: 2, deactivated: 0, deleted: 0 });
    const report = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
    expect(report.policy).toMatchObject({ mode, dryRun: true });
    expect(report.findings.map((f) => f.plannedAction)).toEqual(['DEACTIVATE', 'DEACTIVATE']);
  });

  it.each([
    [{ source: 'aws.events', dryrun: true, x: 1 }],
    [{ source: 'aws.events', dryRun: 'yes' }],
    [{ ...SCHEDULED_TEMPLATE, DryRun: true }],
    [{ ...SCHEDULED_TEMPLATE, detail: { dry_run: true } }],
    [{ dryRun: false }],
    // Only looks scheduled: EventBridge and Scheduler send the whole envelope, or the input alone.
    [{ source: 'aws.scheduler', dryRun: true }],
    [{ 'detail-type': 'Scheduled Event', dryRun: true }],
  ])('refuses %j before touching IAM', async (event) => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'stale', certificates: [{ ageDays: 200 }, { ageDays: 300 }] },
    ]);
    const before = await readStatuses(clients.iam);

    await expect(
      invokeHandler(
        { TOPIC_ARN: mailbox.topicArn, ARCHIVE_BUCKET: EVIDENCE, MODE: 'delete' },
        event,
      ),
    ).rejects.toThrow(/Invalid invocation event/);

    expect(await readStatuses(clients.iam)).toEqual(before);
    expect(await receiveAll(clients.sqs, mailbox.queueUrl)).toEqual([]);
  });
});

describe('no silent self-exemption (through the real handler)', () => {
  it('refuses a max-age tag above the cap, reports it, and applies the account policy', async () => {
    const [stale] = await seedUsers(clients.iam, endpoint, [
      {
        userName: 'sneaky',
        tags: [{ Key: 'signing-cert-audit:max-age-days', Value: '36500' }],
        certificates: [{ ageDays: 400 }],
      },
    ]);

    const summary = await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      ARCHIVE_BUCKET: EVIDENCE,
      MODE: 'delete',
    });

    const report = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
    expect(report.findings).toEqual([
      expect.objectContaining({
        userName: 'sneaky',
        verdict: 'ERROR',
        detail: expect.stringContaining('is refused: above maxOverrideDays (365)'),
      }),
      expect.objectContaining({
        certificateId: stale?.certificateId,
        verdict: 'NON_COMPLIANT',
        action: 'DEACTIVATED',
      }),
    ]);
    expect(summary).toMatchObject({ errors: 1, deactivated: 1, deleted: 0 });
    expect((await readStatuses(clients.iam)).get(stale?.certificateId ?? '')).toBe('Inactive');
  });

  it('lists and counts a stale certificate that an allowed tag keeps compliant', async () => {
    const [kept] = await seedUsers(clients.iam, endpoint, [
      {
        userName: 'vendor',
        tags: [{ Key: 'signing-cert-audit:max-age-days', Value: '365' }],
        certificates: [{ ageDays: 300 }],
      },
    ]);

    const summary = await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      ARCHIVE_BUCKET: EVIDENCE,
      MODE: 'delete',
    });

    const messages = await receiveAll(clients.sqs, mailbox.queueUrl);
    expect(messages.length).toBeGreaterThan(0);
    expect(reassemble(messages).findings).toEqual([
      expect.objectContaining({
        certificateId: kept?.certificateId,
        verdict: 'OVERRIDDEN',
        action: 'NONE',
        detail: expect.stringContaining('tag signing-cert-audit:max-age-days=365 applies'),
      }),
    ]);
    expect(summary).toMatchObject({ overridden: 1, nonCompliant: 0 });
    expect((await readStatuses(clients.iam)).get(kept?.certificateId ?? '')).toBe('Active');
  });
});

describe('delete mode takes two steps (through the real handler)', () => {
  it('deactivates an over-age Active certificate first and deletes it on a later run', async () => {
    const [old] = await seedUsers(clients.iam, endpoint, [
      { userName: 'old', certificates: [{ ageDays: 1000 }] },
    ]);

    const first = await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      ARCHIVE_BUCKET: EVIDENCE,
      MODE: 'delete',
    });
    const afterFirst = await readStatuses(clients.iam);
    const firstReport = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
    const second = await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      ARCHIVE_BUCKET: EVIDENCE,
      MODE: 'delete',
    });

    expect(first).toMatchObject({ deactivated: 1, deleted: 0 });
    expect(afterFirst.get(old?.certificateId ?? '')).toBe('Inactive');
    expect(firstReport.findings[0]?.detail).toContain('delete mode deactivates first');
    expect(second).toMatchObject({ deactivated: 0, deleted: 1 });
    expect((await readStatuses(clients.iam)).has(old?.certificateId ?? '')).toBe(false);
  });
});

describe('a topic in another region', () => {
  it('is published to in its own region, not the function’s', async () => {
    const elsewhere = emulatorClients(endpoint, 'eu-west-1');
    const remote = await createMailbox(elsewhere, 'findings-eu');
    await seedUsers(clients.iam, endpoint, [
      { userName: 'stale', certificates: [{ ageDays: 200 }] },
    ]);

    await invokeHandler({ TOPIC_ARN: remote.topicArn, AWS_REGION: 'us-east-1' });

    expect(remote.topicArn).toContain(':eu-west-1:');
    const report = reassemble(await receiveAll(elsewhere.sqs, remote.queueUrl));
    expect(report.summary.nonCompliant).toBe(1);
  });
});
