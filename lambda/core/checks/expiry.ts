import { supportsExpiry } from '../credential-services';
import { DAY_MS } from '../time';
import type { CertificateCheck, Outcome } from './check';

/**
 * An expiration further out than this many days counts as none: Prowler's Bedrock check
 * (bedrock_api_key_no_long_term_credentials) treats a key more than 10,000 days from expiring as
 * one that never expires, as Datadog's rule does an expiration about 100 years out (IAM allows
 * CredentialAgeDays up to 36,600).
 */
export const NEVER_EXPIRES_AFTER_DAYS = 10_000;

type ExpiryVerdict = 'NEVER_EXPIRES' | 'EXPIRES_TOO_LATE' | 'CREDENTIAL_EXPIRED';

/** How the expiry verdicts are counted: like an over-age credential, or like an expired certificate. */
type ExpiryCount = 'nonCompliant' | 'contentIssues';

const REPLACE_KEY =
  'Create a key that expires within the maximum age (`--credential-age-days`), or use short-term API keys; move its users to it, then deactivate and delete this one.';

/**
 * The expiry of service-specific credentials, read from what IAM lists (ExpirationDate and
 * Status): an API key of a service that can expire them (credential-services.ts) that never
 * expires, or whose expiry lies further after its creation than the maximum age allows (the
 * kind's own, `serviceCredentialMaxAgeDays`, or `maxAgeDays`), and a credential that has
 * expired. Report-only: a change is the age check's to plan, so a young key that never expires
 * is reported and left working, and an Expired one is never changed. A password credential
 * (CodeCommit, Keyspaces) has no expiry to set and is judged by its age alone. A user's tags do
 * not change these verdicts: the maximum age here is the account's.
 */
export const expiryCheck: CertificateCheck<ExpiryVerdict, ExpiryCount> = {
  id: 'expiry',
  scope: 'certificate',
  description: 'Service-specific API keys expire within the maximum age',
  kinds: ['service-specific-credential'],
  usesUserRules: false,
  verdicts: {
    NEVER_EXPIRES: {
      title: 'IAM service-specific API key that never expires',
      when: `an API key (Bedrock, CloudWatch Logs, CloudWatch, Claude Platform) with no ExpirationDate, or one over ${NEVER_EXPIRES_AFTER_DAYS} days out`,
      severity: 'HIGH',
      severityWhenInactive: 'MEDIUM',
      remediation: `It works until someone deletes it. ${REPLACE_KEY}`,
      failing: true,
      count: { key: 'nonCompliant', metric: 'NonCompliant' },
    },
    EXPIRES_TOO_LATE: {
      title: 'IAM service-specific credential that expires after the maximum age',
      when: 'its ExpirationDate is more than the maximum age (`serviceCredentialMaxAgeDays`, else `maxAgeDays`) after its CreateDate',
      severity: 'MEDIUM',
      severityWhenInactive: 'LOW',
      remediation: `It outlives the policy. ${REPLACE_KEY}`,
      failing: true,
      count: { key: 'nonCompliant', metric: 'NonCompliant' },
    },
    CREDENTIAL_EXPIRED: {
      title: 'IAM service-specific credential that has expired',
      when: 'IAM lists it `Expired` (its ExpirationDate has passed); never changed',
      severity: 'INFO',
      remediation:
        'Nothing can use it: IAM stopped it at its expiry. Delete it once nobody needs to see it.',
      failing: false,
      count: { key: 'contentIssues', metric: 'CertificateContentIssues' },
    },
  },
  evaluate(credential, { now, policy }): Outcome<ExpiryVerdict>[] {
    if (credential.type !== 'service-specific-credential') return [];
    const { expiresAt, uploadDate } = credential;
    const ageDays =
      uploadDate === undefined ? null : Math.floor((now.getTime() - uploadDate.getTime()) / DAY_MS);
    if (credential.status === 'Expired' || (expiresAt !== null && expiresAt <= now)) {
      const when = expiresAt === null ? '' : ` at ${expiresAt.toISOString()}`;
      return [{ verdict: 'CREDENTIAL_EXPIRED', detail: `expired${when}`, ageDays }];
    }
    const farOut =
      expiresAt !== null && expiresAt.getTime() - now.getTime() > NEVER_EXPIRES_AFTER_DAYS * DAY_MS;
    if (expiresAt === null || farOut) {
      if (!supportsExpiry(credential.serviceName)) return [];
      const detail =
        expiresAt === null
          ? `${credential.serviceName} API key without an expiration date`
          : `${credential.serviceName} API key expiring at ${expiresAt.toISOString()}, more than ${NEVER_EXPIRES_AFTER_DAYS} days out: counted as never expiring`;
      return [{ verdict: 'NEVER_EXPIRES', detail, ageDays }];
    }
    if (uploadDate === undefined) return [];
    const lifetimeMs = expiresAt.getTime() - uploadDate.getTime();
    if (lifetimeMs <= policy.maxAgeDays * DAY_MS) return [];
    return [
      {
        verdict: 'EXPIRES_TOO_LATE',
        detail: `expires at ${expiresAt.toISOString()}, ${Math.floor(lifetimeMs / DAY_MS)} days after its creation; the maximum age is ${policy.maxAgeDays} days`,
        ageDays,
      },
    ];
  },
};
