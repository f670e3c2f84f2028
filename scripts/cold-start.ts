/**
 * `npm run cold-start`: the function bundle's whole-process cold start against a bundle of a bare
 * IAMClient built with the same esbuild options, side by side in one run (alternating, so machine
 * noise hits both alike). A cold start here is a fresh `node` process that imports the bundle
 * (module scope: configuration, clients, logger) and exits. Prints the medians and their ratio.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildHandlerBundle,
  ENTRY_FILE,
  type HandlerBundle,
  writeHandlerBundle,
} from './handler-bundle';

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
    "import { IAMClient } from '@aws-sdk/client-iam'; export const client = new IAMClient({});",
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
  readonly handlerMsMedian: number;
  readonly bareIamMsMedian: number;
  readonly ratio: number;
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
  const time = (path: string) => {
    const started = performance.now();
    execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(path)});`],
      {
        env,
        stdio: 'ignore',
      },
    );
    return performance.now() - started;
  };
  // One warm-up each: the first process pays for the file system cache.
  time(handlerPath);
  time(barePath);
  const handlerTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    handlerTimes.push(time(handlerPath));
    bareTimes.push(time(barePath));
  }
  const handlerMsMedian = median(handlerTimes);
  const bareIamMsMedian = median(bareTimes);
  return {
    runs,
    handlerMsMedian: Number(handlerMsMedian.toFixed(1)),
    bareIamMsMedian: Number(bareIamMsMedian.toFixed(1)),
    ratio: Number((handlerMsMedian / bareIamMsMedian).toFixed(3)),
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
