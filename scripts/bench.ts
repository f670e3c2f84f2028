/**
 * `npm run bench`: the audit at account scale under IAM's rate limit. Seeds N users (default
 * 5000, IAM's per-account maximum) into moto, a share of them holding signing certificates
 * (default 1%, as in a real account; `--layout dense` gives two users in three one or two), then
 * runs the real Lambda bundle — built exactly as deployed — in fresh `node` processes through the
 * fault proxy rate-limited to R IAM requests/s with L ms of latency:
 *
 * 1. `full` and `credential-report` on the same account, side by side: calls, wall time, the
 *    floor the rate allows, the ratio between the two, and whether their findings are identical;
 * 2. both again at a throttled rate (`--throttled-rate`, default 5) with a shortened Lambda
 *    limit (`--limit-seconds`), showing the deadline stop a full scan with a partial report
 *    while the prefilter finishes;
 * 3. the cold start of the bundle against a bare IAMClient bundle (scripts/cold-start.ts).
 *
 * Prints the results and writes them to `--output`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Report } from '../lambda/core/report';
import { beginCallRecord, recordSession } from '../tools/emulator/call-record';
import {
  createMailbox,
  EMULATOR_ENV,
  emulatorClients,
  reassemble,
  receiveAll,
  type SeedUser,
  seedUsers,
} from '../tools/emulator/emulator';
import { startFaultProxy } from '../tools/emulator/fault-proxy';
import { startMoto } from '../tools/emulator/moto';
import { measureCliStart } from './cli-start';
import { measureColdStart } from './cold-start';
import { buildHandlerBundle, ENTRY_FILE, writeHandlerBundle } from './handler-bundle';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '5000' },
    holders: { type: 'string', default: '0.01' },
    layout: { type: 'string', default: 'realistic' },
    rate: { type: 'string', default: '20' },
    latency: { type: 'string', default: '30' },
    'throttled-rate': { type: 'string', default: '5' },
    'limit-seconds': { type: 'string', default: '150' },
    'cold-runs': { type: 'string', default: '21' },
    output: { type: 'string', default: 'bench-results.json' },
  },
  strict: true,
});
const positive = (name: string, value: string | undefined) => {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    console.error(`--${name}=${JSON.stringify(value)} is not allowed: expected a positive number`);
    process.exit(2);
  }
  return number;
};
const users = Math.floor(positive('users', values.users));
const holderShare = positive('holders', values.holders);
const rate = positive('rate', values.rate);
const latencyMs = positive('latency', values.latency);
const throttledRate = positive('throttled-rate', values['throttled-rate']);
const limitSeconds = positive('limit-seconds', values['limit-seconds']);
const coldRuns = Math.max(3, Math.floor(positive('cold-runs', values['cold-runs'])));
if (values.layout !== 'realistic' && values.layout !== 'dense') {
  console.error(
    `--layout=${JSON.stringify(values.layout)} is not allowed: expected realistic or dense`,
  );
  process.exit(2);
}
if (holderShare > 1) {
  console.error(`--holders=${values.holders} is not allowed: expected a share from 0 to 1`);
  process.exit(2);
}

const AGES = [5, 30, 80, 120, 200, 400];

/**
 * The seeded account. Realistic: a `holders` share of the users hold one or two Active
 * certificates of mixed ages, the rest none (every stale certificate is usable, so both
 * strategies must find the same ones). Dense: 0, 1 or 2 certificates a user, as before.
 */
function account(count: number): SeedUser[] {
  const every = Math.max(1, Math.round(1 / holderShare));
  return Array.from({ length: count }, (_, index) => {
    const certificates =
      values.layout === 'dense' ? index % 3 : index % every === 0 ? 1 + (index % 2) : 0;
    return {
      userName: `bench-user-${String(index).padStart(5, '0')}`,
      path: index % 2 === 0 ? '/engineering/' : '/robots/',
      certificates: Array.from({ length: certificates }, (_, n) => ({
        ageDays: AGES[(index + n) % AGES.length] ?? 5,
      })),
    };
  });
}

const IAM_ACTIONS = [
  'ListUsers',
  'ListSigningCertificates',
  'ListUserTags',
  'GetAccountSummary',
  'GenerateCredentialReport',
  'GetCredentialReport',
  'UpdateSigningCertificate',
  'DeleteSigningCertificate',
];

const dir = mkdtempSync(join(tmpdir(), 'signing-cert-audit-bench-'));
const bundlePath = join(dir, ENTRY_FILE);
const bundle = await buildHandlerBundle();
await writeHandlerBundle(bundle, dir);
const runner = join(dir, 'run.mjs');
// The deployed handler in a fresh process, as Lambda would run it, with the Lambda time limit
// the benchmark gives it: the handler's own deadline margin applies.
writeFileSync(
  runner,
  `const { handler } = await import(${JSON.stringify(bundlePath)});
const limitMs = Number(process.env.BENCH_LIMIT_MS);
const started = Date.now();
const context = { awsRequestId: 'bench', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench', getRemainingTimeInMillis: () => Math.max(0, limitMs - (Date.now() - started)) };
const event = process.env.BENCH_EVENT ? JSON.parse(process.env.BENCH_EVENT) : {};
const t = performance.now();
const summary = await handler(event, context);
const wallMs = performance.now() - t;
process.stdout.write('\\nBENCH ' + JSON.stringify({ summary, wallMs, maxRssKb: process.resourceUsage().maxRSS }) + '\\n');
`,
);

beginCallRecord('bench');
const moto = await startMoto();
try {
  const clients = emulatorClients(moto.endpoint);
  console.error(`Seeding ${users} users (${values.layout}) into moto…`);
  const seedStart = performance.now();
  const seeded = await seedUsers(clients.iam, moto.endpoint, account(users));
  console.error(
    `  ${seeded.length} certificates in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
  );
  const mailbox = await createMailbox(clients, 'bench');

  /** One audit through a fresh rate-limited proxy; report mode, so the account stays as seeded. */
  const audit = async (strategy: string, requestsPerSecond: number, limitMs: number) => {
    const proxy = await startFaultProxy(moto.endpoint, {
      ratePerSecond: requestsPerSecond,
      // IAM's bucket refills continuously; one second's worth may arrive at once.
      burst: requestsPerSecond,
      latencyMs,
      // moto answers every list at once; the proxy pages it as IAM does (up to 1000 a page).
      pageSize: 1000,
    });
    console.error(`  ${strategy} at ${requestsPerSecond} requests/s, limit ${limitMs / 1000} s…`);
    const functionEnv = {
      TOPIC_ARN: mailbox.topicArn,
      MODE: 'report',
      SCAN_STRATEGY: strategy,
    };
    const child = spawn(process.execPath, [runner], {
      env: {
        ...process.env,
        ...EMULATOR_ENV,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_ENDPOINT_URL: proxy.endpoint,
        ...functionEnv,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        POWERTOOLS_METRICS_DISABLED: 'true',
        BENCH_LIMIT_MS: String(limitMs),
        // The deployed bundle's calls go into the record the permissions proof checks.
        ...recordSession('function', functionEnv, `npm run bench (${strategy})`),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    await proxy.close();
    const line = output.split('\n').find((text) => text.startsWith('BENCH '));
    if (code !== 0 || !line) throw new Error(`the audit process failed (exit ${code}):\n${output}`);
    const run = JSON.parse(line.slice('BENCH '.length)) as {
      summary: { usersScanned: number; errors: number };
      wallMs: number;
      maxRssKb: number;
    };
    const messages = await receiveAll(clients.sqs, mailbox.queueUrl);
    const report: Report | undefined = messages.length > 0 ? reassemble(messages) : undefined;
    const callsByAction = Object.fromEntries(
      IAM_ACTIONS.map((action) => [action, proxy.counts.forwarded.get(action) ?? 0]),
    );
    const iamCalls = Object.values(callsByAction).reduce((sum, n) => sum + n, 0);
    const received = IAM_ACTIONS.reduce(
      (sum, action) => sum + (proxy.counts.received.get(action) ?? 0),
      0,
    );
    const floorMs = (iamCalls / requestsPerSecond) * 1000;
    return {
      strategy,
      usedStrategy: report?.scan.strategy ?? strategy,
      rate: requestsPerSecond,
      complete: report?.complete ?? true,
      incompleteReason: report?.incompleteReason ?? null,
      callsByAction,
      iamCalls,
      wallSeconds: Number((run.wallMs / 1000).toFixed(2)),
      floorSeconds: Number((floorMs / 1000).toFixed(2)),
      ratioToFloor: Number((run.wallMs / floorMs).toFixed(3)),
      throttlingAnswers: proxy.counts.throttled,
      retries: received - iamCalls,
      usersScanned: run.summary.usersScanned,
      failedUsers: run.summary.errors,
      peakRssMb: Number((run.maxRssKb / 1024).toFixed(1)),
      nonCompliantIds: (report?.findings ?? [])
        .filter((f) => f.verdict === 'NON_COMPLIANT')
        .map((f) => f.certificateId ?? '')
        .sort(),
    };
  };

  console.error('Side by side at the normal rate (Lambda limit 900 s):');
  const full = await audit('full', rate, 900_000);
  const prefilter = await audit('credential-report', rate, 900_000);
  console.error(`Throttled to ${throttledRate} requests/s with a ${limitSeconds} s Lambda limit:`);
  const throttledFull = await audit('full', throttledRate, limitSeconds * 1000);
  const throttledPrefilter = await audit('credential-report', throttledRate, limitSeconds * 1000);
  console.error(`Cold start, ${coldRuns} runs each…`);
  const coldStart = await measureColdStart(coldRuns);
  const cliStart = measureCliStart(coldRuns);

  const strip = ({ nonCompliantIds, ...rest }: Awaited<ReturnType<typeof audit>>) => ({
    ...rest,
    nonCompliant: nonCompliantIds.length,
  });
  const result = {
    users,
    layout: values.layout,
    holderShare: values.layout === 'dense' ? null : holderShare,
    certificates: seeded.length,
    latencyMs,
    sideBySide: {
      full: strip(full),
      credentialReport: strip(prefilter),
      speedup: Number((full.wallSeconds / prefilter.wallSeconds).toFixed(1)),
      identicalFindings:
        JSON.stringify(full.nonCompliantIds) === JSON.stringify(prefilter.nonCompliantIds),
    },
    throttled: { full: strip(throttledFull), credentialReport: strip(throttledPrefilter) },
    bundleKb: {
      loadedAtStart: Number((bundle.initBytes / 1024).toFixed(1)),
      total: Number((bundle.totalBytes / 1024).toFixed(1)),
    },
    coldStart,
    cliStart,
    node: process.version,
  };
  writeFileSync(values.output, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.error(`Written to ${values.output}`);
  const failed =
    !result.sideBySide.identicalFindings ||
    full.failedUsers > 0 ||
    prefilter.failedUsers > 0 ||
    full.usersScanned !== users ||
    !throttledPrefilter.complete;
  if (failed) process.exitCode = 1;
} finally {
  await moto.stop();
}
