import { ListUsersCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../cli/args';
import { renderOrgOutput, runOrganization } from '../../../cli/org';
import { finish } from '../../../cli/output';
import { PROGRESS_PREFIX } from '../../../cli/progress';
import {
  buildOrgReport,
  emptySummary,
  failedAccount,
  type OrgReport,
} from '../../../lambda/core/org-report';
import { formatOrgTable } from '../../../lambda/render/text';
import { mockedAccount } from '../accounts';
import { ACCOUNT_ID, daysAgo, findingOf, iamCert, NOW, reportOf } from '../fixtures';
import { manualClock } from './manual-clock';

describe('formatOrgTable', () => {
  it('prints one line per account, the why column unpadded and its rule as wide as its title', () => {
    const long = `AssumeRole failed (AccessDenied: ${'x'.repeat(200)})`;
    const report = buildOrgReport('run-1', new Date('2026-12-01T06:00:00Z'), [
      failedAccount('333333333333', long),
      {
        accountId: '111111111111',
        status: 'AUDITED',
        summary: { ...emptySummary(), usersScanned: 2, nonCompliant: 1 },
        severity: 'HIGH',
        error: null,
        reportLocation: null,
      },
    ]);

    const lines = formatOrgTable({ ...report, reports: [] }).split('\n');

    expect(lines[0]).toMatch(/^account {7}status {3}severity {2}users {2}non-compliant .* why$/);
    expect(lines[1]?.endsWith('  ---')).toBe(true);
    expect(lines[1]?.length).toBe(lines[0]?.length);
    expect(lines[2]).toMatch(/^111111111111 {2}AUDITED {2}HIGH {6}2 {6}1 /);
    expect(lines[3]?.startsWith('333333333333  FAILED')).toBe(true);
    expect(lines[3]?.endsWith(long)).toBe(true);
  });
});

describe('renderOrgOutput --format ocsf', () => {
  it('writes every audited account’s OCSF records, each naming its account, and nothing for a clean one', () => {
    const other = '210987654321';
    const report = buildOrgReport('org-1', NOW, []);
    const reports = [
      reportOf([findingOf()]),
      reportOf([], { accountId: other }),
      reportOf([findingOf({ certificateId: 'CERTBOTH0000000000000001' })], { accountId: other }),
    ].map((r) => ({ ...r, findings: r.findings.map((f) => ({ accountId: r.accountId, ...f })) }));

    const lines = renderOrgOutput({ ...report, reports }, 'ocsf')
      .trimEnd()
      .split('\n');

    expect(lines.map((line) => JSON.parse(line).cloud.account.uid)).toEqual([ACCOUNT_ID, other]);
    expect(renderOrgOutput({ ...report, reports: [] }, 'ocsf')).toBe('');
  });
});

describe('runOrganization, stopped', () => {
  /** Runs two accounts with `stop` already aborted; `interrupt` is the CLI's Ctrl-C signal. */
  async function stopped(stop: AbortSignal, interrupt?: AbortSignal) {
    const sts = mockClient(STSClient);
    const options = parseCliArgs(
      ['--accounts', '111111111111,222222222222', '--format', 'json', '--region', 'us-east-1'],
      { env: {}, stdoutIsTTY: false },
    );
    let stdout = '';
    let stderr = '';
    const orgOptions = {
      ...options,
      org: options.org ?? { accounts: [], roleName: 'x', concurrency: 1 },
    };
    const io = {
      stdout: {
        write: (text: string) => {
          stdout += text;
          return true;
        },
      } as never,
      stderr: {
        write: (text: string) => {
          stderr += text;
          return true;
        },
      } as never,
      env: {},
      ...(interrupt ? { interrupt } : {}),
    };
    const outcome = await runOrganization(orgOptions, io, {
      sts: new STSClient({ region: 'us-east-1' }),
      partition: 'aws',
      clientConfig: {},
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined } as never,
      sinks: [],
      runId: 'run-1',
      stop,
    });
    // The run, then the one output and exit logic every path ends in.
    const status = typeof outcome === 'number' ? outcome : finish(outcome, orgOptions, io);
    const assumed = sts.commandCalls(AssumeRoleCommand).length;
    sts.restore();
    const report = JSON.parse(stdout) as OrgReport;
    return { status, assumed, stderr, errors: report.accounts.map((a) => [a.status, a.error]) };
  }

  it('starts no account after Ctrl-C: no AssumeRole, each one FAILED as not started, exit 130', async () => {
    const interrupt = new AbortController();
    interrupt.abort('SIGINT received');

    const run = await stopped(interrupt.signal, interrupt.signal);

    expect(run.status).toBe(130);
    expect(run.assumed).toBe(0);
    expect(run.errors).toEqual([
      ['FAILED', 'not started: the run was interrupted (SIGINT received)'],
      ['FAILED', 'not started: the run was interrupted (SIGINT received)'],
    ]);
  });

  it('after the time limit, names the limit and exits 3: it is not Ctrl-C', async () => {
    const limit = new AbortController();
    limit.abort('time limit: --time-limit of 2 s reached');

    const run = await stopped(limit.signal, new AbortController().signal);

    expect(run.status).toBe(3);
    expect(run.assumed).toBe(0);
    expect(run.errors).toEqual([
      ['FAILED', 'not started: time limit: --time-limit of 2 s reached'],
      ['FAILED', 'not started: time limit: --time-limit of 2 s reached'],
    ]);
    expect(run.stderr).toContain(
      'signing-cert-audit: time limit: --time-limit of 2 s reached: 2 account(s) not started',
    );
  });
});

describe('runOrganization, progress where nobody watches a terminal', () => {
  const { iam, answer } = mockedAccount();

  it('writes the accounts done and the users scanned to standard error each interval, never to standard output', async () => {
    answer({ alice: [iamCert('alice', 'CERTALICEOLD0000000000001', daysAgo(400))], bob: [] });
    const clock = manualClock();
    const sts = mockClient(STSClient);
    const credentials = {
      AccessKeyId: 'AKIDMEMBER',
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(Date.now() + 3_600_000),
    };
    sts.on(AssumeRoleCommand).resolves({ Credentials: credentials });
    // The second account's role takes 12 s to answer: the first is done by then.
    sts
      .on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::222222222222:role/SigningCertAuditMember' })
      .callsFake(() => {
        clock.advance(12_000);
        return { Credentials: credentials };
      });
    const options = parseCliArgs(
      ['--accounts', '111111111111,222222222222', '--account-concurrency', '1', '--format', 'json'],
      { env: {}, stdoutIsTTY: false },
    );
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text), isTTY: false },
      env: {},
      clock,
    };

    const outcome = await runOrganization(
      { ...options, org: options.org ?? { accounts: [], roleName: 'x', concurrency: 1 } },
      io,
      {
        sts: new STSClient({ region: 'us-east-1' }),
        partition: 'aws',
        clientConfig: { region: 'us-east-1' },
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined } as never,
        sinks: [],
        runId: 'run-1',
      },
    );
    sts.restore();

    expect(typeof outcome).toBe('object');
    expect(stderr).toBe(`${PROGRESS_PREFIX}1 of 2 accounts done, 2 users scanned, 10s elapsed\n`);
    expect(stdout).toBe('');
    expect(iam).toHaveReceivedCommand(ListUsersCommand);
    expect(clock.timers()).toBe(0);
  });
});
