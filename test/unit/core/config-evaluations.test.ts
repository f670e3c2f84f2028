import { describe, expect, it } from 'vitest';
import {
  type EvaluatedUser,
  evaluateUsers,
  fitEntries,
  lengthOf,
  MAX_ANNOTATION_LENGTH,
  truncateAnnotation,
} from '../../../lambda/core/config-evaluations';
import { ROOT_USER_NAME } from '../../../lambda/core/report';
import { ACCOUNT_ID, findingOf } from '../fixtures';
import { bedrockKeyFinding, EVERY_KIND, sshKeyFinding } from '../kind-findings';

const arnOf = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:user/${name}`;
const userOf = (name: string, certificates: number | null): EvaluatedUser => ({
  userName: name,
  userArn: arnOf(name),
  userId: `AIDA${name.toUpperCase()}`,
  certificates,
});
const about = (name: string, overrides: Parameters<typeof findingOf>[0] = {}) =>
  findingOf({ userName: name, userArn: arnOf(name), ...overrides });

describe('evaluateUsers', () => {
  it('says NON_COMPLIANT for a failing certificate, COMPLIANT for none failing, NOT_APPLICABLE for none', () => {
    // Prepare: alice over age; bob only expiring soon (not failing); carol without certificates.
    const findings = [
      about('alice', { certificateId: 'CERTALICE1', verdict: 'NON_COMPLIANT', ageDays: 400 }),
      about('bob', { certificateId: 'CERTBOB1', verdict: 'EXPIRING_SOON', ageDays: 80 }),
    ];

    // Act
    const { evaluations, omitted } = evaluateUsers(
      [userOf('alice', 1), userOf('bob', 2), userOf('carol', 0)],
      findings,
    );

    // Assess
    expect(evaluations).toEqual([
      {
        resourceId: 'AIDAALICE',
        userName: 'alice',
        compliance: 'NON_COMPLIANT',
        annotation: '1 failing signing certificate: CERTALICE1 NON_COMPLIANT, 400 days old',
      },
      {
        resourceId: 'AIDABOB',
        userName: 'bob',
        compliance: 'COMPLIANT',
        annotation: '2 signing certificates, none failing',
      },
      {
        resourceId: 'AIDACAROL',
        userName: 'carol',
        compliance: 'NOT_APPLICABLE',
        annotation: 'no signing certificate',
      },
    ]);
    expect(omitted).toEqual([]);
  });

  it('names every failing verdict of a certificate once, with its age, by the check table', () => {
    const findings = [
      about('alice', { certificateId: 'CERTA', verdict: 'NON_COMPLIANT', ageDays: 120 }),
      about('alice', { certificateId: 'CERTA', verdict: 'WEAK_KEY', ageDays: 120 }),
      about('alice', { certificateId: 'CERTB', verdict: 'UNPARSEABLE', ageDays: null }),
      // Exempt is not failing: it is not named.
      about('alice', { certificateId: 'CERTC', verdict: 'EXEMPT', ageDays: 300 }),
    ];

    const { evaluations } = evaluateUsers([userOf('alice', 3)], findings);

    expect(evaluations[0]?.annotation).toBe(
      '2 failing signing certificates: CERTA NON_COMPLIANT+WEAK_KEY, 120 days old; CERTB UNPARSEABLE, age unknown',
    );
  });

  it('says COMPLIANT for a user whose only over-age certificate is exempt (the policy’s own verdict)', () => {
    const findings = [about('alice', { verdict: 'EXEMPT' })];

    expect(evaluateUsers([userOf('alice', 1)], findings).evaluations[0]?.compliance).toBe(
      'COMPLIANT',
    );
  });

  it('leaves out a user it could not read, never COMPLIANT (Config refuses INSUFFICIENT_DATA)', () => {
    // Prepare: bob's certificates could not be listed; carol's tags could not be read, and her
    // certificate looks fine under the account policy: a tag could still change that.
    const findings = [
      about('bob', {
        certificateId: null,
        verdict: 'ERROR',
        error: { code: 'ServiceFailure', message: 'Internal failure' },
      }),
      about('carol', {
        certificateId: null,
        verdict: 'ERROR',
        error: { code: 'AccessDenied', message: 'not authorized to perform iam:ListUserTags' },
      }),
    ];

    const { evaluations, omitted } = evaluateUsers(
      [userOf('bob', null), userOf('carol', 1)],
      findings,
    );

    expect(evaluations).toEqual([]);
    expect(omitted).toEqual([
      { userName: 'bob', reason: 'unread', detail: 'ServiceFailure: Internal failure' },
      {
        userName: 'carol',
        reason: 'unread',
        detail: 'AccessDenied: not authorized to perform iam:ListUserTags',
      },
    ]);
  });

  it('says NON_COMPLIANT for a user whose tag was unusable, naming the tag (a failing ERROR, read and judged)', () => {
    // Prepare: an ERROR without an AWS error is about data the run did read (the tag's value):
    // the verdict table marks it failing, as the command line counts it; the user's only
    // certificate is merely expiring soon, which alone would be COMPLIANT.
    const detail =
      'tag signing-cert-audit:exempt="yes" is not allowed: expected true, false or until YYYY-MM-DD (the last day of the exemption, UTC: a day that exists, at most 36500 days from now)';
    const findings = [
      about('alice', { certificateId: null, verdict: 'ERROR', error: null, detail }),
      about('alice', { certificateId: 'CERTA', verdict: 'EXPIRING_SOON', ageDays: 80 }),
    ];

    // Act
    const { evaluations, omitted } = evaluateUsers([userOf('alice', 1)], findings);

    // Assess
    expect(omitted).toEqual([]);
    expect(evaluations).toEqual([
      {
        resourceId: 'AIDAALICE',
        userName: 'alice',
        compliance: 'NON_COMPLIANT',
        annotation: `1 failing user finding: ERROR: ${detail}`,
      },
    ]);
  });

  it('names a user’s failing findings first, then its failing certificates, within 256 characters', () => {
    // Prepare: an unusable max-age tag whose value is as long as IAM allows (256 characters),
    // and an over-age certificate.
    const value = 'x'.repeat(256);
    const detail = `tag signing-cert-audit:max-age-days="${value}" is not allowed: expected a whole number of days from 1 to 365; the account policy applies`;
    const findings = [
      about('alice', { certificateId: null, verdict: 'ERROR', error: null, detail }),
      about('alice', { certificateId: 'CERTA', verdict: 'NON_COMPLIANT', ageDays: 400 }),
    ];

    const annotation = evaluateUsers([userOf('alice', 1)], findings).evaluations[0]
      ?.annotation as string;

    expect(lengthOf(annotation)).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    expect(annotation).toMatch(
      /^1 failing user finding and 1 failing signing certificate: ERROR: tag signing-cert-audit:max-age-days="x+…; …and 1 more$/,
    );
    // The control: with a short value both fit whole.
    const short = evaluateUsers(
      [userOf('alice', 1)],
      [
        about('alice', {
          certificateId: null,
          verdict: 'ERROR',
          error: null,
          detail: 'tag signing-cert-audit:max-age-days="forever" is not allowed',
        }),
        findings[1] as (typeof findings)[number],
      ],
    ).evaluations[0]?.annotation;
    expect(short).toBe(
      '1 failing user finding and 1 failing signing certificate: ERROR: tag signing-cert-audit:max-age-days="forever" is not allowed; CERTA NON_COMPLIANT, 400 days old',
    );
  });

  it('leaves out a user deleted during the run, and one without an id', () => {
    const findings = [
      about('ghost', { certificateId: null, verdict: 'NOT_EVALUATED', action: 'GONE' }),
    ];

    const { evaluations, omitted } = evaluateUsers(
      [userOf('ghost', null), { ...userOf('nameless', 0), userId: undefined }],
      findings,
    );

    expect(evaluations).toEqual([]);
    expect(omitted.map((o) => [o.userName, o.reason])).toEqual([
      ['ghost', 'gone'],
      ['nameless', 'no-user-id'],
    ]);
  });

  it('evaluates only the users given: the root user’s findings name no IAM user', () => {
    const findings = [
      findingOf({
        userName: ROOT_USER_NAME,
        userArn: `arn:aws:iam::${ACCOUNT_ID}:root`,
        certificateId: null,
        verdict: 'ROOT_SIGNING_CERTIFICATE',
      }),
    ];

    expect(evaluateUsers([userOf('alice', 0)], findings).evaluations).toMatchObject([
      { userName: 'alice', compliance: 'NOT_APPLICABLE' },
    ]);
  });

  it('keeps the annotation within 256 characters, dropping whole certificates and counting them', () => {
    // Prepare: 30 failing certificates with IAM-length ids (24 characters).
    const findings = Array.from({ length: 30 }, (_, i) =>
      about('alice', {
        certificateId: `CERT${String(i).padStart(20, '0')}`,
        verdict: 'NON_COMPLIANT',
        ageDays: 1000 + i,
      }),
    );

    const annotation = evaluateUsers([userOf('alice', 30)], findings).evaluations[0]
      ?.annotation as string;

    expect(lengthOf(annotation)).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    expect(annotation).toMatch(/^30 failing signing certificates: CERT0{20} NON_COMPLIANT, 1000/);
    const kept = annotation.match(/CERT\d{20}/g) ?? [];
    expect(annotation.endsWith(`; …and ${30 - kept.length} more`)).toBe(true);
    // Every id shown is whole.
    expect(kept.every((id) => id.length === 24)).toBe(true);
  });
});

describe('evaluateUsers: every kind of credential', () => {
  const EVERY = ['signing-certificate', 'ssh-public-key', 'service-specific-credential'] as const;
  const ofAlice = (finding: ReturnType<typeof findingOf>) => ({
    ...finding,
    userName: 'alice',
    userArn: arnOf('alice'),
  });

  it.each(EVERY_KIND)('says NON_COMPLIANT for a failing %s, naming its kind', (type, of) => {
    const label = {
      'signing-certificate': 'signing certificate',
      'ssh-public-key': 'SSH public key',
      'service-specific-credential': 'service-specific credential',
    }[type];
    const finding = ofAlice(of({ ageDays: 400 }));

    const [evaluation] = evaluateUsers([userOf('alice', 1)], [finding], {
      kinds: EVERY,
    }).evaluations;

    expect(evaluation?.compliance).toBe('NON_COMPLIANT');
    expect(evaluation?.annotation).toMatch(
      new RegExp(`^1 failing ${label}: ${finding.credentialId}[ (].*NON_COMPLIANT, 400 days old$`),
    );
  });

  it('counts each kind apart and names a service credential’s service', () => {
    const findings = [
      ofAlice(sshKeyFinding({ ageDays: 400 })),
      ofAlice(sshKeyFinding({ credentialId: 'APKAALICE000000000002', ageDays: 500 })),
      ofAlice(bedrockKeyFinding({ ageDays: 200 })),
    ];

    const [evaluation] = evaluateUsers([userOf('alice', 3)], findings, {
      kinds: EVERY,
    }).evaluations;

    expect(evaluation?.annotation).toBe(
      '2 failing SSH public keys and 1 failing service-specific credential: ' +
        'APKAALICE000000000001 NON_COMPLIANT, 400 days old; APKAALICE000000000002 NON_COMPLIANT, 500 days old; ' +
        'ACCAALICE000000000001 (bedrock.amazonaws.com) NON_COMPLIANT, 200 days old',
    );
  });

  it('keeps the annotation of every kind within 256 characters, counting what it drops', () => {
    const findings = [
      ofAlice(findingOf({ ageDays: 120 })),
      ofAlice(sshKeyFinding({ ageDays: 400 })),
      ofAlice(sshKeyFinding({ credentialId: 'APKAALICE000000000002', ageDays: 500 })),
      ofAlice(bedrockKeyFinding({ ageDays: 200 })),
    ];

    const annotation = evaluateUsers([userOf('alice', 4)], findings, { kinds: EVERY })
      .evaluations[0]?.annotation as string;

    expect(lengthOf(annotation)).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    expect(annotation).toMatch(
      /^1 failing signing certificate, 2 failing SSH public keys and 1 failing service-specific credential: CERTALICE0000000000000001 NON_COMPLIANT, 120 days old; .*…and \d more$/,
    );
  });

  it('tells apart an SSH key and a certificate that share an id', () => {
    const findings = [
      ofAlice(findingOf({ certificateId: 'SAMEID', credentialId: 'SAMEID' })),
      ofAlice(sshKeyFinding({ credentialId: 'SAMEID' })),
    ];

    expect(
      evaluateUsers([userOf('alice', 2)], findings, { kinds: EVERY }).evaluations[0]?.annotation,
    ).toMatch(/^1 failing signing certificate and 1 failing SSH public key: /);
  });

  it('says COMPLIANT for a user whose SSH key is only expiring soon, naming what it holds (the control)', () => {
    const findings = [ofAlice(sshKeyFinding({ verdict: 'EXPIRING_SOON', ageDays: 80 }))];

    const [evaluation] = evaluateUsers(
      [{ ...userOf('alice', 3), byKind: { 'signing-certificate': 1, 'ssh-public-key': 2 } }],
      findings,
      { kinds: EVERY },
    ).evaluations;

    expect(evaluation).toMatchObject({
      compliance: 'COMPLIANT',
      annotation: '1 signing certificate and 2 SSH public keys, none failing',
    });
  });

  it('says NOT_APPLICABLE for a user holding none of the kinds listed, naming them', () => {
    const none = (kinds?: readonly (typeof EVERY)[number][]) =>
      evaluateUsers([{ ...userOf('carol', 0), byKind: {} }], [], kinds ? { kinds } : {})
        .evaluations[0]?.annotation;

    expect(none(EVERY)).toBe(
      'no signing certificate, SSH public key or service-specific credential',
    );
    expect(none(['ssh-public-key'])).toBe('no SSH public key');
    expect(none()).toBe('no signing certificate');
  });

  it('words a certificates-only user as before, with or without counts by kind', () => {
    expect(
      evaluateUsers([{ ...userOf('bob', 2), byKind: { 'signing-certificate': 2 } }], [])
        .evaluations[0]?.annotation,
    ).toBe('2 signing certificates, none failing');
  });
});

describe('fitEntries and truncateAnnotation', () => {
  it('keeps everything that fits, as it is', () => {
    expect(fitEntries('2: ', ['a', 'b'], 20)).toBe('2: a; b');
    expect(truncateAnnotation('short', 10)).toBe('short');
  });

  it('drops whole entries and says how many', () => {
    expect(fitEntries('3: ', ['aaaaa', 'bbbbb', 'ccccc'], 21)).toBe('3: aaaaa; …and 2 more');
    expect(fitEntries('3: ', ['aaaaaaaaaaaaaaaaaaaa'], 20)).toBe('3: …and 1 more');
  });

  it('cuts by code point with an ellipsis, never inside a surrogate pair', () => {
    const text = `${'x'.repeat(8)}🔑🔑🔑`;

    const cut = truncateAnnotation(text, 10);

    expect(cut).toBe(`${'x'.repeat(8)}🔑…`);
    expect(lengthOf(cut)).toBe(10);
    // The control: a cut by UTF-16 units would have split the first key in two.
    expect(text.slice(0, 9)).not.toBe(`${'x'.repeat(8)}🔑`);
  });
});
