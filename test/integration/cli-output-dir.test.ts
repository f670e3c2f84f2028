import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/report';
import { SEVERITIES } from '../../lambda/core/report';
import { seedDemoAccount, seedDemoCredentials } from '../../tools/emulator/demo-emulator';
import type { SeededCertificate, SeededUserCredentials } from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { runCli } from './cli-process';
import { clients, endpoint } from './harness';

/** A port nothing listens on: any AWS call through it fails at once. */
const DEAD_ENDPOINT = 'http://127.0.0.1:9';
const FORMATS = ['json', 'csv', 'html', 'ocsf.jsonl'] as const;

/** What the fixture created: every credential of the demo account, by kind and id. */
let seeded: { certificates: SeededCertificate[]; credentials: SeededUserCredentials };

beforeAll(async () => {
  await resetMoto(endpoint);
  const certificates = await seedDemoAccount(endpoint, clients.iam);
  const credentials = await seedDemoCredentials(endpoint, clients.iam);
  seeded = { certificates, credentials };
}, 60_000);

/** Every credential the fixture created, as `<kind>/<id>`. */
function seededCredentials(): string[] {
  return [
    ...seeded.certificates.map((c) => `signing-certificate/${c.certificateId}`),
    ...seeded.credentials.sshPublicKeys.map((k) => `ssh-public-key/${k.sshPublicKeyId}`),
    ...seeded.credentials.serviceCredentials.map(
      (c) => `service-specific-credential/${c.serviceSpecificCredentialId}`,
    ),
  ].sort();
}

/** The files one run of the real CLI wrote into a new --output-dir, with its report. */
async function outputDirRun(more: readonly string[]) {
  const dir = join(mkdtempSync(join(tmpdir(), 'cli-output-dir-')), 'out');
  const run = await runCli(['--output-dir', dir, ...more]);
  const [json] = readdirSync(dir).filter((name) => name.endsWith('.json'));
  const report = JSON.parse(readFileSync(join(dir, json ?? ''), 'utf8')) as Report;
  const files = filesIn(dir, `signing-cert-audit-${report.accountId}-${report.runId}`);
  const ocsf = (files['ocsf.jsonl'] ?? '')
    .trimEnd()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as {
          compliance: { status: string; control: string };
          resources: { type: string; uid: string }[];
        },
    );
  const csv = (files.csv ?? '').trimEnd().split('\r\n');
  const columns = (csv[0] ?? '').split(',');
  const csvRows = csv
    .slice(1)
    .map((row) => Object.fromEntries(row.split(',').map((cell, i) => [columns[i], cell])));
  return { run, report, files, ocsf, csvRows };
}

/** The credentials a report's findings name, as `<kind>/<id>`. */
const credentialsOf = (findings: Report['findings']) =>
  [
    ...new Set(
      findings.flatMap((f) =>
        f.credentialType && f.credentialId ? [`${f.credentialType}/${f.credentialId}`] : [],
      ),
    ),
  ].sort();

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

  it('lists every credential read with --include-compliant, in each of the four formats; without it the compliant ones are absent (the control)', async () => {
    const every = seededCredentials();
    const whole = await outputDirRun(['--include-compliant']);
    const control = await outputDirRun([]);

    // The same exit status and the same summary, whatever the listing.
    expect(whole.run.status).toBe(1);
    expect(control.run.status).toBe(1);
    expect(whole.report.summary).toEqual(control.report.summary);
    expect(whole.report.policy.includeCompliant).toBe(true);
    expect(control.report.policy.includeCompliant).toBe(false);

    // JSON: every credential the fixture created, each compliant one once, as COMPLIANT.
    expect(every.length).toBeGreaterThan(10);
    expect(credentialsOf(whole.report.findings)).toEqual(every);
    const compliant = whole.report.findings.filter((f) => f.verdict === 'COMPLIANT');
    const compliantIds = compliant.map((f) => f.credentialId as string);
    expect(compliant.length).toBeGreaterThan(2);
    expect(new Set(compliantIds).size).toBe(compliant.length);
    for (const f of compliant) expect(f).toMatchObject({ severity: 'INFO', action: 'NONE' });
    expect(credentialsOf(control.report.findings)).toEqual(
      every.filter((c) => !compliantIds.some((id) => c.endsWith(`/${id}`))),
    );
    expect(whole.report.findings.filter((f) => f.verdict !== 'COMPLIANT')).toEqual(
      control.report.findings,
    );

    for (const credential of every) {
      const id = credential.slice(credential.indexOf('/') + 1);
      const isCompliant = compliantIds.includes(id);
      // CSV: a row naming it; the compliant one's verdict COMPLIANT.
      const rows = whole.csvRows.filter((row) => row.credentialId === id);
      expect({ credential, rows: rows.length > 0 }).toEqual({ credential, rows: true });
      if (isCompliant) expect(rows.map((row) => row.verdict)).toEqual(['COMPLIANT']);
      // HTML: a row naming it.
      expect({ credential, html: whole.files.html?.includes(id) }).toEqual({
        credential,
        html: true,
      });
      // OCSF: a record naming it, Pass for a compliant one.
      const records = whole.ocsf.filter((r) => r.resources.some((x) => x.uid === id));
      expect({ credential, ocsf: records.length > 0 }).toEqual({ credential, ocsf: true });
      if (isCompliant) {
        expect(new Set(records.map((r) => r.compliance.status))).toEqual(new Set(['Pass']));
      }
      // The control: without the flag, no format names a compliant credential.
      if (isCompliant) {
        expect(control.csvRows.some((row) => row.credentialId === id)).toBe(false);
        expect(control.files.html).not.toContain(id);
        expect(control.ocsf.some((r) => r.resources.some((x) => x.uid === id))).toBe(false);
        expect(control.files.json).not.toContain(id);
      }
    }
    expect(whole.csvRows).toHaveLength(whole.report.findings.length);
    expect(whole.files.html).toContain(`<h2>Findings (${whole.report.findings.length})</h2>`);
    expect(control.ocsf.some((r) => r.compliance.status === 'Pass')).toBe(false);
  }, 120_000);

  it('refuses an --output-dir that cannot be created before any AWS call', async () => {
    const run = await runCli(['--output-dir', '/proc/version/reports'], {
      endpoint: DEAD_ENDPOINT,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--output-dir="\/proc\/version\/reports" cannot be written/);
  });
});
