import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/report';
import { SEVERITIES } from '../../lambda/core/report';
import { seedDemoAccount, seedDemoCredentials } from '../../tools/emulator/demo-emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { runCli } from './cli-process';
import { clients, endpoint } from './harness';

/** A port nothing listens on: any AWS call through it fails at once. */
const DEAD_ENDPOINT = 'http://127.0.0.1:9';
const FORMATS = ['json', 'csv', 'html', 'ocsf.jsonl'] as const;

beforeAll(async () => {
  await resetMoto(endpoint);
  await seedDemoAccount(endpoint, clients.iam);
  await seedDemoCredentials(endpoint, clients.iam);
}, 60_000);

/** The files of a directory by their extension (`json`, `ocsf.jsonl`…), each file's content. */
function filesIn(dir: string, base: string): Record<string, string> {
  const names = readdirSync(dir).sort();
  expect(names).toEqual(FORMATS.map((ext) => `${base}.${ext}`).sort());
  return Object.fromEntries(
    FORMATS.map((ext) => [ext, readFileSync(join(dir, `${base}.${ext}`), 'utf8')]),
  );
}

describe('--output-dir and report --input on the demo account', () => {
  it('writes the four formats from one scan, and report --input re-renders its JSON with no AWS call', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'cli-output-dir-'));
    const dir = join(scratch, 'reports', 'today');
    const run = await runCli(['--output-dir', dir]);

    // The whole run's status: the demo account holds failing findings.
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const [json] = readdirSync(dir).filter((name) => name.endsWith('.json'));
    const report = JSON.parse(readFileSync(join(dir, json ?? ''), 'utf8')) as Report;
    const base = `signing-cert-audit-${report.accountId}-${report.runId}`;
    const files = filesIn(dir, base);
    for (const ext of FORMATS) {
      expect(run.stderr).toContain(`report to ${join(dir, `${base}.${ext}`)}.`);
    }
    expect(report.findings.length).toBeGreaterThan(3);

    // One run: the same run id and the same findings in every format.
    expect(files.html).toContain(`<code>${report.runId}</code>`);
    expect(files.html).toContain(`<h2>Findings (${report.findings.length})</h2>`);
    const csvRows = (files.csv ?? '').trimEnd().split('\r\n').slice(1);
    for (const finding of report.findings) {
      const id = finding.credentialId ?? finding.userName;
      expect(csvRows.filter((row) => row.includes(id)).length).toBeGreaterThan(0);
      expect(files.html).toContain(id);
    }
    expect(csvRows).toHaveLength(report.findings.length);
    const ocsf = (files['ocsf.jsonl'] ?? '')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { cloud: { account: { uid: string } } });
    expect(ocsf.length).toBeGreaterThan(0);
    expect(new Set(ocsf.map((record) => record.cloud.account.uid))).toEqual(
      new Set([report.accountId]),
    );

    // The saved JSON, re-rendered with every AWS call bound to fail: the same four files, byte for byte.
    const again = join(scratch, 'again');
    const rerun = await runCli(
      ['report', '--input', join(dir, `${base}.json`), '--output-dir', again],
      {
        endpoint: DEAD_ENDPOINT,
      },
    );
    expect(rerun.stderr).not.toMatch(/GetCallerIdentity|ECONNREFUSED|failed/);
    expect(rerun.status).toBe(0);
    expect(filesIn(again, base)).toEqual(files);

    // And in one format to standard output, filtered: only HIGH or above, the summary the run's.
    const high = await runCli(
      ['report', '--input', join(dir, `${base}.json`), '--format', 'json', '--severity', 'HIGH'],
      { endpoint: DEAD_ENDPOINT },
    );
    expect(high.status).toBe(0);
    const filtered = JSON.parse(high.stdout) as Report;
    const severe = report.findings.filter(
      (f) => SEVERITIES.indexOf(f.severity) <= SEVERITIES.indexOf('HIGH'),
    );
    expect(severe.length).toBeGreaterThan(0);
    expect(severe.length).toBeLessThan(report.findings.length);
    expect(filtered.findings).toEqual(severe);
    expect(filtered.summary).toEqual(report.summary);
    expect(filtered.filter).toEqual({
      severity: 'HIGH',
      verdicts: null,
      listed: severe.length,
      of: report.findings.length,
    });
  }, 120_000);

  it('filters a live run by --verdict in the table, keeping the exit status of the whole run', async () => {
    const run = await runCli(['--format', 'table', '--verdict', 'EXPIRING_SOON']);
    expect(run.status).toBe(1);
    const rows = run.stdout.split('\n').slice(2);
    const listed = rows.filter((row) => /^(CRITICAL|HIGH|MEDIUM|LOW|INFO) /.test(row));
    expect(listed.length).toBeGreaterThan(0);
    for (const row of listed) expect(row).toContain('EXPIRING_SOON');
    expect(run.stdout).toMatch(/^filter: verdict EXPIRING_SOON: \d+ of \d+ findings listed/m);
  }, 60_000);

  it('refuses an --output-dir that cannot be created before any AWS call', async () => {
    const run = await runCli(['--output-dir', '/proc/version/reports'], {
      endpoint: DEAD_ENDPOINT,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--output-dir="\/proc\/version\/reports" cannot be written/);
  });
});
