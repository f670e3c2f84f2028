import { ageCheck } from './age';
import type { AccountCheck, CertificateCheck, Severity, VerdictSpec } from './check';
import { contentCheck } from './content';
import { rootCheck } from './root';

/**
 * Every check, one module each. The verdict union, the severity table, the README's verdict
 * table (`npm run docs`) and Security Hub's titles and remediation derive from this list: a new
 * check is its module, a line here, and the regenerated README.
 */
export const CHECKS = [ageCheck, contentCheck, rootCheck] as const;

type VerdictsOf<C> = C extends { readonly verdicts: infer T } ? keyof T & string : never;

/** A verdict given by one of the checks. */
export type CheckVerdict = VerdictsOf<(typeof CHECKS)[number]>;

/** Verdicts the engine gives itself, about a user or certificate it could not judge. */
export const ENGINE_VERDICTS = {
  ERROR: {
    title: 'A user or certificate could not be audited',
    when: 'a call about this user failed, or one of its tags could not be used',
    severity: 'MEDIUM',
    remediation:
      'Read the error: grant the missing permission, fix the tag, or look at the certificate by hand; the next run audits it again.',
    failing: true,
  },
  NOT_EVALUATED: {
    title: 'A user vanished before its certificates could be listed',
    when: 'the user was deleted during the run',
    severity: 'INFO',
    remediation: 'Nothing to do: the user no longer exists.',
    failing: false,
  },
} as const satisfies Record<string, VerdictSpec>;

/** Every verdict a finding can carry. */
export type Verdict = CheckVerdict | keyof typeof ENGINE_VERDICTS;

/** The row of the verdict table for every verdict, with the id of the check that gives it. */
export const VERDICTS: Readonly<Record<Verdict, VerdictSpec & { readonly check: string }>> =
  Object.fromEntries([
    ...CHECKS.flatMap((check) =>
      Object.entries(check.verdicts).map(([verdict, spec]) => [
        verdict,
        { ...spec, check: check.id },
      ]),
    ),
    ...Object.entries(ENGINE_VERDICTS).map(([verdict, spec]) => [
      verdict,
      { ...spec, check: 'engine' },
    ]),
  ]) as Record<Verdict, VerdictSpec & { readonly check: string }>;

/** The checks of each certificate. */
export const CERTIFICATE_CHECKS = CHECKS.filter(
  (check): check is Extract<(typeof CHECKS)[number], CertificateCheck> =>
    check.scope === 'certificate',
) as readonly CertificateCheck<CheckVerdict>[];

/** The checks of the account as a whole. */
export const ACCOUNT_CHECKS = CHECKS.filter(
  (check): check is Extract<(typeof CHECKS)[number], AccountCheck> => check.scope === 'account',
) as readonly AccountCheck<CheckVerdict>[];

/**
 * Whether a verdict is one its table row marks failing: what Security Hub reports FAILED while
 * the certificate can still be used, and what the command line exits 1 on, in every path. The
 * one rule; nothing else decides what needs fixing.
 */
export function isFailing(verdict: Verdict): boolean {
  return VERDICTS[verdict].failing;
}

/** The severity of a verdict, from its table row and the status the certificate was listed in. */
export function verdictSeverity(verdict: Verdict, status: string | null): Severity {
  const spec = VERDICTS[verdict];
  return status !== null && status !== 'Active' && spec.severityWhenInactive
    ? spec.severityWhenInactive
    : spec.severity;
}

/** The verdict table as Markdown, for the README (`npm run docs` writes it). */
export function verdictTableMarkdown(): string {
  const rows = (Object.entries(VERDICTS) as [Verdict, (typeof VERDICTS)[Verdict]][]).map(
    ([verdict, spec]) => {
      const severity = spec.severityWhenInactive
        ? `${spec.severity} (${spec.severityWhenInactive} if Inactive)`
        : spec.severity;
      return `| \`${verdict}\` | ${spec.check} | ${spec.when} | ${severity} | ${spec.failing ? 'yes' : 'no'} |`;
    },
  );
  return [
    '| verdict | check | when | severity | failing |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
