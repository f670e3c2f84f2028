import { describe, expect, it } from 'vitest';
import { CERTIFICATE_CHECKS, ENGINE_VERDICTS, VERDICTS } from '../../../lambda/core/checks/table';
import { CREDENTIAL_TYPES, type CredentialType } from '../../../lambda/core/credential';
import {
  credentialIdOf,
  credentialPhrase,
  credentialTypeOf,
  forKind,
  KIND_WORDING,
  kindCell,
  maxAgeDaysOf,
  speaksOfKinds,
} from '../../../lambda/core/credential-wording';
import { KIND_INDEX } from '../../../lambda/kinds';
import { findingOf, policyWith, reportOf } from '../fixtures';
import {
  bedrockKeyFinding,
  certificatesOnlyPolicy,
  EVERY_KIND,
  everyKindPolicy,
  sshKeyFinding,
  withoutKind,
} from '../kind-findings';

/** Every row of the verdict table a finding of `type` can carry: its checks', and the engine's. */
function verdictRowsOf(type: CredentialType) {
  const checks = CERTIFICATE_CHECKS.filter((check) => check.kinds.includes(type));
  return [
    ...checks.flatMap((check) => Object.keys(check.verdicts)),
    ...Object.keys(ENGINE_VERDICTS),
  ].map((verdict) => ({ verdict, row: VERDICTS[verdict as keyof typeof VERDICTS] }));
}

describe('KIND_WORDING', () => {
  it('words every credential type', () => {
    expect(Object.keys(KIND_WORDING).sort()).toEqual([...CREDENTIAL_TYPES].sort());
  });

  it('calls each kind what its module calls it (lambda/kinds/ label)', () => {
    expect(KIND_INDEX.length).toBeGreaterThan(0);
    for (const kind of KIND_INDEX) {
      expect({ type: kind.type, label: KIND_WORDING[kind.type].label }).toEqual({
        type: kind.type,
        label: kind.label,
      });
    }
  });
});

describe('forKind', () => {
  it.each(CREDENTIAL_TYPES.filter((type) => type !== 'signing-certificate'))(
    'says nothing of certificates for a %s, in any verdict it can carry',
    (type) => {
      const rows = verdictRowsOf(type);
      const words = rows.flatMap(({ verdict, row }) =>
        [row.title, row.when, row.remediation].map((text) => ({
          verdict,
          text: forKind(text, type),
        })),
      );

      expect(rows.length).toBeGreaterThan(2);
      expect(words.filter(({ text }) => /certificate/i.test(text))).toEqual([]);
    },
  );

  it('leaves a signing certificate’s words, and a user’s, as the table has them (the control)', () => {
    const { title, remediation } = VERDICTS.NON_COMPLIANT;

    expect(forKind(title, 'signing-certificate')).toBe(title);
    expect(forKind(remediation, null)).toBe(remediation);
    // Without forKind, the rows the test above reads do speak of certificates.
    expect(title).toMatch(/signing certificate/);
  });

  it('names the kind and its own command', () => {
    const { title, remediation } = VERDICTS.NON_COMPLIANT;

    expect(forKind(title, 'ssh-public-key')).toBe('IAM SSH public key older than the maximum age');
    expect(forKind(title, 'service-specific-credential')).toBe(
      'IAM service-specific credential older than the maximum age',
    );
    expect(forKind(remediation, 'ssh-public-key')).toMatch(
      /^Rotate the SSH public key: upload a new one with `aws iam upload-ssh-public-key`/,
    );
    expect(forKind(remediation, 'service-specific-credential')).toMatch(
      /^Rotate the service-specific credential: create a new one with `aws iam create-service-specific-credential`/,
    );
    expect(forKind(VERDICTS.NON_COMPLIANT.when, 'service-specific-credential')).toBe(
      'created more than `maxAgeDays` ago',
    );
    expect(forKind('Find a certificate; a signing certificate.', 'ssh-public-key')).toBe(
      'Find an SSH public key; an SSH public key.',
    );
  });

  it('never rewrites a certificate inside a command name: the test above would see it', () => {
    expect(forKind('run `aws iam delete-signing-certificate`', 'ssh-public-key')).toContain(
      'delete-signing-certificate',
    );
  });
});

describe('what a finding is about', () => {
  it.each(EVERY_KIND)('a %s: its kind, its id', (type, findingOfKind) => {
    const finding = findingOfKind();

    expect(credentialTypeOf(finding)).toBe(type);
    expect(credentialIdOf(finding)).toBe(finding.credentialId);
  });

  it('names a certificate by its certificateId, and a report archived before kinds as certificates', () => {
    const legacy = withoutKind(findingOf({ certificateId: 'CERTOLD' }));

    expect(credentialTypeOf(legacy)).toBe('signing-certificate');
    expect(credentialIdOf(legacy)).toBe('CERTOLD');
    expect(legacy).not.toHaveProperty('credentialType');
  });

  it('is nothing for a finding about a user or the account', () => {
    const user = findingOf({ certificateId: null, credentialType: null, credentialId: null });

    expect(credentialTypeOf(user)).toBeNull();
    expect(credentialIdOf(user)).toBeNull();
    expect(credentialPhrase(user)).toBeNull();
    expect(kindCell(user)).toBe('-');
  });

  it('says which credential, in words and in a cell', () => {
    expect(credentialPhrase(findingOf())).toBe('certificate CERTALICE0000000000000001');
    expect(credentialPhrase(sshKeyFinding())).toBe('SSH public key APKAALICE000000000001');
    expect(credentialPhrase(bedrockKeyFinding())).toBe(
      'service-specific credential ACCAALICE000000000001 for bedrock.amazonaws.com',
    );
    expect([findingOf(), sshKeyFinding(), bedrockKeyFinding()].map(kindCell)).toEqual([
      'certificate',
      'SSH key',
      'service credential (bedrock)',
    ]);
  });
});

describe('speaksOfKinds', () => {
  it('is false for a certificates-only run, true when the run lists or finds another kind', () => {
    const certificatesOnly = { policy: certificatesOnlyPolicy() };
    expect(speaksOfKinds(reportOf([findingOf()], certificatesOnly))).toBe(false);
    expect(speaksOfKinds(reportOf([findingOf()], { policy: everyKindPolicy() }))).toBe(true);
    // The default lists every kind.
    expect(speaksOfKinds(reportOf([findingOf()]))).toBe(true);
    expect(speaksOfKinds(reportOf([sshKeyFinding()], certificatesOnly))).toBe(true);
    expect(
      speaksOfKinds(reportOf([], { policy: policyWith({ credentialKinds: ['ssh-public-key'] }) })),
    ).toBe(true);
  });
});

describe('maxAgeDaysOf', () => {
  it('is the kind’s own maximum age where set, else the account’s', () => {
    const policy = policyWith({ maxAgeDays: 90, sshKeyMaxAgeDays: 365 });

    expect(maxAgeDaysOf(policy, 'signing-certificate')).toBe(90);
    expect(maxAgeDaysOf(policy, 'ssh-public-key')).toBe(365);
    expect(maxAgeDaysOf(policy, 'service-specific-credential')).toBe(90);
  });
});
