import type { CertificateCheck } from '../../../../lambda/core/checks/check';
import { DAY_MS } from '../../../../lambda/core/time';

/**
 * A check that exists only in the tests, to prove what adding one takes: this module and one
 * line in the check index (the test adds the line with vi.mock). It flags a certificate valid
 * for more than five more years, which the unit fixtures' certificate is.
 */
export const longLivedCheck: CertificateCheck<'TEST_LONG_LIVED', 'longLived'> = {
  id: 'test-long-lived',
  scope: 'certificate',
  description: 'Signing certificates are not valid for more than five more years',
  kinds: ['signing-certificate'],
  usesUserRules: false,
  verdicts: {
    TEST_LONG_LIVED: {
      title: 'IAM signing certificate valid for more than five more years',
      when: 'its notAfter is more than five years away (a test-only check)',
      severity: 'LOW',
      remediation: 'Issue a certificate with a shorter validity and rotate to it.',
      failing: true,
      count: { key: 'longLived', metric: 'LongLivedCertificates' },
    },
  },
  evaluate(certificate, { now }) {
    if (certificate.type !== 'signing-certificate') return [];
    const { content } = certificate;
    if (!content.parsed) return [];
    const left = content.facts.notAfter.getTime() - now.getTime();
    return left > 5 * 365 * DAY_MS
      ? [
          {
            verdict: 'TEST_LONG_LIVED',
            detail: 'valid for more than five more years',
            ageDays: null,
          },
        ]
      : [];
  },
};
