/**
 * `npm run bench:org`: the organization fan-out at scale. Seeds A member accounts (default 200)
 * in moto, each with U users (default 10): one holds a stale certificate, one a fresh one. The
 * fault proxy stands in front with IAM rate-limited per account (R requests/s each with a burst
 * of B, default 5 and 5, and L ms of latency on every request), as IAM limits each account on
 * its own (IAM publishes no rate: these are assumptions, and flags). Then it runs the
 * real worker handler — the Distributed Map's item processor: assume the member role, audit,
 * archive the report to S3, return a small status — for every account, at most N at once as the
 * map's `maxConcurrency` allows, for each N of `--concurrency` (default 10,20,40), and builds the
 * organization report with the summarize step's code.
 *
 * One account's time is measured in the same run (`--alone` accounts audited one after another,
 * the mean), so each N compares its wall time with the ideal, accounts / N × one account's time,
 * as a ratio, and each account's mean time inside the run with its time alone (what sharing
 * cost it). The report's totals are checked against what was seeded.
 *
 * What is simulated: the N workers share this one Node process (Lambda gives each its own), and
 * every account lives in one moto process; both share this machine's cores. So each N also
 * reports how busy the machine's CPUs were (from /proc/stat): a ratio above 1 where the CPUs are
 * saturated is this machine, not the map.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { createS3Client } from '../lambda/aws/s3';
import { createStsClient } from '../lambda/aws/sts';
import type { AccountResult } from '../lambda/core/org-report';
import { loadPolicyFromEnv } from '../lambda/core/settings';
import { summarize } from '../lambda/handlers/org-summarize-handler';
import { createWorkerHandler } from '../lambda/handlers/org-worker-handler';

import { beginCallRecord, clientCredentials, recordSession } from '../tools/emulator/call-record';
import {
  EMULATOR_ENV,
  emulatorClients,
  memberClients,
  type SeedUser,
  seedUsers,
} from '../tools/emulator/emulator';
import { startFaultProxy } from '../tools/emulator/fault-proxy';
import { lambdaContext } from '../tools/emulator/lambda-context';
import { startMoto } from '../tools/emulator/moto';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '200' },
    users: { type: 'string', default: '10' },
    rate: { type: 'string', default: '5' },
    burst: { type: 'string', default: '5' },
    latency: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '10,20,40' },
    alone: { type: 'string', default: '10' },
    output: { type: 'string', default: 'bench-org-results.json' },
  },
  strict: true,
});
const whole = (name: string, value: string | undefined, least: number) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < least) {
    console.error(
      `--${name}=${JSON.stringify(value)} is not allowed: expected a whole number from ${least}`,
    );
    process.exit(2);
  }
  return number;
};
const accountCount = whole('accounts', values.accounts, 4);
const usersPerAccount = whole('users', values.users, 2);
const rate = whole('rate', values.rate, 1);
const burst = whole('burst', values.burst, 1);
const latencyMs = whole('latency', values.latency, 0);
const aloneCount = Math.min(Math.max(0, accountCount - 3), whole('alone', values.alone, 1));
const concurrencies = (values.concurrency ?? '')
  .split(',')
  .map((item) => whole('concurrency', item.trim(), 1));
if (accountCount > 9000) {
  console.error(`--accounts=${accountCount} is not allowed: expected at most 9000`);
  process.exit(2);
}

const IAM_READS = ['ListUsers', 'ListSigningCertificates', 'ListUserTags', 'GetAccountSummary'];
const BUCKET = 'org-evidence';
/** Linux's clock ticks per second (USER_HZ), 100 on every mainstream kernel build. */
const CLOCK_TICKS = 100;
const STALE_DAYS = 200;
const FRESH_DAYS = 10;
const ROLE = 'SigningCertAuditMember';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:org-worker';
const accounts = Array.from({ length: accountCount }, (_, index) =>
  String(100_000_000_000 + index),
);

/** Each account: one user with a stale certificate, one with a fresh one, the rest with none. */
const accountUsers: SeedUser[] = Array.from({ length: usersPerAccount }, (_, index) => ({
  userName: `user-${index}`,
  certificates:
    index === 0 ? [{ ageDays: STALE_DAYS }] : index === 1 ? [{ ageDays: FRESH_DAYS }] : [],
}));

Object.assign(process.env, EMULATOR_ENV, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1' });
beginCallRecord('bench-org');
const moto = await startMoto();
try {
  console.error(`Seeding ${accountCount} accounts of ${usersPerAccount} users…`);
  const seedStart = performance.now();
  // One account at a time: seeding moves moto's IAM clock, which all accounts share.
  for (const account of accounts) {
    await seedUsers((await memberClients(moto.endpoint, account, ROLE)).iam, moto.endpoint, [
      ...accountUsers,
    ]);
  }
  console.error(`  seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const proxy = await startFaultProxy(moto.endpoint, {
    ratePerSecond: rate,
    burst,
    rateScope: 'caller',
    latencyMs,
  });
  await emulatorClients(moto.endpoint).s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // The worker's calls go into the record the permissions proof checks (npm test).
  const config = {
    endpoint: proxy.endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: clientCredentials(
      recordSession('worker', { MODE: 'report', ARCHIVE_BUCKET: BUCKET }, 'npm run bench:org'),
    ),
  };
  const s3 = createS3Client(config, { AWS_ENDPOINT_URL: proxy.endpoint });
  const worker = createWorkerHandler({
    env: {
      policy: loadPolicyFromEnv({ MODE: 'report', MAX_AGE_DAYS: '90' }),
      archiveBucket: BUCKET,
      roleName: ROLE,
    },
    sts: createStsClient(config),
    s3,
    logger: new Logger({ serviceName: 'bench-org', logLevel: 'ERROR' }),
    now: () => new Date(),
    iamConfig: config,
  });

  /** One worker invocation, timed, as the map would start it. */
  const invoke = async (accountId: string, runId: string) => {
    const start = performance.now();
    const result = await worker(
      { accountId, runId },
      lambdaContext(`${runId}-${accountId}`, FUNCTION_ARN),
    );
    return { result, seconds: (performance.now() - start) / 1000 };
  };

  // The first invocations pay for loading and compiling the SDK; the concurrent runs are warm.
  console.error('Warming up on 3 accounts…');
  for (const accountId of accounts.slice(0, 3)) await invoke(accountId, 'warm-up');
  console.error(`One account alone (${aloneCount} accounts, one after another)…`);
  const aloneSeconds: number[] = [];
  for (const accountId of accounts.slice(3, 3 + aloneCount)) {
    aloneSeconds.push((await invoke(accountId, 'alone')).seconds);
  }
  const oneAccount = mean(aloneSeconds);
  console.error(`  mean ${oneAccount.toFixed(2)} s (${aloneSeconds.map(fixed).join(', ')})`);

  const runs = [];
  for (const n of concurrencies) {
    const runId = `bench-n${n}`;
    console.error(`All ${accountCount} accounts, at most ${n} at once…`);
    proxy.resetCounts();
    const limit = pLimit(n);
    let inFlight = 0;
    let peak = 0;
    const accountSeconds: number[] = [];
    const cpuBefore = cpuTicks();
    const motoBefore = processTicks(moto.pid);
    const start = performance.now();
    const outcomes = await Promise.all(
      accounts.map((accountId) =>
        limit(async () => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          try {
            const { result, seconds } = await invoke(accountId, runId);
            accountSeconds.push(seconds);
            return { output: result as AccountResult };
          } catch (error: unknown) {
            // As the map's catch would: the account is FAILED, the run goes on.
            return { accountId, error: error instanceof Error ? error.message : String(error) };
          } finally {
            inFlight -= 1;
          }
        }),
      ),
    );
    const wallSeconds = (performance.now() - start) / 1000;
    const cpuAfter = cpuTicks();
    const motoAfter = processTicks(moto.pid);
    const requests = [...proxy.counts.forwarded.values()].reduce((sum, n) => sum + n, 0);
    const report = summarize(runId, new Date(), outcomes);
    const ideal = (accountCount / n) * oneAccount;
    const run = {
      maxConcurrency: n,
      peakInFlight: peak,
      wallSeconds: fixed(wallSeconds),
      idealSeconds: fixed(ideal),
      ratio: fixed(wallSeconds / ideal),
      /** One account's mean time inside this run, against alone: what the others cost it. */
      accountSecondsMean: fixed(mean(accountSeconds)),
      slowdownPerAccount: fixed(mean(accountSeconds) / oneAccount),
      accountsPerMinute: Math.round((accountCount / wallSeconds) * 60),
      counts: report.counts,
      totals: {
        usersScanned: report.totals.usersScanned,
        nonCompliant: report.totals.nonCompliant,
      },
      iamRequests: sumOf(proxy.counts.forwarded, IAM_READS),
      /** Requests that reached the emulator (IAM, STS, S3; not the proxy's throttling answers), per second. */
      requestsPerSecond: Math.round(requests / wallSeconds),
      /** The share of this machine's CPU time that was busy during the run (1: saturated). */
      machineCpuBusy:
        cpuBefore && cpuAfter
          ? fixed((cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total))
          : null,
      /** Cores the emulator's one Python process used: near 1, it is the bottleneck (the GIL). */
      emulatorCores:
        motoBefore !== null && motoAfter !== null
          ? fixed((motoAfter - motoBefore) / CLOCK_TICKS / wallSeconds)
          : null,
      throttlingAnswers: proxy.counts.throttled,
      correct:
        report.counts.audited === accountCount &&
        report.totals.usersScanned === accountCount * usersPerAccount &&
        report.totals.nonCompliant === accountCount,
    };
    console.error(
      `  ${run.wallSeconds} s against an ideal ${run.idealSeconds} s: ratio ${run.ratio}; one account ${run.slowdownPerAccount}× its time alone; ${run.requestsPerSecond} requests/s, CPUs ${run.machineCpuBusy ?? '?'} busy, the emulator ${run.emulatorCores ?? '?'} core; ${run.counts.audited}/${accountCount} audited, ${run.totals.nonCompliant} stale found${run.correct ? '' : ' — WRONG'}`,
    );
    runs.push(run);
  }
  await proxy.close();

  const result = {
    accounts: accountCount,
    usersPerAccount,
    iamRatePerAccount: rate,
    iamBurstPerAccount: burst,
    latencyMs,
    cpus: availableParallelism(),
    oneAccountSeconds: fixed(oneAccount),
    aloneSeconds: aloneSeconds.map(fixed),
    /** What one loop in one function would take: every account after the other. */
    sequentialEstimateSeconds: fixed(accountCount * oneAccount),
    runs,
    node: process.version,
  };
  writeFileSync(values.output, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.error(`Written to ${values.output}`);
  if (runs.some((run) => !run.correct)) process.exitCode = 1;
} finally {
  await moto.stop();
}

/** The machine's CPU time so far, busy and total, in ticks (Linux's /proc/stat); null elsewhere. */
function cpuTicks(): { busy: number; total: number } | null {
  if (!existsSync('/proc/stat')) return null;
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** A process's CPU time so far (user + system), in clock ticks, from /proc; null elsewhere. */
function processTicks(pid: number | undefined): number | null {
  const path = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(path)) return null;
  // The command name, in parentheses, may hold spaces: count fields after its closing one.
  const after = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
  return Number(after[11]) + Number(after[12]);
}

function sumOf(counts: ReadonlyMap<string, number>, keys: readonly string[]): number {
  return keys.reduce((sum, key) => sum + (counts.get(key) ?? 0), 0);
}

function mean(numbers: readonly number[]): number {
  return numbers.reduce((sum, n) => sum + n, 0) / Math.max(1, numbers.length);
}

function fixed(seconds: number): number {
  return Number(seconds.toFixed(2));
}
