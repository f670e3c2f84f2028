import type { MaxAgeOverride, UserRules } from './checks/check';
import type { Policy } from './settings';

/** The tag that overrides MAX_AGE_DAYS for one user (a positive whole number of days). */
export const MAX_AGE_TAG_KEY = 'signing-cert-audit:max-age-days';

/** What a user's tags decide: the rules the checks apply, and whether the user may be changed. */
export interface TagDecision {
  readonly rules: UserRules;
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
  policy: Pick<Policy, 'exemptTagKey' | 'maxOverrideDays'>,
): TagDecision {
  const { exemptTagKey, maxOverrideDays } = policy;
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
  let override: MaxAgeOverride | undefined;
  const maxAgeValue = tags.get(MAX_AGE_TAG_KEY);
  if (maxAgeValue !== undefined) {
    const days = /^\s*\d+\s*$/.test(maxAgeValue) ? Number(maxAgeValue) : Number.NaN;
    if (Number.isInteger(days) && days >= 1 && days <= maxOverrideDays) {
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
  return { rules: { override, exemptReason }, holdReason, problems };
}
