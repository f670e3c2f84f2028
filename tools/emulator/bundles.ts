import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HandlerAsset } from '../../lib/handler-assets';

const RUNNER = fileURLToPath(new URL('./invoke-bundle.mjs', import.meta.url));
const HANDLERS = fileURLToPath(new URL('../../dist/handlers/', import.meta.url));

/**
 * The Node.js binary the emulator suites run the pre-built handlers on: SIGNING_CERT_AUDIT_NODE
 * (CI sets it to each Lambda Node.js version the construct may deploy), or the Node.js running
 * the tests.
 */
export function bundleNode(): string {
  return process.env.SIGNING_CERT_AUDIT_NODE || process.execPath;
}

/** Whether the suites invoke the pre-built bundles (the default) or the handlers' sources. */
export function runsBundles(): boolean {
  return process.env.SIGNING_CERT_AUDIT_HANDLERS !== 'source';
}

/** The error a bundle's handler threw, as the process running it reported it. */
export class BundleHandlerError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** The pre-built handlers run so far in this process, and the Node.js version each ran on. */
export const bundleRuns: { readonly asset: HandlerAsset; readonly node: string }[] = [];

/** One invocation of a pre-built handler: its environment, event and context. */
export interface BundleInvocation {
  readonly asset: HandlerAsset;
  /** The function's whole environment (nothing else of the test's process is passed on). */
  readonly env: Readonly<Record<string, string>>;
  readonly event: unknown;
  readonly awsRequestId: string;
  readonly invokedFunctionArn: string;
  readonly timeoutMs: number;
}

/**
 * Runs a pre-built handler bundle (`dist/handlers/<asset>/index.mjs`, what the constructs
 * deploy) in a new process on {@link bundleNode}, as Lambda would: a cold start with the
 * function's environment, one invocation. Its logs go to this process's standard output and
 * error (where a test may read them); resolves to what the handler returned, or rejects with
 * what it threw.
 */
export function invokeBundle(invocation: BundleInvocation): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(bundleNode(), [RUNNER, `${HANDLERS}${invocation.asset}/index.mjs`], {
      env: { ...invocation.env },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    let outcome = '';
    child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      outcome += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      let parsed: {
        ok: boolean;
        node?: string;
        result?: unknown;
        error?: { name: string; message: string };
      };
      try {
        parsed = JSON.parse(outcome);
      } catch {
        reject(new Error(`the bundle ${invocation.asset} ended (exit ${code}) without an outcome`));
        return;
      }
      bundleRuns.push({ asset: invocation.asset, node: parsed.node ?? 'unknown' });
      if (parsed.ok) resolve(parsed.result);
      else
        reject(new BundleHandlerError(parsed.error?.name ?? 'Error', parsed.error?.message ?? ''));
    });
    child.stdin?.end(
      JSON.stringify({
        event: invocation.event,
        context: {
          awsRequestId: invocation.awsRequestId,
          invokedFunctionArn: invocation.invokedFunctionArn,
          functionName: 'signing-cert-audit',
          timeoutMs: invocation.timeoutMs,
        },
      }),
    );
  });
}
