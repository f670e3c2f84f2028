import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkCertificateContent } from '../../lambda/policy';
import { type CertificateFacts, readCertificate, signatureAlgorithmOf } from '../../lambda/x509';
import { type CertificateSpec, generateCertificate } from '../support/certs';

const DAY_MS = 86_400_000;

function factsOf(spec: CertificateSpec): CertificateFacts {
  const content = readCertificate(generateCertificate(spec));
  if (!content.parsed) throw new Error(`expected a parsed certificate: ${content.reason}`);
  return content.facts;
}

describe('readCertificate', () => {
  it('reads the key, signature, fingerprint, subject and notAfter of an RSA-2048 certificate', () => {
    const body = generateCertificate({ key: 'rsa:2048', commonName: 'alice-signer' });

    const content = readCertificate(body);

    const expected = new X509Certificate(body);
    expect(content).toEqual({
      parsed: true,
      facts: {
        fingerprint256: expected.fingerprint256,
        subject: 'CN=alice-signer',
        notAfter: new Date(expected.validTo),
        keyType: 'rsa',
        keyBits: 2048,
        signatureAlgorithm: 'sha256WithRSAEncryption',
      },
    });
  });

  it.each([
    [{ key: 'rsa:1024' } as const, 'rsa', 1024, 'sha256WithRSAEncryption'],
    [{ key: 'ec:P-256' } as const, 'ec', 256, 'ecdsaWithSHA256'],
    [{ key: 'ec:P-192' } as const, 'ec', 192, 'ecdsaWithSHA256'],
    [{ key: 'rsa:2048', digest: 'sha1' } as const, 'rsa', 2048, 'sha1WithRSAEncryption'],
    [{ key: 'ec:P-256', digest: 'sha1' } as const, 'ec', 256, 'ecdsaWithSHA1'],
  ])('reads %j as a %s key of %i bits signed with %s', (spec, keyType, keyBits, algorithm) => {
    expect(factsOf(spec)).toMatchObject({ keyType, keyBits, signatureAlgorithm: algorithm });
  });

  it.each([
    [
      'garbage',
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
    ],
    ['plain text', 'hello'],
    ['an empty body', ''],
    ['no body', undefined],
  ])('reports %s as unparseable, without echoing the body', (_name, body) => {
    const content = readCertificate(body);

    expect(content).toMatchObject({ parsed: false, reason: expect.any(String) });
    if (!content.parsed && body) expect(content.reason).not.toContain(body.trim());
  });

  it('reads the outer signature algorithm OID from the DER', () => {
    const der = new X509Certificate(generateCertificate({ digest: 'sha1' })).raw;

    expect(signatureAlgorithmOf(der)).toBe('ecdsaWithSHA1');
    expect(() => signatureAlgorithmOf(Buffer.from([0x30, 0x05, 0x02]))).toThrow(/DER/);
  });
});

describe('checkCertificateContent', () => {
  const sound = factsOf({ key: 'rsa:2048', validDays: 365 });
  const issued = sound.notAfter.getTime() - 365 * DAY_MS;

  it('finds nothing wrong with a sound, valid certificate', () => {
    expect(checkCertificateContent(sound, new Date(issued + DAY_MS), 14)).toEqual([]);
  });

  it('reports a certificate that really expired, issued in the past with libfaketime', () => {
    const expired = factsOf({ validDays: 10, issuedDaysAgo: 40 });

    const issues = checkCertificateContent(expired, new Date(), 14);

    expect(issues).toEqual([
      {
        verdict: 'CERT_EXPIRED',
        detail: `the certificate expired at ${expired.notAfter.toISOString()}`,
      },
    ]);
    expect(expired.notAfter.getTime()).toBeLessThan(Date.now());
  });

  it('reports expiring within WARN_BEFORE_DAYS, and not a millisecond earlier', () => {
    const notAfter = sound.notAfter.getTime();

    expect(checkCertificateContent(sound, new Date(notAfter - 14 * DAY_MS), 14)).toMatchObject([
      { verdict: 'CERT_EXPIRING' },
    ]);
    expect(checkCertificateContent(sound, new Date(notAfter - 14 * DAY_MS - 1), 14)).toEqual([]);
    expect(checkCertificateContent(sound, new Date(notAfter - DAY_MS), 0)).toEqual([]);
  });

  it.each([
    [{ key: 'rsa:1024' } as const, 'RSA key of 1024 bits; at least 2048 required'],
    [{ key: 'ec:P-192' } as const, 'EC key of 192 bits; at least 256 required'],
  ])('reports %j as a weak key', (spec, detail) => {
    const facts = factsOf(spec);

    expect(checkCertificateContent(facts, new Date(issued), 14)).toEqual([
      { verdict: 'WEAK_KEY', detail },
    ]);
  });

  it('accepts RSA-2048 and P-256 keys', () => {
    const p256 = factsOf({ key: 'ec:P-256' });

    expect(checkCertificateContent(p256, new Date(issued), 14)).toEqual([]);
    expect(checkCertificateContent(sound, new Date(issued), 14)).toEqual([]);
  });

  it('reports SHA-1 and MD5 signatures as weak', () => {
    const sha1 = factsOf({ key: 'rsa:2048', digest: 'sha1' });

    expect(checkCertificateContent(sha1, new Date(issued), 14)).toEqual([
      {
        verdict: 'WEAK_SIGNATURE',
        detail: 'signed with sha1WithRSAEncryption; MD5 and SHA-1 signatures can be forged',
      },
    ]);
    const md5 = factsOf({ key: 'rsa:2048', digest: 'md5' });
    expect(md5.signatureAlgorithm).toBe('md5WithRSAEncryption');
    expect(checkCertificateContent(md5, new Date(issued), 14)).toMatchObject([
      { verdict: 'WEAK_SIGNATURE' },
    ]);
  });

  it('reports every problem of a certificate that has several', () => {
    const awful = factsOf({ key: 'rsa:1024', digest: 'sha1', validDays: 5, issuedDaysAgo: 10 });

    expect(checkCertificateContent(awful, new Date(), 14).map((i) => i.verdict)).toEqual([
      'CERT_EXPIRED',
      'WEAK_KEY',
      'WEAK_SIGNATURE',
    ]);
  });
});
