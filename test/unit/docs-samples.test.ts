import { describe, expect, it } from 'vitest';
import { PROGRESS_PREFIX } from '../../cli/progress';
import {
  EMULATOR_SESSION,
  emulatorExamplesBlock,
  normalizeSample,
  renderSample,
  sampleSpots,
} from '../../tools/docs-samples';

describe('normalizeSample', () => {
  it.each([
    [
      'the loopback port',
      'export AWS_ENDPOINT_URL=http://127.0.0.1:42229',
      'export AWS_ENDPOINT_URL=http://127.0.0.1:<port>',
    ],
    [
      'the scratch folder, wherever the system keeps temporary folders',
      'export EMULATOR_DIR=/var/folders/x7/T/signing-cert-audit-emulator-Gk4gZr\nin /tmp/signing-cert-audit-emulator-ope6Hk/changes.jsonl first',
      'export EMULATOR_DIR=<emulator-dir>\nin <emulator-dir>/changes.jsonl first',
    ],
    [
      'a run id',
      'To undo this run: signing-cert-audit restore --run b5eb203c-de8a-4569-ae60-7ce0bc2af89a',
      'To undo this run: signing-cert-audit restore --run <uuid>',
    ],
    [
      'a moment and a date',
      'report mode as of 2027-01-06T01:58:02.287Z.\ndate=2026-12-07/x.json',
      'report mode as of <time>.\ndate=<date>/x.json',
    ],
    ['trailing spaces', 'HIGH  alice  NONE    ', 'HIGH  alice  NONE'],
    [
      'a progress line',
      `before\n${PROGRESS_PREFIX}3 of 32 users scanned, 10s elapsed\nafter`,
      'before\nafter',
    ],
  ])('replaces %s', (_what, text, normalized) => {
    expect(normalizeSample(text)).toBe(normalized);
  });

  it('keeps what does not differ between runs: counts, ages, verdicts, moto’s ids, accounts (the control)', () => {
    const line =
      'HIGH      payments-signer  47jyfbv91w6zwkdu7c28larcdqmzu03j  Active  200  NON_COMPLIANT\n' +
      'usersScanned=32  certificatesScanned=31\n154771274622  AUDITED  HIGH  2  1';

    expect(normalizeSample(line)).toBe(line);
    expect(normalizeSample(line.replace('usersScanned=32', 'usersScanned=33'))).not.toBe(
      normalizeSample(line),
    );
  });
});

describe('renderSample', () => {
  const run = { command: 'signing-cert-audit --format table', status: 1, output: 'a  \nb\n' };

  it('shows the command, the output without trailing spaces, and the exit status when asked', () => {
    expect(renderSample({ page: 'p.md', name: 'n', showStatus: true }, run)).toBe(
      '```text\n$ signing-cert-audit --format table\na\nb\n$ echo $?\n1\n```',
    );
    expect(renderSample({ page: 'p.md', name: 'n', noPrompt: true }, run)).toBe(
      '```text\na\nb\n```',
    );
  });

  it('leaves progress lines out: how many a run prints depends on its speed', () => {
    const slow = { ...run, output: `a\n${PROGRESS_PREFIX}1 of 2 users scanned, 10s elapsed\nb\n` };

    expect(renderSample({ page: 'p.md', name: 'n', noPrompt: true }, slow)).toBe(
      '```text\na\nb\n```',
    );
  });

  it('shows an excerpt from its first line, marking what it cuts with …', () => {
    const long = { ...run, output: 'banner\nstart here\n1\n2\n3\n' };
    const spot = { page: 'p.md', name: 'n', noPrompt: true };

    expect(renderSample({ ...spot, excerpt: { from: 'start', lines: 2 } }, long)).toBe(
      '```text\nstart here\n1\n…\n```',
    );
    expect(renderSample({ ...spot, excerpt: { from: 'start', lines: 4 } }, long)).toBe(
      '```text\nstart here\n1\n2\n3\n```',
    );
  });
});

describe('the emulator session', () => {
  it('is the CLI page’s examples block, in order', () => {
    expect(emulatorExamplesBlock().split('\n').slice(1, -1)).toEqual(
      EMULATOR_SESSION.map((step) => step.command),
    );
  });

  it('never names a fixed file under /tmp: two emulators (two checkouts) never share a record', () => {
    expect(EMULATOR_SESSION.filter((step) => step.command.includes('/tmp'))).toEqual([]);
    expect(
      EMULATOR_SESSION.some((step) => step.command.includes('$EMULATOR_DIR/changes.jsonl')),
    ).toBe(true);
  });

  it('runs the command the way that never fetches it from the registry', () => {
    expect(
      EMULATOR_SESSION.filter(
        (step) => !step.command.startsWith('npx --no-install signing-cert-audit '),
      ),
    ).toEqual([]);
  });

  it('names each sample once', () => {
    const names = sampleSpots().map((spot) => spot.name);

    expect(new Set(names).size).toBe(names.length);
  });
});
