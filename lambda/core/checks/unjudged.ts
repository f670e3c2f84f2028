import type { VerdictSpec } from './check';

/**
 * Verdicts about a user or certificate the audit could not judge (not a check's: the audit gives them itself): the verdict
 * table's `engine` rows. What they count as is the first report schema's (`errors`, `gone`).
 */
export const ENGINE_VERDICTS = {
  ERROR: {
    title: 'A user or certificate could not be audited',
    when: 'a call about this user failed, or one of its tags could not be used',
    severity: 'MEDIUM',
    remediation:
      'Read the error: grant the missing permission, fix the tag, or look at the certificate by hand; the next run audits it again.',
    failing: true,
    count: { key: 'errors', metric: 'Errors' },
  },
  NOT_EVALUATED: {
    title: 'A user vanished before its certificates could be listed',
    when: 'the user was deleted during the run',
    severity: 'INFO',
    remediation: 'Nothing to do: the user no longer exists.',
    failing: false,
    count: { key: 'gone', metric: 'Gone' },
  },
} as const satisfies Record<string, VerdictSpec>;
