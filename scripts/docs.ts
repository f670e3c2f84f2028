/**
 * `npm run docs`: writes the sections generated from the code into their pages (between their
 * markers: the verdicts and the settings tables, the CLI page's emulator examples), then the
 * sample outputs, each made by really running what its page shows against `npm run emulator`
 * (and `npm run demo`; tools/docs-samples.ts), then formats the pages. A sample whose output
 * differs from the page's only in what differs from run to run (normalizeSample: ports, run ids,
 * times, the scratch folder) is left as it is, so running this twice changes nothing. The docs
 * tests fail when a page drifts from the code or a sample from what the emulator prints. (The
 * permissions page is the proof's: npm run docs:permissions.)
 *
 * The samples need moto, as the emulator suites do; `--no-samples` writes the code's sections only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATED_SECTIONS, replaceSection } from '../tools/docs';
import {
  DEMO_STEP,
  EMULATOR_SESSION,
  normalizeSample,
  runDocsSession,
} from '../tools/docs-samples';
import { EmulatorUnavailableError, findEmulatorPython } from '../tools/emulator/moto';

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const write = (file: string, text: string) =>
  writeFileSync(new URL(`../${file}`, import.meta.url), text);

/** The exit status of each command the session runs, in order. */
const SESSION_STATUSES = [...EMULATOR_SESSION, DEMO_STEP].map((step) => step.status);

const files = new Set(GENERATED_SECTIONS.map((section) => section.file));
for (const file of files) {
  let text = read(file);
  for (const section of GENERATED_SECTIONS.filter((s) => s.file === file)) {
    text = replaceSection(text, section.name, section.render());
  }
  write(file, text);
}

if (!process.argv.includes('--no-samples')) {
  try {
    findEmulatorPython();
  } catch (error: unknown) {
    if (!(error instanceof EmulatorUnavailableError)) throw error;
    console.error(
      `${error.message}\n(npm run docs -- --no-samples writes the code's sections only)`,
    );
    process.exit(2);
  }
  console.error('Running the docs’ emulator session for the samples (about a minute)…');
  const session = await runDocsSession();
  let changed = 0;
  for (const [name, sample] of session.samples) {
    const text = read(sample.page);
    const marker = `sample:${name}`;
    const start = `<!-- ${marker}:start -->`;
    const current = text.slice(
      text.indexOf(start) + start.length,
      text.indexOf(`<!-- ${marker}:end -->`),
    );
    if (text.includes(start) && normalizeSample(current) === normalizeSample(sample.text)) continue;
    write(sample.page, replaceSection(text, marker, sample.text));
    files.add(sample.page);
    changed += 1;
  }
  console.error(`${session.samples.size} samples, ${changed} rewritten.`);
  // A command that no longer ends as the session says is a drift the pages' words may share.
  const wrong = session.steps.filter((step, i) => step.status !== SESSION_STATUSES[i]);
  for (const step of wrong) {
    console.error(`exit ${step.status}, not as documented: ${step.command}\n${step.output}`);
  }
  if (wrong.length > 0) process.exitCode = 1;
}
execFileSync('npx', ['biome', 'format', '--write', ...files], { stdio: 'inherit' });
