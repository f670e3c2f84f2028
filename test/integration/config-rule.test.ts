import { type IAMClient, paginateListUsers } from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_AGE_TAG_KEY } from '../../lambda/core/rules';
import { POLICY_DEFAULTS, toEnvironment } from '../../lambda/core/settings';
import { periodicRuleEvent } from '../../tools/emulator/config-rule-event';
import {
  readStatuses,
  type SeedUser,
  type SeedUserCredentials,
  seedUserCredentials,
  seedUsers,
} from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { problemsOf, validateRequests } from '../../tools/emulator/service-model';
import { clients, endpoint, invokeConfigRule } from './harness';

// Every case the rule distinguishes, at the default policy (90 days, warned 14 days before).
const ACCOUNT: readonly SeedUser[] = [
  { userName: 'alice', certificates: [{ ageDays: 400 }] },
  { userName: 'bob', certificates: [{ ageDays: 10 }] },
  { userName: 'carol', certificates: [{ ageDays: 200, status: 'Inactive' }] },
  { userName: 'dave', certificates: [{ ageDays: 120 }, { ageDays: 30 }] },
  { userName: 'erin', certificates: [{ ageDays: 80 }] },
  { userName: 'frank' },
  { userName: 'grace', path: '/robots/', certificates: [{ ageDays: 95 }] },
];

/**
 * The other kinds, which the rule reads by default: bob's young SSH key beside his certificate,
 * and ivan's over-age CodeCommit password, all he holds.
 */
const OTHER_KINDS: readonly SeedUserCredentials[] = [
  { userName: 'bob', sshPublicKeys: [{ ageDays: 10 }] },
  {
    userName: 'ivan',
    serviceCredentials: [{ serviceName: 'codecommit.amazonaws.com', ageDays: 200 }],
  },
];

/** The environment the construct gives the rule's function: the policy, in report mode. */
const RULE_ENV = toEnvironment({
  ...POLICY_DEFAULTS,
  deleteAfterDays: POLICY_DEFAULTS.maxAgeDays,
  mode: 'report',
  scanStrategy: 'full',
});
const TRIGGERED = '2026-12-01T06:00:16.261Z';

/** Each user's IAM id, as moto gave it: Config's resource id for the user. */
async function userIds(iam: IAMClient): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for await (const page of paginateListUsers({ client: iam }, {})) {
    for (const user of page.Users ?? []) ids.set(user.UserId ?? '', user.UserName ?? '');
  }
  return ids;
}

beforeEach(async () => {
  await resetMoto(endpoint);
});

describe('the AWS Config rule on the emulator', () => {
  it('evaluates every user by its IAM id, changes nothing, and sends requests the service model allows', async () => {
    // Prepare
    await seedUsers(clients.iam, endpoint, [...ACCOUNT, { userName: 'ivan' }]);
    await seedUserCredentials(clients.iam, endpoint, OTHER_KINDS);
    const before = await readStatuses(clients.iam);
    const names = await userIds(clients.iam);

    // Act
    const { summary, requests } = await invokeConfigRule(
      RULE_ENV,
      periodicRuleEvent({ notificationCreationTime: TRIGGERED, resultToken: 'token-1' }),
    );

    // Assess
    expect(await readStatuses(clients.iam)).toEqual(before);
    expect(problemsOf(validateRequests('config', 'PutEvaluations', requests))).toEqual([]);
    const evaluations = requests.flatMap((request) => request.Evaluations ?? []);
    const byUser = Object.fromEntries(
      evaluations.map((e) => [names.get(e.ComplianceResourceId ?? ''), e.ComplianceType]),
    );
    expect(byUser).toEqual({
      alice: 'NON_COMPLIANT',
      bob: 'COMPLIANT',
      carol: 'NON_COMPLIANT',
      dave: 'NON_COMPLIANT',
      erin: 'COMPLIANT',
      frank: 'NOT_APPLICABLE',
      grace: 'NON_COMPLIANT',
      ivan: 'NON_COMPLIANT',
    });
    expect(
      evaluations.every(
        (e) =>
          e.ComplianceResourceType === 'AWS::IAM::User' &&
          e.OrderingTimestamp?.toISOString() === TRIGGERED,
      ),
    ).toBe(true);
    expect(requests.map((r) => r.ResultToken)).toEqual(['token-1']);
    expect(
      evaluations.find((e) => names.get(e.ComplianceResourceId ?? '') === 'dave'),
    ).toMatchObject({
      Annotation: expect.stringMatching(
        /^1 failing signing certificate: \w+ NON_COMPLIANT, 120 days old$/,
      ),
    });
    // Every kind is read by default: what bob and ivan hold of the others is evaluated too.
    const annotationOf = (user: string) =>
      evaluations.find((e) => names.get(e.ComplianceResourceId ?? '') === user)?.Annotation;
    expect(annotationOf('bob')).toBe('1 signing certificate and 1 SSH public key, none failing');
    expect(annotationOf('ivan')).toMatch(
      /^1 failing service-specific credential: \w+ \(codecommit\.amazonaws\.com\) NON_COMPLIANT, 200 days old$/,
    );
    expect(summary).toEqual({
      evaluations: { NON_COMPLIANT: 5, COMPLIANT: 2, NOT_APPLICABLE: 1 },
      omitted: 0,
      requests: 1,
      complete: true,
    });
  });

  it('calls a user NON_COMPLIANT for an unreadable exemption or maximum-age tag, naming the tag', async () => {
    // Prepare: three users whose one certificate is only expiring soon (80 days: not failing);
    // two of them carry a tag the auditor cannot read, an ERROR the command line counts as failing.
    await seedUsers(clients.iam, endpoint, [
      {
        userName: 'yes-exempt',
        tags: [{ Key: POLICY_DEFAULTS.exemptTagKey, Value: 'yes' }],
        certificates: [{ ageDays: 80 }],
      },
      {
        userName: 'forever',
        tags: [{ Key: MAX_AGE_TAG_KEY, Value: 'forever' }],
        certificates: [{ ageDays: 80 }],
      },
      // The control: the same certificate, no tag.
      { userName: 'untagged', certificates: [{ ageDays: 80 }] },
    ]);
    const names = await userIds(clients.iam);

    // Act
    const { summary, requests } = await invokeConfigRule(RULE_ENV, periodicRuleEvent());

    // Assess
    expect(problemsOf(validateRequests('config', 'PutEvaluations', requests))).toEqual([]);
    const byUser = Object.fromEntries(
      requests
        .flatMap((request) => request.Evaluations ?? [])
        .map((e) => [names.get(e.ComplianceResourceId ?? ''), [e.ComplianceType, e.Annotation]]),
    );
    expect(byUser).toEqual({
      'yes-exempt': [
        'NON_COMPLIANT',
        `1 failing user finding: ERROR: tag ${POLICY_DEFAULTS.exemptTagKey}="yes" is not allowed: expected true, false or until YYYY-MM-DD (the last day of the exemption, UTC: a day that exists, at most 36500 days from now)`,
      ],
      forever: [
        'NON_COMPLIANT',
        expect.stringMatching(
          /^1 failing user finding: ERROR: tag signing-cert-audit:max-age-days="forever" is not allowed: expected a whole number of days/,
        ),
      ],
      untagged: ['COMPLIANT', '1 signing certificate, none failing'],
    });
    expect(summary.evaluations).toEqual({ NON_COMPLIANT: 2, COMPLIANT: 1, NOT_APPLICABLE: 0 });
  });

  it('sends 250 users in 3 requests of at most 100, all allowed by the service model', async () => {
    await seedUsers(
      clients.iam,
      endpoint,
      Array.from({ length: 250 }, (_, i) => ({
        userName: `user${String(i).padStart(3, '0')}`,
        ...(i % 2 === 0 ? { certificates: [{ ageDays: i % 4 === 0 ? 200 : 5 }] } : {}),
      })),
    );

    const { summary, requests } = await invokeConfigRule(RULE_ENV, periodicRuleEvent());

    expect(requests.map((r) => r.Evaluations?.length)).toEqual([100, 100, 50]);
    expect(problemsOf(validateRequests('config', 'PutEvaluations', requests))).toEqual([]);
    expect(summary).toMatchObject({
      evaluations: { NON_COMPLIANT: 63, COMPLIANT: 62, NOT_APPLICABLE: 125 },
      requests: 3,
    });
  });

  it('only reports even when its environment says delete mode', async () => {
    await seedUsers(clients.iam, endpoint, ACCOUNT);
    const before = await readStatuses(clients.iam);

    const { summary } = await invokeConfigRule(
      { ...RULE_ENV, MODE: 'delete' },
      periodicRuleEvent(),
    );

    expect(await readStatuses(clients.iam)).toEqual(before);
    expect(summary.evaluations.NON_COMPLIANT).toBe(4);
  });

  it('refuses an event that is not a periodic evaluation, before any call', async () => {
    await seedUsers(clients.iam, endpoint, ACCOUNT);

    await expect(
      invokeConfigRule(
        RULE_ENV,
        periodicRuleEvent({ invoking: { messageType: 'ConfigurationItemChangeNotification' } }),
      ),
    ).rejects.toThrow(/"messageType" is "ConfigurationItemChangeNotification"/);
  });
});
