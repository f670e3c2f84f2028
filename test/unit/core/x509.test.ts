import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { curveBits, readCertificate, signatureAlgorithmOf } from '../../../lambda/core/x509';
import {
  generateTestCertificate,
  opensslSignatureAlgorithm,
  type TestCertificateSpec,
} from '../../../tools/emulator/certs';

/** Validity of the certificates whose dates matter: X.509 times have whole seconds. */
const NOT_BEFORE = new Date('2026-01-01T00:00:00.000Z');
const NOT_AFTER = new Date('2027-01-01T00:00:00.000Z');

describe('readCertificate', () => {
  it('reads the key, signature, fingerprint, subject and notAfter of an RSA-2048 certificate', () => {
    // Prepare
    const body = generateTestCertificate({
      key: 'rsa:2048',
      commonName: 'alice-signer',
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
    });

    // Act
    const content = readCertificate(body);

    // Assess: the fingerprint is the one openssl itself prints.
    const opensslFingerprint = execFileSync(
      'openssl',
      ['x509', '-noout', '-fingerprint', '-sha256'],
      {
        input: body,
      },
    )
      .toString()
      .trim()
      .replace(/^.*Fingerprint=/, '');
    expect(content).toEqual({
      parsed: true,
      facts: {
        fingerprint256: opensslFingerprint,
        subject: 'CN=alice-signer',
        notAfter: NOT_AFTER,
        keyType: 'rsa',
        keyBits: 2048,
        signatureAlgorithm: 'sha256WithRSAEncryption',
      },
    });
    expect(opensslFingerprint).toBe(new X509Certificate(body).fingerprint256);
  });

  it.each<[TestCertificateSpec, string, number | undefined, string, string]>([
    [{ key: 'rsa:1024' }, 'rsa', 1024, 'sha256WithRSAEncryption', 'sha256WithRSAEncryption'],
    [
      { key: 'rsa:2048', digest: 'sha1' },
      'rsa',
      2048,
      'sha1WithRSAEncryption',
      'sha1WithRSAEncryption',
    ],
    [
      { key: 'rsa:2048', digest: 'md5' },
      'rsa',
      2048,
      'md5WithRSAEncryption',
      'md5WithRSAEncryption',
    ],
    [{ key: 'rsa:2048', pss: true }, 'rsa', 2048, 'rsassaPss(sha256)', 'rsassaPss'],
    [{ key: 'rsa:2048', pss: true, digest: 'sha1' }, 'rsa', 2048, 'rsassaPss(sha1)', 'rsassaPss'],
    [{ key: 'ec:P-256' }, 'ec', 256, 'ecdsaWithSHA256', 'ecdsa-with-SHA256'],
    [{ key: 'ec:P-256', digest: 'sha1' }, 'ec', 256, 'ecdsaWithSHA1', 'ecdsa-with-SHA1'],
    [{ key: 'ec:P-192' }, 'ec', 192, 'ecdsaWithSHA256', 'ecdsa-with-SHA256'],
    [{ key: 'ec:secp160r1' }, 'ec', 160, 'ecdsaWithSHA256', 'ecdsa-with-SHA256'],
    [{ key: 'ec:prime239v1' }, 'ec', 239, 'ecdsaWithSHA256', 'ecdsa-with-SHA256'],
    [{ key: 'dsa:1024' }, 'dsa', 1024, 'dsaWithSHA256', 'dsa_with_SHA256'],
    [{ key: 'dsa:1024', digest: 'sha1' }, 'dsa', 1024, 'dsaWithSHA1', 'dsaWithSHA1'],
    [{ key: 'ed25519' }, 'ed25519', undefined, 'Ed25519', 'ED25519'],
  ])(
    'reads %j as a %s key of %s bits signed with %s (openssl: %s)',
    (spec, keyType, keyBits, ours, openssl) => {
      // Prepare
      const body = generateTestCertificate(spec);

      // Act
      const content = readCertificate(body);

      // Assess: openssl agrees the certificate really is signed that way.
      expect(opensslSignatureAlgorithm(body)).toBe(openssl);
      expect(content).toMatchObject({
        parsed: true,
        facts: { keyType, keyBits, signatureAlgorithm: ours },
      });
    },
  );

  it.each([
    [
      'base64 that is not DER',
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
    ],
    ['plain text', 'hello'],
    ['an empty body', ''],
    ['whitespace', ' \n'],
    ['no body', undefined],
  ])('reports %s as unparseable, without echoing the body', (_name, body) => {
    const content = readCertificate(body);

    expect(content).toMatchObject({ parsed: false, reason: expect.any(String) });
    if (!content.parsed && body?.trim()) expect(content.reason).not.toContain(body.trim());
  });

  it('reports a truncated certificate as unparseable, without echoing any of it', () => {
    // Prepare: a real certificate's DER cut short, re-wrapped as PEM.
    const der = new X509Certificate(generateTestCertificate()).raw;
    const base64 = der.subarray(0, der.length - 20).toString('base64');
    const body = `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;

    // Act
    const content = readCertificate(body);

    // Assess
    expect(content.parsed).toBe(false);
    expect(JSON.stringify(content)).not.toContain(base64.slice(0, 40));
  });
});

describe('signatureAlgorithmOf', () => {
  // SEQUENCE { SEQUENCE {} (tbs), SEQUENCE { OID }, BIT STRING {} }: the smallest shape it reads.
  const certificateWith = (oid: number[]) =>
    Buffer.from([0x30, 6 + oid.length, 0x30, 0x00, 0x30, 2 + oid.length, 0x06, oid.length, ...oid]);

  it('names the outer algorithm, decoding multi-byte arcs', () => {
    // 1.2.840.113549.1.1.5: 840 and 113549 each take several base-128 bytes.
    const sha1Rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];

    expect(signatureAlgorithmOf(certificateWith(sha1Rsa))).toBe('sha1WithRSAEncryption');
  });

  it('returns an unknown algorithm as its dotted OID', () => {
    expect(signatureAlgorithmOf(certificateWith([0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37]))).toBe(
      '1.3.6.1.4.1.311',
    );
  });

  it('reads a PSS signature without hash parameters as SHA-1, the RFC 4055 default', () => {
    const pss = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];

    expect(signatureAlgorithmOf(certificateWith(pss))).toBe('rsassaPss(sha1)');
  });

  it('reads the real DER of a generated certificate, lengths in long form included', () => {
    const der = new X509Certificate(generateTestCertificate({ key: 'rsa:2048', digest: 'sha1' }))
      .raw;

    expect(der[1]).toBe(0x82); // a two-byte length: the certificate is over 255 bytes
    expect(signatureAlgorithmOf(der)).toBe('sha1WithRSAEncryption');
  });

  it.each([
    ['empty', []],
    ['not a SEQUENCE', [0x02, 0x01, 0x00]],
    ['a length past the end', [0x30, 0x05, 0x02]],
    ['a truncated long-form length', [0x30, 0x82, 0x01]],
    ['no signatureAlgorithm after the tbsCertificate', [0x30, 0x02, 0x30, 0x00]],
  ])('throws a DER error on %s', (_name, bytes) => {
    expect(() => signatureAlgorithmOf(Buffer.from(bytes))).toThrow(/DER/);
  });
});

describe('curveBits', () => {
  it.each([
    ['prime192v1', 192],
    ['prime256v1', 256],
    ['secp160r1', 160],
    ['secp384r1', 384],
    ['secp521r1', 521],
    ['sect163k1', 163],
    ['brainpoolP512t1', 512],
    ['SM2', 256],
    ['wap-wsg-idm-ecid-wtls1', undefined],
  ])('gives %s %s bits', (name, bits) => {
    expect(curveBits(name)).toBe(bits);
  });
});
