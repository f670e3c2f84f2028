/**
 * `npm run build:package` (part of `npm run build`, run by `npm ci` through `prepare`): the
 * package's JavaScript and declarations, compiled by tsc (tsconfig.build.json) into dist/, then
 * each relative import made a path Node's ESM loader resolves (`./x` → `./x.js`, `./dir` →
 * `./dir/index.js`), as the sources import without extensions. The construct library is
 * dist/lib/index.js, the CLI dist/bin/cli.js.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
for (const part of ['bin', 'cli', 'lambda', 'lib'])
  rmSync(join(dist, part), { recursive: true, force: true });
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});

/** `./x` as the file beside `from` that Node will load: `./x.js` or `./x/index.js`. */
export function resolveSpecifier(from: string, specifier: string, declaration: boolean): string {
  const target = resolve(dirname(from), specifier);
  const ext = declaration ? '.d.ts' : '.js';
  if (existsSync(`${target}${ext}`)) return `${specifier}.js`;
  if (existsSync(join(target, `index${ext}`))) return `${specifier}/index.js`;
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

const SPECIFIER = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\2/g;
let files = 0;
const walk = (dir: string): void => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.js') || path.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const fixed = text.replace(SPECIFIER, (_, head: string, quote: string, spec: string) =>
        /\.(js|json)$/.test(spec)
          ? `${head}${quote}${spec}${quote}`
          : `${head}${quote}${resolveSpecifier(path, spec, path.endsWith('.d.ts'))}${quote}`,
      );
      if (fixed !== text) writeFileSync(path, fixed);
      files += 1;
    }
  }
};
for (const part of ['bin', 'cli', 'lambda', 'lib']) walk(join(dist, part));
chmodSync(join(dist, 'bin/cli.js'), 0o755);

// npm links the bins of a project's dependencies into node_modules/.bin, never the project's own:
// `npx signing-cert-audit` in a clone then installs the clone into npx's cache, keyed by its path,
// and keeps running the bin that cache linked, even after it moved. Linked here, npx finds the
// compiled CLI first, as it finds any dependency's bin.
const bins = join(root, 'node_modules/.bin');
if (existsSync(bins)) {
  const link = join(bins, 'signing-cert-audit');
  rmSync(link, { force: true });
  symlinkSync('../../dist/bin/cli.js', link);
}
if (!process.argv.includes('--quiet')) console.log(`dist/: ${files} compiled files`);
