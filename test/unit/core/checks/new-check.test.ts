import { Metrics } from '@aws-lambda-powertools/metrics';
import { IAMClient } from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { findingsExit } from '../../../../cli/args';
import { type CliIo, main } from '../../../../cli/main';
import { VERDICTS, verdictTableMarkdown } from '../../../../lambda/core/checks/table';
import { accountResultOf, buildOrgReport } from '../../../../lambda/core/org-report';
import type { Report } from '../../../../lambda/core/report';
import { runAudit } from '../../../../lambda/engine/audit';
import { recordRunMetrics } from '../../../../lambda/handlers/metrics';
import { toAsffFindings } from '../../../../lambda/sinks/asff';
import { mockedAccount } from '../../accounts';
import { ACCOUNT_ID, daysAgo, iamCert, NOW, policyWith, recordingLogger } from '../../fixtures';

// The one index line: the check index with the test-only check added, as a new check's line
// would add it. Nothing else is changed: every count, metric, exit status, README row and
// Security Hub finding below follows from the table.
vi.mock('../../../../lambda/core/checks/index', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../../lambda/core/checks/index')>();
  const { longLivedCheck } = await import('./long-lived-check');
  return { CHECKS: [...real.CHECKS, longLivedCheck] };
});

const account = mockedAccount();

/** The new check's count, which the static Summary type does not know of. */
const longLived = (summary: Report['summary']) =>
  (summary as unknown as Record<string, number>).longLived;

// One young, sound certificate: only the new check has anything to say about it.
beforeEach(() =>
  account.answer({ alice: [iamCert('alice', 'CERTALICEYOUNG00000000001', daysAgo(5))] }),
);

async function audit(): Promise<Report> {
  return runAudit(
    {
      iam: new IAMClient({ region: 'us-east-1' }),
      logger: recordingLogger(),
      now: NOW,
      runId: 'run-1',
      accountId: ACCOUNT_ID,
    },
    policyWith(),
  );
}

describe('a check added by its module and one line in the check index', () => {
  it('is run, and its verdict is listed with its severity', async () => {
    const report = await audit();

    expect(report.findings).toEqual([
      expect.objectContaining({ verdict: 'TEST_LONG_LIVED', severity: 'LOW', action: 'NONE' }),
    ]);
    expect(report.severity).toBe('LOW');
  });

  it('is counted in the summary under the count its row names, and in failing', async () => {
    const report = await audit();

    expect(longLived(report.summary)).toBe(1);
    expect(report.summary.failing).toBe(1);
    // The first schema's fields are all still there, and say nothing of it.
    expect(report.summary).toMatchObject({ nonCompliant: 0, contentIssues: 0, errors: 0 });
  });

  it('is summed over an organization’s accounts', async () => {
    const report = await audit();

    const org = buildOrgReport('org-1', NOW, [
      accountResultOf(report, null),
      accountResultOf({ ...report, accountId: '210987654321' }, null),
    ]);

    expect(longLived(org.totals)).toBe(2);
    expect(org.totals.failing).toBe(2);
  });

  it('is emitted as the run metric its row names', async () => {
    const report = await audit();
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
    const added = vi.spyOn(metrics, 'addMetric');

    recordRunMetrics(metrics, report, 10);

    expect(added).toHaveBeenCalledWith('LongLivedCertificates', 'Count', 1);
    metrics.clearMetrics();
  });

  it('decides the exit status, by the one rule, in the CLI too', async () => {
    const report = await audit();
    const io: CliIo = {
      stdout: { write: () => undefined, isTTY: false },
      stderr: { write: () => undefined, isTTY: false },
      env: { AWS_REGION: 'us-east-1' },
    };

    expect(findingsExit(report.summary, 'non-compliant')).toBe(1);
    expect(findingsExit(report.summary, 'none')).toBe(0);
    expect(await main(['--format', 'json'], io)).toBe(1);
  });

  it('gets its row in the README’s verdict table', () => {
    expect((VERDICTS as Record<string, unknown>).TEST_LONG_LIVED).toMatchObject({
      check: 'test-long-lived',
      failing: true,
    });
    expect(verdictTableMarkdown()).toContain(
      '| `TEST_LONG_LIVED` | test-long-lived | its notAfter is more than five years away (a test-only check) | LOW | yes |',
    );
  });

  it('gets its Security Hub finding: its own id and generator, its title and remediation, FAILED', async () => {
    const report = await audit();

    const [asff] = toAsffFindings(report, { region: 'us-east-1', partition: 'aws' });

    expect(asff).toMatchObject({
      Id: `signing-cert-audit/${ACCOUNT_ID}/CERTALICEYOUNG00000000001/test-long-lived`,
      GeneratorId: 'signing-cert-audit/test-long-lived',
      Title: 'IAM signing certificate valid for more than five more years',
      Remediation: {
        Recommendation: { Text: 'Issue a certificate with a shorter validity and rotate to it.' },
      },
      Compliance: { Status: 'FAILED' },
      Severity: { Label: 'LOW' },
    });
  });
});
