/**
 * `npm run build:handlers` (part of `npm run build`, and run by `npm ci` through `prepare`): the
 * functions' bundles, one per pre-built handler (lib/handler-assets.ts), with the options of
 * lib/bundling.ts, into dist/handlers/<name>/index.mjs. The constructs deploy these.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HANDLER_ASSETS } from '../lib/handler-assets';
import { buildHandlerBundle } from './handler-bundle';

const out = fileURLToPath(new URL('../dist/handlers/', import.meta.url));
rmSync(out, { recursive: true, force: true });
const quiet = process.argv.includes('--quiet');
for (const [name, asset] of Object.entries(HANDLER_ASSETS)) {
  const entry = fileURLToPath(new URL(`../${asset.entry}`, import.meta.url));
  const { code } = await buildHandlerBundle(asset.features, entry);
  mkdirSync(`${out}${name}`, { recursive: true });
  writeFileSync(`${out}${name}/index.mjs`, code);
  if (!quiet)
    console.log(`dist/handlers/${name}/index.mjs  ${(code.byteLength / 1024).toFixed(1)} KB`);
}
