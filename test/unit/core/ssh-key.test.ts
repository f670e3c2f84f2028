import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  readSshPublicKey,
  sshKeyFingerprint,
  sshKeyUploadable,
} from '../../../lambda/core/ssh-key';
import { generateTestCertificate } from '../../../tools/emulator/certs';
import { generateSshPublicKey, sshRsaBlob } from '../../../tools/emulator/ssh-keys';

/**
 * One RSA key, as `ssh-keygen -t rsa -b 2048` wrote it, with what `ssh-keygen -l -E sha256`
 * printed for it and the PEM bodies `ssh-keygen -e -m PKCS8` and `-m PEM` made of it: fixed
 * here, so the fingerprint is checked against OpenSSH's own, not against this code.
 */
const OPENSSH_LINE =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDWuHsrqEsLmhD5PdtwBfcNSFrMRirgizrvDiQfZLt5sX+AsJKsj3RQu4KZebVZN+eDT7vXDBQGSvhSfG2ac+M/3Ps7wgLgbTl9IogKDC62KOMsY1We2veyFGz3K0Ic2HXm8SPh1SM8br1n528TgnMppKA5e0AKewzMcgk560r2cKjW/H+OTvb0G4Dq78MCy5ig3Atlu0E6cFiC4MmyojSmFoziFU01C+YJc2JBZmpWQ+wtRI4bIrFA2XHDw9np3LwgEgzb64cZZhIvFSa/3Bot15QIPzQEBH1IvO/42NcJ5w/HsDDpkvenTXR2hEfeH8nYcJwu2EK3Bg+0yF0gneyN fixed@example';
const OPENSSH_FINGERPRINT = 'SHA256:7GwfIYBDGOrsG600C7t2kiK4D/ATGP9sB9vLlwE+MCE';
const SPKI_PEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1rh7K6hLC5oQ+T3bcAX3
DUhazEYq4Is67w4kH2S7ebF/gLCSrI90ULuCmXm1WTfng0+71wwUBkr4UnxtmnPj
P9z7O8IC4G05fSKICgwutijjLGNVntr3shRs9ytCHNh15vEj4dUjPG69Z+dvE4Jz
KaSgOXtACnsMzHIJOetK9nCo1vx/jk729BuA6u/DAsuYoNwLZbtBOnBYguDJsqI0
phaM4hVNNQvmCXNiQWZqVkPsLUSOGyKxQNlxw8PZ6dy8IBIM2+uHGWYSLxUmv9wa
LdeUCD80BAR9SLzv+NjXCecPx7Aw6ZL3p010doRH3h/J2HCcLthCtwYPtMhdIJ3s
jQIDAQAB
-----END PUBLIC KEY-----
`;
const PKCS1_PEM = `-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA1rh7K6hLC5oQ+T3bcAX3DUhazEYq4Is67w4kH2S7ebF/gLCSrI90
ULuCmXm1WTfng0+71wwUBkr4UnxtmnPjP9z7O8IC4G05fSKICgwutijjLGNVntr3
shRs9ytCHNh15vEj4dUjPG69Z+dvE4JzKaSgOXtACnsMzHIJOetK9nCo1vx/jk72
9BuA6u/DAsuYoNwLZbtBOnBYguDJsqI0phaM4hVNNQvmCXNiQWZqVkPsLUSOGyKx
QNlxw8PZ6dy8IBIM2+uHGWYSLxUmv9waLdeUCD80BAR9SLzv+NjXCecPx7Aw6ZL3
p010doRH3h/J2HCcLthCtwYPtMhdIJ3sjQIDAQAB
-----END RSA PUBLIC KEY-----
`;
/** An Ed25519 key and the fingerprint `ssh-keygen -l -E sha256` printed for it. */
const ED25519_LINE =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDPl4ZRsSUeYhzwALpHtRXp3snJVbwehzkphT67D9PmV ed@example';
const ED25519_FINGERPRINT = 'SHA256:3TcMT5198Fkj9xFMRtb3SyGcu0TG3evKEFFI52KEjNg';

/** An OpenSSH line of another algorithm, from its blob's fields (each length-prefixed). */
function sshLine(type: string, ...fields: Buffer[]): string {
  const parts = [Buffer.from(type), ...fields].map((field) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(field.length);
    return Buffer.concat([length, field]);
  });
  return `${type} ${Buffer.concat(parts).toString('base64')}`;
}

describe('readSshPublicKey', () => {
  it('reads an RSA key in each encoding IAM takes: ssh-rsa, PEM SPKI and PEM PKCS #1', () => {
    for (const body of [OPENSSH_LINE, SPKI_PEM, PKCS1_PEM]) {
      expect(readSshPublicKey(body)).toEqual({ parsed: true, algorithm: 'rsa', bits: 2048 });
    }
  });

  it('tells an RSA key’s size from its modulus: 1024, 3072 and 4096 bits', () => {
    expect(readSshPublicKey(generateSshPublicKey({ bits: 1024 }))).toMatchObject({ bits: 1024 });
    expect(readSshPublicKey(generateSshPublicKey({ bits: 3072, comment: 'a@b' }))).toMatchObject({
      bits: 3072,
    });
    expect(readSshPublicKey(generateSshPublicKey({ bits: 4096, encoding: 'pem' }))).toMatchObject({
      bits: 4096,
    });
  });

  it('names keys that are not RSA: Ed25519, ECDSA, DSA, and an algorithm it does not know', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });

    expect(readSshPublicKey(ED25519_LINE)).toEqual({
      parsed: true,
      algorithm: 'ed25519',
      bits: 256,
    });
    expect(readSshPublicKey(ec.toString())).toEqual({ parsed: true, algorithm: 'ec', bits: 384 });
    expect(
      readSshPublicKey(
        sshLine('ecdsa-sha2-nistp521', Buffer.from('nistp521'), Buffer.alloc(133, 4)),
      ),
    ).toEqual({ parsed: true, algorithm: 'ec', bits: 521 });
    expect(
      readSshPublicKey(
        sshLine('ssh-dss', Buffer.from([0x80, ...Array(127).fill(1)]), Buffer.from([1])),
      ),
    ).toEqual({ parsed: true, algorithm: 'dsa', bits: 1024 });
    expect(readSshPublicKey(sshLine('sk-ssh-ed25519@openssh.com', Buffer.alloc(32)))).toEqual({
      parsed: true,
      algorithm: 'sk-ssh-ed25519@openssh.com',
      bits: null,
    });
  });

  it('says why a body cannot be read: none, not a key, a blob cut short, a blob of another type, a PEM that is no public key', () => {
    const truncated = OPENSSH_LINE.split(' ')[1]?.slice(0, 40) ?? '';
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const exponentOnly = sshRsaBlob(Buffer.from([1, 0, 1]), Buffer.alloc(0)).subarray(0, 18);

    expect(readSshPublicKey(undefined)).toEqual({
      parsed: false,
      reason: 'IAM returned the key without its body',
    });
    expect(readSshPublicKey('{"not": "a key"}')).toEqual({
      parsed: false,
      reason: 'neither an OpenSSH public key line nor a PEM public key',
    });
    expect(readSshPublicKey(`ssh-rsa ${truncated}`)).toEqual({
      parsed: false,
      reason: 'a key blob cut short',
    });
    expect(readSshPublicKey(`ssh-rsa ${ED25519_LINE.split(' ')[1]}`)).toEqual({
      parsed: false,
      reason: 'the key blob does not say ssh-rsa, as its line does',
    });
    expect(readSshPublicKey(`ssh-rsa ${exponentOnly.toString('base64')}`)).toEqual({
      parsed: false,
      reason: 'an ssh-rsa blob without exactly an exponent and a modulus',
    });
    expect(readSshPublicKey(privatePem)).toMatchObject({ parsed: false });
    expect(readSshPublicKey(generateTestCertificate())).toMatchObject({ parsed: false });
  });
});

describe('sshKeyFingerprint', () => {
  it('is OpenSSH’s SHA-256 fingerprint, the same for the ssh-rsa line and both PEM forms of the key', () => {
    expect(sshKeyFingerprint(OPENSSH_LINE)).toBe(OPENSSH_FINGERPRINT);
    expect(sshKeyFingerprint(SPKI_PEM)).toBe(OPENSSH_FINGERPRINT);
    expect(sshKeyFingerprint(PKCS1_PEM)).toBe(OPENSSH_FINGERPRINT);
    // Without the comment, and with other white space: the key, not the text.
    expect(sshKeyFingerprint(`  ${OPENSSH_LINE.split(' ').slice(0, 2).join('  ')}\n`)).toBe(
      OPENSSH_FINGERPRINT,
    );
    expect(sshKeyFingerprint(ED25519_LINE)).toBe(ED25519_FINGERPRINT);
  });

  it('tells two keys apart (the control: a fingerprint that ignored the key would pass the test above)', () => {
    const other = generateSshPublicKey();

    expect(sshKeyFingerprint(other)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(sshKeyFingerprint(other)).not.toBe(OPENSSH_FINGERPRINT);
    expect(sshKeyFingerprint(SPKI_PEM.replace('jQIDAQAB', 'jQIDAQAD'))).not.toBe(
      OPENSSH_FINGERPRINT,
    );
  });

  it('fingerprints a body that is not a key by its text, marked text:', () => {
    expect(sshKeyFingerprint('hello')).toMatch(/^text:[0-9a-f]{64}$/);
    expect(sshKeyFingerprint(' hello\n')).toBe(sshKeyFingerprint('hello'));
  });
});

describe('sshKeyUploadable', () => {
  it('takes an RSA key of at least 2048 bits, naming its size and fingerprint', () => {
    expect(sshKeyUploadable(OPENSSH_LINE)).toEqual({
      ok: true,
      summary: `an RSA key of 2048 bits, ${OPENSSH_FINGERPRINT}`,
    });
  });

  it('refuses what IAM would refuse: a short RSA key, another algorithm, an unreadable body', () => {
    expect(sshKeyUploadable(generateSshPublicKey({ bits: 1024 }))).toEqual({
      ok: false,
      why: 'its body is an RSA key of 1024 bits: IAM takes at least 2048, and would refuse to upload it (InvalidPublicKey)',
    });
    expect(sshKeyUploadable(ED25519_LINE)).toEqual({
      ok: false,
      why: 'its body is not an RSA key (ed25519): IAM takes RSA keys only, and would refuse to upload it (InvalidPublicKey)',
    });
    expect(sshKeyUploadable('hello')).toMatchObject({
      ok: false,
      why: expect.stringMatching(/^its body is not a readable SSH public key/),
    });
  });
});
