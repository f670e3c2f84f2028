/**
 * `npm run cold-start`: the function bundle's whole-process cold start against a bundle of a bare
 * IAMClient built with the same esbuild options, side by side in one run (alternating, so machine
 * noise hits both alike). A cold start here is a fresh `node` process that imports the bundle
 * (module scope: configuration, clients, logger) and exits; a first run, one that also runs it
 * once against an empty account. Prints the medians and their ratios.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import {
  buildHandlerBundle,
  ENTRY_FILE,
  type HandlerBundle,
  writeHandlerBundle,
} from './handler-bundle';

const execFileAsync = promisify(execFile);

/**
 * A bundle of nothing but an IAM client, as a Lambda built on the SDK alone would load, built with
 * the function's own esbuild options (code splitting included, so the SDK's lazily loaded
 * credential providers are chunks on both sides).
 */
async function buildBareIamBundle(): Promise<HandlerBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'signing-cert-audit-bare-'));
  const entry = join(dir, 'bare.ts');
  writeFileSync(
    entry,
    "import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam'; export const client = new IAMClient({}); export const handler = () => client.send(new ListUsersCommand({}));",
  );
  return buildHandlerBundle({ securityHub: false }, entry, process.cwd());
}

function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The result of one side-by-side measurement. */
export interface ColdStartResult {
  readonly runs: number;
  /** Init: a fresh process imports the bundle (module scope) and exits. */
  readonly handlerMsMedian: number;
  readonly bareIamMsMedian: number;
  readonly ratio: number;
  /**
   * Init and a first clean run: the handler audits an empty account (ListUsers and
   * GetAccountSummary, answered by a local IAM stand-in); the bare client sends one ListUsers.
   */
  readonly firstRun: {
    readonly handlerMsMedian: number;
    readonly bareIamMsMedian: number;
    readonly ratio: number;
  };
  /** What a cold start loads: the entry and the chunks it imports statically. */
  readonly handlerInitKb: number;
  /** Every file of the function's asset. */
  readonly handlerTotalKb: number;
  readonly bareIamInitKb: number;
}

/** Measures both bundles `runs` times each, alternating, in fresh processes. */
export async function measureColdStart(runs: number): Promise<ColdStartResult> {
  const dir = mkdtempSync(join(tmpdir(), 'signing-cert-audit-cold-'));
  const handler = await buildHandlerBundle();
  const bare = await buildBareIamBundle();
  await writeHandlerBundle(handler, join(dir, 'handler'));
  await writeHandlerBundle(bare, join(dir, 'bare'));
  const handlerPath = join(dir, 'handler', ENTRY_FILE);
  const barePath = join(dir, 'bare', ENTRY_FILE);
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:cold-start',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  // A local IAM stand-in that answers an empty account, so a first run costs no network.
  const iam = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const action = /Action=(\w+)/.exec(body)?.[1] ?? '';
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        action === 'GetAccountSummary'
          ? '<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap><entry><key>AccountSigningCertificatesPresent</key><value>0</value></entry></SummaryMap></GetAccountSummaryResult></GetAccountSummaryResponse>'
          : '<ListUsersResponse><ListUsersResult><Users/><IsTruncated>false</IsTruncated></ListUsersResult></ListUsersResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => iam.listen(0, '127.0.0.1', resolve));
  const { port } = iam.address() as AddressInfo;
  // Asynchronous: this process answers the child's IAM calls while it waits for it.
  const time = async (path: string, run: boolean) => {
    const started = performance.now();
    const script = run
      ? `const m = await import(${JSON.stringify(path)}); await m.handler({}, { awsRequestId: 'cold', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cold', getRemainingTimeInMillis: () => 900000 });`
      : `await import(${JSON.stringify(path)});`;
    await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...env, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    return performance.now() - started;
  };
  const sides = { handler: handlerPath, bare: barePath } as const;
  const times = {
    init: { handler: [] as number[], bare: [] as number[] },
    run: { handler: [] as number[], bare: [] as number[] },
  };
  try {
    // One warm-up each: the first process pays for the file system cache.
    for (const path of Object.values(sides)) await time(path, true);
    for (let i = 0; i < runs; i += 1) {
      for (const side of ['handler', 'bare'] as const) {
        times.init[side].push(await time(sides[side], false));
        times.run[side].push(await time(sides[side], true));
      }
    }
  } finally {
    iam.close();
  }
  const handlerMsMedian = median(times.init.handler);
  const bareIamMsMedian = median(times.init.bare);
  const firstHandler = median(times.run.handler);
  const firstBare = median(times.run.bare);
  return {
    runs,
    handlerMsMedian: Number(handlerMsMedian.toFixed(1)),
    bareIamMsMedian: Number(bareIamMsMedian.toFixed(1)),
    ratio: Number((handlerMsMedian / bareIamMsMedian).toFixed(3)),
    firstRun: {
      handlerMsMedian: Number(firstHandler.toFixed(1)),
      bareIamMsMedian: Number(firstBare.toFixed(1)),
      ratio: Number((firstHandler / firstBare).toFixed(3)),
    },
    handlerInitKb: Number((handler.initBytes / 1024).toFixed(1)),
    handlerTotalKb: Number((handler.totalBytes / 1024).toFixed(1)),
    bareIamInitKb: Number((bare.initBytes / 1024).toFixed(1)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 3) {
    console.error(
      `--runs=${JSON.stringify(values.runs)} is not allowed: expected a whole number of at least 3`,
    );
    process.exit(2);
  }
  console.log(JSON.stringify(await measureColdStart(runs), null, 2));
}
