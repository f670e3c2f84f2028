import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Report } from '../../lambda/core/report';
import { seedDemoAccount, seedDemoCredentials } from '../../tools/emulator/demo-emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { runCli } from './cli-process';
import { clients, endpoint } from './harness';

/** A port nothing listens on: any AWS call through it fails at once. */
const DEAD_ENDPOINT = 'http://127.0.0.1:9';
const scratch = mkdtempSync(join(tmpdir(), 'cli-exemptions-'));
const day = (daysFromNow: number) =>
  new Date(Date.now() + daysFromNow * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  await resetMoto(endpoint);
  await seedDemoAccount(endpoint, clients.iam);
  await seedDemoCredentials(endpoint, clients.iam);
}, 60_000);

/** The one file of `dir` whose name ends in `ext`. */
function fileIn(dir: string, ext: string): string {
  const [name] = readdirSync(dir).filter((n) => n.endsWith(ext) && !n.endsWith(`.ocsf${ext}`));
  return readFileSync(join(dir, name ?? 'missing'), 'utf8');
}

describe('an exemptions file through the real command line, on the demo account', () => {
  it('exempts, lets an expired entry exempt nothing, reports it and a stale one, in every format', async () => {
    // The run without the file: two users with an over-age credential, and what they were.
    const before = await runCli(['--format', 'json']);
    const plain = JSON.parse(before.stdout) as Report;
    const overAge = [
      ...new Set(
        plain.findings.filter((f) => f.verdict === 'NON_COMPLIANT').map((f) => f.userName),
      ),
    ];
    expect(overAge.length).toBeGreaterThanOrEqual(2);
    const [exempted, expired] = overAge as [string, string];
    const file = join(scratch, 'exemptions.yaml');
    writeFileSync(
      file,
      [
        '# Reviewed in pull requests; every entry ends.',
        'exemptions:',
        `  - user: ${exempted}`,
        '    reason: vendor appliance cannot rotate before its firmware update',
        '    approvedBy: security@example.com',
        '    ticket: SEC-1234',
        `    expires: ${day(60)}`,
        `  - user: ${expired}`,
        '    reason: migration window',
        '    approvedBy: security@example.com',
        `    expires: ${day(-2)}`,
        '  - user: left-the-company',
        '    reason: contractor access',
        '    approvedBy: security@example.com',
        `    expires: ${day(30)}`,
        '',
      ].join('\n'),
    );

    const dir = join(scratch, 'out');
    const run = await runCli(['--exemptions', file, '--output-dir', dir]);
    expect(run.status).toBe(1);
    const report = JSON.parse(fileIn(dir, '.json')) as Report;

    // Exempted: every over-age credential of the first user, with the entry's words, never changed.
    const mine = (user: string, f: Finding) => f.userName === user && f.credentialId !== null;
    const exempt = report.findings.filter((f) => mine(exempted, f) && f.exemption);
    expect(exempt.length).toBe(
      plain.findings.filter((f) => mine(exempted, f) && f.verdict === 'NON_COMPLIANT').length,
    );
    for (const f of exempt) {
      expect(f).toMatchObject({
        verdict: 'EXEMPT',
        action: 'NONE',
        exemption: {
          entry: 1,
          reason: 'vendor appliance cannot rotate before its firmware update',
          approvedBy: 'security@example.com',
          ticket: 'SEC-1234',
          expires: day(60),
        },
      });
    }
    expect(
      report.findings.filter((f) => f.userName === exempted && f.verdict === 'NON_COMPLIANT'),
    ).toEqual([]);
    // Expired: the second user's credentials are judged as any other, and say the entry ended.
    const stillOverAge = report.findings.filter(
      (f) => f.userName === expired && f.verdict === 'NON_COMPLIANT',
    );
    expect(stillOverAge.length).toBeGreaterThan(0);
    for (const f of stillOverAge) {
      expect(f.detail).toContain(`its exemption (exemptions file entry 2) ended on ${day(-2)}`);
      expect(f).not.toHaveProperty('exemption');
    }
    expect(report.exemptions).toMatchObject({
      entries: 3,
      exempted: exempt.length,
      expiredCount: 1,
      expired: [{ entry: 2, user: expired }],
      staleCount: 1,
      stale: [{ entry: 3, user: 'left-the-company' }],
    });
    // The summary counts them exempt, and the command line says what is to renew or remove.
    expect(report.summary.exempt).toBeGreaterThanOrEqual(exempt.length);
    expect(run.stderr).toContain('Exemptions file: 3 entries apply to this account');
    expect(run.stderr).toMatch(/Expired, exempting nothing \(renew or remove them\): entry 2 \(/);
    expect(run.stderr).toMatch(
      /Stale, matching no credential \(remove them\): entry 3 \(left-the-company/,
    );

    // Every format carries the entry: the CSV's columns, the HTML, the OCSF record's comment.
    const csv = fileIn(dir, '.csv').split('\r\n');
    expect(csv[0]).toContain(
      'exemptionEntry,exemptionReason,exemptionApprovedBy,exemptionTicket,exemptionExpires',
    );
    expect(
      csv.filter((row) =>
        row.includes(
          ',1,vendor appliance cannot rotate before its firmware update,security@example.com,SEC-1234,',
        ),
      ),
    ).toHaveLength(exempt.length);
    const html = fileIn(dir, '.html');
    expect(html).toContain('vendor appliance cannot rotate before its firmware update');
    expect(html).toContain('<h2>Exemptions file</h2>');
    expect(html).toContain('entry 3 (left-the-company');
    const ocsf = fileIn(dir, '.ocsf.jsonl')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string; comment?: string });
    const suppressed = ocsf.filter((r) => r.comment?.startsWith('exemptions file entry 1 '));
    expect(suppressed.length).toBe(exempt.length);
    for (const r of suppressed) {
      expect(r.status).toBe('Suppressed');
      expect(r.comment).toContain('approved by security@example.com, ticket SEC-1234');
    }
  }, 180_000);

  it('refuses a bad entry with exit 2 before any AWS call, naming it', async () => {
    const file = join(scratch, 'bad.yaml');
    writeFileSync(
      file,
      `exemptions:\n  - user: alice\n    reason: r\n    approvedBy: me\n    expires: ${day(10)}\n  - user: bob\n    reason: no approver\n    expires: ${day(10)}\n`,
    );
    const run = await runCli(['--exemptions', file, '--format', 'json'], {
      endpoint: DEAD_ENDPOINT,
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `exemptions file ${file}: entry 2 (user bob): approvedBy is missing: every exemption says who approved the exemption`,
    );
    expect(run.stderr).not.toMatch(/GetCallerIdentity|ECONNREFUSED/);
    // Control: the good entry alone passes the check, and the run then fails only at the dead endpoint.
    writeFileSync(
      file,
      `exemptions:\n  - user: alice\n    reason: r\n    approvedBy: me\n    expires: ${day(10)}\n`,
    );
    const good = await runCli(['--exemptions', file, '--format', 'json'], {
      endpoint: DEAD_ENDPOINT,
    });
    expect(good.stderr).not.toContain('exemptions file');
    expect(good.status).not.toBe(0);
  }, 60_000);
});
