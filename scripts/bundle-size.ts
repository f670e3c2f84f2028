import { gzipSync } from 'node:zlib';
import { HANDLER_BUNDLE } from '../lib/bundling';
import { buildHandlerBundle } from './handler-bundle';

/**
 * Prints the size of the function bundle, built with the construct's own esbuild options
 * (lib/bundling.ts), the AWS SDK included, so the number is what Lambda loads.
 * `--max-kb N` also fails when the bundle is larger than N KB.
 */

/**
 * The budget for the minified bundle: 450 KB before the evidence archive, whose S3 client adds
 * 138 KB; 650 KB until SSH public keys and service-specific credentials, whose kinds, checks and
 * words add 21 KB (648 KB before them, 669 KB with them, measured side by side); 680 KB until the
 * exemptions file and the whole population (includeCompliant), whose checks, matching and
 * outputs add 10.8 KB of this project's code and no dependency (674.3 KB before them, 685.1 KB
 * with them, measured side by side: the YAML parser is never in the bundle).
 */
const DEFAULT_BUDGET_KB = 690;

const budgetArg = process.argv.indexOf('--max-kb');
const budgetKb = budgetArg === -1 ? DEFAULT_BUDGET_KB : Number(process.argv[budgetArg + 1]);
if (!Number.isFinite(budgetKb) || budgetKb <= 0) {
  console.error('--max-kb expects a positive number of kilobytes');
  process.exit(2);
}

const bundle = await buildHandlerBundle();
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

// The largest contributors by package, over every file, so a regression shows where it came from.
const byPackage = new Map<string, number>();
for (const output of Object.values(bundle.metafile.outputs)) {
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = match?.[1] ?? '(this project)';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
}
const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8);
const gzipped = Object.values(bundle.files).reduce(
  (sum, file) => sum + gzipSync(file).byteLength,
  0,
);

console.log(
  `handler bundle: ${kb(bundle.initBytes)} KB loaded at start, ${kb(bundle.totalBytes)} KB in all (${Object.keys(bundle.files).length} files, minified ${HANDLER_BUNDLE.format}, ${HANDLER_BUNDLE.target}; ${kb(gzipped)} KB gzipped); budget ${budgetKb} KB in all`,
);
for (const [name, bytes] of top) console.log(`  ${kb(bytes).padStart(7)} KB  ${name}`);

if (bundle.totalBytes > budgetKb * 1024) {
  console.error(`The bundle is over its ${budgetKb} KB budget.`);
  process.exit(1);
}
