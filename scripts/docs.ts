/**
 * `npm run docs`: writes the sections generated from the code into their pages (between their
 * markers: the verdicts and the settings tables), then formats the pages. The docs test fails
 * when a page drifts from the code. (The permissions page is the proof's: npm run
 * docs:permissions.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATED_SECTIONS, replaceSection } from '../tools/docs';

const files = [...new Set(GENERATED_SECTIONS.map((section) => section.file))];
for (const file of files) {
  const url = new URL(`../${file}`, import.meta.url);
  let text = readFileSync(url, 'utf8');
  for (const section of GENERATED_SECTIONS.filter((s) => s.file === file)) {
    text = replaceSection(text, section.name, section.render());
  }
  writeFileSync(url, text);
}
execFileSync('npx', ['biome', 'format', '--write', ...files], { stdio: 'inherit' });
