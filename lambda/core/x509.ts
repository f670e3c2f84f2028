import { X509Certificate } from 'node:crypto';

/** What the audit keeps of a certificate's content: enough to judge and identify it, never the body. */
export interface CertificateFacts {
  /** SHA-256 fingerprint, colon-separated hex as `openssl x509 -fingerprint -sha256` prints it. */
  readonly fingerprint256: string;
  readonly subject: string;
  readonly notAfter: Date;
  /** `rsa`, `ec`, `ed25519`, … as Node names the public key's type. */
  readonly keyType: string;
  /** Key size in bits (RSA or DSA modulus, EC curve size); undefined when it cannot be told. */
  readonly keyBits: number | undefined;
  /** The signature algorithm's name (`sha1WithRSAEncryption`, `rsassaPss(sha256)`) or, if unknown to us, its OID. */
  readonly signatureAlgorithm: string;
}

/** The outcome of reading a certificate body: its facts, or why it could not be read. */
export type CertificateContent =
  | { readonly parsed: true; readonly facts: CertificateFacts }
  | { readonly parsed: false; readonly reason: string };

/**
 * Curve sizes in bits, by the names Node reports in `asymmetricKeyDetails.namedCurve`, where the
 * name does not carry the size; other names do (secp160r1, sect163k1, brainpoolP160r1, …).
 */
const EC_CURVE_BITS: Readonly<Record<string, number>> = {
  SM2: 256,
};

/** The size of a named curve in bits: from the table, else the first three-digit number in its name. */
export function curveBits(namedCurve: string): number | undefined {
  const known = EC_CURVE_BITS[namedCurve];
  if (known !== undefined) return known;
  const digits = /\d{3}/.exec(namedCurve);
  return digits ? Number(digits[0]) : undefined;
}

/** Signature algorithms by OID; the weak ones (MD2, MD4, MD5, SHA-1) are what the audit looks for. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  // The old OIW identifier for SHA-1 with RSA, still found in some certificates.
  '1.3.14.3.2.29': 'sha1WithRSASignature',
  '2.16.840.1.101.3.4.3.13': 'sha3-224WithRSAEncryption',
  '2.16.840.1.101.3.4.3.14': 'sha3-256WithRSAEncryption',
  '2.16.840.1.101.3.4.3.15': 'sha3-384WithRSAEncryption',
  '2.16.840.1.101.3.4.3.16': 'sha3-512WithRSAEncryption',
  '2.16.840.1.101.3.4.3.9': 'ecdsaWithSHA3-224',
  '2.16.840.1.101.3.4.3.10': 'ecdsaWithSHA3-256',
  '2.16.840.1.101.3.4.3.11': 'ecdsaWithSHA3-384',
  '2.16.840.1.101.3.4.3.12': 'ecdsaWithSHA3-512',
  '1.2.840.10040.4.3': 'dsaWithSHA1',
  '2.16.840.1.101.3.4.3.1': 'dsaWithSHA224',
  '2.16.840.1.101.3.4.3.2': 'dsaWithSHA256',
  '1.2.840.10045.4.1': 'ecdsaWithSHA1',
  '1.2.840.10045.4.3.1': 'ecdsaWithSHA224',
  '1.2.840.10045.4.3.2': 'ecdsaWithSHA256',
  '1.2.840.10045.4.3.3': 'ecdsaWithSHA384',
  '1.2.840.10045.4.3.4': 'ecdsaWithSHA512',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

/**
 * Reads a PEM certificate body with Node's built-in X509Certificate (no dependency). Never
 * throws: a body that is not a certificate comes back as `{ parsed: false, reason }`.
 */
export function readCertificate(body: string | undefined): CertificateContent {
  if (body === undefined || body.trim() === '') {
    return { parsed: false, reason: 'IAM returned no certificate body' };
  }
  try {
    const cert = new X509Certificate(body);
    const key = cert.publicKey;
    const details = key.asymmetricKeyDetails ?? {};
    const keyBits =
      details.modulusLength ??
      (details.namedCurve === undefined ? undefined : curveBits(details.namedCurve));
    const notAfter = new Date(cert.validTo);
    if (Number.isNaN(notAfter.getTime())) {
      return { parsed: false, reason: `unreadable notAfter date "${cert.validTo}"` };
    }
    return {
      parsed: true,
      facts: {
        fingerprint256: cert.fingerprint256,
        subject: cert.subject.replaceAll('\n', ', '),
        notAfter,
        keyType: key.asymmetricKeyType ?? 'unknown',
        keyBits,
        signatureAlgorithm: signatureAlgorithmOf(cert.raw),
      },
    };
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    // The message names the parser's complaint only; the body itself is never echoed.
    return { parsed: false, reason: `not a valid X.509 certificate (${message})` };
  }
}

/** Hash algorithms by OID, for the parameters of an RSASSA-PSS signature. */
const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const RSASSA_PSS = '1.2.840.113549.1.1.10';

/**
 * The outer signatureAlgorithm of a DER certificate (Node 20's X509Certificate does not expose
 * it): Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, … }.
 * An RSASSA-PSS signature names its hash in its parameters, and SHA-1 when they leave it out
 * (RFC 4055), so it comes back as `rsassaPss(sha1)`, `rsassaPss(sha256)`, ….
 */
export function signatureAlgorithmOf(der: Buffer): string {
  const certificate = readElement(der, 0, 0x30);
  const tbs = readElement(der, certificate.contentStart, 0x30);
  const algorithm = readElement(der, tbs.end, 0x30);
  const oid = readElement(der, algorithm.contentStart, 0x06);
  const dotted = decodeOid(der.subarray(oid.contentStart, oid.end));
  if (dotted === RSASSA_PSS) return `rsassaPss(${pssHashOf(der, oid.end, algorithm.end)})`;
  return SIGNATURE_ALGORITHMS[dotted] ?? dotted;
}

/**
 * RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, … }:
 * the hash of a PSS signature, from the parameters between `start` and `end`.
 */
function pssHashOf(der: Buffer, start: number, end: number): string {
  if (start >= end || der[start] !== 0x30) return 'sha1';
  const params = readElement(der, start, 0x30);
  if (params.contentStart >= params.end || der[params.contentStart] !== 0xa0) return 'sha1';
  const explicit = readElement(der, params.contentStart, 0xa0);
  const hashAlgorithm = readElement(der, explicit.contentStart, 0x30);
  const hashOid = readElement(der, hashAlgorithm.contentStart, 0x06);
  const dotted = decodeOid(der.subarray(hashOid.contentStart, hashOid.end));
  return HASH_ALGORITHMS[dotted] ?? dotted;
}

interface DerElement {
  readonly contentStart: number;
  readonly end: number;
}

function readElement(der: Buffer, offset: number, expectedTag: number): DerElement {
  const tag = der[offset];
  if (tag !== expectedTag) {
    throw new Error(`DER: expected tag 0x${expectedTag.toString(16)} at ${offset}, found ${tag}`);
  }
  const first = der[offset + 1];
  if (first === undefined) throw new Error('DER: truncated length');
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new Error('DER: unsupported length encoding');
    length = 0;
    for (let i = 0; i < octets; i += 1) {
      const octet = der[offset + 2 + i];
      if (octet === undefined) throw new Error('DER: truncated length');
      length = length * 256 + octet;
    }
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('DER: element runs past the end');
  return { contentStart, end };
}

function decodeOid(bytes: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  const [first = 0, ...rest] = arcs;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...rest].join('.');
}
