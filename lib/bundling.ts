import { fileURLToPath } from 'node:url';

/**
 * The Node.js major version the bundles target: the oldest runtime they are tested on
 * (TESTED_NODE_RUNTIMES in lib/runtime.ts, which a test holds to it), so one bundle runs on
 * every runtime the construct may choose.
 */
export const NODE_MAJOR = 24;

/** The function's source entry point; esbuild bundles it and everything it imports. */
export const HANDLER_ENTRY = fileURLToPath(
  new URL('../lambda/handlers/scheduled.ts', import.meta.url),
);

/**
 * The esbuild options of the function bundle, shared by the construct (NodejsFunction) and
 * `npm run size`, so the size printed is the size deployed.
 *
 * - ESM with `mainFields: ['module', 'main']` picks the SDK's ES module builds, which tree-shake
 *   to far less code than its CommonJS builds and load faster.
 * - The AWS SDK is bundled, not left to the runtime's copy: the function runs the exact SDK
 *   version the tests ran, and only the commands it imports are shipped.
 * - The banner gives ESM output a `require`, which CommonJS code inside the bundle uses to load
 *   Node built-ins; without it such a call throws "Dynamic require ... is not supported".
 */
export const HANDLER_BUNDLE = {
  minify: true,
  format: 'esm',
  target: `node${NODE_MAJOR}`,
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as topLevelCreateRequire } from 'node:module';const require = topLevelCreateRequire(import.meta.url);",
} as const;

/** What the bundle leaves out for a function deployed without optional features. */
export interface BundleFeatures {
  /** Whether the function sends findings to Security Hub. */
  readonly securityHub: boolean;
}

/**
 * esbuild `define`s for a function's features: without Security Hub, the constant that guards
 * its sink is false and esbuild drops the sink and its SDK client (lambda/handlers).
 */
export function bundleDefines(features: BundleFeatures): Record<string, string> {
  return features.securityHub
    ? {}
    : { 'process.env.SIGNING_CERT_AUDIT_SECURITY_HUB_BUNDLED': 'false' };
}
