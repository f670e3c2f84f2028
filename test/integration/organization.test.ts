import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DeleteSigningCertificateCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createS3Client } from '../../lambda/aws/s3';
import { createSnsClient } from '../../lambda/aws/sns';
import { createStsClient } from '../../lambda/aws/sts';
import { fingerprintOf } from '../../lambda/core/change-record';
import type { ExemptionList } from '../../lambda/core/exemptions';
import {
  type AccountResult,
  buildOrgReport,
  emptySummary,
  type OrgReport,
} from '../../lambda/core/org-report';
import type { Summary } from '../../lambda/core/report';
import { loadPolicyFromEnv } from '../../lambda/core/settings';
import { loadExemptionsFromEnv } from '../../lambda/handlers/exemptions-env';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambda/handlers/metrics';
import { createSummarizeHandler } from '../../lambda/handlers/org-summarize-handler';
import { createWorkerHandler } from '../../lambda/handlers/org-worker-handler';

import { invokeBundle, runsBundles } from '../../tools/emulator/bundles';
import { clientCredentials } from '../../tools/emulator/call-record';
import { generateTestCertificate } from '../../tools/emulator/certs';
import {
  createMailbox,
  EMULATOR_ENV,
  type EmulatorClients,
  memberClients,
  readCertificates,
  readStatuses,
  receiveAll,
  type SeededCertificate,
  seedUsers,
} from '../../tools/emulator/emulator';
import { type FaultProxy, iamErrorXml, startFaultProxy } from '../../tools/emulator/fault-proxy';
import { lambdaContext } from '../../tools/emulator/lambda-context';
import { resetMoto } from '../../tools/emulator/moto';
import { CLI, runCli as runProcess } from './cli-process';
import { clients, endpoint, sessionFor } from './harness';

const STALE = '111111111111';
const CLEAN = '222222222222';
const DENIED = '333333333333';
const BUCKET = 'org-evidence';

let proxy: FaultProxy;
let seeded: Record<string, SeededCertificate[]>;

beforeEach(async () => {
  await resetMoto(endpoint);
  // The member role of DENIED refuses the auditor, as a role missing or not trusting it would.
  proxy = await startFaultProxy(endpoint, {
    respond: (request) =>
      request.action === 'AssumeRole' && request.params.get('RoleArn')?.includes(`::${DENIED}:`)
        ? {
            status: 403,
            xml: iamErrorXml('AccessDenied', 'not authorized to perform sts:AssumeRole'),
          }
        : undefined,
  });
  seeded = {};
  for (const [account, users] of [
    [
      STALE,
      [
        // Bodies of their own, as IAM requires: restore finds a certificate by its fingerprint.
        {
          userName: 'old',
          certificates: [
            { ageDays: 200, body: generateTestCertificate({ commonName: 'old 1' }) },
            { ageDays: 400, body: generateTestCertificate({ commonName: 'old 2' }) },
          ],
        },
        { userName: 'new', certificates: [{ ageDays: 3 }] },
      ],
    ],
    [CLEAN, [{ userName: 'fresh', certificates: [{ ageDays: 10 }] }]],
  ] as const) {
    const member = await memberClients(endpoint, account);
    seeded[account] = await seedUsers(member.iam, endpoint, users);
  }
  // The central account holds a stale certificate too: an organization run must not touch it.
  seeded.central = await seedUsers(clients.iam, endpoint, [
    { userName: 'central-admin', certificates: [{ ageDays: 500 }] },
  ]);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterEach(async () => {
  await proxy.close();
});

async function statusesOf(account: string): Promise<string[]> {
  const member = await memberClients(endpoint, account);
  return [...(await readStatuses(member.iam)).values()].sort();
}

function sum(results: readonly AccountResult[]): Summary {
  const total = emptySummary() as Record<keyof Summary, number>;
  for (const result of results) {
    for (const key of Object.keys(total) as (keyof Summary)[])
      total[key] += result.summary?.[key] ?? 0;
  }
  return total;
}

/**
 * The real worker, as the Distributed Map runs it, through the proxy, with this policy: its
 * pre-built bundle, as deployed, in a process of its own for each invocation (the Node.js under
 * test), or, for a test that injects an IAM client setting no environment variable sets, its
 * sources.
 */
function workerOf(env: Record<string, string>, iamConfig: Record<string, unknown> = {}) {
  // The worker's own session in the record of calls (the permissions proof).
  const session = sessionFor('worker', { ARCHIVE_BUCKET: BUCKET, ...env });
  const config = {
    endpoint: proxy.endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: clientCredentials(session),
  };
  if (runsBundles() && Object.keys(iamConfig).length === 0) {
    const lambdaEnv = {
      PATH: process.env.PATH ?? '',
      ...EMULATOR_ENV,
      AWS_ENDPOINT_URL: proxy.endpoint,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      ARCHIVE_BUCKET: BUCKET,
      MEMBER_ROLE_NAME: 'SigningCertAuditMember',
      ...env,
      ...session,
    };
    const worker = async (event: unknown, context: Context) =>
      (await invokeBundle({
        asset: env.SECURITY_HUB_REGION ? 'org-worker-security-hub' : 'org-worker',
        env: lambdaEnv,
        event,
        awsRequestId: context.awsRequestId,
        invokedFunctionArn: context.invokedFunctionArn,
        timeoutMs: context.getRemainingTimeInMillis(),
      })) as AccountResult;
    return { config, worker };
  }
  const worker = createWorkerHandler({
    env: {
      policy: loadPolicyFromEnv(env),
      archiveBucket: BUCKET,
      roleName: 'SigningCertAuditMember',
      ...(env.SECURITY_HUB_REGION ? { securityHubRegion: env.SECURITY_HUB_REGION } : {}),
      ...(env.EXEMPTIONS_FILE
        ? { exemptions: loadExemptionsFromEnv(env, { now: new Date() }) as ExemptionList }
        : {}),
    },
    sts: createStsClient(config),
    s3: createS3Client(config, { AWS_ENDPOINT_URL: proxy.endpoint }),
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    now: () => new Date(),
    iamConfig: { ...config, ...iamConfig },
  });
  return { config, worker };
}

describe('signing-cert-audit --accounts (the real CLI, on moto)', () => {
  it('audits each account through its role, changes only that account, and reports the failed one', async () => {
    const args = [
      '--accounts',
      `${STALE},${CLEAN},${DENIED}`,
      '--mode',
      'deactivate',
      '--apply',
      '--format',
      'json',
      '--archive-bucket',
      BUCKET,
    ];
    const env = {
      PATH: process.env.PATH ?? '',
      ...EMULATOR_ENV,
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_MAX_ATTEMPTS: '1',
    };
    const run = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        {
          env: { ...env, ...sessionFor('operator', env, args) },
          timeout: 60_000,
        },
        (error, stdout, stderr) =>
          resolve({ status: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

    expect(run.status).toBe(3);
    const report = JSON.parse(run.stdout) as OrgReport & {
      reports: { accountId: string; findings: { accountId: string }[] }[];
    };
    expect(report.accounts.map((a) => [a.accountId, a.status])).toEqual([
      [STALE, 'AUDITED'],
      [CLEAN, 'AUDITED'],
      [DENIED, 'FAILED'],
    ]);
    expect(report.accounts[2]?.error).toMatch(
      /AssumeRole arn:aws:iam::333333333333:role\/SigningCertAuditMember failed \(AccessDenied/,
    );
    expect(report.totals).toEqual(sum(report.accounts));
    expect(report.totals).toMatchObject({ nonCompliant: 2, deactivated: 2, usersScanned: 3 });
    expect(report.counts).toEqual({ accounts: 3, audited: 2, incomplete: 0, failed: 1 });
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(
      '2 of 3 account(s) audited, 1 failed, 2 non-compliant, 2 deactivated — exit 3',
    );
    for (const account of report.reports) {
      for (const finding of account.findings) expect(finding.accountId).toBe(account.accountId);
    }
    // The changes landed in the stale account only.
    expect(await statusesOf(STALE)).toEqual(['Active', 'Inactive', 'Inactive']);
    expect(await statusesOf(CLEAN)).toEqual(['Active']);
    expect([...(await readStatuses(clients.iam)).values()]).toEqual(['Active']);
    expect(run.stderr).toContain(`account ${DENIED} FAILED`);
  });
});

describe('the organization worker and summarize steps (on moto)', () => {
  it('audit each account, archive its report, and sum them into one organization report', async () => {
    // Prepare: the worker as the Distributed Map runs it, one invocation per account.
    const { config, worker } = workerOf({ MODE: 'deactivate', ARCHIVE_BUCKET: BUCKET });
    const context = lambdaContext(
      'worker',
      'arn:aws:lambda:us-east-1:123456789012:function:worker',
    );

    // Act
    const results: AccountResult[] = [];
    for (const accountId of [STALE, CLEAN, DENIED]) {
      results.push(await worker({ accountId, runId: 'org-run-1' }, context));
    }

    // Assess: one small status each; the failing account does not stop the others.
    expect(results.map((r) => [r.accountId, r.status])).toEqual([
      [STALE, 'AUDITED'],
      [CLEAN, 'AUDITED'],
      [DENIED, 'FAILED'],
    ]);
    expect(results[0]?.reportLocation).toMatch(
      new RegExp(`^s3://${BUCKET}/reports/account=${STALE}/`),
    );
    const archived = await clients.s3.send(
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: results[0]?.reportLocation?.replace(`s3://${BUCKET}/`, ''),
      }),
    );
    expect(JSON.parse((await archived.Body?.transformToString()) ?? '{}')).toMatchObject({
      accountId: STALE,
      summary: { deactivated: 2 },
    });
    expect(await statusesOf(STALE)).toEqual(['Active', 'Inactive', 'Inactive']);
    expect([...(await readStatuses(clients.iam)).values()]).toEqual(['Active']);

    // The summarize step over the map's results, written as ResultWriterV2 writes them.
    const mailbox = await createMailbox(clients, 'org');
    const childOf = (result: AccountResult) => ({
      Input: JSON.stringify({ accountId: result.accountId, runId: 'org-run-1' }),
      Output: JSON.stringify(result),
      Status: 'SUCCEEDED',
    });
    const put = (Key: string, body: unknown) =>
      clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: JSON.stringify(body) }));
    // Where the deployed map writes them: under org-runs/map-results/ (the summarize role's grant).
    const resultsPrefix = 'org-runs/map-results/org-run-1/map-run-1';
    await put(`${resultsPrefix}/SUCCEEDED_0.json`, results.map(childOf));
    await put(`${resultsPrefix}/manifest.json`, {
      ResultFiles: {
        SUCCEEDED: [{ Key: `${resultsPrefix}/SUCCEEDED_0.json`, Size: 1 }],
        FAILED: [],
        PENDING: [],
      },
    });
    const summarizeConfig = {
      ...config,
      credentials: clientCredentials(
        sessionFor('summarize', { TOPIC_ARN: mailbox.topicArn, ARCHIVE_BUCKET: BUCKET }),
      ),
    };
    const summarize = createSummarizeHandler({
      s3: createS3Client(summarizeConfig, { AWS_ENDPOINT_URL: proxy.endpoint }),
      sns: createSnsClient(mailbox.topicArn, summarizeConfig),
      topicArn: mailbox.topicArn,
      archiveBucket: BUCKET,
      now: () => new Date('2026-12-01T06:00:00Z'),
      metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    });
    const summary = await summarize({
      runId: 'org-run-1',
      resultWriterDetails: { Bucket: BUCKET, Key: `${resultsPrefix}/manifest.json` },
    });

    expect(summary).toMatchObject({
      reportKey: 'org-reports/date=2026-12-01/org-run-1.json',
      counts: { accounts: 3, failed: 1 },
    });
    const [message] = await receiveAll(clients.sqs, mailbox.queueUrl);
    const published = JSON.parse(message?.body ?? '{}') as OrgReport;
    expect(published.totals).toEqual(sum(results));
    expect(published.accounts.find((a) => a.accountId === DENIED)?.status).toBe('FAILED');
    expect(message?.attributes.kind?.StringValue).toBe('organization');
  });
});

describe('Security Hub across the organization (the real worker, on moto)', () => {
  /** A member account's findings of this tool, as its own Security Hub holds them. */
  async function findingsIn(account: string) {
    const member = await memberClients(endpoint, account);
    const hub = new SecurityHubClient({
      endpoint,
      region: EMULATOR_ENV.AWS_REGION,
      credentials: await member.iam.config.credentials(),
    });
    const { Findings = [] } = await hub.send(new GetFindingsCommand({ MaxResults: 100 }));
    return Findings.filter((f) => f.Id?.startsWith('signing-cert-audit/'));
  }

  it("imports each member's findings into that member's own Security Hub, through its role, and sweeps per account", async () => {
    const { worker } = workerOf({
      MODE: 'report',
      ARCHIVE_BUCKET: BUCKET,
      SECURITY_HUB_REGION: EMULATOR_ENV.AWS_REGION,
    });
    const context = lambdaContext(
      'worker',
      'arn:aws:lambda:us-east-1:123456789012:function:worker',
    );

    const first = await worker({ accountId: STALE, runId: 'hub-run-1' }, context);
    await worker({ accountId: CLEAN, runId: 'hub-run-1' }, context);
    const stale = await findingsIn(STALE);
    // A certificate fixed in the member account: deleted, then the next run resolves its finding there.
    const member = await memberClients(endpoint, STALE);
    const fixed = seeded[STALE]?.find((c) => c.ageDays === 400)?.certificateId ?? '';
    await member.iam.send(
      new DeleteSigningCertificateCommand({ UserName: 'old', CertificateId: fixed }),
    );
    await worker({ accountId: STALE, runId: 'hub-run-2' }, context);
    const after = await findingsIn(STALE);

    expect(first.status).toBe('AUDITED');
    // Each finding is the member's own: its account and its product, in its Security Hub.
    expect(stale.map((f) => [f.AwsAccountId, f.ProductArn])).toEqual(
      stale.map(() => [STALE, `arn:aws:securityhub:us-east-1:${STALE}:product/${STALE}/default`]),
    );
    expect(stale.filter((f) => f.Compliance?.Status === 'FAILED')).toHaveLength(2);
    expect(await findingsIn(CLEAN)).toEqual([]);
    expect((await findingsIn('123456789012')).length, 'nothing lands in the central account').toBe(
      0,
    );
    expect(
      after.filter((f) => f.Id?.includes(fixed)).map((f) => [f.RecordState, f.Compliance?.Status]),
    ).toEqual([['ARCHIVED', 'PASSED']]);
    expect(
      after.filter((f) => f.RecordState === 'ACTIVE' && f.Compliance?.Status === 'FAILED'),
    ).toHaveLength(1);
  });
});

describe('the organization worker in report mode (on moto)', () => {
  it('reports the member account’s over-age certificates and changes nothing anywhere', async () => {
    const { worker } = workerOf({ MODE: 'report', ARCHIVE_BUCKET: BUCKET });

    const result = await worker(
      { accountId: STALE, runId: 'report-run' },
      lambdaContext('worker', 'arn:aws:lambda:us-east-1:123456789012:function:worker'),
    );

    expect(result).toMatchObject({
      status: 'AUDITED',
      summary: { nonCompliant: 2, deactivated: 0, deleted: 0 },
    });
    expect(await statusesOf(STALE)).toEqual(['Active', 'Active', 'Active']);
  });
});

describe('the organization worker with an exemptions file (on moto)', () => {
  it("applies the entries that name the member account or none, and not another account's", async () => {
    const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const entry = { reason: 'vendor', approvedBy: 'sec@example.com', expires: day };
    const file = join(mkdtempSync(join(tmpdir(), 'org-exemptions-')), 'exemptions.json');
    writeFileSync(
      file,
      JSON.stringify({
        exemptions: [
          {
            ...entry,
            user: 'old',
            account: STALE,
            credentialId: seeded[STALE]?.[0]?.certificateId,
          },
          { ...entry, user: 'old', account: CLEAN },
        ],
      }),
    );
    const { worker } = workerOf({ MODE: 'report', ARCHIVE_BUCKET: BUCKET, EXEMPTIONS_FILE: file });

    const result = await worker(
      { accountId: STALE, runId: 'exemptions-run' },
      lambdaContext('worker', 'arn:aws:lambda:us-east-1:123456789012:function:worker'),
    );

    // One of old's two certificates is named by the STALE entry; CLEAN's entry is not this account's.
    expect(result).toMatchObject({
      status: 'AUDITED',
      summary: { exempt: 1, nonCompliant: 1 },
    });
  });
});

describe('the organization worker in delete mode (on moto)', () => {
  it('deactivates an over-age certificate in the member account, and deletes it on the next run', async () => {
    // Prepare: the worker as the map runs it, in delete mode.
    const { worker } = workerOf({ MODE: 'delete', ARCHIVE_BUCKET: BUCKET });
    const context = lambdaContext(
      'worker',
      'arn:aws:lambda:us-east-1:123456789012:function:worker',
    );

    // Act: two runs, as two scheduled runs would.
    const first = await worker({ accountId: STALE, runId: 'delete-run-1' }, context);
    const afterFirst = await statusesOf(STALE);
    const second = await worker({ accountId: STALE, runId: 'delete-run-2' }, context);

    // Assess: never deleted while Active; deleted once Inactive; only in the member account.
    expect(first.summary).toMatchObject({ deactivated: 2, deleted: 0 });
    expect(afterFirst).toEqual(['Active', 'Inactive', 'Inactive']);
    expect(second.summary).toMatchObject({ deactivated: 0, deleted: 2 });
    expect(await statusesOf(STALE)).toEqual(['Active']);
    expect([...(await readStatuses(clients.iam)).values()]).toEqual(['Active']);
  });

  it('records each change in the organization archive per member account, and restore undoes both runs through the role', async () => {
    const { worker } = workerOf({ MODE: 'delete', ARCHIVE_BUCKET: BUCKET });
    const context = lambdaContext(
      'worker',
      'arn:aws:lambda:us-east-1:123456789012:function:worker',
    );
    const before = await fingerprintsOf(STALE);
    await worker({ accountId: STALE, runId: 'delete-run-1' }, context);
    await worker({ accountId: STALE, runId: 'delete-run-2' }, context);
    const { Contents = [] } = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'changes/' }),
    );

    // The organization run's id finds each account's run (`<run>-<account>`).
    const run = await runCli([
      'restore',
      '--accounts',
      STALE,
      '--run',
      'delete-run-1',
      '--run',
      'delete-run-2',
      '--archive-bucket',
      BUCKET,
      '--apply',
      '--format',
      'json',
    ]);

    // Two deactivations and two deletions, each an intent and an outcome, after each run's own
    // entry, under the member account.
    expect(Contents.map((o) => o.Key?.replace(/\/[^/]+$/, '/'))).toEqual([
      ...Array(5).fill(`changes/account=${STALE}/run=delete-run-1-${STALE}/`),
      ...Array(5).fill(`changes/account=${STALE}/run=delete-run-2-${STALE}/`),
    ]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      accounts: [{ accountId: STALE, status: 'RESTORED' }],
      summary: { recorded: 4, restored: 4 },
    });
    expect(await fingerprintsOf(STALE)).toEqual(before);
    // Nothing of the central account was touched.
    expect([...(await readStatuses(clients.iam)).values()]).toEqual(['Active']);
  });
});

/** A member account's certificates as `fingerprint status`, for comparing before and after a restore. */
async function fingerprintsOf(account: string): Promise<string[]> {
  const member = await memberClients(endpoint, account);
  return [...(await readCertificates(member.iam)).values()]
    .map((c) => `${fingerprintOf(c.CertificateBody ?? '')} ${c.Status}`)
    .sort();
}

/** Runs the real command in its own process, through the fault proxy, with `env` on top. */
function runCli(args: readonly string[], env: Record<string, string> = {}) {
  return runProcess(args, { endpoint: proxy.endpoint, env: { AWS_MAX_ATTEMPTS: '1', ...env } });
}

/** The environment of a terminal signed in to `account` itself (the member role's session). */
async function signedInTo(account: string): Promise<Record<string, string>> {
  const member: EmulatorClients = await memberClients(endpoint, account);
  const credentials = await member.iam.config.credentials();
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
  };
}

describe('one exit rule: what Security Hub calls FAILED is exit 1, for one account and across accounts', () => {
  const ODD = '444444444444';
  const young = 5;
  it.each([
    [
      'an unusable exempt tag (an ERROR finding)',
      { tags: [{ Key: 'signing-cert-audit:exempt', Value: 'maybe' }], ageDays: 80 },
      1,
    ],
    ['a young certificate with a 1024-bit key (WEAK_KEY)', { key: 'rsa:1024', ageDays: young }, 1],
    ['a young certificate past its notAfter (CERT_EXPIRED)', { expired: true, ageDays: young }, 1],
    ['a certificate close to the maximum age only (EXPIRING_SOON)', { ageDays: 80 }, 0],
  ] as const)('%s: the same exit status from both paths', async (_, state, expected) => {
    const body =
      'key' in state || 'expired' in state
        ? generateTestCertificate({
            ...('key' in state ? { key: state.key } : {}),
            ...('expired' in state
              ? {
                  notBefore: new Date(Date.now() - 400 * 86_400_000),
                  notAfter: new Date(Date.now() - 86_400_000),
                }
              : {}),
          })
        : undefined;
    const member = await memberClients(endpoint, ODD);
    await seedUsers(member.iam, endpoint, [
      {
        userName: 'odd',
        ...('tags' in state ? { tags: state.tags } : {}),
        certificates: [{ ageDays: state.ageDays, ...(body ? { body } : {}) }],
      },
    ]);

    const one = await runCli(['--format', 'json'], await signedInTo(ODD));
    const across = await runCli(['--accounts', ODD, '--format', 'json']);

    expect((JSON.parse(one.stdout) as { accountId: string }).accountId).toBe(ODD);
    expect([one.status, across.status]).toEqual([expected, expected]);
  });
});

describe('--time-limit across accounts is a time limit, not Ctrl-C', () => {
  it('exits 3 naming the limit, and marks the accounts it never started as not started for it', async () => {
    // The first account's role takes longer to assume than the whole limit.
    proxy.configure({
      onRequest: async (request) => {
        if (request.action === 'AssumeRole' && request.params.get('RoleArn')?.includes(STALE)) {
          await new Promise((resolve) => setTimeout(resolve, 2_500));
        }
      },
    });

    const run = await runCli([
      '--accounts',
      `${STALE},${CLEAN},${DENIED}`,
      '--account-concurrency',
      '1',
      '--time-limit',
      '2',
      '--format',
      'json',
    ]);

    expect(run.status).toBe(3);
    const report = JSON.parse(run.stdout) as OrgReport;
    const notStarted = report.accounts.filter((a) => a.accountId !== STALE);
    expect(notStarted.map((a) => a.status)).toEqual(['FAILED', 'FAILED']);
    for (const account of notStarted) {
      expect(account.error).toMatch(/^not started: time limit: --time-limit of 2 s reached/);
      expect(account.error).not.toMatch(/Ctrl-C|interrupt/i);
    }
    expect(run.stderr).toContain('--time-limit of 2 s reached');
    expect(run.stderr).not.toMatch(/Ctrl-C|interrupted/i);
  });
});

describe('an account with a subject the worker could not read is not AUDITED (real worker, moto)', () => {
  it('comes back INCOMPLETE, naming what could not be read, its findings kept', async () => {
    proxy.configure({
      respond: (request) =>
        request.action === 'ListSigningCertificates' && request.params.get('UserName') === 'old'
          ? { status: 403, xml: iamErrorXml('AccessDenied', 'not authorized') }
          : undefined,
    });
    const { worker } = workerOf({ MODE: 'report' }, { maxAttempts: 1 });

    const result = await worker(
      { accountId: STALE, runId: 'unread-run' },
      lambdaContext('worker', 'arn:aws:lambda:us-east-1:123456789012:function:worker'),
    );

    expect(result.status).toBe('INCOMPLETE');
    expect(result.error).toMatch(
      /^not fully audited: 1 subject\(s\) could not be read \(old: AccessDenied\); what they hold is unknown, not fixed/,
    );
    expect(result.summary).toMatchObject({ unread: 1, errors: 1 });
    expect(buildOrgReport('unread-run', new Date(), [result]).counts).toMatchObject({
      audited: 0,
      incomplete: 1,
    });
  });
});
