import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../lambda/core/report';
import {
  createMailbox,
  type Mailbox,
  readStatuses,
  reassemble,
  receiveAll,
  type SeededCertificate,
  type SeedUser,
  type SeedUserCredentials,
  seedUserCredentials,
  seedUsers,
} from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { clients, endpoint, invokeHandler } from './harness';

// An account with every case the age policy distinguishes, at MAX_AGE_DAYS=90, WARN_BEFORE_DAYS=14.
const ACCOUNT: readonly SeedUser[] = [
  { userName: 'alice', certificates: [{ ageDays: 400 }] },
  { userName: 'bob', certificates: [{ ageDays: 10 }] },
  { userName: 'carol', certificates: [{ ageDays: 200, status: 'Inactive' }] },
  { userName: 'dave', certificates: [{ ageDays: 120 }, { ageDays: 30 }] },
  { userName: 'erin', certificates: [{ ageDays: 80 }] },
  { userName: 'frank' },
  { userName: 'grace', path: '/robots/', certificates: [{ ageDays: 95 }] },
  { userName: 'heidi', path: '/robots/', certificates: [{ ageDays: 300, status: 'Inactive' }] },
];

/**
 * Over-age credentials of the other kinds, which a run reads by default, on each side of the
 * path `/robots/`: grace's SSH key and CodeCommit password under it, alice's outside it.
 */
const OTHER_KINDS: readonly SeedUserCredentials[] = [
  {
    userName: 'grace',
    sshPublicKeys: [{ ageDays: 200 }],
    serviceCredentials: [{ serviceName: 'codecommit.amazonaws.com', ageDays: 200 }],
  },
  {
    userName: 'alice',
    sshPublicKeys: [{ ageDays: 200 }],
    serviceCredentials: [{ serviceName: 'codecommit.amazonaws.com', ageDays: 200 }],
  },
];

/** The archive every deployed function has: delete mode keeps its change record there. */
const EVIDENCE = 'signing-cert-audit-evidence';
let mailbox: Mailbox;
let seeded: SeededCertificate[];

const idsOf = (certificates: readonly { certificateId: string | null }[]) =>
  certificates.map((certificate) => certificate.certificateId).sort();
const seededWhere = (test: (certificate: SeededCertificate) => boolean) =>
  seeded.filter(test).map((certificate) => certificate.certificateId);
const overAge = (certificate: SeededCertificate) => certificate.ageDays > 90;

async function audit(env: Record<string, string> = {}, event: unknown = {}) {
  const summary = await invokeHandler(
    { TOPIC_ARN: mailbox.topicArn, ARCHIVE_BUCKET: EVIDENCE, ...env },
    event,
  );
  const messages = await receiveAll(clients.sqs, mailbox.queueUrl);
  return { summary, messages };
}

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  await clients.s3.send(new CreateBucketCommand({ Bucket: EVIDENCE }));
  seeded = await seedUsers(clients.iam, endpoint, ACCOUNT);
});

describe('report mode', () => {
  it('changes nothing and reports exactly the over-age certificates with their ages', async () => {
    const before = await readStatuses(clients.iam);

    const { summary, messages } = await audit({ MODE: 'report' });

    expect(await readStatuses(clients.iam)).toEqual(before);
    const report = reassemble(messages);
    const nonCompliant = report.findings.filter((f) => f.verdict === 'NON_COMPLIANT');
    expect(idsOf(nonCompliant)).toEqual(seededWhere(overAge).sort());
    for (const finding of nonCompliant) {
      const expected = seeded.find((c) => c.certificateId === finding.certificateId);
      expect(finding).toMatchObject({ ageDays: expected?.ageDays, action: 'NONE' });
    }
    expect(report.findings.filter((f) => f.verdict === 'EXPIRING_SOON')).toMatchObject([
      { userName: 'erin', ageDays: 80 },
    ]);
    expect(summary).toMatchObject({
      usersScanned: 8,
      certificatesScanned: 8,
      nonCompliant: 5,
      expiringSoon: 1,
      deactivated: 0,
      deleted: 0,
      errors: 0,
    });
    expect(report.summary).toEqual(summary);
  });

  it('publishes nothing for a clean account', async () => {
    await resetMoto(endpoint);
    mailbox = await createMailbox(clients);
    await clients.s3.send(new CreateBucketCommand({ Bucket: EVIDENCE }));
    await seedUsers(clients.iam, endpoint, [
      { userName: 'young', certificates: [{ ageDays: 1 }, { ageDays: 50 }] },
      { userName: 'none' },
    ]);

    const { summary, messages } = await audit({ MODE: 'deactivate' });

    expect(summary).toMatchObject({ usersScanned: 2, certificatesScanned: 2, nonCompliant: 0 });
    expect(messages).toEqual([]);
  });

  it('audits only the users under USER_PATH_PREFIX, every kind of theirs', async () => {
    await seedUserCredentials(clients.iam, endpoint, OTHER_KINDS);

    const { summary, messages } = await audit({ USER_PATH_PREFIX: '/robots/' });

    expect(summary).toMatchObject({ usersScanned: 2, certificatesScanned: 2, nonCompliant: 4 });
    expect(
      reassemble(messages)
        .findings.map((f) => `${f.userName} ${f.credentialType}`)
        .sort(),
    ).toEqual([
      'grace service-specific-credential',
      'grace signing-certificate',
      'grace ssh-public-key',
      'heidi signing-certificate',
    ]);
  });

  it('changes only the users under USER_PATH_PREFIX in delete mode, and archives the report', async () => {
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'robots-evidence' }));
    await seedUserCredentials(clients.iam, endpoint, OTHER_KINDS);
    const before = await readStatuses(clients.iam);

    const { summary } = await audit({
      USER_PATH_PREFIX: '/robots/',
      MODE: 'delete',
      ARCHIVE_BUCKET: 'robots-evidence',
    });

    // grace's Active certificate is deactivated, heidi's Inactive one deleted; nobody else's moves.
    expect(summary).toMatchObject({ usersScanned: 2, deactivated: 1, deleted: 1 });
    const after = await readStatuses(clients.iam);
    const robots = new Set(
      seeded.filter((c) => ['grace', 'heidi'].includes(c.userName)).map((c) => c.certificateId),
    );
    for (const [id, status] of before) {
      if (!robots.has(id)) expect({ id, status: after.get(id) }).toEqual({ id, status });
    }
    const { Contents } = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: 'robots-evidence' }),
    );
    expect(Contents?.length).toBeGreaterThan(0);
  });
});

describe('deactivate mode', () => {
  it('sets exactly the over-age Active certificates Inactive', async () => {
    const { summary, messages } = await audit({ MODE: 'deactivate' });

    const statuses = await readStatuses(clients.iam);
    for (const certificate of seeded) {
      const expected = overAge(certificate) ? 'Inactive' : certificate.status;
      expect({
        id: certificate.certificateId,
        status: statuses.get(certificate.certificateId),
      }).toEqual({ id: certificate.certificateId, status: expected });
    }
    const deactivated = reassemble(messages).findings.filter((f) => f.action === 'DEACTIVATED');
    expect(idsOf(deactivated)).toEqual(
      seededWhere((c) => overAge(c) && c.status === 'Active').sort(),
    );
    expect(summary).toMatchObject({ nonCompliant: 5, deactivated: 3, deleted: 0, errors: 0 });
  });

  it('honours a dry-run invocation by changing nothing', async () => {
    const before = await readStatuses(clients.iam);

    const { summary, messages } = await audit({ MODE: 'deactivate' }, { dryRun: true });

    expect(await readStatuses(clients.iam)).toEqual(before);
    expect(summary).toMatchObject({ nonCompliant: 5, deactivated: 0 });
    expect(reassemble(messages).policy).toMatchObject({ mode: 'deactivate', dryRun: true });
  });

  it('changes nothing more on a second run and reports the same set with action NONE', async () => {
    const first = reassemble((await audit({ MODE: 'deactivate' })).messages);
    const afterFirst = await readStatuses(clients.iam);

    const { summary, messages } = await audit({ MODE: 'deactivate' });

    expect(await readStatuses(clients.iam)).toEqual(afterFirst);
    const second = reassemble(messages);
    const nonCompliant = (findings: readonly Finding[]) =>
      idsOf(findings.filter((f) => f.verdict === 'NON_COMPLIANT'));
    expect(nonCompliant(second.findings)).toEqual(nonCompliant(first.findings));
    expect(
      second.findings.filter((f) => f.verdict === 'NON_COMPLIANT').map((f) => f.action),
    ).toEqual(Array(5).fill('NONE'));
    expect(summary).toMatchObject({ deactivated: 0, deleted: 0, errors: 0 });
  });
});

describe('delete mode', () => {
  const wasActive = (c: SeededCertificate) => c.status === 'Active';

  it('deactivates the over-age Active certificates and deletes only the Inactive ones', async () => {
    const { summary, messages } = await audit({ MODE: 'delete' });

    const statuses = await readStatuses(clients.iam);
    expect([...statuses.keys()].sort()).toEqual(
      seededWhere((c) => !overAge(c) || wasActive(c)).sort(),
    );
    for (const id of seededWhere((c) => overAge(c) && wasActive(c))) {
      expect(statuses.get(id)).toBe('Inactive');
    }
    const findings = reassemble(messages).findings;
    expect(idsOf(findings.filter((f) => f.action === 'DELETED'))).toEqual(
      seededWhere((c) => overAge(c) && !wasActive(c)).sort(),
    );
    expect(idsOf(findings.filter((f) => f.action === 'DEACTIVATED'))).toEqual(
      seededWhere((c) => overAge(c) && wasActive(c)).sort(),
    );
    expect(summary).toMatchObject({ deleted: 2, deactivated: 3, errors: 0 });
  });

  it('deletes on the next run what the previous one deactivated', async () => {
    await audit({ MODE: 'delete' });

    const { summary } = await audit({ MODE: 'delete' });

    expect([...(await readStatuses(clients.iam)).keys()].sort()).toEqual(
      seededWhere((c) => !overAge(c)).sort(),
    );
    expect(summary).toMatchObject({ deleted: 3, deactivated: 0, errors: 0 });
  });

  it('deletes an Inactive certificate only past DELETE_AFTER_DAYS', async () => {
    const old = (c: SeededCertificate) => c.ageDays > 180;

    const first = await audit({ MODE: 'delete', DELETE_AFTER_DAYS: '180' });
    const second = await audit({ MODE: 'delete', DELETE_AFTER_DAYS: '180' });
    const afterSecond = await readStatuses(clients.iam);
    const third = await audit({ MODE: 'delete', DELETE_AFTER_DAYS: '180' });

    // First run: carol (200 d) and heidi (300 d) were Inactive and past 180: deleted; the
    // over-age Active ones deactivated. Second: alice (400 d, now Inactive) deleted; dave's
    // 120-day and grace's 95-day ones wait, Inactive. Third: nothing more.
    expect(first.summary).toMatchObject({ deleted: 2, deactivated: 3 });
    expect(second.summary).toMatchObject({ deleted: 1, deactivated: 0 });
    expect([...afterSecond.keys()].sort()).toEqual(seededWhere((c) => !old(c)).sort());
    for (const id of seededWhere((c) => overAge(c) && !old(c))) {
      expect(afterSecond.get(id)).toBe('Inactive');
    }
    expect(await readStatuses(clients.iam)).toEqual(afterSecond);
    expect(third.summary).toMatchObject({ nonCompliant: 2, deleted: 0, deactivated: 0, errors: 0 });
  });
});

describe('a large report', () => {
  it('arrives as several messages that reassemble to every finding', async () => {
    await resetMoto(endpoint);
    mailbox = await createMailbox(clients);
    await clients.s3.send(new CreateBucketCommand({ Bucket: EVIDENCE }));
    // IAM allows 512-character paths; long ones make each finding's ARN big, so few users fill a part.
    const path = `/${'department-of-very-long-paths/'.repeat(15)}`;
    const users = Array.from({ length: 250 }, (_, index) => ({
      userName: `bulk-user-${String(index).padStart(4, '0')}-with-a-long-name-to-fill-the-report`,
      path,
      certificates: [{ ageDays: 100 + (index % 4) }, { ageDays: 500 }],
    }));
    const bulk = await seedUsers(clients.iam, endpoint, users);

    const { summary, messages } = await audit({ MODE: 'report' });

    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) {
      expect(Buffer.byteLength(message.body)).toBeLessThanOrEqual(256 * 1024);
      expect(message.attributes.nonCompliant?.StringValue).toBe('500');
    }
    const report = reassemble(messages);
    expect(report.findings).toHaveLength(500);
    expect(idsOf(report.findings)).toEqual(idsOf(bulk));
    expect(summary).toMatchObject({ usersScanned: 250, nonCompliant: 500 });
  });
});
