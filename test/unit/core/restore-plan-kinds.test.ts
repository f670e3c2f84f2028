import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ChangeIntent,
  type ChangeKind,
  type ChangeOutcome,
  fingerprintOf,
  NO_BODY,
  type RecordedChange,
} from '../../../lambda/core/change-record';
import type { CredentialType } from '../../../lambda/core/credential';
import {
  type CurrentCertificate,
  planRestore,
  type RestorableKind,
  type RestoreOptions,
  stateKey,
  type UserState,
} from '../../../lambda/core/restore-plan';
import { sshKeyFingerprint } from '../../../lambda/core/ssh-key';
import { KIND_INDEX } from '../../../lambda/kinds';
import { generateSshPublicKey, sshRsaBlob } from '../../../tools/emulator/ssh-keys';
import { ACCOUNT_ID, CERT_BODY, NOW } from '../fixtures';

const OPTIONS: RestoreOptions = { activate: false, includeIncomplete: false, now: NOW };
const ALICE_ID = 'AIDAALICE0000000000001';

/** One RSA key in both encodings IAM takes: the ssh-rsa line a run records, and its PEM. */
function keyInBothEncodings(bits = 2048): { line: string; pem: string } {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = sshRsaBlob(
    Buffer.from(jwk.e ?? '', 'base64url'),
    Buffer.from(jwk.n ?? '', 'base64url'),
  );
  return {
    line: `ssh-rsa ${blob.toString('base64')} alice@laptop`,
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const KEY = keyInBothEncodings();

/** A kind whose secret IAM shows once (as service-specific credentials are): a test-only row. */
const SECRET_KIND: RestorableKind = {
  type: 'service-specific-credential',
  label: 'service-specific credential',
  perUserLimit: 2,
  restore: 'reactivate-only',
};
const KINDS = [...KIND_INDEX, SECRET_KIND];

/** A recorded change of one of alice's credentials of `type`. */
function change(
  type: CredentialType,
  kind: ChangeKind,
  outcome: ChangeOutcome | null,
  overrides: Partial<ChangeIntent> = {},
): RecordedChange {
  const body = type === 'service-specific-credential' ? '' : KEY.line;
  const intent: ChangeIntent = {
    recordVersion: '2',
    entry: 'intent',
    runId: 'run-1',
    accountId: ACCOUNT_ID,
    certificateId: 'APKAALICEOLD00000001',
    credentialType: type,
    change: kind,
    recordedAt: '2026-12-01T06:00:00.000Z',
    userName: 'alice',
    userArn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
    userId: ALICE_ID,
    status: kind === 'DELETE' ? 'Inactive' : 'Active',
    uploadDate: '2025-01-01T00:00:00.000Z',
    fingerprint256: body === '' ? NO_BODY : sshKeyFingerprint(overrides.body ?? body),
    body,
    ...overrides,
  };
  return {
    intent,
    outcome:
      outcome === null
        ? undefined
        : {
            recordVersion: '2',
            entry: 'outcome',
            runId: intent.runId,
            accountId: intent.accountId,
            certificateId: intent.certificateId,
            change: kind,
            recordedAt: '2026-12-01T06:00:01.000Z',
            outcome,
            error: null,
          },
  };
}

/** Alice holding these credentials now. */
function alice(...held: CurrentCertificate[]): Map<string, UserState> {
  return new Map([[stateKey(ACCOUNT_ID, 'alice'), { userId: ALICE_ID, certificates: held }]]);
}

/** An SSH key alice holds now. */
const sshKey = (id: string, status: string, fingerprint256 = sshKeyFingerprint(KEY.pem)) => ({
  certificateId: id,
  status,
  fingerprint256,
  credentialType: 'ssh-public-key' as const,
});

describe('planRestore: an SSH public key', () => {
  it('plans uploading a deleted key again, to be left Inactive as it was listed, naming its size and fingerprint', () => {
    const [step] = planRestore([change('ssh-public-key', 'DELETE', 'DELETED')], alice(), OPTIONS, {
      kinds: KINDS,
    });

    expect(step).toMatchObject({
      credentialType: 'ssh-public-key',
      verdict: 'RESTORABLE',
      plannedAction: 'UPLOAD',
      targetStatus: 'Inactive',
    });
    expect(step?.detail).toContain(
      `upload its body again (an RSA key of 2048 bits, ${sshKeyFingerprint(KEY.line)}, the same fingerprint, a new id)`,
    );
  });

  it('finds the key uploaded again under a new id, in PEM, by its fingerprint: nothing to upload', () => {
    const [step] = planRestore(
      [change('ssh-public-key', 'DELETE', 'DELETED')],
      alice(sshKey('APKAALICENEW00000001', 'Inactive')),
      OPTIONS,
      { kinds: KINDS },
    );

    expect(step).toMatchObject({
      verdict: 'ALREADY_RESTORED',
      currentCertificateId: 'APKAALICENEW00000001',
      detail: 'the SSH public key is back, as APKAALICENEW00000001 (Inactive)',
    });
  });

  it('reactivates a deactivated key found by its fingerprint', () => {
    const [step] = planRestore(
      [change('ssh-public-key', 'DEACTIVATE', 'DEACTIVATED')],
      alice(sshKey('APKAALICEOLD00000001', 'Inactive')),
      OPTIONS,
      { kinds: KINDS },
    );

    expect(step).toMatchObject({
      verdict: 'RESTORABLE',
      plannedAction: 'REACTIVATE',
      currentCertificateId: 'APKAALICEOLD00000001',
    });
  });

  it('counts only the user’s SSH keys against the kind’s own limit: five, not two', () => {
    const other = (n: number) => sshKey(`APKAALICEOTHER00000${n}`, 'Active', `SHA256:other-${n}`);
    const certificates = [1, 2].map((n) => ({
      certificateId: `CERTALICE000000000000000${n}`,
      status: 'Active',
      fingerprint256: fingerprintOf(CERT_BODY),
    }));
    const plan = (...held: CurrentCertificate[]) =>
      planRestore([change('ssh-public-key', 'DELETE', 'DELETED')], alice(...held), OPTIONS, {
        kinds: KINDS,
      })[0];

    // Two certificates and four keys: room for a fifth key.
    expect(plan(...certificates, ...[1, 2, 3, 4].map(other))).toMatchObject({
      verdict: 'RESTORABLE',
      plannedAction: 'UPLOAD',
    });
    expect(plan(...[1, 2, 3, 4, 5].map(other))).toMatchObject({
      verdict: 'REFUSED',
      detail: expect.stringMatching(/^the user already holds IAM's 5 SSH public keys \(APKA/),
    });
  });

  it('refuses to upload a body IAM would refuse: an RSA key under 2048 bits', () => {
    const short = generateSshPublicKey({ bits: 1024 });

    const [step] = planRestore(
      [change('ssh-public-key', 'DELETE', 'DELETED', { body: short })],
      alice(),
      OPTIONS,
      { kinds: KINDS },
    );

    expect(step).toMatchObject({
      verdict: 'REFUSED',
      detail:
        'its body is an RSA key of 1024 bits: IAM takes at least 2048, and would refuse to upload it (InvalidPublicKey)',
    });
  });

  it('refuses an entry whose fingerprint is not its body’s by the kind’s own fingerprint', () => {
    const [step] = planRestore(
      // The certificate's fingerprint of an SSH key's text: not what the SSH kind computes.
      [change('ssh-public-key', 'DELETE', 'DELETED', { fingerprint256: fingerprintOf(KEY.line) })],
      alice(),
      OPTIONS,
      { kinds: KINDS },
    );

    expect(step).toMatchObject({ verdict: 'REFUSED' });
    expect(step?.detail).toMatch(/^the record is inconsistent/);
  });

  it('refuses a kind the restore is not given (signing certificates only by default)', () => {
    const [step] = planRestore([change('ssh-public-key', 'DELETE', 'DELETED')], alice(), OPTIONS);

    expect(step).toMatchObject({
      verdict: 'REFUSED',
      credentialType: 'ssh-public-key',
      detail: 'this restore knows no credential kind ssh-public-key: nothing is planned on it',
    });
  });
});

describe('planRestore: a kind that can only be reactivated', () => {
  const secret = (id: string, status: string) => ({
    certificateId: id,
    status,
    fingerprint256: NO_BODY,
    credentialType: 'service-specific-credential' as const,
  });

  it('refuses to undo a deletion as irreversible: the secret is never readable again', () => {
    const [step] = planRestore(
      [
        change('service-specific-credential', 'DELETE', 'DELETED', {
          certificateId: 'ACCAALICEBEDROCK0001',
        }),
      ],
      alice(),
      OPTIONS,
      { kinds: KINDS },
    );

    expect(step).toMatchObject({ verdict: 'REFUSED', plannedAction: null });
    expect(step?.detail).toBe(
      'a deleted service-specific credential cannot be restored: its secret is never readable again (IAM shows it once, when it is created), so no record holds what to give back. Create a new one for alice and hand it to whoever used this one',
    );
  });

  it('refuses it with --include-incomplete too, when no outcome was recorded and the credential is gone', () => {
    const [step] = planRestore(
      [
        change('service-specific-credential', 'DELETE', null, {
          certificateId: 'ACCAALICE00000000001',
        }),
      ],
      alice(),
      { ...OPTIONS, includeIncomplete: true },
      { kinds: KINDS },
    );

    expect(step?.detail).toMatch(/^a deleted service-specific credential cannot be restored/);
  });

  it('reactivates a deactivated one by its id, never another of the user’s (they share no fingerprint)', () => {
    const deactivated = change('service-specific-credential', 'DEACTIVATE', 'DEACTIVATED', {
      certificateId: 'ACCAALICEBEDROCK0001',
    });

    const [own] = planRestore(
      [deactivated],
      alice(secret('ACCAALICEOTHER000001', 'Inactive'), secret('ACCAALICEBEDROCK0001', 'Inactive')),
      OPTIONS,
      { kinds: KINDS },
    );
    const [other] = planRestore(
      [deactivated],
      alice(secret('ACCAALICEOTHER000001', 'Inactive')),
      OPTIONS,
      { kinds: KINDS },
    );

    expect(own).toMatchObject({
      verdict: 'RESTORABLE',
      plannedAction: 'REACTIVATE',
      currentCertificateId: 'ACCAALICEBEDROCK0001',
    });
    expect(other).toMatchObject({ verdict: 'REFUSED' });
    expect(other?.detail).toMatch(/^no service-specific credential with its id exists now/);
  });
});
