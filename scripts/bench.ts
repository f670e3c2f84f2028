/**
 * `npm run bench`: the audit at account scale under IAM's rate limit. Seeds N users (default
 * 5000, IAM's per-account maximum) into moto, a share of them holding signing certificates
 * (default 1%, as in a real account; `--layout dense` gives two users in three one or two), then
 * runs the real Lambda bundle — built exactly as deployed — in fresh `node` processes through the
 * fault proxy rate-limited to R IAM requests/s with L ms of latency:
 *
 * 1. each kind of credential of the kind table (lambda/kinds/index.ts) alone, a full scan of it
 *    (`credentialKinds` that kind): its calls by action, wall time and the floor the rate
 *    allows, side by side with the signing-certificate scan (the first kind's run); the same
 *    `holders` share of users holds SSH public keys and service-specific credentials, other
 *    users than the certificates' holders;
 * 2. every kind at once, with the credential-report prefilter (which knows only signing
 *    certificates: the other kinds are still listed as their kind lists them), when the table
 *    holds more than one kind: its findings must be those of the kinds alone;
 * 3. `full` and `credential-report` of signing certificates on the same account, side by side:
 *    calls, wall time, the floor, the ratio between the two, and whether their findings are
 *    identical;
 * 4. both again at a throttled rate (`--throttled-rate`, default 5) with a shortened Lambda
 *    limit (`--limit-seconds`), showing the deadline stop a full scan with a partial report
 *    while the prefilter finishes;
 * 5. the cold start of the bundle against a bare IAMClient bundle (scripts/cold-start.ts).
 *
 * Prints the results and writes them to `--output`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Report } from '../lambda/core/report';
import { KIND_INDEX } from '../lambda/kinds';
import { beginCallRecord, recordSession } from '../tools/emulator/call-record';
import {
  createMailbox,
  EMULATOR_ENV,
  emulatorClients,
  reassemble,
  receiveAll,
  type SeedUser,
  type SeedUserCredentials,
  seedUserCredentials,
  seedUsers,
} from '../tools/emulator/emulator';
import { startFaultProxy } from '../tools/emulator/fault-proxy';
import { startMoto } from '../tools/emulator/moto';
import { generateSshPublicKey } from '../tools/emulator/ssh-keys';
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

/**
 * The other kinds' credentials: the same `holders` share of users (other users than the
 * certificates' holders, so the credential-report prefilter cannot skip them) hold one or two
 * SSH public keys, and one or two service-specific credentials (an API key that expires, and a
 * CodeCommit credential that never does), of mixed ages.
 */
function credentials(count: number): SeedUserCredentials[] {
  const every = Math.max(1, Math.round(1 / holderShare));
  // Two keys serve every holder: IAM refuses a body only to a user who already has it.
  const keys = [generateSshPublicKey(), generateSshPublicKey()];
  return Array.from({ length: count }, (_, index) => index).flatMap((index) => {
    const userName = `bench-user-${String(index).padStart(5, '0')}`;
    const age = (n: number) => AGES[(index + n) % AGES.length] ?? 5;
    const held: SeedUserCredentials[] = [];
    if (index % every === Math.min(1, every - 1)) {
      held.push({
        userName,
        sshPublicKeys: keys.slice(0, 1 + (index % 2)).map((body, n) => ({ ageDays: age(n), body })),
      });
    }
    if (index % every === Math.min(2, every - 1)) {
      held.push({
        userName,
        serviceCredentials: [
          { serviceName: 'bedrock.amazonaws.com', ageDays: age(0), credentialAgeDays: 365 },
          ...(index % 2 === 0
            ? [{ serviceName: 'codecommit.amazonaws.com', ageDays: age(1) }]
            : []),
        ],
      });
    }
    return held;
  });
}

/** The IAM operations counted: the scan's own, and every action of every kind in the table. */
const IAM_ACTIONS = [
  ...new Set([
    'ListUsers',
    'ListUserTags',
    'GetAccountSummary',
    'GenerateCredentialReport',
    'GetCredentialReport',
    ...KIND_INDEX.flatMap((kind) =>
      [...kind.actions.read, ...kind.actions.deactivate, ...kind.actions.delete].map((action) =>
        action.replace(/^iam:/, ''),
      ),
    ),
  ]),
];
/** Every kind of the table, as the credentialKinds setting lists them. */
const EVERY_KIND = KIND_INDEX.map((kind) => kind.type).join(',');

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
  const others = await seedUserCredentials(clients.iam, moto.endpoint, credentials(users));
  console.error(
    `  ${seeded.length} certificates, ${others.sshPublicKeys.length} SSH public keys, ${others.serviceCredentials.length} service-specific credentials in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
  );
  const mailbox = await createMailbox(clients, 'bench');

  /**
   * One audit of these kinds through a fresh rate-limited proxy; report mode, so the account
   * stays as seeded.
   */
  const audit = async (
    strategy: string,
    requestsPerSecond: number,
    limitMs: number,
    kinds = 'signing-certificate',
  ) => {
    const proxy = await startFaultProxy(moto.endpoint, {
      ratePerSecond: requestsPerSecond,
      // IAM's bucket refills continuously; one second's worth may arrive at once.
      burst: requestsPerSecond,
      latencyMs,
      // moto answers every list at once; the proxy pages it as IAM does (up to 1000 a page).
      pageSize: 1000,
    });
    console.error(
      `  ${kinds}: ${strategy} at ${requestsPerSecond} requests/s, limit ${limitMs / 1000} s…`,
    );
    const functionEnv = {
      TOPIC_ARN: mailbox.topicArn,
      MODE: 'report',
      SCAN_STRATEGY: strategy,
      // Always named: the comparison of strategies is of signing certificates whatever the default.
      CREDENTIAL_KINDS: kinds,
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
        ...recordSession('function', functionEnv, `npm run bench (${kinds}, ${strategy})`),
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
      kinds,
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
        .map((f) => f.credentialId ?? f.certificateId ?? '')
        .sort(),
    };
  };

  console.error('Each kind alone, a full scan, at the normal rate (Lambda limit 900 s):');
  const byKind: Awaited<ReturnType<typeof audit>>[] = [];
  for (const kind of KIND_INDEX) byKind.push(await audit('full', rate, 900_000, kind.type));
  // The first kind's run is the signing-certificate full scan the strategies compare.
  const full = byKind.find((run) => run.kinds === 'signing-certificate') ?? byKind[0];
  if (full === undefined) throw new Error('the kind table holds no kind');
  console.error('Signing certificates with the credential-report prefilter:');
  const prefilter = await audit('credential-report', rate, 900_000);
  const together =
    KIND_INDEX.length > 1
      ? await (async () => {
          console.error('Every kind at once, with the credential-report prefilter:');
          return audit('credential-report', rate, 900_000, EVERY_KIND);
        })()
      : null;
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
  const aloneIds = byKind.flatMap((run) => run.nonCompliantIds).sort();
  const result = {
    users,
    layout: values.layout,
    holderShare: values.layout === 'dense' ? null : holderShare,
    certificates: seeded.length,
    sshPublicKeys: others.sshPublicKeys.length,
    serviceCredentials: others.serviceCredentials.length,
    latencyMs,
    // Each kind alone, side by side with the signing-certificate scan (its first row).
    kinds: Object.fromEntries(
      byKind.map((run) => [
        run.kinds,
        {
          listing: KIND_INDEX.find((kind) => kind.type === run.kinds)?.listing ?? null,
          ...strip(run),
          callsRelativeToCertificates: Number((run.iamCalls / full.iamCalls).toFixed(3)),
          wallRelativeToCertificates: Number((run.wallSeconds / full.wallSeconds).toFixed(3)),
        },
      ]),
    ),
    everyKind:
      together === null
        ? null
        : {
            ...strip(together),
            identicalFindings:
              JSON.stringify(together.nonCompliantIds) === JSON.stringify(aloneIds),
          },
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
  console.error(
    'kind (listing)                                    IAM calls   wall s  floor s  non-compliant',
  );
  for (const run of [...byKind, ...(together ? [together] : [])]) {
    const kind = KIND_INDEX.find((k) => k.type === run.kinds);
    const name = kind ? `${run.kinds} (${kind.listing})` : `every kind (${run.strategy})`;
    console.error(
      `${name.padEnd(48)} ${String(run.iamCalls).padStart(10)} ${run.wallSeconds.toFixed(1).padStart(8)} ${run.floorSeconds.toFixed(1).padStart(8)} ${String(run.nonCompliantIds.length).padStart(14)}`,
    );
  }
  const failed =
    !result.sideBySide.identicalFindings ||
    byKind.some((run) => run.failedUsers > 0 || run.usersScanned !== users || !run.complete) ||
    prefilter.failedUsers > 0 ||
    (together !== null && (together.failedUsers > 0 || !result.everyKind?.identicalFindings)) ||
    !throttledPrefilter.complete;
  if (failed) process.exitCode = 1;
} finally {
  await moto.stop();
}
