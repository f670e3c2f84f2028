import { describe, expect, it } from 'vitest';
import {
  type AgePolicy,
  DAY_MS,
  evaluateCertificate,
  MAX_AGE_TAG_KEY,
  resolveUserRules,
} from '../../lambda/policy';

const NOW = new Date('2026-11-23T06:00:00.000Z');
const daysAgo = (days: number, extraMs = 0) => new Date(NOW.getTime() - days * DAY_MS - extraMs);
const policy = (overrides: Partial<AgePolicy> = {}): AgePolicy => ({
  maxAgeDays: 90,
  warnBeforeDays: 14,
  mode: 'report',
  deleteAfterDays: 90,
  ...overrides,
});

describe('evaluateCertificate', () => {
  it('finds a certificate exactly maxAgeDays old compliant', () => {
    const result = evaluateCertificate(
      { status: 'Active', uploadDate: daysAgo(90) },
      NOW,
      policy({ warnBeforeDays: 0 }),
    );
    expect(result).toEqual({ verdict: 'COMPLIANT', ageDays: 90 });
  });

  it('finds a certificate one millisecond over maxAgeDays non-compliant', () => {
    const result = evaluateCertificate(
      { status: 'Active', uploadDate: daysAgo(90, 1) },
      NOW,
      policy(),
    );
    expect(result).toEqual({ verdict: 'NON_COMPLIANT', ageDays: 90, plannedAction: undefined });
  });

  it('warns within warnBeforeDays of the limit, strictly', () => {
    expect(
      evaluateCertificate({ status: 'Active', uploadDate: daysAgo(76) }, NOW, policy()).verdict,
    ).toBe('COMPLIANT');
    expect(
      evaluateCertificate({ status: 'Active', uploadDate: daysAgo(76, 1) }, NOW, policy()).verdict,
    ).toBe('EXPIRING_SOON');
    expect(
      evaluateCertificate({ status: 'Active', uploadDate: daysAgo(90) }, NOW, policy()).verdict,
    ).toBe('EXPIRING_SOON');
  });

  it('never warns when warnBeforeDays is 0', () => {
    const result = evaluateCertificate(
      { status: 'Active', uploadDate: daysAgo(89, DAY_MS - 1) },
      NOW,
      policy({ warnBeforeDays: 0 }),
    );
    expect(result.verdict).toBe('COMPLIANT');
  });

  it('treats a certificate from the future (clock skew) as compliant', () => {
    expect(
      evaluateCertificate({ status: 'Active', uploadDate: daysAgo(-1) }, NOW, policy()).verdict,
    ).toBe('COMPLIANT');
  });

  it('plans nothing in report mode', () => {
    const result = evaluateCertificate(
      { status: 'Active', uploadDate: daysAgo(400) },
      NOW,
      policy({ mode: 'report' }),
    );
    expect(result).toMatchObject({
      verdict: 'NON_COMPLIANT',
      ageDays: 400,
      plannedAction: undefined,
    });
  });

  it('plans deactivation of an over-age Active certificate in deactivate mode', () => {
    const result = evaluateCertificate(
      { status: 'Active', uploadDate: daysAgo(91) },
      NOW,
      policy({ mode: 'deactivate' }),
    );
    expect(result).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: 'DEACTIVATE' });
  });

  it('never deactivates an already Inactive certificate', () => {
    const result = evaluateCertificate(
      { status: 'Inactive', uploadDate: daysAgo(400) },
      NOW,
      policy({ mode: 'deactivate' }),
    );
    expect(result).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: undefined });
  });

  it('never deletes a certificate that is Active in delete mode, however old: it deactivates it', () => {
    const p = policy({ mode: 'delete' });
    for (const days of [91, 1000, 36_500]) {
      expect(
        evaluateCertificate({ status: 'Active', uploadDate: daysAgo(days) }, NOW, p),
      ).toMatchObject({ plannedAction: 'DEACTIVATE' });
    }
    expect(
      evaluateCertificate({ status: 'Inactive', uploadDate: daysAgo(91) }, NOW, p),
    ).toMatchObject({ plannedAction: 'DELETE' });
  });

  it('deactivates first, then deletes after deleteAfterDays (grace period)', () => {
    // Prepare
    const p = policy({ mode: 'delete', deleteAfterDays: 120 });

    // Act
    const young = evaluateCertificate({ status: 'Active', uploadDate: daysAgo(100) }, NOW, p);
    const oldActive = evaluateCertificate({ status: 'Active', uploadDate: daysAgo(500) }, NOW, p);
    const youngInactive = evaluateCertificate(
      { status: 'Inactive', uploadDate: daysAgo(100) },
      NOW,
      p,
    );
    const atGrace = evaluateCertificate({ status: 'Inactive', uploadDate: daysAgo(120) }, NOW, p);
    const old = evaluateCertificate({ status: 'Inactive', uploadDate: daysAgo(120, 1) }, NOW, p);

    // Assess
    expect(young).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: 'DEACTIVATE' });
    expect(oldActive).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: 'DEACTIVATE' });
    expect(youngInactive).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: undefined });
    expect(atGrace).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: undefined });
    expect(old).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: 'DELETE' });
  });
});

describe('resolveUserRules', () => {
  const EXEMPT = 'signing-cert-audit:exempt';
  const rulesFor = (tags: Record<string, string>, p: AgePolicy = policy(), cap = 365) =>
    resolveUserRules(new Map(Object.entries(tags)), p, EXEMPT, cap);

  it('applies the account policy to an untagged user', () => {
    expect(rulesFor({})).toEqual({
      policy: policy(),
      override: undefined,
      exemptReason: undefined,
      holdReason: undefined,
      problems: [],
    });
  });

  it.each(['true', 'TRUE', ' True '])('exempts a user tagged %j', (value) => {
    expect(rulesFor({ [EXEMPT]: value })).toMatchObject({
      exemptReason: `user is tagged ${EXEMPT}=${value}`,
      holdReason: undefined,
      problems: [],
    });
  });

  it('does not exempt a user tagged false', () => {
    expect(rulesFor({ [EXEMPT]: 'false' })).toMatchObject({
      exemptReason: undefined,
      holdReason: undefined,
      problems: [],
    });
  });

  it.each(['yes', '1', ''])('holds a user whose exempt tag is %j, and says why', (value) => {
    const rules = rulesFor({ [EXEMPT]: value });

    expect(rules.exemptReason).toBeUndefined();
    expect(rules.holdReason).toMatch(/not changed/);
    expect(rules.problems).toEqual([
      `tag ${EXEMPT}=${JSON.stringify(value)} is not allowed: expected true or false`,
    ]);
  });

  it('takes the maximum age from the tag and keeps the account grace period', () => {
    const rules = rulesFor({ [MAX_AGE_TAG_KEY]: '365' }, policy({ deleteAfterDays: 120 }));

    expect(rules.policy).toMatchObject({ maxAgeDays: 365, deleteAfterDays: 395 });
    expect(rules.override).toEqual({ tag: `${MAX_AGE_TAG_KEY}=365`, days: 365 });
    expect(rules.problems).toEqual([]);
  });

  it.each([
    ['36500', 365],
    ['366', 365],
    ['31', 30],
  ])('refuses a maximum-age tag of %j above the cap of %i days, naming the cap', (value, cap) => {
    const rules = rulesFor({ [MAX_AGE_TAG_KEY]: value }, policy(), cap);

    expect(rules.policy).toEqual(policy());
    expect(rules.override).toBeUndefined();
    expect(rules.problems).toEqual([
      `tag ${MAX_AGE_TAG_KEY}=${JSON.stringify(value)} is refused: above maxOverrideDays (${cap}); the account policy applies`,
    ]);
  });

  it('accepts a maximum-age tag at exactly the cap', () => {
    expect(rulesFor({ [MAX_AGE_TAG_KEY]: '30' }, policy(), 30).policy.maxAgeDays).toBe(30);
  });

  it.each(['0', '-3', '1.5', 'abc', ''])(
    'refuses a maximum-age tag of %j and keeps the account policy',
    (value) => {
      const rules = rulesFor({ [MAX_AGE_TAG_KEY]: value });

      expect(rules.policy).toEqual(policy());
      expect(rules.holdReason).toBeUndefined();
      expect(rules.problems).toEqual([
        `tag ${MAX_AGE_TAG_KEY}=${JSON.stringify(value)} is not allowed: expected a whole number of days from 1 to 365; the account policy applies`,
      ]);
    },
  );
});
