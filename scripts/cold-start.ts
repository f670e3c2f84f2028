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
import { build } from 'esbuild';
import { HANDLER_BUNDLE } from '../lib/bundling';
import { buildHandlerBundle } from './handler-bundle';

/** A bundle of nothing but an IAM client, as a Lambda built on the SDK alone would load. */
async function buildBareIamBundle(): Promise<Uint8Array> {
  const result = await build({
    stdin: {
      contents:
        "import { IAMClient } from '@aws-sdk/client-iam'; export const client = new IAMClient({});",
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    write: false,
    outfile: 'bare.mjs',
    logLevel: 'warning',
    minify: HANDLER_BUNDLE.minify,
    format: HANDLER_BUNDLE.format,
    target: HANDLER_BUNDLE.target,
    mainFields: [...HANDLER_BUNDLE.mainFields],
    banner: { js: HANDLER_BUNDLE.banner },
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output');
  return output.contents;
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
  readonly handlerKb: number;
  readonly bareIamKb: number;
}

/** Measures both bundles `runs` times each, alternating, in fresh processes. */
export async function measureColdStart(runs: number): Promise<ColdStartResult> {
  const dir = mkdtempSync(join(tmpdir(), 'signing-cert-audit-cold-'));
  const handler = (await buildHandlerBundle()).code;
  const bare = await buildBareIamBundle();
  const handlerPath = join(dir, 'handler.mjs');
  const barePath = join(dir, 'bare.mjs');
  writeFileSync(handlerPath, handler);
  writeFileSync(barePath, bare);
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
    handlerKb: Number((handler.byteLength / 1024).toFixed(1)),
    bareIamKb: Number((bare.byteLength / 1024).toFixed(1)),
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
