import type { MaxAgeOverride, UserRules } from './checks/check';
import type { Policy } from './settings';
import { calendarDay, DAY_MS, MAX_DAYS } from './time';

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

/** An exemption's end: `until 2027-03-31`, the last day it holds (UTC). */
const UNTIL = /^until\s+(\d{4}-\d{2}-\d{2})$/i;

/**
 * What the exempt tag allows, for its refusals. An end more than {@link MAX_DAYS} (100 years, the
 * most `maxExemptionDays` may be) away is a typo or means "forever", which is `true`; 9999-12-31
 * would end at +010000-01-01, which no report can print as a date.
 */
const EXEMPT_ALLOWED = `true, false or until YYYY-MM-DD (the last day of the exemption, UTC: a day that exists, at most ${MAX_DAYS} days from now)`;

/**
 * Applies a user's tags to the account policy. `exemptTagKey=true` (any case) exempts the user;
 * `exemptTagKey=until 2027-03-31` exempts it through that day (UTC, a day that exists and at most
 * {@link MAX_DAYS} days away), after which its certificates are judged and acted on as any other;
 * `false` does not exempt; any other value is
 * a problem, and the user is then left unchanged this run, since someone plainly meant something
 * by it. With `maxExemptionDays`, an exemption must end within that many days: one without an
 * end, or ending later, is refused as a problem and the account policy applies (an exemption
 * that lasts forever is what auditors flag). `signing-cert-audit:max-age-days` sets the user's
 * own maximum age, keeping the account's delete grace period, up to `maxOverrideDays`: anyone
 * allowed iam:TagUser could otherwise hide a stale certificate behind a century-long override.
 * An unusable or over-cap value is a problem and the account policy applies.
 */
export function resolveUserRules(
  tags: ReadonlyMap<string, string>,
  policy: Pick<Policy, 'exemptTagKey' | 'maxOverrideDays' | 'maxExemptionDays'>,
  now: Date,
): TagDecision {
  const { exemptTagKey, maxOverrideDays, maxExemptionDays } = policy;
  const problems: string[] = [];
  let exemptReason: string | undefined;
  let exemptUntil: Date | undefined;
  let endedExemption: string | undefined;
  let holdReason: string | undefined;
  const exemptValue = tags.get(exemptTagKey);
  if (exemptValue !== undefined) {
    const tag = `tag ${exemptTagKey}=${JSON.stringify(exemptValue)}`;
    const normalized = exemptValue.trim().toLowerCase();
    const until = UNTIL.exec(exemptValue.trim());
    const day = until?.[1] === undefined ? undefined : calendarDay(until[1]);
    const lastDay =
      day && day.getTime() + DAY_MS - now.getTime() <= (MAX_DAYS + 1) * DAY_MS ? day : undefined;
    if (normalized === 'true' && maxExemptionDays !== undefined) {
      problems.push(
        `${tag} is refused: exemptions must end within maxExemptionDays (${maxExemptionDays} days), as ${exemptTagKey}=until YYYY-MM-DD; the account policy applies`,
      );
    } else if (normalized === 'true') {
      exemptReason = `user is tagged ${exemptTagKey}=${exemptValue}`;
    } else if (lastDay !== undefined) {
      const end = new Date(lastDay.getTime() + DAY_MS);
      const day = lastDay.toISOString().slice(0, 10);
      if (end.getTime() <= now.getTime()) {
        endedExemption = `its user's exemption (${exemptTagKey}=${exemptValue.trim()}) ended on ${day}`;
      } else if (
        maxExemptionDays !== undefined &&
        end.getTime() - now.getTime() > (maxExemptionDays + 1) * DAY_MS
      ) {
        problems.push(
          `${tag} is refused: it ends more than maxExemptionDays (${maxExemptionDays} days) from now; the account policy applies`,
        );
      } else {
        exemptReason = `user is tagged ${exemptTagKey}=${exemptValue.trim()}`;
        exemptUntil = end;
      }
    } else if (normalized !== 'false') {
      problems.push(`${tag} is not allowed: expected ${EXEMPT_ALLOWED}`);
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
  return {
    rules: {
      override,
      exemptReason,
      ...(exemptUntil ? { exemptUntil } : {}),
      ...(endedExemption ? { endedExemption } : {}),
    },
    holdReason,
    problems,
  };
}
