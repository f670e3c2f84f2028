import type { VerdictSpec } from './check';

/**
 * The verdict of a credential every check of its kind passed: listed only when the policy's
 * `includeCompliant` asks for the whole population (the engine gives it, not a check). It is
 * counted nowhere (`count: null`): the summary, the metrics and everything derived from them are
 * the same whether compliant credentials are listed or not, as they were before it existed.
 */
export const LISTED_VERDICTS = {
  COMPLIANT: {
    title: 'IAM signing certificate within the policy',
    when: 'every check of its kind passed; listed only with `includeCompliant`',
    severity: 'INFO',
    remediation: 'Nothing to do: the certificate is within the policy.',
    failing: false,
    count: null,
  },
} as const satisfies Record<string, Omit<VerdictSpec, 'count'> & { readonly count: null }>;
