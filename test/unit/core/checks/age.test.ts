import { describe, expect, it } from 'vitest';
import {
  type AgePolicy,
  ageCheck,
  evaluateAge,
  userAgePolicy,
} from '../../../../lambda/core/checks/age';
import { ACCOUNT_RULES } from '../../../../lambda/core/checks/check';
import { CREDENTIAL_TYPES, type CredentialView } from '../../../../lambda/core/credential';
import { POLICY_DEFAULTS } from '../../../../lambda/core/settings';
import { DAY_MS } from '../../../../lambda/core/time';

const NOW = new Date('2026-11-23T06:00:00.000Z');
const daysAgo = (days: number, extraMs = 0) => new Date(NOW.getTime() - days * DAY_MS - extraMs);
const policy = (overrides: Partial<AgePolicy> = {}): AgePolicy => ({
  maxAgeDays: 90,
  warnBeforeDays: 14,
  mode: 'report',
  deleteAfterDays: 90,
  ...overrides,
});

describe('evaluateAge', () => {
  it('finds a certificate exactly maxAgeDays old compliant', () => {
    const result = evaluateAge(
      { status: 'Active', uploadDate: daysAgo(90) },
      NOW,
      policy({ warnBeforeDays: 0 }),
    );
    expect(result).toEqual({ verdict: 'COMPLIANT', ageDays: 90 });
  });

  it('finds a certificate one millisecond over maxAgeDays non-compliant', () => {
    const result = evaluateAge({ status: 'Active', uploadDate: daysAgo(90, 1) }, NOW, policy());
    expect(result).toEqual({ verdict: 'NON_COMPLIANT', ageDays: 90, plannedAction: undefined });
  });

  it('warns within warnBeforeDays of the limit, strictly', () => {
    expect(evaluateAge({ status: 'Active', uploadDate: daysAgo(76) }, NOW, policy()).verdict).toBe(
      'COMPLIANT',
    );
    expect(
      evaluateAge({ status: 'Active', uploadDate: daysAgo(76, 1) }, NOW, policy()).verdict,
    ).toBe('EXPIRING_SOON');
    expect(evaluateAge({ status: 'Active', uploadDate: daysAgo(90) }, NOW, policy()).verdict).toBe(
      'EXPIRING_SOON',
    );
  });

  it('never warns when warnBeforeDays is 0', () => {
    const result = evaluateAge(
      { status: 'Active', uploadDate: daysAgo(89, DAY_MS - 1) },
      NOW,
      policy({ warnBeforeDays: 0 }),
    );
    expect(result.verdict).toBe('COMPLIANT');
  });

  it('treats a certificate from the future (clock skew) as compliant', () => {
    expect(evaluateAge({ status: 'Active', uploadDate: daysAgo(-1) }, NOW, policy()).verdict).toBe(
      'COMPLIANT',
    );
  });

  it('plans nothing in report mode', () => {
    const result = evaluateAge(
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
    const result = evaluateAge(
      { status: 'Active', uploadDate: daysAgo(91) },
      NOW,
      policy({ mode: 'deactivate' }),
    );
    expect(result).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: 'DEACTIVATE' });
  });

  it('never deactivates an already Inactive certificate', () => {
    const result = evaluateAge(
      { status: 'Inactive', uploadDate: daysAgo(400) },
      NOW,
      policy({ mode: 'deactivate' }),
    );
    expect(result).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: undefined });
  });

  it('never deletes a certificate that is Active in delete mode, however old: it deactivates it', () => {
    const p = policy({ mode: 'delete' });
    for (const days of [91, 1000, 36_500]) {
      expect(evaluateAge({ status: 'Active', uploadDate: daysAgo(days) }, NOW, p)).toMatchObject({
        plannedAction: 'DEACTIVATE',
      });
    }
    expect(evaluateAge({ status: 'Inactive', uploadDate: daysAgo(91) }, NOW, p)).toMatchObject({
      plannedAction: 'DELETE',
    });
  });

  it('deactivates first, then deletes after deleteAfterDays (grace period)', () => {
    // Prepare
    const p = policy({ mode: 'delete', deleteAfterDays: 120 });

    // Act
    const young = evaluateAge({ status: 'Active', uploadDate: daysAgo(100) }, NOW, p);
    const oldActive = evaluateAge({ status: 'Active', uploadDate: daysAgo(500) }, NOW, p);
    const youngInactive = evaluateAge({ status: 'Inactive', uploadDate: daysAgo(100) }, NOW, p);
    const atGrace = evaluateAge({ status: 'Inactive', uploadDate: daysAgo(120) }, NOW, p);
    const old = evaluateAge({ status: 'Inactive', uploadDate: daysAgo(120, 1) }, NOW, p);

    // Assess
    expect(young).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: 'DEACTIVATE' });
    expect(oldActive).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: 'DEACTIVATE' });
    expect(youngInactive).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: undefined });
    expect(atGrace).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: undefined });
    expect(old).toMatchObject({ verdict: 'NON_COMPLIANT', plannedAction: 'DELETE' });
  });

  it.each(['report', 'deactivate', 'delete'] as const)(
    'judges an Expired credential by its age but plans no change for it in %s mode',
    (mode) => {
      const expired = evaluateAge(
        { status: 'Expired', uploadDate: daysAgo(500) },
        NOW,
        policy({ mode, deleteAfterDays: 90 }),
      );

      // The control: the same credential Inactive is deleted in delete mode.
      const inactive = evaluateAge(
        { status: 'Inactive', uploadDate: daysAgo(500) },
        NOW,
        policy({ mode, deleteAfterDays: 90 }),
      );
      expect(expired).toEqual({ verdict: 'NON_COMPLIANT', ageDays: 500, plannedAction: undefined });
      expect(inactive.verdict === 'NON_COMPLIANT' && inactive.plannedAction).toBe(
        mode === 'delete' ? 'DELETE' : undefined,
      );
    },
  );
});

describe('ageCheck', () => {
  it.each(CREDENTIAL_TYPES)('plans no change for an Expired %s in delete mode', (type) => {
    const view = {
      status: 'Expired',
      uploadDate: daysAgo(400),
      ...(type === 'signing-certificate'
        ? { type, content: { parsed: false as const, reason: 'not read' } }
        : type === 'ssh-public-key'
          ? { type, key: { parsed: false as const, reason: 'not read' } }
          : { type, serviceName: 'bedrock.amazonaws.com', expiresAt: daysAgo(300) }),
    } as CredentialView;

    const outcomes = ageCheck.evaluate(view, {
      now: NOW,
      policy: { ...POLICY_DEFAULTS, mode: 'delete', maxAgeDays: 90, deleteAfterDays: 90 },
      rules: ACCOUNT_RULES,
    });

    expect(outcomes).toEqual([expect.objectContaining({ verdict: 'NON_COMPLIANT', ageDays: 400 })]);
    expect(outcomes[0]?.plannedAction).toBeUndefined();
  });
});

describe('userAgePolicy', () => {
  it('takes the maximum age from the override and keeps the account grace period', () => {
    const rules = {
      override: { tag: 'signing-cert-audit:max-age-days=365', days: 365 },
      exemptReason: undefined,
    };

    expect(userAgePolicy(policy({ deleteAfterDays: 120 }), rules)).toMatchObject({
      maxAgeDays: 365,
      deleteAfterDays: 395,
    });
  });

  it('is the account policy without an override', () => {
    const account = policy();

    expect(userAgePolicy(account, { override: undefined, exemptReason: undefined })).toBe(account);
  });
});
