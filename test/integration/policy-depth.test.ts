import { X509Certificate } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateTestCertificate } from '../../tools/emulator/certs';
import {
  createMailbox,
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

async function audit(env: Record<string, string>) {
  const summary = await invokeHandler({
    TOPIC_ARN: mailbox.topicArn,
    ARCHIVE_BUCKET: EVIDENCE,
    ...env,
  });
  const report = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
  return { summary, report };
}

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  await clients.s3.send(new CreateBucketCommand({ Bucket: EVIDENCE }));
});

describe('blast-radius guard', () => {
  it('changes nothing in IAM and reports every planned change WITHHELD when over the limit', async () => {
    const seeded = await seedUsers(
      clients.iam,
      endpoint,
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
      endpoint,
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

describe('exemptions', () => {
  it("leaves an exempt user's over-age certificate Active in deactivate mode", async () => {
    const seeded = await seedUsers(clients.iam, endpoint, [
      {
        userName: 'legacy-signer',
        tags: [{ Key: 'signing-cert-audit:exempt', Value: 'true' }],
        certificates: [{ ageDays: 400 }],
      },
      { userName: 'ordinary', certificates: [{ ageDays: 400 }] },
    ]);

    const { summary, report } = await audit({ MODE: 'deactivate' });

    const statuses = await readStatuses(clients.iam);
    const [exempt, ordinary] = seeded;
    expect(statuses.get(exempt?.certificateId ?? '')).toBe('Active');
    expect(statuses.get(ordinary?.certificateId ?? '')).toBe('Inactive');
    expect(report.findings).toMatchObject([
      {
        userName: 'legacy-signer',
        verdict: 'EXEMPT',
        action: 'NONE',
        detail: 'user is tagged signing-cert-audit:exempt=true',
      },
      { userName: 'ordinary', verdict: 'NON_COMPLIANT', action: 'DEACTIVATED' },
    ]);
    expect(summary).toMatchObject({ exempt: 1, nonCompliant: 1, deactivated: 1 });
  });

  it('lets exemptions expire: kept until their last day, acted on after it, refused without an end under maxExemptionDays', async () => {
    const day = (offset: number) =>
      new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const exempt = (value: string) => [{ Key: 'signing-cert-audit:exempt', Value: value }];
    const seeded = await seedUsers(clients.iam, endpoint, [
      {
        userName: 'ending-soon',
        tags: exempt(`until ${day(5)}`),
        certificates: [{ ageDays: 400 }],
      },
      { userName: 'ended', tags: exempt(`until ${day(-1)}`), certificates: [{ ageDays: 400 }] },
      { userName: 'forever', tags: exempt('true'), certificates: [{ ageDays: 400 }] },
      { userName: 'renewed', tags: exempt(`until ${day(60)}`), certificates: [{ ageDays: 400 }] },
    ]);

    const { summary, report } = await audit({ MODE: 'deactivate', MAX_EXEMPTION_DAYS: '90' });

    const statuses = await readStatuses(clients.iam);
    const statusOf = (user: string) =>
      statuses.get(seeded.find((c) => c.userName === user)?.certificateId ?? '');
    expect(['ending-soon', 'ended', 'forever', 'renewed'].map(statusOf)).toEqual([
      'Active',
      'Inactive',
      'Inactive',
      'Active',
    ]);
    expect(report.findings.map((f) => [f.userName, f.verdict, f.action])).toEqual([
      ['ended', 'NON_COMPLIANT', 'DEACTIVATED'],
      ['ending-soon', 'EXEMPTION_EXPIRING', 'NONE'],
      ['forever', 'ERROR', 'NONE'],
      ['forever', 'NON_COMPLIANT', 'DEACTIVATED'],
      ['renewed', 'EXEMPT', 'NONE'],
    ]);
    expect(report.findings.find((f) => f.userName === 'ended')?.detail).toContain(
      `exemption (signing-cert-audit:exempt=until ${day(-1)}) ended on ${day(-1)}`,
    );
    expect(summary).toMatchObject({ exempt: 1, exemptionsExpiring: 1, deactivated: 2 });
  });

  it("applies a per-user maximum age from the user's tag", async () => {
    await seedUsers(clients.iam, endpoint, [
      {
        userName: 'long-lived',
        tags: [{ Key: 'signing-cert-audit:max-age-days', Value: '365' }],
        certificates: [{ ageDays: 200 }],
      },
    ]);

    const { summary, messages } = await invokeHandlerAndDrain({ MODE: 'deactivate' });

    expect([...(await readStatuses(clients.iam)).values()]).toEqual(['Active']);
    expect(summary).toMatchObject({ nonCompliant: 0, deactivated: 0, overridden: 1 });
    // Never silent: the certificate the tag saved is listed, with the tag.
    expect(reassemble(messages).findings).toMatchObject([
      { userName: 'long-lived', verdict: 'OVERRIDDEN', action: 'NONE' },
    ]);
  });
});

describe('certificate content', () => {
  it('reports weak and expired certificates with their fingerprints, changing nothing', async () => {
    const weak = generateTestCertificate({ key: 'rsa:1024', digest: 'sha1', commonName: 'weak' });
    const expired = generateTestCertificate({
      notBefore: new Date(Date.now() - 60 * 86_400_000),
      notAfter: new Date(Date.now() - 30 * 86_400_000),
      commonName: 'old',
    });
    await seedUsers(clients.iam, endpoint, [
      { userName: 'weak-key', certificates: [{ ageDays: 5, body: weak }] },
      { userName: 'expired', certificates: [{ ageDays: 5, body: expired }] },
    ]);
    const before = await readStatuses(clients.iam);

    const { summary, report } = await audit({ MODE: 'delete' });

    expect(await readStatuses(clients.iam)).toEqual(before);
    const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
    expect(report.findings).toMatchObject([
      {
        userName: 'expired',
        verdict: 'CERT_EXPIRED',
        severity: 'HIGH',
        certificate: { fingerprint256: fingerprint(expired), subject: 'CN=old' },
      },
      {
        userName: 'weak-key',
        verdict: 'WEAK_KEY',
        severity: 'MEDIUM',
        certificate: { fingerprint256: fingerprint(weak), subject: 'CN=weak' },
      },
      { userName: 'weak-key', verdict: 'WEAK_SIGNATURE' },
    ]);
    expect(summary).toMatchObject({ contentIssues: 3, nonCompliant: 0, deleted: 0 });
    expect(JSON.stringify(report)).not.toContain('BEGIN CERTIFICATE');
  });
});

describe('the root user', () => {
  it('asks GetAccountSummary and reports nothing when root holds no certificate', async () => {
    await seedUsers(clients.iam, endpoint, [{ userName: 'young', certificates: [{ ageDays: 1 }] }]);

    const { summary, messages } = await invokeHandlerAndDrain();

    expect(summary).toMatchObject({ rootSigningCertificate: 0, errors: 0 });
    expect(messages).toEqual([]);
  });
});

async function invokeHandlerAndDrain(env: Record<string, string> = {}) {
  const summary = await invokeHandler({
    TOPIC_ARN: mailbox.topicArn,
    ARCHIVE_BUCKET: EVIDENCE,
    ...env,
  });
  return { summary, messages: await receiveAll(clients.sqs, mailbox.queueUrl) };
}
