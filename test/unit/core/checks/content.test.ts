import { describe, expect, it } from 'vitest';
import {
  type ContentFacts,
  checkCertificateContent,
  contentCheck,
} from '../../../../lambda/core/checks/content';
import {
  type CertificateFacts,
  readCertificate,
  signatureAlgorithmOf,
} from '../../../../lambda/core/x509';
import {
  generateTestCertificate,
  type TestCertificateSpec,
} from '../../../../tools/emulator/certs';
import { policyWith } from '../../fixtures';

const DAY_MS = 86_400_000;
/** Validity of the certificates whose dates matter: X.509 times have whole seconds. */
const NOT_BEFORE = new Date('2026-01-01T00:00:00.000Z');
const NOT_AFTER = new Date('2027-01-01T00:00:00.000Z');
const DURING = new Date('2026-06-01T00:00:00.000Z');

function factsOf(spec: TestCertificateSpec): CertificateFacts {
  const content = readCertificate(generateTestCertificate(spec));
  if (!content.parsed) throw new Error(`expected a parsed certificate: ${content.reason}`);
  return content.facts;
}

describe('checkCertificateContent', () => {
  const sound = factsOf({ key: 'rsa:2048', notBefore: NOT_BEFORE, notAfter: NOT_AFTER });

  it('finds nothing wrong with a sound certificate while it is valid', () => {
    expect(checkCertificateContent(sound, DURING, 14)).toEqual([]);
  });

  it('reports a certificate past its notAfter as expired, and not at the second itself', () => {
    // Prepare: a certificate that expired before the run, generated with its real dates.
    const expired = factsOf({
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2025-02-01T00:00:00Z'),
    });

    // Act
    const issues = checkCertificateContent(expired, DURING, 14);

    // Assess
    expect(issues).toEqual([
      { verdict: 'CERT_EXPIRED', detail: 'the certificate expired at 2025-02-01T00:00:00.000Z' },
    ]);
    expect(checkCertificateContent(sound, new Date(NOT_AFTER.getTime() + 1), 14)).toMatchObject([
      { verdict: 'CERT_EXPIRED' },
    ]);
    expect(checkCertificateContent(sound, NOT_AFTER, 14)).toMatchObject([
      { verdict: 'CERT_EXPIRING' },
    ]);
  });

  it('reports expiring within WARN_BEFORE_DAYS, and not a millisecond earlier', () => {
    const notAfter = NOT_AFTER.getTime();

    expect(checkCertificateContent(sound, new Date(notAfter - 14 * DAY_MS), 14)).toEqual([
      { verdict: 'CERT_EXPIRING', detail: 'the certificate expires at 2027-01-01T00:00:00.000Z' },
    ]);
    expect(checkCertificateContent(sound, new Date(notAfter - 14 * DAY_MS - 1), 14)).toEqual([]);
    expect(checkCertificateContent(sound, new Date(notAfter - DAY_MS), 0)).toEqual([]);
  });

  it.each<[TestCertificateSpec, string]>([
    [{ key: 'rsa:1024' }, 'RSA key of 1024 bits; at least 2048 required'],
    [{ key: 'ec:P-192' }, 'EC key of 192 bits; at least 256 required'],
    [{ key: 'ec:secp160r1' }, 'EC key of 160 bits; at least 256 required'],
    [{ key: 'ec:prime239v1' }, 'EC key of 239 bits; at least 256 required'],
    [{ key: 'dsa:1024' }, 'DSA key of 1024 bits; at least 2048 required'],
  ])('reports %j as a weak key', (spec, detail) => {
    const facts = factsOf({ ...spec, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });

    expect(checkCertificateContent(facts, DURING, 14)).toEqual([{ verdict: 'WEAK_KEY', detail }]);
  });

  it('reports an EC key whose size cannot be told, rather than assume it is strong', () => {
    const facts: ContentFacts = { ...sound, keyType: 'ec', keyBits: undefined };

    expect(checkCertificateContent(facts, DURING, 14)).toEqual([
      { verdict: 'WEAK_KEY', detail: 'EC key of unknown size; at least 256 required' },
    ]);
  });

  it.each<TestCertificateSpec>([
    { key: 'rsa:2048' },
    { key: 'rsa:2048', digest: 'sha512' },
    { key: 'ec:P-256' },
    { key: 'ec:P-384', digest: 'sha384' },
    { key: 'ed25519' },
    { key: 'rsa:2048', pss: true },
  ])('accepts %j', (spec) => {
    const facts = factsOf({ ...spec, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });

    expect(checkCertificateContent(facts, DURING, 14)).toEqual([]);
  });

  it.each<[TestCertificateSpec, string]>([
    [{ key: 'rsa:2048', digest: 'sha1' }, 'sha1WithRSAEncryption'],
    [{ key: 'rsa:2048', digest: 'md5' }, 'md5WithRSAEncryption'],
    [{ key: 'ec:P-256', digest: 'sha1' }, 'ecdsaWithSHA1'],
    [{ key: 'rsa:2048', digest: 'sha1', pss: true }, 'rsassaPss(sha1)'],
  ])('reports %j as a weak signature', (spec, algorithm) => {
    const facts = factsOf({ ...spec, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });

    expect(checkCertificateContent(facts, DURING, 14)).toEqual([
      {
        verdict: 'WEAK_SIGNATURE',
        detail: `signed with ${algorithm}; MD5 and SHA-1 signatures can be forged`,
      },
    ]);
  });

  it.each([
    ['1.3.14.3.2.29', 'sha1WithRSASignature', /MD5 and SHA-1 signatures can be forged/],
    ['1.2.3.4.5', '1.2.3.4.5', /unrecognised algorithm \(1\.2\.3\.4\.5\); it is not vouched for/],
    ['rsassaPss(1.2.3)', 'rsassaPss(1.2.3)', /unrecognised algorithm \(rsassaPss\(1\.2\.3\)\)/],
    ['gostR3411', 'gostR3411', /unrecognised algorithm \(gostR3411\)/],
  ])('fails closed on %s: reported as a weak signature naming it', (_name, algorithm, detail) => {
    const facts: ContentFacts = { ...sound, signatureAlgorithm: algorithm };

    expect(checkCertificateContent(facts, DURING, 14)).toEqual([
      { verdict: 'WEAK_SIGNATURE', detail: expect.stringMatching(detail) },
    ]);
  });

  it('names the old OIW SHA-1 with RSA identifier', () => {
    // 1.3.14.3.2.29
    const oiw = [0x2b, 0x0e, 0x03, 0x02, 0x1d];
    const der = Buffer.from([
      0x30,
      6 + oiw.length,
      0x30,
      0x00,
      0x30,
      2 + oiw.length,
      0x06,
      oiw.length,
      ...oiw,
    ]);

    expect(signatureAlgorithmOf(der)).toBe('sha1WithRSASignature');
  });

  it('reports every problem of a certificate that has several', () => {
    const awful = factsOf({
      key: 'rsa:1024',
      digest: 'sha1',
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2025-01-06T00:00:00Z'),
    });

    expect(checkCertificateContent(awful, DURING, 14).map((i) => i.verdict)).toEqual([
      'CERT_EXPIRED',
      'WEAK_KEY',
      'WEAK_SIGNATURE',
    ]);
  });
});

describe('contentCheck', () => {
  const context = {
    now: DURING,
    policy: policyWith(),
    rules: { override: undefined, exemptReason: undefined },
  };

  it('reports an unparseable body, and every issue of a parsed one, never with an age', () => {
    const unparseable = contentCheck.evaluate(
      {
        type: 'signing-certificate',
        status: 'Active',
        uploadDate: DURING,
        content: { parsed: false, reason: 'garbage' },
      },
      context,
    );
    const weak = contentCheck.evaluate(
      {
        type: 'signing-certificate',
        status: 'Active',
        uploadDate: DURING,
        content: readCertificate(
          generateTestCertificate({ key: 'rsa:1024', notBefore: NOT_BEFORE, notAfter: NOT_AFTER }),
        ),
      },
      context,
    );

    expect(unparseable).toEqual([{ verdict: 'UNPARSEABLE', detail: 'garbage', ageDays: null }]);
    expect(weak).toEqual([
      {
        verdict: 'WEAK_KEY',
        detail: 'RSA key of 1024 bits; at least 2048 required',
        ageDays: null,
      },
    ]);
  });

  it('declares a severity, a title and a remediation of at most 512 characters per verdict', () => {
    for (const spec of Object.values(contentCheck.verdicts)) {
      expect(spec.title.length).toBeLessThanOrEqual(256);
      expect(spec.remediation.length).toBeGreaterThan(0);
      expect(spec.remediation.length).toBeLessThanOrEqual(512);
    }
  });
});
