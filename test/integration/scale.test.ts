import { beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/report';
import {
  createMailbox,
  type Mailbox,
  reassemble,
  receiveAll,
  type SeededCertificate,
  type SeedUser,
  seedUsers,
} from '../../tools/emulator/emulator';
import { type FaultProxy, iamErrorXml, startFaultProxy } from '../../tools/emulator/fault-proxy';
import { resetMoto } from '../../tools/emulator/moto';
import { clients, endpoint, type InvokeOptions, invokeHandler } from './harness';

// Every case the prefilter distinguishes, all over age (MAX_AGE_DAYS 90) so each is listed.
const ACCOUNT: readonly SeedUser[] = [
  { userName: 'active', path: '/eng/', certificates: [{ ageDays: 200 }] },
  {
    userName: 'inactive-only',
    path: '/eng/',
    certificates: [{ ageDays: 300, status: 'Inactive' }],
  },
  {
    userName: 'two-certificates',
    path: '/eng/',
    certificates: [{ ageDays: 150, status: 'Inactive' }, { ageDays: 120 }],
  },
  { userName: "o'brien,pat", path: '/eng/', certificates: [{ ageDays: 95 }] },
  { userName: 'elsewhere', path: '/robots/', certificates: [{ ageDays: 400 }] },
  { userName: 'nobody', path: '/eng/' },
];

let mailbox: Mailbox;
let seeded: SeededCertificate[];
let proxy: FaultProxy | undefined;

beforeEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  seeded = await seedUsers(clients.iam, endpoint, ACCOUNT);
});

async function audit(
  env: Record<string, string>,
  event: unknown = {},
  options: InvokeOptions = {},
): Promise<{ report: Report; summary: Awaited<ReturnType<typeof invokeHandler>> }> {
  const summary = await invokeHandler(
    { TOPIC_ARN: mailbox.topicArn, MODE: 'report', ...env },
    event,
    options,
  );
  return { summary, report: reassemble(await receiveAll(clients.sqs, mailbox.queueUrl)) };
}

const idsOf = (report: Report) =>
  report.findings
    .filter((f) => f.verdict === 'NON_COMPLIANT')
    .map((f) => f.certificateId)
    .sort();
const seededOf = (...userNames: string[]) =>
  seeded
    .filter((c) => userNames.includes(c.userName))
    .map((c) => c.certificateId)
    .sort();

describe('scan strategies (through the real handler)', () => {
  it('credential-report lists exactly the certificates of users holding an Active one', async () => {
    const { report, summary } = await audit({
      SCAN_STRATEGY: 'credential-report',
      USER_PATH_PREFIX: '/eng/',
    });

    // Inactive-only users are invisible in the report; /robots/ is outside the prefix.
    expect(idsOf(report)).toEqual(seededOf('active', 'two-certificates', "o'brien,pat"));
    expect(report.scan).toMatchObject({ strategy: 'credential-report', fallbackReason: null });
    expect(Date.parse(report.scan.credentialReportGeneratedAt ?? '')).toBeGreaterThan(
      Date.now() - 60_000,
    );
    // Every user under the prefix counts as scanned; only the holders' certificates were listed.
    expect(summary).toMatchObject({ usersScanned: 5, certificatesScanned: 4 });
  });

  it('full finds every over-age certificate, Inactive-only users included', async () => {
    const { report } = await audit({ USER_PATH_PREFIX: '/eng/' });

    expect(idsOf(report)).toEqual(
      seededOf('active', 'inactive-only', 'two-certificates', "o'brien,pat"),
    );
    expect(report.scan).toEqual({
      strategy: 'full',
      credentialReportGeneratedAt: null,
      fallbackReason: null,
    });
  });

  it('runs in full when the full-scan schedule’s event says so', async () => {
    const { report } = await audit(
      { SCAN_STRATEGY: 'credential-report', USER_PATH_PREFIX: '/eng/' },
      { scanStrategy: 'full' },
    );

    expect(report.scan.strategy).toBe('full');
    expect(idsOf(report)).toContain(seededOf('inactive-only')[0]);
  });

  it.each([
    [
      'AccessDenied',
      () => ({ status: 403, xml: iamErrorXml('AccessDenied', 'not authorized') }),
      /AccessDenied/,
    ],
    [
      'a report never ready',
      () => ({
        status: 200,
        xml: '<GenerateCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GenerateCredentialReportResult><State>INPROGRESS</State></GenerateCredentialReportResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GenerateCredentialReportResponse>',
      }),
      /not ready within/,
    ],
  ])('falls back to a full scan on %s, and says why', async (_case, answer, reason) => {
    proxy = await startFaultProxy(endpoint, {
      respond: (request) => (request.action === 'GenerateCredentialReport' ? answer() : undefined),
    });

    const { report } = await audit(
      {
        AWS_ENDPOINT_URL: proxy.endpoint,
        SCAN_STRATEGY: 'credential-report',
        USER_PATH_PREFIX: '/eng/',
      },
      {},
      // The bound on waiting for the report, shortened so the test takes seconds.
      { credentialReportWaitMs: 2_000 },
    );

    expect(report.scan.strategy).toBe('full');
    expect(report.scan.fallbackReason).toMatch(reason);
    expect(idsOf(report)).toContain(seededOf('inactive-only')[0]);
  });
});

describe('a stale credential report (through the real handler)', () => {
  it('is refused for one older than IAM’s four-hour reuse window: the run scans in full, saying why', async () => {
    // IAM answers with a report generated three days ago, from before "active" was reactivated:
    // its row says no Active certificate, so the prefilter would skip the over-age one it holds.
    const header = (await import('node:fs'))
      .readFileSync(new URL('../../tools/emulator/moto_launcher.py', import.meta.url), 'utf8')
      .match(/HEADER = \(\n([\s\S]*?)\n\)/)?.[1]
      ?.replace(/[\s"]/g, '');
    const columns = header?.split(',') ?? [];
    const row = (user: string, arn: string) =>
      [user, arn, ...Array(columns.length - 6).fill('N/A'), 'false', 'N/A', 'false', 'N/A'].join(
        ',',
      );
    const csv = [header, row('active', 'arn:aws:iam::123456789012:user/eng/active')].join('\n');
    const generated = new Date(Date.now() - 3 * 86_400_000);
    proxy = await startFaultProxy(endpoint, {
      respond: (request) =>
        request.action === 'GetCredentialReport'
          ? {
              status: 200,
              xml: `<GetCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetCredentialReportResult><Content>${Buffer.from(csv).toString('base64')}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>${generated.toISOString().replace(/\.\d+Z$/, 'Z')}</GeneratedTime></GetCredentialReportResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GetCredentialReportResponse>`,
            }
          : undefined,
    });

    const { report } = await audit({
      AWS_ENDPOINT_URL: proxy.endpoint,
      SCAN_STRATEGY: 'credential-report',
      USER_PATH_PREFIX: '/eng/',
    });

    expect(report.scan.strategy).toBe('full');
    expect(report.scan.fallbackReason).toMatch(
      /the credential report was generated at .* 72 hours before this run, older than IAM's four-hour reuse window/,
    );
    expect(idsOf(report)).toEqual(
      seededOf('active', 'inactive-only', 'two-certificates', "o'brien,pat"),
    );
  });
});

describe('the deadline (through the real handler)', () => {
  it('stops starting work near the end, delivers a partial report saying so, and does not fail', async () => {
    // Prepare: 30 more users, each IAM answer 100 ms late, one user at a time; 2.5 s of Lambda
    // time with a 1.5 s margin leaves about a second of scanning.
    await seedUsers(
      clients.iam,
      endpoint,
      Array.from({ length: 30 }, (_, i) => ({
        userName: `slow-${i}`,
        certificates: [{ ageDays: 200 }],
      })),
    );
    proxy = await startFaultProxy(endpoint, { latencyMs: 100 });

    // Act
    const { report, summary } = await audit(
      { AWS_ENDPOINT_URL: proxy.endpoint, SCAN_CONCURRENCY: '1' },
      {},
      { timeoutMs: 2_500, deadlineMarginMs: 1_500 },
    );

    // Assess
    expect(report.complete).toBe(false);
    expect(report.incompleteReason).toMatch(/deadline: less than 2 s of Lambda time left/);
    expect(summary.usersScanned).toBeGreaterThan(0);
    expect(summary.usersScanned).toBeLessThan(36);
  });
});
