import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELP_WIDTH } from '../../../cli/args';
import { parseRestoreArgs, restoreHelpText } from '../../../cli/restore';

const TTY = { stdoutIsTTY: false };

function recordFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'restore-args-')), 'changes.jsonl');
  writeFileSync(file, '');
  return file;
}

describe('parseRestoreArgs', () => {
  it('reads the runs, the record, the narrowing flags and the guard', () => {
    const file = recordFile();

    const options = parseRestoreArgs(
      [
        '--run',
        'run-2',
        '--run',
        'run-1',
        '--change-record',
        file,
        '--certificate',
        'CERTALICE0000000000000001',
        '--max-actions',
        '3',
        '--apply',
        '--activate',
      ],
      TTY,
    );

    expect(options).toMatchObject({
      runs: ['run-2', 'run-1'],
      record: { file },
      certificates: ['CERTALICE0000000000000001'],
      maxActions: 3,
      apply: true,
      activate: true,
      includeIncomplete: false,
      format: 'json',
      org: undefined,
    });
    expect(parseRestoreArgs(['--run', 'r', '--archive-bucket', 'evidence'], TTY)).toMatchObject({
      record: { bucket: 'evidence' },
      maxActions: 25,
      apply: false,
    });
  });

  it.each([
    [[], /^--run is required/],
    [['--run', 'r'], /one place: give --archive-bucket BUCKET or --change-record FILE/],
    [
      ['--run', 'r', '--archive-bucket', 'evidence', '--change-record', 'x'],
      /one place: give --archive-bucket BUCKET or --change-record FILE/,
    ],
    [['--run', 'r', '--change-record', '/nonexistent/changes.jsonl'], /cannot be read/],
    [['--run', 'a b', '--archive-bucket', 'evidence'], /^--run="a b" is not allowed/],
    [
      ['--run', 'r', '--archive-bucket', 'Evidence!'],
      /^--archive-bucket="Evidence!" is not allowed/,
    ],
    [
      ['--run', 'r', '--archive-bucket', 'evidence', '--certificate', 'short'],
      /^--certificate="short"/,
    ],
    [['--run', 'r', '--archive-bucket', 'evidence', '--account', '123'], /^--account="123"/],
    [['--run', 'r', '--archive-bucket', 'evidence', '--max-actions', '-1'], /--max-actions=/],
    [
      ['--run', 'r', '--archive-bucket', 'evidence', '--format', 'html'],
      /--format="html" is not allowed/,
    ],
    [['--rnu', 'r'], /Did you mean --run\?/],
  ])('refuses %j, saying what is wrong', (argv, message) => {
    expect(() => parseRestoreArgs(argv, TTY)).toThrow(message);
  });

  it('has a help within the terminal width, with examples', () => {
    const lines = restoreHelpText().split('\n');

    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(HELP_WIDTH);
    expect(lines).toContain('Examples:');
    expect(parseRestoreArgs(['--help'], TTY).help).toBe(true);
  });
});
