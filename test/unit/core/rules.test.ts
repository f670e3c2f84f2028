import { describe, expect, it } from 'vitest';
import { MAX_AGE_TAG_KEY, resolveUserRules } from '../../../lambda/core/rules';
import { NOW } from '../fixtures';

describe('resolveUserRules', () => {
  const EXEMPT = 'signing-cert-audit:exempt';
  const rulesFor = (
    tags: Record<string, string>,
    cap = 365,
    maxExemptionDays: number | undefined = undefined,
  ) =>
    resolveUserRules(
      new Map(Object.entries(tags)),
      { exemptTagKey: EXEMPT, maxOverrideDays: cap, maxExemptionDays },
      NOW,
    );

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

  it.each(['yes', '1', '', 'until 2026-02-30', 'until tomorrow', 'until 2026/12/01'])(
    'holds a user whose exempt tag is %j, and says why',
    (value) => {
      const decision = rulesFor({ [EXEMPT]: value });

      expect(decision.rules.exemptReason).toBeUndefined();
      expect(decision.holdReason).toMatch(/not changed/);
      expect(decision.problems).toEqual([
        `tag ${EXEMPT}=${JSON.stringify(value)} is not allowed: expected true, false or until YYYY-MM-DD (the last day of the exemption, UTC: a day that exists, at most 36500 days from now)`,
      ]);
    },
  );

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

  describe('exemptions that expire', () => {
    // NOW is 2026-11-23T06:00Z.
    it('exempts through the last day named, and says when it ends', () => {
      const decision = rulesFor({ [EXEMPT]: 'until 2026-12-31' });

      expect(decision.rules).toMatchObject({
        exemptReason: `user is tagged ${EXEMPT}=until 2026-12-31`,
        exemptUntil: new Date('2027-01-01T00:00:00.000Z'),
      });
      expect(decision.problems).toEqual([]);
      // The last day itself is still exempt.
      expect(rulesFor({ [EXEMPT]: 'UNTIL 2026-11-23' }).rules.exemptUntil).toEqual(
        new Date('2026-11-24T00:00:00.000Z'),
      );
    });

    it('judges the user as any other once the day has passed, saying which exemption ended', () => {
      const decision = rulesFor({ [EXEMPT]: 'until 2026-11-22' });

      expect(decision.rules.exemptReason).toBeUndefined();
      expect(decision.rules.endedExemption).toBe(
        `its user's exemption (${EXEMPT}=until 2026-11-22) ended on 2026-11-22`,
      );
      expect(decision.holdReason).toBeUndefined();
      expect(decision.problems).toEqual([]);
    });

    it.each(['until 9999-12-31', 'until 2126-10-31'])(
      'holds a user whose exemption ends more than 100 years (36500 days) away, %j, as an unusable tag',
      (value) => {
        // 9999-12-31 would end at +010000-01-01, a date no report can print as a date; a bound
        // that far off is a typo or "forever", which is `true` (refused under maxExemptionDays).
        const decision = rulesFor({ [EXEMPT]: value });

        expect(decision.rules.exemptReason).toBeUndefined();
        expect(decision.rules.exemptUntil).toBeUndefined();
        expect(decision.holdReason).toBe(`not changed: the ${EXEMPT} tag has an unusable value`);
        expect(decision.problems).toEqual([
          `tag ${EXEMPT}=${JSON.stringify(value)} is not allowed: expected true, false or until YYYY-MM-DD (the last day of the exemption, UTC: a day that exists, at most 36500 days from now)`,
        ]);
        // The same with maxExemptionDays: unusable, not merely too late.
        expect(rulesFor({ [EXEMPT]: value }, 365, 90).holdReason).toBeDefined();
      },
    );

    it('accepts an exemption whose last day is 36500 days from now (the control of the bound)', () => {
      const decision = rulesFor({ [EXEMPT]: 'until 2126-10-30' });

      expect(decision.problems).toEqual([]);
      expect(decision.rules.exemptUntil).toEqual(new Date('2126-10-31T00:00:00.000Z'));
    });

    it('refuses, with maxExemptionDays, an exemption without an end or ending too late, and applies the account policy', () => {
      const forever = rulesFor({ [EXEMPT]: 'true' }, 365, 90);
      const tooLate = rulesFor({ [EXEMPT]: 'until 2027-06-01' }, 365, 90);
      const inTime = rulesFor({ [EXEMPT]: 'until 2027-02-20' }, 365, 90);

      expect(forever.rules.exemptReason).toBeUndefined();
      expect(forever.holdReason).toBeUndefined();
      expect(forever.problems).toEqual([
        `tag ${EXEMPT}="true" is refused: exemptions must end within maxExemptionDays (90 days), as ${EXEMPT}=until YYYY-MM-DD; the account policy applies`,
      ]);
      expect(tooLate.rules.exemptReason).toBeUndefined();
      expect(tooLate.problems).toEqual([
        `tag ${EXEMPT}="until 2027-06-01" is refused: it ends more than maxExemptionDays (90 days) from now; the account policy applies`,
      ]);
      expect(inTime.rules.exemptReason).toBeDefined();
      expect(inTime.problems).toEqual([]);
    });
  });
});
