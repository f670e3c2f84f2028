import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStsClient } from '../../lambda/aws/sts';
import { type AccountResult, emptySummary, type OrgReport } from '../../lambda/core/org-report';
import type { Summary } from '../../lambda/core/report';
import { loadPolicyFromEnv } from '../../lambda/core/settings';
import { createSummarizeHandler, createWorkerHandler } from '../../lambda/handlers/org-handlers';
import { createS3Client } from '../../lambda/sinks/s3-archive';
import { createSnsClient } from '../../lambda/sinks/sns';
import { clientCredentials } from '../../tools/emulator/call-record';
import {
  createMailbox,
  EMULATOR_ENV,
  memberClients,
  readStatuses,
  receiveAll,
  type SeededCertificate,
  seedUsers,
} from '../../tools/emulator/emulator';
import { type FaultProxy, iamErrorXml, startFaultProxy } from '../../tools/emulator/fault-proxy';
import { lambdaContext } from '../../tools/emulator/lambda-context';
import { resetMoto } from '../../tools/emulator/moto';
import { clients, endpoint, sessionFor } from './harness';

const CLI = join(import.meta.dirname, '../../bin/signing-cert-audit.js');
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
        { userName: 'old', certificates: [{ ageDays: 200 }, { ageDays: 400 }] },
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
    const env = { MODE: 'deactivate', ARCHIVE_BUCKET: BUCKET };
    const config = {
      endpoint: proxy.endpoint,
      region: EMULATOR_ENV.AWS_REGION,
      credentials: clientCredentials(sessionFor('worker', env)),
    };
    const worker = createWorkerHandler({
      env: {
        policy: loadPolicyFromEnv(env),
        archiveBucket: BUCKET,
        roleName: 'SigningCertAuditMember',
      },
      sts: createStsClient(config),
      s3: createS3Client(config, { AWS_ENDPOINT_URL: proxy.endpoint }),
      logger: new Logger({ serviceName: 'test', logLevel: 'ERROR' }),
      now: () => new Date(),
      iamConfig: config,
    });
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

describe('the organization worker in report mode (on moto)', () => {
  it('reports the member account’s over-age certificates and changes nothing anywhere', async () => {
    const env = { MODE: 'report', ARCHIVE_BUCKET: BUCKET };
    const config = {
      endpoint: proxy.endpoint,
      region: EMULATOR_ENV.AWS_REGION,
      credentials: clientCredentials(sessionFor('worker', env)),
    };
    const worker = createWorkerHandler({
      env: {
        policy: loadPolicyFromEnv(env),
        archiveBucket: BUCKET,
        roleName: 'SigningCertAuditMember',
      },
      sts: createStsClient(config),
      s3: createS3Client(config, { AWS_ENDPOINT_URL: proxy.endpoint }),
      logger: new Logger({ serviceName: 'test', logLevel: 'ERROR' }),
      now: () => new Date(),
      iamConfig: config,
    });

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

describe('the organization worker in delete mode (on moto)', () => {
  it('deactivates an over-age certificate in the member account, and deletes it on the next run', async () => {
    // Prepare: the worker as the map runs it, in delete mode.
    const env = { MODE: 'delete', ARCHIVE_BUCKET: BUCKET };
    const config = {
      endpoint: proxy.endpoint,
      region: EMULATOR_ENV.AWS_REGION,
      credentials: clientCredentials(sessionFor('worker', env)),
    };
    const worker = createWorkerHandler({
      env: {
        policy: loadPolicyFromEnv(env),
        archiveBucket: BUCKET,
        roleName: 'SigningCertAuditMember',
      },
      sts: createStsClient(config),
      s3: createS3Client(config, { AWS_ENDPOINT_URL: proxy.endpoint }),
      logger: new Logger({ serviceName: 'test', logLevel: 'ERROR' }),
      now: () => new Date(),
      iamConfig: config,
    });
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
});
