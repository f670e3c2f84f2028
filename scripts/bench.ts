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
 * 5. the event path, on the same account, after those runs (which change nothing): the real-time
 *    function's bundle (lambda/handlers/realtime.ts, as deployed without Security Hub) in
 *    deactivate mode, with an archive bucket and the window guard's settings, handed one
 *    UploadSigningCertificate event (tools/emulator/cloudtrail-events.ts) about the first user
 *    whose over-age certificate the signing-certificate full scan (step 1) found non-compliant,
 *    then an SQS batch of that user's event ×10 and 9 other users' events (one run): each one's
 *    IAM calls by action, its time from the event handed to the handler to its answer (the
 *    report delivered, the change made) and from the process started with the event to that
 *    answer (a cold start included), side by side with the full scan's, with the ratios
 *    scheduled/event; the bench fails when the certificate is still Active afterwards, when
 *    either run called ListUsers (the event path reads the users it names, by name), or when
 *    either run did not finish;
 * 6. the cold start of the bundle against a bare IAMClient bundle (scripts/cold-start.ts).
 *
 * Prints the results and writes them to `--output`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { IAMClient, ListSigningCertificatesCommand, paginateListUsers } from '@aws-sdk/client-iam';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { Report } from '../lambda/core/report';
import { KIND_INDEX } from '../lambda/kinds';
import { HANDLER_ASSETS } from '../lib/handler-assets';
import { beginCallRecord, type Principal, recordSession } from '../tools/emulator/call-record';
import { cloudTrailEvent, sqsBatch } from '../tools/emulator/cloudtrail-events';
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
import { type FaultProxy, startFaultProxy } from '../tools/emulator/fault-proxy';
import { startMoto } from '../tools/emulator/moto';
import { generateSshPublicKey } from '../tools/emulator/ssh-keys';
import { measureCliStart } from './cli-start';
import { measureColdStart } from './cold-start';
import {
  buildHandlerBundle,
  ENTRY_FILE,
  type HandlerBundle,
  writeHandlerBundle,
} from './handler-bundle';

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
    // A users scope reads each user by name (the event path).
    'GetUser',
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

/**
 * Writes a bundle into `into` with a runner beside it: the deployed handler in a fresh process,
 * as Lambda would run it, with the Lambda time limit the benchmark gives it (the handler's own
 * deadline margin applies), the event read from `BENCH_EVENT_FILE` (none: `{}`). It prints the
 * handler's answer, the time from the event handed to the handler to its answer, and the
 * process's start-up (Node.js) and the bundle's import before it.
 */
async function writeRunner(bundle: HandlerBundle, into: string): Promise<string> {
  mkdirSync(into, { recursive: true });
  await writeHandlerBundle(bundle, into);
  const runnerFile = join(into, 'run.mjs');
  writeFileSync(
    runnerFile,
    `import { readFileSync } from 'node:fs';
const booted = performance.now();
const { handler } = await import(${JSON.stringify(join(into, ENTRY_FILE))});
const importMs = performance.now() - booted;
const limitMs = Number(process.env.BENCH_LIMIT_MS);
const started = Date.now();
const context = { awsRequestId: process.env.BENCH_REQUEST_ID || 'bench', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench', getRemainingTimeInMillis: () => Math.max(0, limitMs - (Date.now() - started)) };
const event = process.env.BENCH_EVENT_FILE ? JSON.parse(readFileSync(process.env.BENCH_EVENT_FILE, 'utf8')) : {};
const t = performance.now();
const summary = await handler(event, context);
const wallMs = performance.now() - t;
process.stdout.write('\\nBENCH ' + JSON.stringify({ summary, wallMs, bootMs: booted, importMs, maxRssKb: process.resourceUsage().maxRSS }) + '\\n');
`,
  );
  return runnerFile;
}

const bundle = await buildHandlerBundle();
const runner = await writeRunner(bundle, dir);
// The real-time function's bundle, as deployed without Security Hub.
const realtimeAsset = HANDLER_ASSETS['realtime-without-security-hub'];
const realtimeRunner = await writeRunner(
  await buildHandlerBundle(realtimeAsset.features, realtimeAsset.entry),
  join(dir, 'realtime'),
);

/** What a runner printed, and what the process and the proxy in front of moto saw. */
interface BundleRun {
  readonly answer: {
    summary: unknown;
    wallMs: number;
    bootMs: number;
    importMs: number;
    maxRssKb: number;
  };
  /** From the process spawned (its event handed over) to its answer printed. */
  readonly processMs: number;
  /** Everything the process printed on stdout (its logs at the level asked for, and the answer). */
  readonly output: string;
  readonly proxy: FaultProxy;
}

/**
 * Runs one invocation of a bundle in a fresh process through a fresh proxy in front of moto,
 * rate-limited as IAM is, the calls recorded as `principal`'s (the permissions proof).
 */
async function runBundle(
  motoEndpoint: string,
  options: {
    readonly runnerFile: string;
    readonly principal: Principal;
    readonly functionEnv: Readonly<Record<string, string>>;
    readonly label: string;
    readonly requestsPerSecond: number;
    readonly limitMs: number;
    readonly event?: unknown;
    readonly requestId?: string;
    readonly logLevel?: string;
    /**
     * Teach the proxy's record the users' ARNs first, with a fixture ListUsers (not the code's
     * call; the counts are zeroed after it): a run that reads users by name never lists them, and
     * its first GetUser of a user, if IAM's rate answers it Throttling, is otherwise named by
     * nothing the record knows, where a deployment knows the user as IAM does.
     */
    readonly knowUsers?: boolean;
  },
): Promise<BundleRun> {
  const proxy = await startFaultProxy(motoEndpoint, {
    ratePerSecond: options.requestsPerSecond,
    // IAM's bucket refills continuously; one second's worth may arrive at once.
    burst: options.requestsPerSecond,
    latencyMs,
    // moto answers every list at once; the proxy pages it as IAM does (up to 1000 a page).
    pageSize: 1000,
  });
  if (options.knowUsers) {
    const iam = new IAMClient({
      endpoint: proxy.endpoint,
      region: EMULATOR_ENV.AWS_REGION,
      credentials: {
        accessKeyId: EMULATOR_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: EMULATOR_ENV.AWS_SECRET_ACCESS_KEY,
      },
      maxAttempts: 20,
    });
    for await (const _page of paginateListUsers({ client: iam }, {})) {
      // Each page's answer passes the proxy's record, which learns its users' ARNs.
    }
    proxy.resetCounts();
  }
  const eventFile =
    options.event === undefined
      ? undefined
      : join(dir, `event-${options.requestId ?? 'bench'}.json`);
  if (eventFile) writeFileSync(eventFile, JSON.stringify(options.event));
  const spawned = performance.now();
  let answeredAt: number | undefined;
  const child = spawn(process.execPath, [options.runnerFile], {
    env: {
      ...process.env,
      ...EMULATOR_ENV,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL: proxy.endpoint,
      ...options.functionEnv,
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
      BENCH_LIMIT_MS: String(options.limitMs),
      ...(eventFile ? { BENCH_EVENT_FILE: eventFile } : {}),
      ...(options.requestId ? { BENCH_REQUEST_ID: options.requestId } : {}),
      // The deployed bundle's calls go into the record the permissions proof checks.
      ...recordSession(options.principal, options.functionEnv, options.label),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (answeredAt === undefined && output.includes('\nBENCH ')) answeredAt = performance.now();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  await proxy.close();
  const line = output.split('\n').find((text) => text.startsWith('BENCH '));
  if (code !== 0 || !line) throw new Error(`the audit process failed (exit ${code}):\n${output}`);
  return {
    answer: JSON.parse(line.slice('BENCH '.length)) as BundleRun['answer'],
    processMs: (answeredAt ?? performance.now()) - spawned,
    output,
    proxy,
  };
}

/** The IAM calls a proxy forwarded, by action (every action counted, zeros included). */
function iamCallsOf(proxy: FaultProxy) {
  const callsByAction = Object.fromEntries(
    IAM_ACTIONS.map((action) => [action, proxy.counts.forwarded.get(action) ?? 0]),
  );
  const iamCalls = Object.values(callsByAction).reduce((sum, n) => sum + n, 0);
  const received = IAM_ACTIONS.reduce(
    (sum, action) => sum + (proxy.counts.received.get(action) ?? 0),
    0,
  );
  return { callsByAction, iamCalls, retries: received - iamCalls };
}

beginCallRecord('bench');
const moto = await startMoto();
try {
  const clients = emulatorClients(moto.endpoint);
  console.error(`Seeding ${users} users (${values.layout}) into moto…`);
  const seedStart = performance.now();
  const seedAccount = account(users);
  const seeded = await seedUsers(clients.iam, moto.endpoint, seedAccount);
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
    const { answer, processMs, proxy } = await runBundle(moto.endpoint, {
      runnerFile: runner,
      principal: 'function',
      functionEnv,
      label: `npm run bench (${kinds}, ${strategy})`,
      requestsPerSecond,
      limitMs,
    });
    const run = answer as typeof answer & { summary: { usersScanned: number; errors: number } };
    const messages = await receiveAll(clients.sqs, mailbox.queueUrl);
    const report: Report | undefined = messages.length > 0 ? reassemble(messages) : undefined;
    const { callsByAction, iamCalls, retries } = iamCallsOf(proxy);
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
      processSeconds: Number((processMs / 1000).toFixed(2)),
      floorSeconds: Number((floorMs / 1000).toFixed(2)),
      ratioToFloor: Number((run.wallMs / floorMs).toFixed(3)),
      throttlingAnswers: proxy.counts.throttled,
      retries,
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
  // The event path, after the runs above: they were in report mode, so the account is as seeded.
  console.error(
    `The event path (real-time function, deactivate mode) at ${rate} requests/s, beside the full scan:`,
  );
  // The user: the first whose certificate the signing-certificate full scan found over age.
  const target = seeded.find(
    (certificate) =>
      certificate.status === 'Active' && full.nonCompliantIds.includes(certificate.certificateId),
  );
  if (target === undefined) {
    throw new Error('the full scan found no over-age certificate for the event path to change');
  }
  const bucket = 'bench-evidence';
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const realtimeEnv = {
    TOPIC_ARN: mailbox.topicArn,
    MODE: 'deactivate',
    ARCHIVE_BUCKET: bucket,
    CREDENTIAL_KINDS: 'signing-certificate',
    REALTIME_WINDOW_MAX_ACTIONS: '25',
    REALTIME_WINDOW_MINUTES: '60',
  };
  const upload = (userName: string, eventTime: Date) =>
    cloudTrailEvent({
      eventName: 'UploadSigningCertificate',
      requestParameters: { userName, certificateBody: '-----BEGIN CERTIFICATE-----…' },
      eventTime,
    });
  /**
   * One invocation of the real-time function. The events' time is a whole second, as CloudTrail
   * writes it, taken just before the process is spawned: the `secondsSinceCall` the handler logs
   * is then its own count of the time since the event was handed over.
   */
  const eventAudit = async (label: string, requestId: string, events: (at: Date) => unknown) => {
    console.error(`  ${label}…`);
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));
    const { answer, processMs, output, proxy } = await runBundle(moto.endpoint, {
      runnerFile: realtimeRunner,
      principal: 'realtime',
      functionEnv: realtimeEnv,
      label: `npm run bench (event path: ${label})`,
      requestsPerSecond: rate,
      limitMs: 900_000,
      event: events(new Date()),
      requestId,
      // The handler's own account of each run: 'Event-driven audit finished'.
      logLevel: 'INFO',
      knowUsers: true,
    });
    const finished = output.split('\n').flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { message?: string; secondsSinceCall?: number };
        return entry.message === 'Event-driven audit finished' ? [entry] : [];
      } catch {
        return [];
      }
    });
    const messages = await receiveAll(clients.sqs, mailbox.queueUrl);
    const report: Report | undefined = messages.length > 0 ? reassemble(messages) : undefined;
    const { callsByAction, iamCalls, retries } = iamCallsOf(proxy);
    return {
      answer: answer.summary,
      runs: finished.length,
      reportDelivered: report !== undefined,
      scope: report?.scope ?? null,
      usersScanned: report?.summary.usersScanned ?? 0,
      deactivated: report?.summary.deactivated ?? 0,
      // Only the actions called: the event path calls a few of them.
      callsByAction: Object.fromEntries(Object.entries(callsByAction).filter(([, n]) => n > 0)),
      iamCalls,
      listUsersCalls: proxy.counts.received.get('ListUsers') ?? 0,
      // The other services' requests: SNS's Publish, and S3's (the change record, the window
      // guard's counts, the archived report: REST requests, which name no action).
      otherRequests: Object.fromEntries(
        [...proxy.counts.forwarded]
          .filter(([action]) => !IAM_ACTIONS.includes(action))
          .map(([action, n]) => [action === 'unknown' ? 'S3' : action, n]),
      ),
      handlerSeconds: Number((answer.wallMs / 1000).toFixed(3)),
      processSeconds: Number((processMs / 1000).toFixed(3)),
      startupSeconds: Number(((answer.bootMs + answer.importMs) / 1000).toFixed(3)),
      secondsSinceCall: finished[0]?.secondsSinceCall ?? null,
      throttlingAnswers: proxy.counts.throttled,
      retries,
      peakRssMb: Number((answer.maxRssKb / 1024).toFixed(1)),
    };
  };
  /** A certificate's status as moto holds it now, read directly (not through the proxy). */
  const statusOf = async (userName: string, certificateId: string) => {
    const { Certificates = [] } = await clients.iam.send(
      new ListSigningCertificatesCommand({ UserName: userName }),
    );
    return Certificates.find((c) => c.CertificateId === certificateId)?.Status ?? 'gone';
  };
  const oneEvent = await eventAudit(
    `one UploadSigningCertificate event about ${target.userName}`,
    'bench-event',
    (at) => upload(target.userName, at),
  );
  const targetStatus = await statusOf(target.userName, target.certificateId);
  // The burst: the same user's event ten times and nine other users' (certificate holders first).
  const otherNames = [
    ...new Set([
      ...seedAccount.filter((user) => (user.certificates?.length ?? 0) > 0),
      ...seedAccount,
    ]),
  ]
    .map((user) => user.userName)
    .filter((name) => name !== target.userName)
    .slice(0, 9);
  const burst = await eventAudit(
    `an SQS batch: ${target.userName}'s event ×10 and ${otherNames.length} other users' events`,
    'bench-burst',
    (at) =>
      sqsBatch([
        ...Array.from({ length: 10 }, () => upload(target.userName, at)),
        ...otherNames.map((name) => upload(name, at)),
      ]),
  );
  // The burst's own changes: every over-age certificate of its users is Inactive afterwards.
  const burstOverAge = seeded.filter(
    (certificate) =>
      otherNames.includes(certificate.userName) &&
      full.nonCompliantIds.includes(certificate.certificateId),
  );
  const burstStillActive: string[] = [];
  for (const certificate of burstOverAge) {
    if ((await statusOf(certificate.userName, certificate.certificateId)) !== 'Inactive') {
      burstStillActive.push(certificate.certificateId);
    }
  }
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
    // The event path beside the signing-certificate full scan, same account, rate and latency.
    eventDriven: {
      mode: 'deactivate',
      rate,
      timeMeasured: {
        handlerSeconds:
          'from the event handed to the handler to its answer: the users read, the change recorded and made, the report delivered (SNS and the S3 archive); the wall time of the scheduled rows is measured the same way',
        processSeconds:
          'from the node process spawned with the event to its answer: Node.js start-up and the bundle import (a cold start) added',
        startupSeconds: 'the part of processSeconds before the handler is called',
        secondsSinceCall:
          "the handler's own log ('Event-driven audit finished'): from the event's time (a whole second, taken as the process is spawned) to the run's end, before the answer",
      },
      certificate: {
        userName: target.userName,
        certificateId: target.certificateId,
        ageDays: target.ageDays,
        statusBefore: target.status,
        chosen:
          'the first seeded certificate the signing-certificate full scan found non-compliant (that scan is in report mode: the account is as seeded)',
        statusAfter: targetStatus,
      },
      scheduledFullScan: {
        iamCalls: full.iamCalls,
        handlerSeconds: full.wallSeconds,
        processSeconds: full.processSeconds,
        usersScanned: full.usersScanned,
      },
      oneEvent: {
        ...oneEvent,
        scheduledOverEvent: {
          calls: Number((full.iamCalls / oneEvent.iamCalls).toFixed(1)),
          handlerTime: Number((full.wallSeconds / oneEvent.handlerSeconds).toFixed(1)),
          processTime: Number((full.processSeconds / oneEvent.processSeconds).toFixed(1)),
        },
      },
      burst: {
        events: 10 + otherNames.length,
        users: [target.userName, ...otherNames],
        ...burst,
        overAgeCertificatesOfOthers: burstOverAge.length,
        stillActive: burstStillActive,
        scheduledOverEvent: {
          calls: Number((full.iamCalls / burst.iamCalls).toFixed(1)),
          handlerTime: Number((full.wallSeconds / burst.handlerSeconds).toFixed(1)),
          processTime: Number((full.processSeconds / burst.processSeconds).toFixed(1)),
        },
      },
    },
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
  console.error(
    `\nThe event path against the scheduled full scan (signing certificates; ${rate} requests/s, ${latencyMs} ms; handler s: event to answer, process s: a cold start added):`,
  );
  console.error(
    'run                                   users  IAM calls  handler s  process s   calls ×  handler ×  process ×',
  );
  const eventRows = [
    [
      'scheduled full scan (report)',
      full.usersScanned,
      full.iamCalls,
      full.wallSeconds,
      full.processSeconds,
    ],
    [
      'one event (deactivate)',
      oneEvent.usersScanned,
      oneEvent.iamCalls,
      oneEvent.handlerSeconds,
      oneEvent.processSeconds,
    ],
    [
      `SQS batch of ${10 + otherNames.length} events (deactivate)`,
      burst.usersScanned,
      burst.iamCalls,
      burst.handlerSeconds,
      burst.processSeconds,
    ],
  ] as const;
  for (const [name, scanned, calls, handlerSeconds, processSeconds] of eventRows) {
    console.error(
      `${name.padEnd(36)} ${String(scanned).padStart(6)} ${String(calls).padStart(10)} ${handlerSeconds.toFixed(3).padStart(10)} ${processSeconds.toFixed(3).padStart(10)} ${(full.iamCalls / calls).toFixed(1).padStart(9)} ${(full.wallSeconds / handlerSeconds).toFixed(1).padStart(10)} ${(full.processSeconds / processSeconds).toFixed(1).padStart(10)}`,
    );
  }
  console.error(
    `one event's calls: ${JSON.stringify(oneEvent.callsByAction)}; ${target.userName}'s certificate ${target.certificateId} (${target.ageDays} days) ${targetStatus}; handler's secondsSinceCall ${oneEvent.secondsSinceCall}`,
  );
  const eventFailures = [
    ...(targetStatus === 'Inactive' ? [] : [`the certificate is ${targetStatus}, not Inactive`]),
    ...(oneEvent.listUsersCalls + burst.listUsersCalls > 0
      ? ['the event path called ListUsers: it must read only the users the events name']
      : []),
    ...(oneEvent.runs !== 1 || oneEvent.usersScanned !== 1 || !oneEvent.reportDelivered
      ? ['the one event was not one run of one user with its report delivered']
      : []),
    ...(burst.runs !== 1 ||
    burst.usersScanned !== 1 + otherNames.length ||
    !burst.reportDelivered ||
    JSON.stringify(burst.answer) !== JSON.stringify({ batchItemFailures: [] })
      ? [
          'the SQS batch was not one run of its users with its report delivered and no failed message',
        ]
      : []),
    ...(burstStillActive.length > 0
      ? [`the SQS batch left over-age certificates Active: ${burstStillActive.join(', ')}`]
      : []),
  ];
  for (const failure of eventFailures) console.error(`The event path failed: ${failure}`);
  const failed =
    eventFailures.length > 0 ||
    !result.sideBySide.identicalFindings ||
    byKind.some((run) => run.failedUsers > 0 || run.usersScanned !== users || !run.complete) ||
    prefilter.failedUsers > 0 ||
    (together !== null && (together.failedUsers > 0 || !result.everyKind?.identicalFindings)) ||
    !throttledPrefilter.complete;
  if (failed) process.exitCode = 1;
} finally {
  await moto.stop();
}
