import { describe, expect, it } from 'vitest';
import { ACCOUNT_RULES } from '../../../../lambda/core/checks/check';
import { expiryCheck, NEVER_EXPIRES_AFTER_DAYS } from '../../../../lambda/core/checks/expiry';
import { VERDICTS } from '../../../../lambda/core/checks/table';
import type { CredentialView } from '../../../../lambda/core/credential';
import { supportsExpiry } from '../../../../lambda/core/credential-services';
import type { Policy } from '../../../../lambda/core/settings';
import { DAY_MS } from '../../../../lambda/core/time';
import { daysAgo, NOW, policyWith } from '../../fixtures';

/** A service-specific credential as the checks see it: 10 days old, Active, never expiring. */
const credential = (
  overrides: Partial<Extract<CredentialView, { type: 'service-specific-credential' }>> = {},
): CredentialView => ({
  type: 'service-specific-credential',
  status: 'Active',
  uploadDate: daysAgo(10),
  serviceName: 'bedrock.amazonaws.com',
  expiresAt: null,
  ...overrides,
});

const judge = (view: CredentialView, policy: Partial<Policy> = {}) =>
  expiryCheck.evaluate(view, {
    now: NOW,
    policy: policyWith({ maxAgeDays: 90, ...policy }),
    rules: ACCOUNT_RULES,
  });
const verdicts = (view: CredentialView, policy: Partial<Policy> = {}) =>
  judge(view, policy).map((outcome) => outcome.verdict);

describe('expiryCheck', () => {
  it('flags an API key of every service that can expire them when it has no expiration date', () => {
    for (const serviceName of [
      'bedrock.amazonaws.com',
      'logs.amazonaws.com',
      'cloudwatch.amazonaws.com',
      'aws-external-anthropic.amazonaws.com',
    ]) {
      expect({ serviceName, verdicts: verdicts(credential({ serviceName })) }).toEqual({
        serviceName,
        verdicts: ['NEVER_EXPIRES'],
      });
    }
    expect(judge(credential())).toEqual([
      {
        verdict: 'NEVER_EXPIRES',
        detail: 'bedrock.amazonaws.com API key without an expiration date',
        ageDays: 10,
      },
    ]);
  });

  it('asks no expiry of a password credential or of a service it does not know', () => {
    expect(verdicts(credential({ serviceName: 'codecommit.amazonaws.com' }))).toEqual([]);
    expect(verdicts(credential({ serviceName: 'cassandra.amazonaws.com' }))).toEqual([]);
    expect(verdicts(credential({ serviceName: 'newservice.amazonaws.com' }))).toEqual([]);
    expect(supportsExpiry('BEDROCK.amazonaws.com')).toBe(true);
  });

  it(`counts an expiration more than ${NEVER_EXPIRES_AFTER_DAYS} days out as none, as Prowler does`, () => {
    const at = (days: number, extraMs = 0) => new Date(NOW.getTime() + days * DAY_MS + extraMs);

    const farOut = judge(credential({ expiresAt: at(NEVER_EXPIRES_AFTER_DAYS, 1) }));
    const atTheLine = verdicts(credential({ expiresAt: at(NEVER_EXPIRES_AFTER_DAYS) }));

    expect(farOut).toEqual([
      expect.objectContaining({
        verdict: 'NEVER_EXPIRES',
        detail: expect.stringContaining('counted as never expiring'),
      }),
    ]);
    // 10,000 days out is an expiry, if one past the maximum age.
    expect(atTheLine).toEqual(['EXPIRES_TOO_LATE']);
    // A password credential with a far-out date is not asked to expire either.
    expect(
      verdicts(credential({ serviceName: 'codecommit.amazonaws.com', expiresAt: at(36_000) })),
    ).toEqual([]);
  });

  it('flags an expiry further after creation than the maximum age, strictly, for any service', () => {
    const created = daysAgo(10);
    const createdPlus = (days: number, extraMs = 0) =>
      new Date(created.getTime() + days * DAY_MS + extraMs);

    expect(verdicts(credential({ uploadDate: created, expiresAt: createdPlus(90) }))).toEqual([]);
    expect(judge(credential({ uploadDate: created, expiresAt: createdPlus(90, 1) }))).toEqual([
      {
        verdict: 'EXPIRES_TOO_LATE',
        detail: `expires at ${createdPlus(90, 1).toISOString()}, 90 days after its creation; the maximum age is 90 days`,
        ageDays: 10,
      },
    ]);
    expect(
      verdicts(
        credential({
          serviceName: 'codecommit.amazonaws.com',
          uploadDate: created,
          expiresAt: createdPlus(365),
        }),
      ),
    ).toEqual(['EXPIRES_TOO_LATE']);
  });

  it('judges the expiry against the maximum age it is given (the kind’s own, where set)', () => {
    const view = credential({ uploadDate: daysAgo(10), expiresAt: daysAgo(-50) });

    expect(verdicts(view, { maxAgeDays: 90 })).toEqual([]);
    expect(verdicts(view, { maxAgeDays: 30 })).toEqual(['EXPIRES_TOO_LATE']);
  });

  it('reports an Expired credential, and nothing else of it, with no change planned', () => {
    const expired = judge(
      credential({ status: 'Expired', expiresAt: daysAgo(5), uploadDate: daysAgo(35) }),
    );
    const pastItsDate = verdicts(credential({ expiresAt: daysAgo(1) }));
    const expiredWithoutDate = verdicts(credential({ status: 'Expired' }));

    expect(expired).toEqual([
      {
        verdict: 'CREDENTIAL_EXPIRED',
        detail: `expired at ${daysAgo(5).toISOString()}`,
        ageDays: 35,
      },
    ]);
    expect(expired[0]?.plannedAction).toBeUndefined();
    expect(pastItsDate).toEqual(['CREDENTIAL_EXPIRED']);
    expect(expiredWithoutDate).toEqual(['CREDENTIAL_EXPIRED']);
  });

  it('plans no change: a young key that never expires stays working until the age check acts', () => {
    const outcomes = judge(credential(), { mode: 'delete' });

    expect(outcomes.map((o) => o.plannedAction)).toEqual([undefined]);
  });

  it('judges service-specific credentials only', () => {
    expect(expiryCheck.kinds).toEqual(['service-specific-credential']);
    expect(
      judge({
        type: 'ssh-public-key',
        status: 'Active',
        uploadDate: daysAgo(10),
        key: { parsed: true, algorithm: 'ssh-rsa', bits: 2048 },
      }),
    ).toEqual([]);
  });

  it('gives each verdict a severity, a remediation, a count and a metric', () => {
    expect(VERDICTS.NEVER_EXPIRES).toMatchObject({
      check: 'expiry',
      severity: 'HIGH',
      severityWhenInactive: 'MEDIUM',
      failing: true,
      count: { key: 'nonCompliant', metric: 'NonCompliant' },
    });
    expect(VERDICTS.EXPIRES_TOO_LATE).toMatchObject({
      severity: 'MEDIUM',
      failing: true,
      count: { key: 'nonCompliant', metric: 'NonCompliant' },
    });
    expect(VERDICTS.CREDENTIAL_EXPIRED).toMatchObject({ severity: 'INFO', failing: false });
    for (const spec of Object.values(expiryCheck.verdicts)) {
      expect(spec.remediation.length).toBeGreaterThan(20);
      expect(spec.remediation.length).toBeLessThanOrEqual(512);
    }
  });
});
