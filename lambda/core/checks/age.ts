import { CREDENTIAL_TYPES } from '../credential';
import type { Mode, Policy } from '../settings';
import { DAY_MS } from '../time';
import type { CertificateCheck, Outcome, PlannedAction, TagOverride, UserRules } from './check';

/** The age policy settings that decide a verdict. */
export type AgePolicy = Pick<Policy, 'maxAgeDays' | 'warnBeforeDays' | 'mode' | 'deleteAfterDays'>;

/** The facts about a certificate that the age policy looks at. */
export interface CertificateAge {
  readonly status: string;
  readonly uploadDate: Date;
}

/** The age verdict on one certificate, cdk-nag style: a discriminated union, decided without I/O. */
export type Evaluation =
  | { readonly verdict: 'COMPLIANT'; readonly ageDays: number }
  | { readonly verdict: 'EXPIRING_SOON'; readonly ageDays: number }
  | {
      readonly verdict: 'NON_COMPLIANT';
      readonly ageDays: number;
      /** What the mode asks for; `undefined` when nothing is to change (report mode, or Inactive and not yet due for deletion). */
      readonly plannedAction: PlannedAction | undefined;
    };

/**
 * Judges one certificate against the age policy at `now`.
 * NON_COMPLIANT when uploaded strictly more than maxAgeDays ago; EXPIRING_SOON when within
 * warnBeforeDays of that; otherwise COMPLIANT. An over-age Active certificate is deactivated
 * (deactivate and delete modes); in delete mode an over-age Inactive one older than
 * deleteAfterDays is deleted. Delete mode never deletes a certificate that was Active when listed.
 * An Expired credential is judged but never changed.
 */
export function evaluateAge(cert: CertificateAge, now: Date, policy: AgePolicy): Evaluation {
  const ageMs = now.getTime() - cert.uploadDate.getTime();
  const ageDays = Math.floor(ageMs / DAY_MS);
  if (ageMs > policy.maxAgeDays * DAY_MS) {
    return { verdict: 'NON_COMPLIANT', ageDays, plannedAction: planAction(cert, ageMs, policy) };
  }
  if (policy.warnBeforeDays > 0 && ageMs > (policy.maxAgeDays - policy.warnBeforeDays) * DAY_MS) {
    return { verdict: 'EXPIRING_SOON', ageDays };
  }
  return { verdict: 'COMPLIANT', ageDays };
}

function planAction(
  cert: CertificateAge,
  ageMs: number,
  policy: AgePolicy,
): PlannedAction | undefined {
  if (policy.mode === 'report') return undefined;
  // An Expired credential no longer works (IAM stopped it at its own date): it is reported,
  // never changed, in every mode and for every kind.
  if (cert.status === 'Expired') return undefined;
  // Nothing irreversible in one step: a certificate Active when listed is only deactivated, in
  // delete mode too, so whatever still used it breaks visibly and recoverably first; a later run
  // deletes it once it is Inactive and older than deleteAfterDays.
  if (cert.status === 'Active') return 'DEACTIVATE';
  if (policy.mode === 'delete' && ageMs > policy.deleteAfterDays * DAY_MS) return 'DELETE';
  return undefined;
}

/** The account policy with a user's own maximum age, keeping the account's delete grace period. */
export function userAgePolicy(policy: AgePolicy, rules: UserRules): AgePolicy {
  if (rules.override === undefined) return policy;
  const grace = policy.deleteAfterDays - policy.maxAgeDays;
  return {
    ...policy,
    maxAgeDays: rules.override.days,
    deleteAfterDays: rules.override.days + grace,
  };
}

const planned = (e: Evaluation) => (e.verdict === 'NON_COMPLIANT' ? e.plannedAction : undefined);

type AgeVerdict =
  | 'NON_COMPLIANT'
  | 'EXPIRING_SOON'
  | 'EXEMPT'
  | 'EXEMPTION_EXPIRING'
  | 'OVERRIDDEN';
type AgeCount = 'nonCompliant' | 'expiringSoon' | 'exempt' | 'exemptionsExpiring' | 'overridden';

/**
 * The age check: how long ago the certificate was uploaded, against the account policy and the
 * user's tags. A tag never hides anything: a certificate whose verdict or planned action a tag
 * changed carries an `override`, and one compliant only by the tag is listed as OVERRIDDEN.
 */
export const ageCheck: CertificateCheck<AgeVerdict, AgeCount> = {
  id: 'age',
  scope: 'certificate',
  description: 'Signing certificates are rotated within the maximum age',
  kinds: CREDENTIAL_TYPES,
  usesUserRules: true,
  verdicts: {
    NON_COMPLIANT: {
      title: 'IAM signing certificate older than the maximum age',
      when: 'uploaded more than `maxAgeDays` ago',
      severity: 'HIGH',
      severityWhenInactive: 'MEDIUM',
      remediation:
        'Rotate the certificate: upload a new one with `aws iam upload-signing-certificate`, move its users to it, then deactivate and delete the old one (deactivate or delete mode does this). If nothing uses it any more, delete it.',
      failing: true,
      count: { key: 'nonCompliant', metric: 'NonCompliant' },
    },
    EXPIRING_SOON: {
      title: 'IAM signing certificate close to the maximum age',
      when: 'within `warnBeforeDays` of `maxAgeDays`',
      severity: 'LOW',
      remediation:
        'Plan the rotation now: upload a new signing certificate and move its users to it before the old one reaches the maximum age and is switched off.',
      failing: false,
      count: { key: 'expiringSoon', metric: 'ExpiringSoon' },
    },
    EXEMPT: {
      title: 'IAM signing certificate of an exempt user',
      when: 'an exemptions file entry in force names the credential (or its user or kind), or the user is tagged `exemptTagKey` = `true`; never changed',
      severity: 'INFO',
      remediation:
        'Review the exemption: remove its exemptions file entry (or the exempt tag) once the certificate can be rotated, and keep the tag key protected by an SCP.',
      failing: false,
      count: { key: 'exempt', metric: 'Exempt' },
    },
    EXEMPTION_EXPIRING: {
      title: 'IAM signing certificate whose exemption ends soon',
      when: "the exemptions file entry (its `expires`) or the user's `exemptTagKey` = `until YYYY-MM-DD` tag ends within `warnBeforeDays`; never changed until then",
      severity: 'LOW',
      remediation:
        'Rotate the certificate before the exemption ends, or have the exemption renewed (a new end date, reviewed): after it ends, the certificate is judged, and in deactivate or delete mode acted on, as any other.',
      failing: false,
      count: { key: 'exemptionsExpiring', metric: 'ExemptionsExpiring' },
    },
    OVERRIDDEN: {
      title: "IAM signing certificate kept compliant by its user's maximum-age tag",
      when: "compliant only because of the user's `signing-cert-audit:max-age-days` tag",
      severity: 'LOW',
      remediation:
        'Review the per-user maximum age: the certificate is older than the account policy allows. Remove or shorten the tag unless the longer lifetime is approved, and keep the tag key protected by an SCP.',
      failing: false,
      count: { key: 'overridden', metric: 'Overridden' },
    },
  },
  evaluate(certificate, { now, policy, rules }): Outcome<AgeVerdict>[] {
    if (certificate.uploadDate === undefined) return [];
    const age = { status: certificate.status, uploadDate: certificate.uploadDate };
    const account = evaluateAge(age, now, policy);
    const evaluation = rules.override
      ? evaluateAge(age, now, userAgePolicy(policy, rules))
      : account;
    const changed =
      rules.override !== undefined &&
      (evaluation.verdict !== account.verdict || planned(evaluation) !== planned(account));
    const override: TagOverride | undefined =
      changed && rules.override
        ? {
            tag: rules.override.tag,
            accountVerdict: account.verdict,
            accountPlannedAction: planned(account) ?? null,
          }
        : undefined;
    const overrideNote = override
      ? `tag ${override.tag} applies; under the account policy (${policy.maxAgeDays} days) this certificate is ${override.accountVerdict}${override.accountPlannedAction ? ` (${override.accountPlannedAction})` : ''}`
      : null;
    const base = { ageDays: evaluation.ageDays, ...(override ? { override } : {}) };
    if (evaluation.verdict === 'COMPLIANT') {
      return override ? [{ ...base, verdict: 'OVERRIDDEN', detail: overrideNote }] : [];
    }
    if (rules.exemptReason !== undefined) {
      const until = rules.exemptUntil;
      const daysLeft = until ? Math.ceil((until.getTime() - now.getTime()) / DAY_MS) : undefined;
      const ending =
        until && daysLeft !== undefined
          ? `the exemption ends at ${until.toISOString()}${daysLeft <= policy.warnBeforeDays ? ` (in ${daysLeft} day${daysLeft === 1 ? '' : 's'})` : ''}: the certificate is then judged as any other`
          : null;
      const expiring = daysLeft !== undefined && daysLeft <= policy.warnBeforeDays;
      return [
        {
          ...base,
          verdict: expiring ? 'EXEMPTION_EXPIRING' : 'EXEMPT',
          detail: joinDetails(rules.exemptReason, ending, overrideNote),
        },
      ];
    }
    if (evaluation.verdict === 'EXPIRING_SOON') {
      return [
        {
          ...base,
          verdict: 'EXPIRING_SOON',
          detail: joinDetails(rules.endedExemption, overrideNote),
        },
      ];
    }
    const twoSteps = twoStepNote(
      policy.mode,
      evaluation.plannedAction,
      userAgePolicy(policy, rules),
    );
    return [
      {
        ...base,
        verdict: 'NON_COMPLIANT',
        detail: joinDetails(rules.endedExemption, overrideNote, twoSteps),
        ...(evaluation.plannedAction ? { plannedAction: evaluation.plannedAction } : {}),
      },
    ];
  },
};

function twoStepNote(
  mode: Mode,
  plannedAction: PlannedAction | undefined,
  policy: AgePolicy,
): string | null {
  return mode === 'delete' && plannedAction === 'DEACTIVATE'
    ? `delete mode deactivates first: a later run deletes it once it is Inactive and more than ${policy.deleteAfterDays} days old`
    : null;
}

/** Joins the sentences that are present with "; ", or null when none is. */
export function joinDetails(...details: readonly (string | null | undefined)[]): string | null {
  const present = details.filter((detail): detail is string => Boolean(detail));
  return present.length === 0 ? null : present.join('; ');
}
