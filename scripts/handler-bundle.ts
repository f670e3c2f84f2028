import { basename } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { type BundleFeatures, bundleDefines, HANDLER_BUNDLE, HANDLER_ENTRY } from '../lib/bundling';

/** The name of the entry file in a function's asset: the module Lambda loads (`index.handler`). */
export const ENTRY_FILE = 'index.mjs';

/** The function bundle as Lambda loads it: its files and esbuild's account of what went in. */
export interface HandlerBundle {
  /** Every file of the asset by its path inside it: the entry and the chunks it loads on demand. */
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** The entry file's code: what a cold start loads (with the chunks it imports statically). */
  readonly code: Uint8Array;
  /** The bytes a cold start loads: the entry and the chunks it imports statically. */
  readonly initBytes: number;
  /** The bytes of every file. */
  readonly totalBytes: number;
  /** The source files in what a cold start loads (node_modules paths included). */
  readonly initInputs: readonly string[];
  readonly metafile: Metafile;
}

/**
 * Builds the function bundle with the construct's own esbuild options (lib/bundling.ts), the AWS
 * SDK included, so what `npm run size` and `npm run bench` measure is what is deployed. ESM code
 * splitting puts what the code imports dynamically (the archive's, SNS's and Security Hub's
 * sinks and clients, the change record) in chunks of their own, loaded at first use: a cold
 * start parses the IAM client and the engine only.
 */
export async function buildHandlerBundle(
  features: BundleFeatures = { securityHub: false },
  entry: string = HANDLER_ENTRY,
  /** Where packages are resolved from, for an entry outside this repository (the bare bundle). */
  nodePaths?: string,
): Promise<HandlerBundle> {
  const result = await build({
    ...(nodePaths ? { nodePaths: [`${nodePaths}/node_modules`] } : {}),
    entryPoints: { index: entry },
    bundle: true,
    platform: 'node',
    write: false,
    outdir: 'out',
    splitting: true,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'warning',
    minify: HANDLER_BUNDLE.minify,
    format: HANDLER_BUNDLE.format,
    target: HANDLER_BUNDLE.target,
    mainFields: [...HANDLER_BUNDLE.mainFields],
    banner: { js: HANDLER_BUNDLE.banner },
    define: bundleDefines(features),
  });
  const files: Record<string, Uint8Array> = {};
  for (const output of result.outputFiles) {
    files[output.path.slice(output.path.lastIndexOf('/out/') + '/out/'.length)] = output.contents;
  }
  const code = files[ENTRY_FILE];
  if (!code) throw new Error('esbuild produced no entry file');
  // What a cold start loads: the entry and, transitively, the chunks it imports statically.
  const outputs = result.metafile.outputs;
  const loaded = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement') visit(imported.path);
    }
  };
  visit(Object.keys(outputs).find((path) => basename(path) === ENTRY_FILE) ?? '');
  const bytes = (paths: Iterable<string>) =>
    [...paths].reduce((sum, path) => sum + (outputs[path]?.bytes ?? 0), 0);
  return {
    files,
    code,
    initInputs: [...loaded].flatMap((path) => Object.keys(outputs[path]?.inputs ?? {})),
    initBytes: bytes(loaded),
    totalBytes: bytes(Object.keys(outputs).filter((path) => path.endsWith('.mjs'))),
    metafile: result.metafile,
  };
}

/** Writes a bundle's files into `dir` (the entry at `dir/index.mjs`, chunks beside it). */
export async function writeHandlerBundle(bundle: HandlerBundle, dir: string): Promise<void> {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  for (const [path, contents] of Object.entries(bundle.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), contents);
  }
}
