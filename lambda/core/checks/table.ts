import type { AccountCheck, CertificateCheck, Severity, VerdictCount, VerdictSpec } from './check';
import { CHECKS } from './index';
import { LISTED_VERDICTS } from './listed';
import { ENGINE_VERDICTS } from './unjudged';

export { LISTED_VERDICTS } from './listed';
export { ENGINE_VERDICTS } from './unjudged';

type VerdictsOf<C> = C extends { readonly verdicts: infer T } ? keyof T & string : never;
type CountsOf<C> = C extends { readonly verdicts: infer T }
  ? T[keyof T] extends { readonly count: VerdictCount<infer K> }
    ? K
    : never
  : never;

/** A verdict given by one of the checks. */
export type CheckVerdict = VerdictsOf<(typeof CHECKS)[number]>;

/** Every verdict a finding can carry. */
export type Verdict = CheckVerdict | keyof typeof ENGINE_VERDICTS | keyof typeof LISTED_VERDICTS;

/** A summary count the verdicts of the check table add to (the schema-1 ones, and any new check's). */
export type VerdictCountKey =
  | CountsOf<(typeof CHECKS)[number]>
  | (typeof ENGINE_VERDICTS)[keyof typeof ENGINE_VERDICTS]['count']['key'];

/**
 * A row of the verdict table, with the id of the check that gives it ("engine" for the engine's);
 * its count null for a verdict counted nowhere (COMPLIANT: listed, never counted).
 */
export type VerdictRow = Omit<VerdictSpec, 'count'> & {
  readonly count: VerdictCount | null;
  readonly check: string;
  readonly scope: Scope;
};

/** What a verdict is about: a certificate (or its user), the account as a whole, or the run. */
export type Scope = 'certificate' | 'account' | 'engine';

/** The row of the verdict table for every verdict, with the id of the check that gives it. */
export const VERDICTS: Readonly<Record<Verdict, VerdictRow>> = Object.fromEntries([
  ...CHECKS.flatMap((check) =>
    Object.entries(check.verdicts).map(([verdict, spec]) => [
      verdict,
      { ...spec, check: check.id, scope: check.scope },
    ]),
  ),
  ...Object.entries({ ...ENGINE_VERDICTS, ...LISTED_VERDICTS }).map(([verdict, spec]) => [
    verdict,
    { ...spec, check: 'engine', scope: 'engine' },
  ]),
]) as Record<Verdict, VerdictRow>;

/**
 * Whether a verdict says a credential passed every check (COMPLIANT, listed only with
 * `includeCompliant`): what Security Hub never imports, SNS and the digest never see, and OCSF
 * writes as a PASS record.
 */
export function isCompliant(verdict: Verdict): verdict is keyof typeof LISTED_VERDICTS {
  return verdict in LISTED_VERDICTS;
}

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
  const rows = (Object.entries(VERDICTS) as [Verdict, VerdictRow][]).map(([verdict, spec]) => {
    const severity = spec.severityWhenInactive
      ? `${spec.severity} (${spec.severityWhenInactive} if Inactive)`
      : spec.severity;
    return `| \`${verdict}\` | ${spec.check} | ${spec.when} | ${severity} | ${spec.failing ? 'yes' : 'no'} |`;
  });
  return [
    '| verdict | check | when | severity | failing |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
