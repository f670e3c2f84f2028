/**
 * `npm run bench`: the audit at account scale under IAM's rate limit. Seeds N users (default
 * 5000, IAM's per-account maximum) with 0, 1 or 2 certificates of mixed ages into moto, then runs
 * the real Lambda bundle — built exactly as deployed — in a fresh `node` process, through the
 * fault proxy rate-limited to R IAM requests/s with L ms of latency. Prints and writes: calls by
 * action, wall time against the floor the rate allows, throttling seen, retries, failed users,
 * peak RSS, bundle size and cold load time.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createMailbox,
  EMULATOR_ENV,
  emulatorClients,
  type SeedUser,
  seedUsers,
} from '../tools/emulator/emulator';
import { startFaultProxy } from '../tools/emulator/fault-proxy';
import { startMoto } from '../tools/emulator/moto';
import { buildHandlerBundle } from './handler-bundle';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '20' },
    latency: { type: 'string', default: '30' },
    'cold-runs': { type: 'string', default: '5' },
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
const rate = positive('rate', values.rate);
const latencyMs = positive('latency', values.latency);
const coldRuns = Math.max(5, Math.floor(positive('cold-runs', values['cold-runs'])));

/** 0, 1 or 2 certificates a user, ages spread across compliant, expiring and over age. */
function account(count: number): SeedUser[] {
  const ages = [5, 30, 80, 120, 200, 400];
  return Array.from({ length: count }, (_, index) => ({
    userName: `bench-user-${String(index).padStart(5, '0')}`,
    path: index % 2 === 0 ? '/engineering/' : '/robots/',
    certificates: Array.from({ length: index % 3 }, (_, n) => ({
      ageDays: ages[(index + n) % ages.length] ?? 5,
    })),
  }));
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const dir = mkdtempSync(join(tmpdir(), 'signing-cert-audit-bench-'));
const bundlePath = join(dir, 'index.mjs');
const bundle = await buildHandlerBundle();
writeFileSync(bundlePath, bundle.code);

// Cold load: a fresh process importing the bundle (module scope: clients, logger, config).
const coldEnv = {
  ...process.env,
  ...EMULATOR_ENV,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
};
const loadScript = `const t = performance.now(); await import(${JSON.stringify(bundlePath)}); console.log(performance.now() - t);`;
const coldLoads = Array.from({ length: coldRuns }, () =>
  Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', loadScript], {
      env: coldEnv,
      encoding: 'utf8',
    }).trim(),
  ),
);

const moto = await startMoto();
try {
  const clients = emulatorClients(moto.endpoint);
  console.error(`Seeding ${users} users into moto…`);
  const seedStart = performance.now();
  const seeded = await seedUsers(clients.iam, moto.endpoint, account(users));
  console.error(
    `  ${seeded.length} certificates in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
  );
  const mailbox = await createMailbox(clients, 'bench');
  const proxy = await startFaultProxy(moto.endpoint, {
    ratePerSecond: rate,
    // IAM's bucket refills continuously; one second's worth may arrive at once.
    burst: rate,
    latencyMs,
    // moto answers every list at once; the proxy pages it as IAM does (up to 1000 a page).
    pageSize: 1000,
  });

  // The audit: the deployed bundle's handler in a fresh process, as Lambda would run it.
  const runner = join(dir, 'run.mjs');
  writeFileSync(
    runner,
    `const { handler } = await import(${JSON.stringify(bundlePath)});
const context = { awsRequestId: 'bench', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench', getRemainingTimeInMillis: () => 900000 };
const start = performance.now();
const summary = await handler({}, context);
const wallMs = performance.now() - start;
process.stdout.write('\\nBENCH ' + JSON.stringify({ summary, wallMs, maxRssKb: process.resourceUsage().maxRSS }) + '\\n');
`,
  );
  console.error(`Auditing through the proxy at ${rate} requests/s, ${latencyMs} ms latency…`);
  const child = spawn(process.execPath, [runner], {
    env: {
      ...coldEnv,
      AWS_ENDPOINT_URL: proxy.endpoint,
      TOPIC_ARN: mailbox.topicArn,
      MODE: 'deactivate',
      MAX_ACTIONS_PER_RUN: '10000',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
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
    summary: { usersScanned: number; certificatesScanned: number; errors: number };
    wallMs: number;
    maxRssKb: number;
  };

  const iamActions = [
    'ListUsers',
    'ListSigningCertificates',
    'ListUserTags',
    'GetAccountSummary',
    'UpdateSigningCertificate',
    'DeleteSigningCertificate',
  ];
  const callsByAction = Object.fromEntries(
    iamActions.map((action) => [action, proxy.counts.forwarded.get(action) ?? 0]),
  );
  const iamCalls = Object.values(callsByAction).reduce((sum, n) => sum + n, 0);
  const iamReceived = iamActions.reduce(
    (sum, action) => sum + (proxy.counts.received.get(action) ?? 0),
    0,
  );
  const floorMs = (iamCalls / rate) * 1000;
  const result = {
    users,
    certificates: seeded.length,
    rate,
    latencyMs,
    callsByAction,
    iamCalls,
    expectedListCalls: {
      listUsers: Math.ceil(users / 1000),
      listSigningCertificates: users,
    },
    wallSeconds: Number((run.wallMs / 1000).toFixed(2)),
    floorSeconds: Number((floorMs / 1000).toFixed(2)),
    ratio: Number((run.wallMs / floorMs).toFixed(3)),
    throttlingAnswers: proxy.counts.throttled,
    retries: iamReceived - iamCalls,
    failedUsers: run.summary.errors,
    usersScanned: run.summary.usersScanned,
    peakRssMb: Number((run.maxRssKb / 1024).toFixed(1)),
    bundleKb: Number((bundle.code.byteLength / 1024).toFixed(1)),
    coldLoadMsMedian: Number(median(coldLoads).toFixed(1)),
    coldLoadsMs: coldLoads.map((ms) => Number(ms.toFixed(1))),
    node: process.version,
  };
  writeFileSync(values.output, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.error(`Written to ${values.output}`);
  if (run.summary.usersScanned !== users || run.summary.errors > 0) process.exitCode = 1;
} finally {
  await moto.stop();
}
