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
import { clients, clockFile, endpoint, invokeHandler } from './harness';

let mailbox: Mailbox;

async function audit(env: Record<string, string>) {
  const summary = await invokeHandler({ TOPIC_ARN: mailbox.topicArn, ...env });
  const report = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
  return { summary, report };
}

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
});

describe('blast-radius guard', () => {
  it('changes nothing in IAM and reports every planned change WITHHELD when over the limit', async () => {
    const seeded = await seedUsers(
      clients.iam,
      clockFile,
      Array.from({ length: 4 }, (_, index) => ({
        userName: `stale-${index}`,
        certificates: [{ ageDays: 200 }],
      })),
    );
    const before = await readStatuses(clients.iam);

    const { summary, report } = await audit({ MODE: 'delete', MAX_ACTIONS_PER_RUN: '3' });

    expect(await readStatuses(clients.iam)).toEqual(before);
    expect(report.findings.map((f) => [f.certificateId, f.action])).toEqual(
      seeded.map((c) => [c.certificateId, 'WITHHELD']),
    );
    expect(summary).toMatchObject({ nonCompliant: 4, withheld: 4, deleted: 0, deactivated: 0 });
    expect(report.severity).toBe('HIGH');
  });

  it('carries out a run at exactly the limit', async () => {
    await seedUsers(
      clients.iam,
      clockFile,
      Array.from({ length: 3 }, (_, index) => ({
        userName: `stale-${index}`,
        certificates: [{ ageDays: 200 }],
      })),
    );

    const { summary } = await audit({ MODE: 'deactivate', MAX_ACTIONS_PER_RUN: '3' });

    expect([...(await readStatuses(clients.iam)).values()]).toEqual(Array(3).fill('Inactive'));
    expect(summary).toMatchObject({ deactivated: 3, withheld: 0 });
  });
});
