import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSshPublicKey, readSshRsaBlob, sshRsaBlob } from '../../../tools/emulator/ssh-keys';

/** The RSA key an `ssh-rsa` line holds, rebuilt by Node's own key parser from its exponent and modulus. */
function keyOfLine(line: string) {
  const [type, base64] = line.split(' ');
  expect(type).toBe('ssh-rsa');
  const { exponent, modulus } = readSshRsaBlob(Buffer.from(base64 ?? '', 'base64'));
  return createPublicKey({
    key: { kty: 'RSA', e: exponent.toString('base64url'), n: modulus.toString('base64url') },
    format: 'jwk',
  });
}

describe('generateSshPublicKey', () => {
  it('writes an ssh-rsa line whose blob holds a 2048-bit RSA key, with its comment', () => {
    const line = generateSshPublicKey({ comment: 'alice@example' });

    expect(line).toMatch(/^ssh-rsa [A-Za-z0-9+/]+=* alice@example$/);
    expect(keyOfLine(line).asymmetricKeyDetails).toMatchObject({
      modulusLength: 2048,
      publicExponent: 65537n,
    });
  });

  it('writes PEM (SubjectPublicKeyInfo) when asked, which IAM also takes', () => {
    const pem = generateSshPublicKey({ encoding: 'pem', bits: 3072 });

    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPublicKey(pem).asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it('makes a new key each call: IAM refuses a body the user already has', () => {
    expect(generateSshPublicKey()).not.toBe(generateSshPublicKey());
  });
});

describe('sshRsaBlob', () => {
  it('writes mpints with a leading zero byte exactly when the top bit is set (RFC 4253)', () => {
    const blob = sshRsaBlob(Buffer.from([0x01, 0x00, 0x01]), Buffer.from([0x80, 0x01]));

    expect([...blob]).toEqual([
      ...[0, 0, 0, 7, ...Buffer.from('ssh-rsa')],
      ...[0, 0, 0, 3, 0x01, 0x00, 0x01],
      ...[0, 0, 0, 3, 0x00, 0x80, 0x01],
    ]);
    expect(readSshRsaBlob(blob)).toEqual({
      exponent: Buffer.from([0x01, 0x00, 0x01]),
      modulus: Buffer.from([0x80, 0x01]),
    });
  });

  it('refuses a blob that is not ssh-rsa (the control)', () => {
    const ed25519 = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519')]);

    expect(() => readSshRsaBlob(ed25519)).toThrow('not an ssh-rsa key blob');
  });
});
