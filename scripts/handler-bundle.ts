import { build, type Metafile } from 'esbuild';
import { type BundleFeatures, bundleDefines, HANDLER_BUNDLE, HANDLER_ENTRY } from '../lib/bundling';

/** The function bundle as Lambda loads it: its code and esbuild's account of what went in. */
export interface HandlerBundle {
  readonly code: Uint8Array;
  readonly metafile: Metafile;
}

/**
 * Builds the function bundle with the construct's own esbuild options (lib/bundling.ts), the AWS
 * SDK included, so what `npm run size` and `npm run bench` measure is what is deployed.
 */
export async function buildHandlerBundle(
  features: BundleFeatures = { securityHub: false },
  entry: string = HANDLER_ENTRY,
): Promise<HandlerBundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    write: false,
    outfile: 'index.mjs',
    metafile: true,
    logLevel: 'warning',
    minify: HANDLER_BUNDLE.minify,
    format: HANDLER_BUNDLE.format,
    target: HANDLER_BUNDLE.target,
    mainFields: [...HANDLER_BUNDLE.mainFields],
    banner: { js: HANDLER_BUNDLE.banner },
    define: bundleDefines(features),
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output');
  return { code: output.contents, metafile: result.metafile };
}
