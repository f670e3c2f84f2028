import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../lambda/core/errors';
import type { BundleFeatures } from './bundling';

/**
 * The functions' code, pre-built: one esbuild bundle per handler (and per feature set that
 * changes what is bundled), built by `npm run build` (and by `npm ci`, through `prepare`) with
 * the options of lib/bundling.ts into `dist/handlers/<name>/index.mjs`. The constructs deploy
 * these assets, here and in a consumer's app alike: one code path, and a consumer needs neither
 * esbuild nor tsx nor the sources.
 */
export const HANDLER_ASSETS = {
  scheduled: { entry: 'lambda/handlers/scheduled.ts', features: { securityHub: true } },
  'scheduled-without-security-hub': {
    entry: 'lambda/handlers/scheduled.ts',
    features: { securityHub: false },
  },
  'org-worker': { entry: 'lambda/handlers/org-worker.ts', features: { securityHub: false } },
  'org-worker-security-hub': {
    entry: 'lambda/handlers/org-worker.ts',
    features: { securityHub: true },
  },
  'org-enumerate': { entry: 'lambda/handlers/org-enumerate.ts', features: { securityHub: false } },
  'org-summarize': { entry: 'lambda/handlers/org-summarize.ts', features: { securityHub: false } },
  // The Config rule's function: the audit and PutEvaluations, no sink (securityHub false drops none).
  'config-rule': { entry: 'lambda/handlers/config-rule.ts', features: { securityHub: false } },
  // The real-time audit's functions (lib/audit-realtime.ts): one account's, and the organization's.
  realtime: { entry: 'lambda/handlers/realtime.ts', features: { securityHub: true } },
  'realtime-without-security-hub': {
    entry: 'lambda/handlers/realtime.ts',
    features: { securityHub: false },
  },
  'org-realtime': { entry: 'lambda/handlers/org-realtime.ts', features: { securityHub: false } },
  'org-realtime-security-hub': {
    entry: 'lambda/handlers/org-realtime.ts',
    features: { securityHub: true },
  },
} as const satisfies Readonly<Record<string, { entry: string; features: BundleFeatures }>>;

/** The name of a pre-built handler. */
export type HandlerAsset = keyof typeof HANDLER_ASSETS;

/**
 * Where the pre-built handlers are: `dist/handlers/` beside this repository's `lib/`, or, in the
 * published package (where this module is `dist/lib/handler-assets.js`), `dist/handlers/`.
 */
export function handlersDir(): string {
  for (const candidate of ['../dist/handlers/', '../handlers/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new ConfigError(
    'The pre-built handlers are missing (dist/handlers/): run npm run build (npm ci does it) before cdk synth',
  );
}

/** The directory of one pre-built handler, for `lambda.Code.fromAsset`. */
export function handlerAssetPath(name: HandlerAsset): string {
  const dir = `${handlersDir()}${name}`;
  if (!existsSync(`${dir}/index.mjs`)) {
    throw new ConfigError(
      `The pre-built handler ${name} is missing (${dir}/index.mjs): run npm run build before cdk synth`,
    );
  }
  return dir;
}
