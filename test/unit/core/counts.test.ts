import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFindings, METRIC_OF, POSTURE, SUMMARY_KEYS } from '../../../lambda/core/counts';

describe('the counts derived from the check table', () => {
  it('keeps the first report schema’s summary fields, in the order the report reference documents them', () => {
    const readme = readFileSync(
      resolve(import.meta.dirname, '../../../docs/reference/report.md'),
      'utf8',
    );
    const section = readme.slice(readme.indexOf('# Findings report'));
    const start = section.indexOf('```json') + '```json'.length;
    const example = section.slice(start, section.indexOf('```', start));
    const documented = Object.keys((JSON.parse(example) as { summary: object }).summary);

    expect(documented.length).toBeGreaterThan(10);
    expect(SUMMARY_KEYS).toEqual(documented);
  });

  it('keeps every run metric’s name, which the alarms and dashboards read', () => {
    expect(METRIC_OF).toEqual({
      usersScanned: 'UsersScanned',
      certificatesScanned: 'CertificatesScanned',
      nonCompliant: 'NonCompliant',
      expiringSoon: 'ExpiringSoon',
      deactivated: 'Deactivated',
      deleted: 'Deleted',
      exempt: 'Exempt',
      exemptionsExpiring: 'ExemptionsExpiring',
      sshKeyIssues: 'SshKeyIssues',
      overridden: 'Overridden',
      withheld: 'Withheld',
      errors: 'Errors',
      gone: 'Gone',
      contentIssues: 'CertificateContentIssues',
      rootSigningCertificate: 'RootSigningCertificate',
      unread: 'Unread',
    });
  });

  it('takes whose state a count describes from its check’s scope', () => {
    expect(POSTURE).toEqual({
      nonCompliant: 'users',
      expiringSoon: 'users',
      exempt: 'users',
      exemptionsExpiring: 'users',
      sshKeyIssues: 'users',
      overridden: 'users',
      contentIssues: 'users',
      rootSigningCertificate: 'root',
    });
  });

  it('counts a finding once in each count its verdict or the engine’s rule names', () => {
    const counts = countFindings([
      { verdict: 'NON_COMPLIANT', action: 'FAILED', override: null },
      { verdict: 'NON_COMPLIANT', action: 'DEACTIVATED', override: { tag: 't' } },
      { verdict: 'ERROR', action: 'NONE', override: null },
      { verdict: 'NOT_EVALUATED', action: 'GONE', override: null },
      { verdict: 'OVERRIDDEN', action: 'NONE', override: { tag: 't' } },
      { verdict: 'WEAK_KEY', action: 'NONE', override: null },
      { verdict: 'UNPARSEABLE', action: 'NONE', override: null },
    ]);

    expect(counts).toMatchObject({
      nonCompliant: 2,
      deactivated: 1,
      // A FAILED change and an ERROR verdict: an error each.
      errors: 2,
      gone: 1,
      overridden: 2,
      contentIssues: 2,
      failing: 5,
      expiringSoon: 0,
      rootSigningCertificate: 0,
    });
  });

  it('counts a COMPLIANT finding nowhere: every count is as without it', () => {
    const failing = [{ verdict: 'NON_COMPLIANT', action: 'NONE', override: null }] as const;
    const compliant = { verdict: 'COMPLIANT', action: 'NONE', override: null } as const;

    expect(countFindings([...failing, compliant, compliant])).toEqual(countFindings(failing));
    // The control: any other verdict adds to a count.
    expect(countFindings([...failing, { ...compliant, verdict: 'EXEMPT' }])).not.toEqual(
      countFindings(failing),
    );
  });
});
