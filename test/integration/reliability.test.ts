import {
  DeleteSigningCertificateCommand,
  DeleteUserCommand,
  paginateListSigningCertificates,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Report } from '../../lambda/core/report';
import {
  createMailbox,
  type Mailbox,
  readStatuses,
  reassemble,
  receiveAll,
  type SeededCertificate,
  seedUsers,
} from '../../tools/emulator/emulator';
import { type FaultProxy, startFaultProxy } from '../../tools/emulator/fault-proxy';
import { resetMoto } from '../../tools/emulator/moto';
import { clients, endpoint, invokeHandler } from './harness';

let proxy: FaultProxy;
let mailbox: Mailbox;

beforeAll(async () => {
  proxy = await startFaultProxy(endpoint);
});
afterAll(async () => {
  await proxy.close();
});
beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  proxy.configure({});
  proxy.resetCounts();
});

/** Invokes the real handler with every SDK call going through the fault proxy. */
function auditThroughProxy(env: Record<string, string> = {}) {
  return invokeHandler({
    TOPIC_ARN: mailbox.topicArn,
    AWS_ENDPOINT_URL: proxy.endpoint,
    MODE: 'deactivate',
    MAX_ACTIONS_PER_RUN: '10000',
    ...env,
  });
}

async function deliveredReport(): Promise<Report> {
  return reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
}

describe('under throttling, service failures and connection resets', () => {
  it('accounts for every user once and makes every change exactly once', async () => {
    const users = Array.from({ length: 300 }, (_, index) => ({
      userName: `user-${String(index).padStart(3, '0')}`,
      certificates: [{ ageDays: index % 2 === 0 ? 200 : 10 }],
    }));
    const seeded = await seedUsers(clients.iam, endpoint, users);
    proxy.configure({
      throttleFraction: 0.1,
      serviceFailureFraction: 0.02,
      resetFraction: 0.01,
      seed: 42,
    });

    const summary = await auditThroughProxy();

    const overAge = seeded.filter((c) => c.ageDays > 90).map((c) => c.certificateId);
    // The faults really happened.
    expect(proxy.counts.throttled).toBeGreaterThan(20);
    expect(proxy.counts.serviceFailures).toBeGreaterThan(2);
    expect(proxy.counts.resets).toBeGreaterThan(0);
    // Every user once, no error, the report whole.
    expect(summary).toMatchObject({
      usersScanned: 300,
      certificatesScanned: 300,
      nonCompliant: 150,
      deactivated: 150,
      errors: 0,
    });
    expect(proxy.counts.forwarded.get('ListSigningCertificates')).toBe(300);
    const report = await deliveredReport();
    expect(report.findings).toHaveLength(150);
    expect(new Set(report.findings.map((f) => f.userName)).size).toBe(150);
    // What moto holds Inactive is exactly what the report says was deactivated, each once.
    const statuses = await readStatuses(clients.iam);
    const inactive = [...statuses].filter(([, status]) => status === 'Inactive').map(([id]) => id);
    const deactivated = report.findings.filter((f) => f.action === 'DEACTIVATED');
    expect(inactive.sort()).toEqual(overAge.sort());
    expect(deactivated.map((f) => f.certificateId).sort()).toEqual(overAge.sort());
    expect([...proxy.counts.changesByCertificate.values()].every((n) => n === 1)).toBe(true);
    expect(proxy.counts.changesByCertificate.size).toBe(150);
  });
});

describe('pages shorter than asked for', () => {
  it('follows every IsTruncated/Marker page of users and certificates, listing each once', async () => {
    const users = Array.from({ length: 12 }, (_, index) => ({
      userName: `paged-${String(index).padStart(2, '0')}`,
      certificates: Array.from({ length: index % 3 }, () => ({ ageDays: 200 })),
    }));
    const seeded = await seedUsers(clients.iam, endpoint, users);
    // IAM may return fewer items than MaxItems and still set IsTruncated: one item a page.
    proxy.configure({ pageSize: 1 });

    const summary = await auditThroughProxy({ MODE: 'report' });

    expect(summary).toMatchObject({ usersScanned: 12, certificatesScanned: 12, nonCompliant: 12 });
    expect(proxy.counts.forwarded.get('ListUsers')).toBe(12);
    // One call per user, plus one more for each user whose second certificate is on a page of its own.
    expect(proxy.counts.forwarded.get('ListSigningCertificates')).toBe(12 + 4);
    const report = await deliveredReport();
    expect(report.findings.map((f) => f.certificateId).sort()).toEqual(
      seeded.map((c) => c.certificateId).sort(),
    );
  });
});

describe('things that vanish mid-run', () => {
  it('records a user deleted just before its certificates are listed as GONE', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'leaver', certificates: [{ ageDays: 200 }] },
      { userName: 'stayer', certificates: [{ ageDays: 200 }] },
    ]);
    proxy.configure({
      onRequest: async ({ action, params }) => {
        if (action !== 'ListSigningCertificates' || params.get('UserName') !== 'leaver') return;
        await deleteUserDirectly('leaver');
      },
    });

    const summary = await auditThroughProxy();

    const report = await deliveredReport();
    expect(report.findings).toMatchObject([
      { userName: 'leaver', verdict: 'NOT_EVALUATED', action: 'GONE', certificateId: null },
      { userName: 'stayer', verdict: 'NON_COMPLIANT', action: 'DEACTIVATED' },
    ]);
    expect(summary).toMatchObject({ usersScanned: 2, gone: 1, deactivated: 1, errors: 0 });
  });

  it('records a certificate deleted just before its deactivation as GONE', async () => {
    const [doomed, kept] = await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [{ ageDays: 200 }, { ageDays: 300 }] },
    ]);
    proxy.configure({
      onRequest: async ({ action, params }) => {
        if (action !== 'UpdateSigningCertificate') return;
        if (params.get('CertificateId') !== doomed?.certificateId) return;
        await clients.iam.send(
          new DeleteSigningCertificateCommand({
            UserName: 'alice',
            CertificateId: doomed?.certificateId,
          }),
        );
      },
    });

    const summary = await auditThroughProxy();

    const report = await deliveredReport();
    const actionOf = (certificate: SeededCertificate | undefined) =>
      report.findings.find((f) => f.certificateId === certificate?.certificateId)?.action;
    expect(actionOf(doomed)).toBe('GONE');
    expect(actionOf(kept)).toBe('DEACTIVATED');
    expect(summary).toMatchObject({ gone: 1, deactivated: 1, errors: 0 });
  });
});

describe('when publishing fails', () => {
  it('fails the invocation after logging the full report; the rerun changes nothing more and publishes the same findings', async () => {
    const seeded = await seedUsers(
      clients.iam,
      endpoint,
      Array.from({ length: 5 }, (_, index) => ({
        userName: `stale-${index}`,
        certificates: [{ ageDays: 200 }],
      })),
    );
    proxy.configure({ failActions: ['Publish'] });
    const logged: string[] = [];
    // Powertools writes ERROR lines to standard error, the others to standard output.
    const capture = (chunk: unknown) => {
      logged.push(String(chunk));
      return true;
    };
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];

    let failure: unknown;
    try {
      await auditThroughProxy();
    } catch (error: unknown) {
      failure = error;
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    expect(failure).toBeInstanceOf(Error);
    expect(proxy.counts.received.get('Publish')).toBeGreaterThanOrEqual(1);
    expect(await receiveAll(clients.sqs, mailbox.queueUrl)).toEqual([]);
    const line = logged
      .flatMap((chunk) => chunk.split('\n'))
      .find((text) => text.includes('Delivering the report failed; the full report follows'));
    const loggedReport = (JSON.parse(line ?? '{}') as { report?: Report }).report;
    expect(loggedReport?.findings.map((f) => [f.certificateId, f.action])).toEqual(
      seeded.map((c) => [c.certificateId, 'DEACTIVATED']),
    );
    const afterFirst = await readStatuses(clients.iam);

    proxy.configure({});
    proxy.resetCounts();
    const summary = await auditThroughProxy();

    expect(await readStatuses(clients.iam)).toEqual(afterFirst);
    expect(proxy.counts.forwarded.get('UpdateSigningCertificate')).toBeUndefined();
    const report = await deliveredReport();
    expect(report.findings.map((f) => [f.certificateId, f.verdict, f.action])).toEqual(
      seeded.map((c) => [c.certificateId, 'NON_COMPLIANT', 'NONE']),
    );
    expect(summary).toMatchObject({ nonCompliant: 5, deactivated: 0 });
  });
});

/** Deletes a user the way an administrator would, straight at the emulator. */
async function deleteUserDirectly(userName: string): Promise<void> {
  for await (const page of paginateListSigningCertificates(
    { client: clients.iam },
    { UserName: userName },
  )) {
    for (const certificate of page.Certificates ?? []) {
      await clients.iam.send(
        new DeleteSigningCertificateCommand({
          UserName: userName,
          CertificateId: certificate.CertificateId,
        }),
      );
    }
  }
  await clients.iam.send(new DeleteUserCommand({ UserName: userName }));
}
