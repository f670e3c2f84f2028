import type { Policy } from './config';

/** One day in milliseconds: ages are compared to the millisecond, never rounded. */
export const DAY_MS = 86_400_000;

/** The facts about a certificate that the age policy looks at. */
export interface CertificateAge {
  readonly status: string;
  readonly uploadDate: Date;
}

/** A change the policy wants made to one certificate. */
export type PlannedAction = 'DEACTIVATE' | 'DELETE';

/** The verdict on one certificate, cdk-nag style: a discriminated union, decided without any I/O. */
export type Evaluation =
  | { readonly verdict: 'COMPLIANT'; readonly ageDays: number }
  | { readonly verdict: 'EXPIRING_SOON'; readonly ageDays: number }
  | {
      readonly verdict: 'NON_COMPLIANT';
      readonly ageDays: number;
      /** What the mode asks for; `undefined` when nothing is to change (report mode, or already Inactive and not yet due for deletion). */
      readonly plannedAction: PlannedAction | undefined;
    };

/** The policy settings that decide a verdict. */
export type AgePolicy = Pick<Policy, 'maxAgeDays' | 'warnBeforeDays' | 'mode' | 'deleteAfterDays'>;

/**
 * Judges one certificate against the age policy at `now`.
 * NON_COMPLIANT when uploaded strictly more than maxAgeDays ago; EXPIRING_SOON when within
 * warnBeforeDays of that; otherwise COMPLIANT. In delete mode a non-compliant certificate older
 * than deleteAfterDays is deleted and a younger Active one is deactivated first (a grace period).
 */
export function evaluateCertificate(
  cert: CertificateAge,
  now: Date,
  policy: AgePolicy,
): Evaluation {
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
  if (policy.mode === 'delete' && ageMs > policy.deleteAfterDays * DAY_MS) return 'DELETE';
  // Only an Active certificate is deactivated: an Inactive (or Expired) one is never "deactivated" again.
  if (policy.mode !== 'report' && cert.status === 'Active') return 'DEACTIVATE';
  return undefined;
}
