import {
  ListSigningCertificatesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import { helpText } from '../../../cli/help';
import { type CliIo, main } from '../../../cli/main';
import { PROGRESS_PREFIX } from '../../../cli/progress';
import { POLICY_DEFAULTS } from '../../../lambda/core/settings';
import type { OcsfComplianceFinding } from '../../../lambda/render/ocsf';
import { mockedAccount } from '../accounts';
import { ACCOUNT_ID, daysAgo, iamCert, iamUser, TOPIC_ARN } from '../fixtures';
import { loadOcsfSchema, validateOcsfRecord } from '../render/ocsf-schema';
import { manualClock } from './manual-clock';

function io(env: Record<string, string> = {}, tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const streams: CliIo = {
    stdout: { write: (text: string) => out.push(text), isTTY: tty },
    stderr: { write: (text: string) => err.push(text), isTTY: false },
    env,
  };
  return { streams, stdout: () => out.join(''), stderr: () => err.join('') };
}

const _argsEnv = (env: Record<string, string> = {}, tty = false) => ({ env, stdoutIsTTY: tty });

describe('main: bad flags exit 2 naming the flag', () => {
  it.each([
    [['--purge-everything'], /Unknown option '--purge-everything'/],
    [['--max-age-days', '-3'], /'--max-age-days'/],
    [['--max-age-days=-3'], /--max-age-days="-3" is not allowed: expected a whole number of days/],
    [['--max-age-days', '0'], /--max-age-days="0" is not allowed/],
    [['--max-age-days', '1.5'], /--max-age-days="1.5" is not allowed/],
    [
      ['--mode', 'purge'],
      /--mode="purge" is not allowed: expected one of report, deactivate, delete/,
    ],
    [
      ['--delete-after-days', '10'],
      /--delete-after-days="10" is not allowed.*--max-age-days is 90/,
    ],
    [
      ['--concurrency', '1000'],
      /--concurrency="1000" is not allowed: expected a whole number from 1 to 64/,
    ],
    [['--path-prefix', 'robots'], /--path-prefix="robots" is not allowed/],
    [
      ['--mode', 'deactivate', '--as-of', '2099-01-01', '--apply'],
      /--as-of cannot be combined with --apply/,
    ],
    [['--as-of', '2099-01-01', '--security-hub'], /--as-of cannot be combined with --security-hub/],
    [
      [
        '--as-of',
        '2099-01-01',
        '--archive-bucket',
        'evidence',
        '--publish',
        '--topic-arn',
        TOPIC_ARN,
      ],
      /--as-of cannot be combined with --publish, --archive-bucket: a forecast .* sends nothing anywhere/,
    ],
    [['--apply'], /--apply is not allowed in report mode: report mode never changes anything/],
    [['--mode', 'report', '--apply'], /--apply is not allowed in report mode/],
    [
      ['--as-of', '2020-01-01'],
      /--as-of="2020-01-01" is in the past: .*history cannot be reconstructed/,
    ],
    [['--topic-arn', TOPIC_ARN], /--topic-arn is only read with --publish/],
    [['--output', ''], /--output="" is not allowed: expected a file path/],
    [['--output', '/'], /--output="\/" cannot be written: it is a directory/],
    [
      ['--output', '/nonexistent-dir/report.json'],
      /--output="\/nonexistent-dir\/report.json" cannot be written/,
    ],
    [['--max-override-days', '0'], /--max-override-days="0" is not allowed/],
    [['--path-prefix', '/*/'], /--path-prefix="\/\*\/" is not allowed/],
    [
      ['--as-of', 'not-a-date'],
      /--as-of="not-a-date" is not allowed: expected a date such as 2027-01-01/,
    ],
    [['--as-of', '2099-02-30'], /--as-of="2099-02-30" is not allowed/],
    [['--format', 'xml'], /--format="xml" is not allowed: expected one of table, json, csv/],
    [
      ['--fail-on', 'sometimes'],
      /--fail-on="sometimes" is not allowed: expected one of non-compliant, none/,
    ],
    [['--publish'], /--publish needs --topic-arn/],
    [['--publish', '--topic-arn', 'my-topic'], /--topic-arn="my-topic" is not allowed/],
    [['--mode'], /'--mode <value>' argument missing/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('%j', async (argv, message) => {
    const { streams, stderr, stdout } = io();

    const status = await main(argv, streams);

    expect(status).toBe(2);
    expect(stderr()).toMatch(message);
    expect(stderr()).toContain('Run with --help');
    expect(stdout()).toBe('');
  });
});

describe('main: --help and --version', () => {
  it('lists every flag with its default', async () => {
    const { streams, stdout } = io();

    expect(await main(['--help'], streams)).toBe(0);

    for (const flag of [
      '--max-age-days N',
      '--mode MODE',
      '--delete-after-days',
      '--warn-before-days',
      '--path-prefix',
      '--exempt-tag',
      '--max-override-days',
      '--max-actions',
      '--concurrency',
      '--apply',
      '--as-of',
      '--format',
      '--output',
      '--publish',
      '--topic-arn',
      '--fail-on',
      '--profile',
      '--region',
      '--version',
    ]) {
      expect(stdout()).toContain(flag);
    }
    expect(stdout()).toContain(`(default ${POLICY_DEFAULTS.maxAgeDays})`);
    expect(stdout()).toBe(helpText());
  });

  it('prints the package version', async () => {
    const { streams, stdout } = io();

    expect(await main(['--version'], streams)).toBe(0);
    expect(stdout()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('main: a run (AWS mocked)', () => {
  const { iam: iamMock, sts: stsMock, answer } = mockedAccount();

  beforeEach(() =>
    answer({ alice: [iamCert('alice', 'CERTALICEOLD0000000000001', daysAgo(400))], bob: [] }),
  );

  it('shows progress on a terminal, the report on stdout and exits 1 on non-compliance', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const streams: CliIo = {
      stdout: { write: (text: string) => out.push(text), isTTY: false },
      stderr: { write: (text: string) => err.push(text), isTTY: true },
      env: {},
    };

    const status = await main(['--mode', 'deactivate'], streams);

    expect(status).toBe(1);
    expect(err.join('')).toMatch(/\rScanning users: 2\/2/);
    expect(err.join('')).toContain('Plan: deactivate 1, delete 0. Nothing was changed');
    expect(JSON.parse(out.join(''))).toMatchObject({
      accountId: ACCOUNT_ID,
      summary: { nonCompliant: 1 },
    });
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });

  it('writes a self-contained HTML report with --format html', async () => {
    const { streams, stdout } = io();

    expect(await main(['--format', 'html'], streams)).toBe(1);
    expect(stdout()).toMatch(/^<!doctype html>/);
    expect(stdout()).toContain('CERTALICEOLD0000000000001');
  });

  it('writes the failing findings as OCSF JSON Lines with --format ocsf, with the same exit', async () => {
    const { streams, stdout } = io();

    expect(await main(['--format', 'ocsf'], streams)).toBe(1);
    const lines = stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] ?? '') as OcsfComplianceFinding;
    expect(validateOcsfRecord(loadOcsfSchema(), 'compliance_finding', record)).toEqual([]);
    expect(record).toMatchObject({
      class_uid: 2003,
      finding_info: { uid: `signing-cert-audit/${ACCOUNT_ID}/CERTALICEOLD0000000000001/age` },
      compliance: { status: 'Fail' },
    });
  });

  it('writes nothing with --format ocsf for a clean account, and exits 0', async () => {
    answer({ bob: [iamCert('bob', 'CERTBOBYOUNG0000000000001', daysAgo(3))] });
    const { streams, stdout, stderr } = io();

    expect(await main(['--format', 'ocsf'], streams)).toBe(0);
    expect(stdout()).toBe('');
    expect(stderr()).toContain('nothing to report — exit 0');
  });

  it('refuses a bad --archive-bucket before the run', async () => {
    const { streams, stderr } = io();

    expect(await main(['--archive-bucket', 'Bad_Bucket'], streams)).toBe(2);
    expect(stderr()).toContain(
      '--archive-bucket="Bad_Bucket" is not allowed: expected an S3 bucket name',
    );
    expect(iamMock).not.toReceiveCommand(ListUsersCommand);
  });

  it('writes no terminal counter when standard error is not a terminal, and no periodic line in a short run', async () => {
    const { streams, stderr } = io();

    await main([], streams);

    expect(stderr()).not.toContain('Scanning users');
    expect(stderr()).not.toContain(PROGRESS_PREFIX);
  });

  describe('when standard error is not a terminal (CI, a pipe)', () => {
    /** A run in which `seconds` pass while alice's certificates are listed, on a clock of its own. */
    async function slowRun(argv: readonly string[], seconds: number) {
      const clock = manualClock();
      iamMock.on(ListSigningCertificatesCommand, { UserName: 'alice' }).callsFake(() => {
        clock.advance(seconds * 1000);
        return { Certificates: [iamCert('alice', 'CERTALICEOLD0000000000001', daysAgo(400))] };
      });
      const { streams, stdout, stderr } = io();
      const status = await main(argv, { ...streams, clock });
      return { status, stdout: stdout(), stderr: stderr(), clock };
    }

    it('writes a progress line to standard error every --progress-interval, never to standard output', async () => {
      const run = await slowRun(['--format', 'json', '--progress-interval', '5'], 12);

      expect(run.status).toBe(1);
      const lines = run.stderr.split('\n').filter((line) => line.startsWith(PROGRESS_PREFIX));
      expect(lines).toHaveLength(2);
      // Mid-run: alice's certificates are being listed.
      expect(lines).toEqual([
        expect.stringMatching(/^signing-cert-audit: progress: .*users.*, 5s elapsed$/),
        expect.stringMatching(/^signing-cert-audit: progress: .*users.*, 10s elapsed$/),
      ]);
      expect(run.stdout).not.toContain('progress');
      expect(JSON.parse(run.stdout)).toMatchObject({ summary: { usersScanned: 2 } });
      // The timer is stopped once the run is over.
      expect(run.clock.timers()).toBe(0);
    });

    it('writes one every 10 seconds by default', async () => {
      const run = await slowRun([], 25);

      expect(run.stderr.split(PROGRESS_PREFIX)).toHaveLength(3);
    });

    it('writes none with --quiet (the control: the same slow run)', async () => {
      const run = await slowRun(['--quiet'], 25);

      expect(run.status).toBe(1);
      expect(run.stderr).not.toContain(PROGRESS_PREFIX);
      expect(run.stderr).toContain('— exit 1');
    });
  });

  it('exits 3 naming the call when the credentials are refused', async () => {
    stsMock.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('The security token included in the request is invalid.'), {
        name: 'InvalidClientTokenId',
      }),
    );
    const { streams, stderr } = io();

    expect(await main([], streams)).toBe(3);
    expect(stderr()).toContain(
      'GetCallerIdentity (finding the account and checking the credentials) failed: InvalidClientTokenId: The security token included in the request is invalid.',
    );
  });

  it('exits 3 when a user could not be audited, after printing the report', async () => {
    iamMock.on(ListSigningCertificatesCommand, { UserName: 'bob' }).rejects(
      Object.assign(new Error('User: arn:aws:sts::1:assumed-role/x is not authorized'), {
        name: 'AccessDenied',
      }),
    );
    const { streams, stdout, stderr } = io();

    expect(await main(['--fail-on', 'none'], streams)).toBe(3);
    expect(JSON.parse(stdout()).summary.errors).toBe(1);
    expect(stderr()).toContain(
      'bob: AccessDenied: User: arn:aws:sts::1:assumed-role/x is not authorized',
    );
  });

  it('refuses an unwritable --output before the run, so no change is made', async () => {
    const { streams, stdout, stderr } = io();

    const status = await main(
      ['--mode', 'deactivate', '--apply', '--output', '/nonexistent-dir/report.json'],
      streams,
    );

    expect(status).toBe(2);
    expect(stdout()).toBe('');
    expect(stderr()).toContain('--output="/nonexistent-dir/report.json" cannot be written');
    expect(iamMock).not.toReceiveCommand(ListUsersCommand);
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });

  it('exits 1, not 3, when a user carries an unusable tag: a finding about IAM data', async () => {
    iamMock.on(ListUserTagsCommand, { UserName: 'alice' }).resolves({
      Tags: [{ Key: 'signing-cert-audit:exempt', Value: 'maybe' }],
    });
    const { streams, stdout } = io();

    expect(await main([], streams)).toBe(1);
    expect(JSON.parse(stdout()).findings).toContainEqual(
      expect.objectContaining({ userName: 'alice', verdict: 'ERROR', error: null }),
    );
  });

  it('says so when --publish has nothing to publish', async () => {
    iamMock.on(ListSigningCertificatesCommand).resolves({ Certificates: [] });
    const { streams, stderr } = io();

    expect(await main(['--publish', '--topic-arn', TOPIC_ARN], streams)).toBe(0);
    expect(stderr()).toContain('Nothing was published: the run was clean');
  });

  it('exits 2 with a hint when no region is set', async () => {
    const { streams, stderr } = io();

    const status = await main([], {
      ...streams,
      clientOverrides: { region: async () => Promise.reject(new Error('Region is missing')) },
    });

    expect(status).toBe(2);
    expect(stderr()).toContain('no AWS region is set: pass --region');
    expect(stsMock).not.toReceiveCommand(GetCallerIdentityCommand);
  });

  it('stops starting changes once interrupted and reports what was done, exit 130', async () => {
    // Prepare: five stale users; the interrupt arrives during the second change.
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    iamMock
      .on(ListUsersCommand)
      .resolves({ Users: users.map((u) => iamUser(u)), IsTruncated: false });
    iamMock.on(ListSigningCertificatesCommand).callsFake(({ UserName }: { UserName: string }) => ({
      Certificates: [
        iamCert(UserName, `CERT${UserName.toUpperCase()}00000000000000000001`, daysAgo(400)),
      ],
    }));
    const interrupt = new AbortController();
    let calls = 0;
    iamMock.on(UpdateSigningCertificateCommand).callsFake(() => {
      calls += 1;
      if (calls === 2) interrupt.abort('SIGINT received');
      return {};
    });
    const { streams, stdout, stderr } = io();

    // Act
    const status = await main(['--mode', 'deactivate', '--apply', '--concurrency', '1'], {
      ...streams,
      interrupt: interrupt.signal,
    });

    // Assess
    expect(status).toBe(130);
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 2);
    const report = JSON.parse(stdout());
    expect(report).toMatchObject({ complete: false, summary: { deactivated: 2 } });
    expect(report.incompleteReason).toContain('SIGINT received');
    expect(stderr()).toContain('interrupted');
  });
});
