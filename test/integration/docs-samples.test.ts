import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { replaceSection } from '../../tools/docs';
import {
  DEMO_STEP,
  EMULATOR_SESSION,
  normalizeSample,
  runDocsSession,
  type SessionRun,
  sampleSpots,
} from '../../tools/docs-samples';

/**
 * The docs print what the emulator prints: the CLI page's emulator session and `npm run demo`,
 * run for real as a reader runs them (tools/docs-samples.ts), each command ending with the exit
 * status the session gives it, and each sample on its page equal to this run's output once
 * what differs between runs (ports, run ids, times, the scratch folder) is replaced.
 */
const ROOT = join(import.meta.dirname, '../..');
const readPage = (page: string) => readFileSync(join(ROOT, page), 'utf8');

/** The sample between a page's `<!-- sample:NAME:start -->` and `<!-- sample:NAME:end -->`, if there is one. */
function sampleOn(text: string, name: string): string | undefined {
  const start = `<!-- sample:${name}:start -->`;
  const end = `<!-- sample:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return from === -1 || to < from ? undefined : text.slice(from + start.length, to);
}

/** The samples whose page does not hold this run's output, normalized: by name, page's and run's. */
function driftedSamples(session: SessionRun, read: (page: string) => string) {
  return sampleSpots().flatMap((spot) => {
    const onPage = sampleOn(read(spot.page), spot.name);
    const ran = session.samples.get(spot.name)?.text;
    const page = onPage === undefined ? '(no such sample)' : normalizeSample(onPage);
    const run = ran === undefined ? '(not run)' : normalizeSample(ran);
    return page === run ? [] : [{ name: spot.name, page, run }];
  });
}

let session: SessionRun;

beforeAll(async () => {
  session = await runDocsSession();
}, 300_000);

describe('the docs samples, against npm run emulator and npm run demo', () => {
  it('run every command of the session, each ending with its exit status', () => {
    const expected = [...EMULATOR_SESSION, DEMO_STEP];

    // The output is shown only for a command that ended otherwise: it says why.
    expect(
      session.steps.map((step, i) => ({
        command: step.command,
        status: step.status,
        output: step.status === expected[i]?.status ? '' : step.output,
      })),
    ).toEqual(expected.map((step) => ({ command: step.command, status: step.status, output: '' })));
  });

  it('hold on every page what the emulator prints now, normalized (npm run docs writes them)', () => {
    expect(session.samples.size).toBe(sampleSpots().length);
    expect(driftedSamples(session, readPage)).toEqual([]);
  });

  it('can fail: a count changed in a page sample is found (the control)', () => {
    const planted = (page: string) => {
      const text = readPage(page);
      if (page !== 'docs/cli.md') return text;
      const sample = sampleOn(text, 'cli-table') ?? '';
      expect(sample).toContain('usersScanned=32 ');
      return replaceSection(
        text,
        'sample:cli-table',
        sample.trim().replace('usersScanned=32 ', 'usersScanned=33 '),
      );
    };

    expect(driftedSamples(session, planted).map((drift) => drift.name)).toEqual(['cli-table']);
  });

  it('can fail: a sample the page lost is found', () => {
    const lost = (page: string) =>
      page === 'docs/emulator.md'
        ? readPage(page).replace('<!-- sample:demo:start -->', '')
        : readPage(page);

    expect(driftedSamples(session, lost).map((drift) => drift.name)).toEqual(['demo']);
  });

  it('normalize only what differs between runs: the page and this run differ as printed (the port, the folder), not once normalized', () => {
    const onPage = sampleOn(readPage('docs/emulator.md'), 'emulator-exports') ?? '';
    const ran = session.samples.get('emulator-exports')?.text ?? '';

    expect(onPage.trim()).not.toBe(ran.trim());
    expect(normalizeSample(onPage)).toBe(normalizeSample(ran));
    expect(normalizeSample(ran)).toContain('export AWS_ENDPOINT_URL=http://127.0.0.1:<port>');
    expect(normalizeSample(ran)).toContain('export EMULATOR_DIR=<emulator-dir>');
  });
});
