/**
 * `npm run docs`: writes the tables generated from the code into README.md (between their
 * markers), then formats the file. A unit test fails when the README drifts from the code.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATED_SECTIONS, replaceSection } from '../tools/docs';

const readme = new URL('../README.md', import.meta.url);
let text = readFileSync(readme, 'utf8');
for (const [name, render] of Object.entries(GENERATED_SECTIONS)) {
  text = replaceSection(text, name, render());
}
writeFileSync(readme, text);
execFileSync('npx', ['biome', 'format', '--write', 'README.md'], { stdio: 'inherit' });
