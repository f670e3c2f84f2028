/**
 * `prepack` and `postpack`: the packed package.json carries none of the repository's scripts.
 * Each is a task on the repository's sources (tsx scripts/…, vitest, biome, cdk) that the tarball
 * does not hold, and a packed `prepare` is even listed by npm as an install script for every
 * consumer to approve. The repository keeps them all: npm runs `prepare` to build a git
 * dependency (with its devDependencies) and never runs prepack or postpack there, so installing
 * from the repository still builds.
 *
 * `strip` keeps package.json as it is in package.json.packing and writes it without `scripts`;
 * `restore` moves it back, byte for byte. A strip that finds a kept manifest refuses: an earlier
 * pack stopped before its postpack, and package.json is the stripped one; restore it first.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const manifest = fileURLToPath(new URL('../package.json', import.meta.url));
const kept = `${manifest}.packing`;
const [command] = process.argv.slice(2);

if (command === 'strip') {
  if (existsSync(kept)) {
    throw new Error(
      `${kept} exists: an earlier pack stopped before restoring package.json; run \`tsx scripts/pack-manifest.ts restore\` first`,
    );
  }
  const text = readFileSync(manifest, 'utf8');
  const { scripts: _scripts, ...packed } = JSON.parse(text) as Record<string, unknown>;
  writeFileSync(kept, text);
  writeFileSync(manifest, `${JSON.stringify(packed, null, 2)}\n`);
} else if (command === 'restore') {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  throw new Error(`usage: tsx scripts/pack-manifest.ts strip|restore (got ${String(command)})`);
}
