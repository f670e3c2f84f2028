/**
 * `npm run build:handlers` (part of `npm run build`, and run by `npm ci` through `prepare`): the
 * functions' bundles, one per pre-built handler (lib/handler-assets.ts), with the options of
 * lib/bundling.ts, into dist/handlers/<name>/index.mjs. The constructs deploy these.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HANDLER_ASSETS } from '../lib/handler-assets';
import { buildHandlerBundle, writeHandlerBundle } from './handler-bundle';

const out = fileURLToPath(new URL('../dist/handlers/', import.meta.url));
rmSync(out, { recursive: true, force: true });
const quiet = process.argv.includes('--quiet');
for (const [name, asset] of Object.entries(HANDLER_ASSETS)) {
  const entry = fileURLToPath(new URL(`../${asset.entry}`, import.meta.url));
  const bundle = await buildHandlerBundle(asset.features, entry);
  await writeHandlerBundle(bundle, `${out}${name}`);
  if (!quiet) {
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log(
      `dist/handlers/${name}/  ${kb(bundle.initBytes)} loaded at start, ${kb(bundle.totalBytes)} in all (${Object.keys(bundle.files).length} files)`,
    );
  }
}
