import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../cli/args';
import { formatOrgTable, runOrganization } from '../../../cli/org';
import {
  buildOrgReport,
  emptySummary,
  failedAccount,
  type OrgReport,
} from '../../../lambda/core/org-report';

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

describe('runOrganization, interrupted', () => {
  it('starts no account after Ctrl-C: no AssumeRole, each one FAILED as not started, exit 130', async () => {
    const sts = mockClient(STSClient);
    const options = parseCliArgs(
      ['--accounts', '111111111111,222222222222', '--format', 'json', '--region', 'us-east-1'],
      { env: {}, stdoutIsTTY: false },
    );
    const stop = new AbortController();
    stop.abort('SIGINT');
    let stdout = '';

    const status = await runOrganization(
      { ...options, org: options.org ?? { accounts: [], roleName: 'x', concurrency: 1 } },
      {
        stdout: {
          write: (text: string) => {
            stdout += text;
            return true;
          },
        } as never,
        stderr: { write: () => true } as never,
        env: {},
      },
      {
        sts: new STSClient({ region: 'us-east-1' }),
        partition: 'aws',
        clientConfig: {},
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined } as never,
        sinks: [],
        runId: 'run-1',
        stop: stop.signal,
      },
    );

    expect(status).toBe(130);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    const report = JSON.parse(stdout) as OrgReport;
    expect(report.accounts.map((a) => [a.accountId, a.status, a.error])).toEqual([
      ['111111111111', 'FAILED', 'not started: the run was interrupted (Ctrl-C)'],
      ['222222222222', 'FAILED', 'not started: the run was interrupted (Ctrl-C)'],
    ]);
    sts.restore();
  });
});
