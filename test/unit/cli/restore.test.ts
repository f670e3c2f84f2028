import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ListSigningCertificatesCommand,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import { HELP_WIDTH } from '../../../cli/help';
import { type CliIo, main } from '../../../cli/main';
import { parseRestoreArgs, restoreHelpText } from '../../../cli/restore/args';
import { fingerprintOf } from '../../../lambda/core/change-record';
import { mockedAccount } from '../accounts';
import { ACCOUNT_ID, CERT_BODY, daysAgo, iamCert } from '../fixtures';

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

describe('restore through main (IAM and STS mocked)', () => {
  const account = mockedAccount();

  function streams() {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: { write: (text: string) => out.push(text), isTTY: false },
      stderr: { write: (text: string) => err.push(text), isTTY: false },
      env: { AWS_REGION: 'us-east-1' },
    };
    return { io, stdout: () => out.join(''), stderr: () => err.join('') };
  }

  /** A local record of one deactivation by run-1, in `accountId`. */
  function recordIn(accountId: string): string {
    const file = recordFile();
    const key = {
      runId: 'run-1',
      accountId,
      certificateId: 'CERTALICE0000000000000001',
      change: 'DEACTIVATE',
    };
    const lines = [
      {
        ...key,
        recordVersion: '1',
        entry: 'intent',
        recordedAt: '2026-12-01T00:00:00Z',
        userName: 'alice',
        userArn: `arn:aws:iam::${accountId}:user/alice`,
        status: 'Active',
        uploadDate: null,
        fingerprint256: fingerprintOf(CERT_BODY),
        body: CERT_BODY,
      },
      {
        ...key,
        recordVersion: '1',
        entry: 'outcome',
        recordedAt: '2026-12-01T00:00:01Z',
        outcome: 'DEACTIVATED',
        error: null,
      },
    ];
    writeFileSync(file, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    return file;
  }

  beforeEach(() =>
    account.answer({
      alice: [iamCert('alice', 'CERTALICE0000000000000001', daysAgo(400), 'Inactive')],
    }),
  );

  it('plans the reactivation of a certificate still Inactive, changing nothing', async () => {
    const { io, stdout, stderr } = streams();

    const status = await main(
      ['restore', '--run', 'run-1', '--change-record', recordIn(ACCOUNT_ID)],
      io,
    );

    expect(status).toBe(0);
    expect(JSON.parse(stdout()).steps).toMatchObject([
      { verdict: 'RESTORABLE', plannedAction: 'REACTIVATE', action: 'NONE' },
    ]);
    expect(stderr()).toContain('Plan: reactivate 1, upload 0. Nothing was changed');
    expect(account.iam).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });

  it('says where the changes are when the record holds them in another account', async () => {
    const { io, stderr } = streams();

    const status = await main(
      ['restore', '--run', 'run-1', '--change-record', recordIn('222222222222')],
      io,
    );

    expect(status).toBe(0);
    expect(stderr()).toContain(`no change recorded in`);
    expect(stderr()).toContain(
      "The record holds this run's changes in account 222222222222: restore there with --accounts 222222222222",
    );
    expect(stderr().trimEnd().split('\n').at(-1)).toBe('nothing recorded — exit 0');
  });

  it('refuses --account naming another account than the credentials, before reading IAM', async () => {
    const { io, stderr } = streams();

    const status = await main(
      [
        'restore',
        '--run',
        'run-1',
        '--change-record',
        recordIn(ACCOUNT_ID),
        '--account',
        '222222222222',
      ],
      io,
    );

    expect(status).toBe(2);
    expect(stderr()).toContain(`these credentials are in account ${ACCOUNT_ID}`);
    expect(account.iam).not.toReceiveCommand(ListSigningCertificatesCommand);
  });
});
