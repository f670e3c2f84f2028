import type { AccountCheck } from './check';

/** What a human must do about a root signing certificate: a role cannot see or remove it. */
export const ROOT_REMEDIATION =
  'The root user holds an X.509 signing certificate. No role can list or remove it: sign in as the root user, open Security credentials, and delete the certificate under X.509 certificates (root should hold none).';

/**
 * The root user's signing certificates: invisible to ListUsers and to any role, but
 * GetAccountSummary says whether one exists (AccountSigningCertificatesPresent).
 */
export const rootCheck: AccountCheck<'ROOT_SIGNING_CERTIFICATE', 'rootSigningCertificate'> = {
  id: 'root',
  scope: 'account',
  description: 'The root user holds no signing certificate',
  verdicts: {
    ROOT_SIGNING_CERTIFICATE: {
      title: 'The root user holds an X.509 signing certificate',
      when: 'GetAccountSummary reports `AccountSigningCertificatesPresent`',
      severity: 'CRITICAL',
      remediation: ROOT_REMEDIATION,
      failing: true,
      count: { key: 'rootSigningCertificate', metric: 'RootSigningCertificate' },
    },
  },
  evaluate(account) {
    if (!account.rootSigningCertificatePresent) return [];
    return [{ verdict: 'ROOT_SIGNING_CERTIFICATE', detail: ROOT_REMEDIATION, ageDays: null }];
  },
};
