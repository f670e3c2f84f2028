import { beforeEach, describe, expect, it } from 'vitest';
import {
  createMailbox,
  type Mailbox,
  readStatuses,
  reassemble,
  receiveAll,
  seedUsers,
} from '../support/emulator';
import { resetMoto } from '../support/moto';
import { clients, endpoint, invokeHandler } from './harness';

let mailbox: Mailbox;

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
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
    ['deactivate', { source: 'aws.scheduler', dryRun: true }],
    ['deactivate', { 'detail-type': 'Scheduled Event', dryRun: true }],
    ['delete', { ...SCHEDULED_TEMPLATE, dryRun: true }],
  ])('in %s mode, %j plans and changes nothing', async (mode, event) => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'stale', certificates: [{ ageDays: 200 }, { ageDays: 300 }] },
    ]);
    const before = await readStatuses(clients.iam);

    const summary = await invokeHandler({ TOPIC_ARN: mailbox.topicArn, MODE: mode }, event);

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
  ])('refuses %j before touching IAM', async (event) => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'stale', certificates: [{ ageDays: 200 }, { ageDays: 300 }] },
    ]);
    const before = await readStatuses(clients.iam);

    await expect(
      invokeHandler({ TOPIC_ARN: mailbox.topicArn, MODE: 'delete' }, event),
    ).rejects.toThrow(/Invalid invocation event/);

    expect(await readStatuses(clients.iam)).toEqual(before);
    expect(await receiveAll(clients.sqs, mailbox.queueUrl)).toEqual([]);
  });
});
