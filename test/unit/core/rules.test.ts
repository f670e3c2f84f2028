import { describe, expect, it } from 'vitest';
import { MAX_AGE_TAG_KEY, resolveUserRules } from '../../../lambda/core/rules';

describe('resolveUserRules', () => {
  const EXEMPT = 'signing-cert-audit:exempt';
  const rulesFor = (tags: Record<string, string>, cap = 365) =>
    resolveUserRules(new Map(Object.entries(tags)), { exemptTagKey: EXEMPT, maxOverrideDays: cap });

  it('applies the account policy to an untagged user', () => {
    expect(rulesFor({})).toEqual({
      rules: { override: undefined, exemptReason: undefined },
      holdReason: undefined,
      problems: [],
    });
  });

  it.each(['true', 'TRUE', ' True '])('exempts a user tagged %j', (value) => {
    expect(rulesFor({ [EXEMPT]: value })).toMatchObject({
      rules: { exemptReason: `user is tagged ${EXEMPT}=${value}` },
      holdReason: undefined,
      problems: [],
    });
  });

  it('does not exempt a user tagged false', () => {
    expect(rulesFor({ [EXEMPT]: 'false' })).toMatchObject({
      rules: { exemptReason: undefined },
      holdReason: undefined,
      problems: [],
    });
  });

  it.each(['yes', '1', ''])('holds a user whose exempt tag is %j, and says why', (value) => {
    const decision = rulesFor({ [EXEMPT]: value });

    expect(decision.rules.exemptReason).toBeUndefined();
    expect(decision.holdReason).toMatch(/not changed/);
    expect(decision.problems).toEqual([
      `tag ${EXEMPT}=${JSON.stringify(value)} is not allowed: expected true or false`,
    ]);
  });

  it('takes the maximum age from the tag', () => {
    const decision = rulesFor({ [MAX_AGE_TAG_KEY]: '365' });

    expect(decision.rules.override).toEqual({ tag: `${MAX_AGE_TAG_KEY}=365`, days: 365 });
    expect(decision.problems).toEqual([]);
  });

  it.each([
    ['36500', 365],
    ['366', 365],
    ['31', 30],
  ])('refuses a maximum-age tag of %j above the cap of %i days, naming the cap', (value, cap) => {
    const decision = rulesFor({ [MAX_AGE_TAG_KEY]: value }, cap);

    expect(decision.rules.override).toBeUndefined();
    expect(decision.problems).toEqual([
      `tag ${MAX_AGE_TAG_KEY}=${JSON.stringify(value)} is refused: above maxOverrideDays (${cap}); the account policy applies`,
    ]);
  });

  it('accepts a maximum-age tag at exactly the cap', () => {
    expect(rulesFor({ [MAX_AGE_TAG_KEY]: '30' }, 30).rules.override?.days).toBe(30);
  });

  it.each(['0', '-3', '1.5', 'abc', ''])(
    'refuses a maximum-age tag of %j and keeps the account policy',
    (value) => {
      const decision = rulesFor({ [MAX_AGE_TAG_KEY]: value });

      expect(decision.rules.override).toBeUndefined();
      expect(decision.holdReason).toBeUndefined();
      expect(decision.problems).toEqual([
        `tag ${MAX_AGE_TAG_KEY}=${JSON.stringify(value)} is not allowed: expected a whole number of days from 1 to 365; the account policy applies`,
      ]);
    },
  );
});
