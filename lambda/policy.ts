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
 * warnBeforeDays of that; otherwise COMPLIANT. An over-age Active certificate is deactivated
 * (deactivate and delete modes); in delete mode an over-age Inactive one older than
 * deleteAfterDays is deleted. Delete mode never deletes a certificate that was Active when listed.
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
  if (policy.mode === 'report') return undefined;
  // Nothing irreversible in one step: a certificate Active when listed is only deactivated, in
  // delete mode too, so whatever still used it breaks visibly and recoverably first; a later run
  // deletes it once it is Inactive and older than deleteAfterDays.
  if (cert.status === 'Active') return 'DEACTIVATE';
  if (policy.mode === 'delete' && ageMs > policy.deleteAfterDays * DAY_MS) return 'DELETE';
  return undefined;
}

/** The tag that overrides MAX_AGE_DAYS for one user (a positive whole number of days). */
export const MAX_AGE_TAG_KEY = 'signing-cert-audit:max-age-days';

/** A per-user maximum age taken from the user's tag. */
export interface MaxAgeOverride {
  /** The tag as found, `key=value`, for the finding's detail. */
  readonly tag: string;
  readonly days: number;
}

/** How the policy applies to one user, decided from its tags. */
export interface UserRules {
  /** The age policy for this user: the account's, or with the user's own maximum age. */
  readonly policy: AgePolicy;
  /** Set when the user's maximum-age tag applies. */
  readonly override: MaxAgeOverride | undefined;
  /** Set when the user is exempt: the reason, as reported. */
  readonly exemptReason: string | undefined;
  /** Set when no change may be made to this user's certificates this run, and why. */
  readonly holdReason: string | undefined;
  /** Tag values that could not be used, each a sentence naming the tag, its value and what is allowed. */
  readonly problems: readonly string[];
}

/**
 * Applies a user's tags to the account policy. `exemptTagKey=true` (any case) exempts the user;
 * `false` does not; any other value is a problem, and the user is then left unchanged this run,
 * since someone plainly meant something by it. `signing-cert-audit:max-age-days` sets the
 * user's own maximum age, keeping the account's delete grace period, up to `maxOverrideDays`:
 * anyone allowed iam:TagUser could otherwise hide a stale certificate behind a century-long
 * override. An unusable or over-cap value is a problem and the account policy applies.
 */
export function resolveUserRules(
  tags: ReadonlyMap<string, string>,
  policy: AgePolicy,
  exemptTagKey: string,
  maxOverrideDays: number,
): UserRules {
  const problems: string[] = [];
  let exemptReason: string | undefined;
  let holdReason: string | undefined;
  const exemptValue = tags.get(exemptTagKey);
  if (exemptValue !== undefined) {
    const normalized = exemptValue.trim().toLowerCase();
    if (normalized === 'true') {
      exemptReason = `user is tagged ${exemptTagKey}=${exemptValue}`;
    } else if (normalized !== 'false') {
      problems.push(
        `tag ${exemptTagKey}=${JSON.stringify(exemptValue)} is not allowed: expected true or false`,
      );
      holdReason = `not changed: the ${exemptTagKey} tag has an unusable value`;
    }
  }
  let userPolicy = policy;
  let override: MaxAgeOverride | undefined;
  const maxAgeValue = tags.get(MAX_AGE_TAG_KEY);
  if (maxAgeValue !== undefined) {
    const days = /^\s*\d+\s*$/.test(maxAgeValue) ? Number(maxAgeValue) : Number.NaN;
    if (Number.isInteger(days) && days >= 1 && days <= maxOverrideDays) {
      const grace = policy.deleteAfterDays - policy.maxAgeDays;
      userPolicy = { ...policy, maxAgeDays: days, deleteAfterDays: days + grace };
      override = { tag: `${MAX_AGE_TAG_KEY}=${maxAgeValue}`, days };
    } else {
      const above = Number.isInteger(days) && days > maxOverrideDays;
      problems.push(
        above
          ? `tag ${MAX_AGE_TAG_KEY}=${JSON.stringify(maxAgeValue)} is refused: above maxOverrideDays (${maxOverrideDays}); the account policy applies`
          : `tag ${MAX_AGE_TAG_KEY}=${JSON.stringify(maxAgeValue)} is not allowed: expected a whole number of days from 1 to ${maxOverrideDays}; the account policy applies`,
      );
    }
  }
  return { policy: userPolicy, override, exemptReason, holdReason, problems };
}

/** The facts of a certificate's content that the checks look at (see x509.ts). */
export interface ContentFacts {
  readonly notAfter: Date;
  readonly keyType: string;
  readonly keyBits: number | undefined;
  readonly signatureAlgorithm: string;
}

/** A report-only finding about what is inside a certificate. */
export interface ContentIssue {
  readonly verdict: 'CERT_EXPIRED' | 'CERT_EXPIRING' | 'WEAK_KEY' | 'WEAK_SIGNATURE';
  readonly detail: string;
}

/** Signature algorithms (as x509.ts names them) whose hash no longer resists collisions. */
export const WEAK_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  'md2WithRSAEncryption',
  'md4WithRSAEncryption',
  'md5WithRSAEncryption',
  'sha1WithRSAEncryption',
  'sha1WithRSASignature',
  'dsaWithSHA1',
  'ecdsaWithSHA1',
  'rsassaPss(md5)',
  'rsassaPss(sha1)',
]);

/**
 * The signature algorithms vouched for: SHA-2 or SHA-3 with RSA (PKCS #1 v1.5 or PSS), DSA or
 * ECDSA, and EdDSA. The check fails closed: an algorithm outside this list, including one
 * x509.ts can only name by its OID, is reported rather than assumed sound.
 */
export const STRONG_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  'sha224WithRSAEncryption',
  'sha256WithRSAEncryption',
  'sha384WithRSAEncryption',
  'sha512WithRSAEncryption',
  'sha3-224WithRSAEncryption',
  'sha3-256WithRSAEncryption',
  'sha3-384WithRSAEncryption',
  'sha3-512WithRSAEncryption',
  'rsassaPss(sha224)',
  'rsassaPss(sha256)',
  'rsassaPss(sha384)',
  'rsassaPss(sha512)',
  'dsaWithSHA224',
  'dsaWithSHA256',
  'ecdsaWithSHA224',
  'ecdsaWithSHA256',
  'ecdsaWithSHA384',
  'ecdsaWithSHA512',
  'ecdsaWithSHA3-224',
  'ecdsaWithSHA3-256',
  'ecdsaWithSHA3-384',
  'ecdsaWithSHA3-512',
  'Ed25519',
  'Ed448',
]);

/** Smallest key sizes accepted, in bits (DSA is held to RSA's, as NIST does). */
export const MIN_KEY_BITS: Readonly<Record<string, number>> = {
  rsa: 2048,
  'rsa-pss': 2048,
  dsa: 2048,
  ec: 256,
};

/**
 * Checks what is inside a certificate: expired, expiring within `warnBeforeDays`, an RSA or DSA
 * key under 2048 bits or an EC key under 256 (or on a curve whose size cannot be told), a weak
 * or unrecognised signature algorithm (fail closed: only the ones listed as strong pass). Pure, and never a reason to change anything: remediation stays driven by age.
 */
export function checkCertificateContent(
  facts: ContentFacts,
  now: Date,
  warnBeforeDays: number,
): ContentIssue[] {
  const issues: ContentIssue[] = [];
  const notAfter = facts.notAfter.toISOString();
  if (facts.notAfter.getTime() < now.getTime()) {
    issues.push({ verdict: 'CERT_EXPIRED', detail: `the certificate expired at ${notAfter}` });
  } else if (
    warnBeforeDays > 0 &&
    facts.notAfter.getTime() - now.getTime() <= warnBeforeDays * DAY_MS
  ) {
    issues.push({ verdict: 'CERT_EXPIRING', detail: `the certificate expires at ${notAfter}` });
  }
  const minimum = MIN_KEY_BITS[facts.keyType];
  if (minimum !== undefined && (facts.keyBits === undefined || facts.keyBits < minimum)) {
    // A key whose size cannot be told is not vouched for: it is reported, never assumed strong.
    const size = facts.keyBits === undefined ? 'of unknown size' : `of ${facts.keyBits} bits`;
    issues.push({
      verdict: 'WEAK_KEY',
      detail: `${facts.keyType.toUpperCase()} key ${size}; at least ${minimum} required`,
    });
  }
  if (WEAK_SIGNATURE_ALGORITHMS.has(facts.signatureAlgorithm)) {
    issues.push({
      verdict: 'WEAK_SIGNATURE',
      detail: `signed with ${facts.signatureAlgorithm}; MD5 and SHA-1 signatures can be forged`,
    });
  } else if (!STRONG_SIGNATURE_ALGORITHMS.has(facts.signatureAlgorithm)) {
    issues.push({
      verdict: 'WEAK_SIGNATURE',
      detail: `signed with an unrecognised algorithm (${facts.signatureAlgorithm}); it is not vouched for`,
    });
  }
  return issues;
}
