import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../cli/args';
import type { CliIo } from '../../../cli/io';
import { main } from '../../../cli/main';
import { renderReport, writeOutputDir } from '../../../cli/output';
import { reportHelpText } from '../../../cli/report/run';
import { filterReport } from '../../../lambda/core/listing-filter';
import { ACCOUNT_ID, findingOf, reportOf } from '../fixtures';

const argsEnv = { env: {}, stdoutIsTTY: false };
const parse = (argv: string[]) => parseCliArgs(argv, argsEnv);
const scratch = () => mkdtempSync(join(tmpdir(), 'sca-outdir-'));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const streams: CliIo = {
    stdout: { write: (text: string) => out.push(text), isTTY: false },
    stderr: { write: (text: string) => err.push(text), isTTY: false },
    env: {},
  };
  return { streams, stdout: () => out.join(''), stderr: () => err.join('') };
}

/** A run with one finding of each severity that matters here. */
const report = reportOf([
  findingOf({ userName: 'alice', verdict: 'NON_COMPLIANT', severity: 'HIGH' }),
  findingOf({
    userName: 'bob',
    certificateId: 'CERTBOB00000000000000001',
    credentialId: 'CERTBOB00000000000000001',
    verdict: 'EXPIRING_SOON',
    severity: 'LOW',
  }),
]);

describe('--output-dir and --formats', () => {
  it('writes all four formats by default, or those --formats names', () => {
    const dir = join(scratch(), 'new', 'reports');
    expect(parse(['--output-dir', dir])).toMatchObject({
      outputDir: dir,
      formats: ['json', 'csv', 'html', 'ocsf'],
    });
    expect(parse(['--output-dir', dir, '--formats', 'html,json']).formats).toEqual([
      'html',
      'json',
    ]);
    expect(parse([]).outputDir).toBeUndefined();
  });

  it.each([
    [['--output', 'a.json'], /--output-dir cannot be combined with --output: /],
    [['--format', 'json'], /--output-dir cannot be combined with --format: /],
    [['--format', 'csv', '--output', 'a.csv'], /combined with --output or --format: /],
  ])('refuses --output-dir with %j, naming what is allowed', (more, message) => {
    expect(() => parse(['--output-dir', scratch(), ...more])).toThrow(message);
    expect(() => parse(['--output-dir', scratch(), ...more])).toThrow(
      /--output-dir DIR writes one file per format of --formats \(json,csv,html,ocsf\)/,
    );
  });

  it('refuses --formats without --output-dir, a format it does not write, and an empty list', () => {
    expect(() => parse(['--formats', 'json'])).toThrow(/--formats is only read with --output-dir/);
    expect(() => parse(['--output-dir', scratch(), '--formats', 'json,table'])).toThrow(
      /--formats="table" is not allowed: expected formats separated by commas: json, csv, html, ocsf/,
    );
    expect(() => parse(['--output-dir', scratch(), '--formats', ''])).toThrow(/--formats/);
  });

  it('refuses csv and html across accounts, and writes json and ocsf there by default', () => {
    const org = ['--accounts', '111111111111', '--output-dir', scratch()];
    expect(parse(org).formats).toEqual(['json', 'ocsf']);
    expect(() => parse([...org, '--formats', 'json,csv'])).toThrow(
      /--formats csv is for one account: an organization report is written as json,ocsf/,
    );
    expect(() => parse([...org, '--formats', 'html'])).toThrow(/--formats html is for one account/);
  });

  it('refuses, before the run, a directory that cannot be created or written', () => {
    const base = scratch();
    const file = join(base, 'a-file');
    writeFileSync(file, 'x');
    expect(() => parse(['--output-dir', file])).toThrow(
      /--output-dir=".*a-file" cannot be written: it is not a directory/,
    );
    expect(() => parse(['--output-dir', join(file, 'sub')])).toThrow(
      /cannot be written: .*a-file is not a directory, so it cannot be created/,
    );
    expect(() => parse(['--output-dir', ''])).toThrow(/--output-dir="" is not allowed/);
    // Nothing was created while checking.
    expect(readdirSync(base)).toEqual(['a-file']);
  });

  it('exits 2 naming the flags through main', async () => {
    const run = io();
    expect(await main(['--output-dir', scratch(), '--output', 'x.json'], run.streams)).toBe(2);
    expect(run.stderr()).toMatch(/--output-dir cannot be combined with --output/);
  });

  it('writes each format of one report into the directory, named by account and run id, and says where on stderr', () => {
    const dir = join(scratch(), 'made');
    const run = io();
    const rendered: string[] = [];
    const status = writeOutputDir(
      (format) => {
        rendered.push(format);
        return renderReport(report, format);
      },
      { account: ACCOUNT_ID, runId: report.runId },
      { outputDir: dir, formats: ['json', 'csv', 'html', 'ocsf'] },
      run.streams,
    );
    expect(status).toBe(0);
    expect(rendered).toEqual(['json', 'csv', 'html', 'ocsf']);
    const base = `signing-cert-audit-${ACCOUNT_ID}-run-1`;
    expect(readdirSync(dir).sort()).toEqual(
      [`${base}.csv`, `${base}.html`, `${base}.json`, `${base}.ocsf.jsonl`].sort(),
    );
    expect(JSON.parse(readFileSync(join(dir, `${base}.json`), 'utf8'))).toEqual(report);
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toContain(`Wrote the html report to ${join(dir, `${base}.html`)}.`);
  });

  it('sends the json report to standard output when the directory cannot be written (exit 2)', () => {
    const file = join(scratch(), 'in-the-way');
    writeFileSync(file, 'x');
    const run = io();
    const status = writeOutputDir(
      (format) => renderReport(report, format),
      { account: ACCOUNT_ID, runId: report.runId },
      { outputDir: file, formats: ['json'] },
      run.streams,
    );
    expect(status).toBe(2);
    expect(JSON.parse(run.stdout())).toEqual(report);
    expect(run.stderr()).toMatch(/--output-dir=".*in-the-way" could not be written/);
  });
});

describe('--severity and --verdict', () => {
  it('parse into the listing criteria', () => {
    expect(parse([]).listing).toBeUndefined();
    expect(parse(['--severity', 'HIGH']).listing).toEqual({ severity: 'HIGH', verdicts: null });
    expect(parse(['--verdict', 'NON_COMPLIANT,CERT_EXPIRED,CERT_EXPIRED']).listing).toEqual({
      severity: null,
      verdicts: ['NON_COMPLIANT', 'CERT_EXPIRED'],
    });
  });

  it('refuse bad values, naming the allowed ones', () => {
    expect(() => parse(['--severity', 'SEVERE'])).toThrow(
      /--severity="SEVERE" is not allowed: expected one of CRITICAL, HIGH, MEDIUM, LOW, INFO/,
    );
    expect(() => parse(['--verdict', 'NON_COMPLIANT,BAD'])).toThrow(
      /--verdict="BAD" is not allowed: expected verdicts separated by commas: .*NON_COMPLIANT/,
    );
  });

  it('list only the findings asked for, and keep the summary and severity of the whole run', () => {
    const high = filterReport(report, { severity: 'HIGH', verdicts: null });
    expect(high.findings.map((f) => f.userName)).toEqual(['alice']);
    expect(high.summary).toEqual(report.summary);
    expect(high.filter).toEqual({ severity: 'HIGH', verdicts: null, listed: 1, of: 2 });
    const low = filterReport(report, { severity: 'LOW', verdicts: null });
    expect(low.findings).toHaveLength(2);
    const expiring = filterReport(report, { severity: null, verdicts: ['EXPIRING_SOON'] });
    expect(expiring.findings.map((f) => f.userName)).toEqual(['bob']);
    const both = filterReport(report, { severity: 'HIGH', verdicts: ['EXPIRING_SOON'] });
    expect(both.findings).toEqual([]);
    expect(filterReport(report, undefined)).toBe(report);
  });

  it('say so in every format: a field in the JSON, a line in the table, the CSV and the HTML', () => {
    const high = filterReport(report, { severity: 'HIGH', verdicts: null });
    const line = 'filter: severity HIGH or above: 1 of 2 findings listed';
    expect(JSON.parse(renderReport(high, 'json')).filter).toEqual(high.filter);
    expect(renderReport(high, 'table')).toContain(line);
    expect(renderReport(high, 'csv').split('\r\n')[0]).toMatch(new RegExp(`^# ${line}`));
    expect(renderReport(high, 'html')).toContain(`<p class="filter">${line}`);
    expect(renderReport(high, 'ocsf').trim().split('\n')).toHaveLength(1);
    // Unfiltered, none of them says it.
    for (const format of ['json', 'table', 'csv', 'html'] as const) {
      expect(renderReport(report, format)).not.toContain('filter:');
    }
    expect(JSON.parse(renderReport(report, 'json'))).not.toHaveProperty('filter');
  });
});

describe('signing-cert-audit report', () => {
  const saved = () => {
    const path = join(scratch(), 'report.json');
    writeFileSync(path, renderReport(report, 'json'));
    return path;
  };

  it('re-renders a saved JSON report in another format, filtered', async () => {
    const run = io();
    const status = await main(
      ['report', '--input', saved(), '--format', 'csv', '--severity', 'HIGH'],
      run.streams,
    );
    expect(status).toBe(0);
    const lines = run.stdout().split('\r\n');
    expect(lines[0]).toMatch(/^# filter: severity HIGH or above: 1 of 2/);
    expect(lines.filter((l) => l.startsWith('alice,'))).toHaveLength(1);
    expect(run.stdout()).not.toContain('bob');
  });

  it('writes every format into --output-dir from the saved report', async () => {
    const dir = join(scratch(), 'out');
    const run = io();
    expect(await main(['report', '--input', saved(), '--output-dir', dir], run.streams)).toBe(0);
    expect(readdirSync(dir)).toHaveLength(4);
    expect(readFileSync(join(dir, `signing-cert-audit-${ACCOUNT_ID}-run-1.json`), 'utf8')).toBe(
      renderReport(report, 'json'),
    );
  });

  it('re-renders a report with COMPLIANT findings and includeCompliant in its policy, and one from before either; --verdict COMPLIANT lists them alone', async () => {
    const young = findingOf({
      userName: 'carol',
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/carol`,
      certificateId: 'CERTCAROL0000000000000001',
      credentialId: 'CERTCAROL0000000000000001',
      ageDays: 10,
      verdict: 'COMPLIANT',
      severity: 'INFO',
    });
    const withCompliant = reportOf([...report.findings, young], {
      policy: { ...report.policy, includeCompliant: true },
    });
    const path = join(scratch(), 'compliant.json');
    writeFileSync(path, renderReport(withCompliant, 'json'));
    const { includeCompliant: _, ...olderPolicy } = report.policy;
    const older = join(scratch(), 'older.json');
    writeFileSync(older, JSON.stringify({ ...report, policy: olderPolicy }));

    const all = io();
    expect(await main(['report', '--input', path, '--format', 'json'], all.streams)).toBe(0);
    expect(JSON.parse(all.stdout())).toEqual(withCompliant);
    const only = io();
    expect(
      await main(
        ['report', '--input', path, '--format', 'csv', '--verdict', 'COMPLIANT'],
        only.streams,
      ),
    ).toBe(0);
    expect(only.stdout().split('\r\n')[0]).toMatch(/^# filter: verdict COMPLIANT: 1 of 3/);
    const rows = only.stdout().split('\r\n');
    expect(rows.filter((row) => row.startsWith('carol,'))).toHaveLength(1);
    expect(rows.filter((row) => row.startsWith('alice,') || row.startsWith('bob,'))).toEqual([]);
    const ocsf = io();
    expect(await main(['report', '--input', path, '--format', 'ocsf'], ocsf.streams)).toBe(0);
    expect(ocsf.stdout()).toContain('"status":"Pass"');
    const before = io();
    expect(await main(['report', '--input', older, '--format', 'json'], before.streams)).toBe(0);
    expect(JSON.parse(before.stdout()).policy).not.toHaveProperty('includeCompliant');
  });

  it("keeps a real-time report's scope as it is, the root user included", async () => {
    const path = join(scratch(), 'root.json');
    const scope = { kind: 'users', userNames: ['alice'], root: true };
    writeFileSync(path, JSON.stringify({ ...report, scope }));
    const run = io();
    expect(await main(['report', '--input', path, '--format', 'json'], run.streams)).toBe(0);
    expect((JSON.parse(run.stdout()) as { scope: unknown }).scope).toEqual(scope);
  });

  it.each([
    ['not JSON', '{"schemaVersion":', /is not JSON/],
    [
      'another JSON document',
      '{"hello":"world"}',
      /is not a signing-cert-audit report \(schema 1\) at schemaVersion/,
    ],
    [
      'a finding with an unknown verdict',
      JSON.stringify({
        ...report,
        findings: [{ ...report.findings[0], verdict: 'MAYBE' }],
      }),
      /is not a signing-cert-audit report \(schema 1\) at findings\.0\.verdict/,
    ],
    [
      'a report without its summary',
      JSON.stringify({ ...report, summary: undefined }),
      /at summary/,
    ],
    [
      'a scope whose root user is not `true`',
      JSON.stringify({ ...report, scope: { kind: 'users', userNames: [], root: 'yes' } }),
      /at scope/,
    ],
    [
      'an organization report',
      JSON.stringify({ runId: 'r', accounts: [], reports: [] }),
      /is an organization report: re-render one account's report/,
    ],
    [
      'a part of a split report',
      JSON.stringify({ ...report, part: { index: 2, count: 3 } }),
      /is part 2 of 3 of a split report/,
    ],
  ])('refuses %s, naming what is wrong (exit 2)', async (_what, content, message) => {
    const path = join(scratch(), 'bad.json');
    writeFileSync(path, content);
    const run = io();
    expect(await main(['report', '--input', path], run.streams)).toBe(2);
    expect(run.stderr()).toMatch(message);
    expect(run.stdout()).toBe('');
  });

  it('refuses a missing --input, a file that cannot be read, and the audit-only flags', async () => {
    const cases: [string[], RegExp][] = [
      [[], /--input is required/],
      [['--input', join(scratch(), 'absent.json')], /--input=".*absent\.json" cannot be read/],
      [['--input', 'x.json', '--mode', 'delete'], /Unknown option '--mode'/],
      [
        ['--input', 'x.json', '--output-dir', scratch(), '--format', 'csv'],
        /--output-dir cannot be combined with --format/,
      ],
    ];
    for (const [argv, message] of cases) {
      const run = io();
      expect(await main(['report', ...argv], run.streams)).toBe(2);
      expect(run.stderr()).toMatch(message);
    }
  });

  it('has its own --help, without any AWS flag', async () => {
    const run = io();
    expect(await main(['report', '--help'], run.streams)).toBe(0);
    expect(run.stdout()).toBe(reportHelpText());
    expect(run.stdout()).toContain('--input FILE');
    expect(run.stdout()).toContain('--output-dir DIR');
    expect(run.stdout()).not.toContain('--profile');
    expect(run.stdout()).not.toContain('--region');
  });
});
