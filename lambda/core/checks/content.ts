import { DAY_MS } from '../time';
import type { CertificateCheck, Outcome } from './check';

/** The facts of a certificate's content that the checks look at (see x509.ts). */
export interface ContentFacts {
  readonly notAfter: Date;
  readonly keyType: string;
  readonly keyBits: number | undefined;
  readonly signatureAlgorithm: string;
}

/** Signature algorithms (as x509.ts names them) whose hash no longer resists collisions. */
export const WEAK_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  'md2WithRSAEncryption',
  'md4WithRSAEncryption',
  'md5WithRSAEncryption',
  'sha1WithRSAEncryption',
  'sha1WithRSASignature',
  'dsaWithSHA1',
  'ecdsaWithSHA1',
  'rsassaPss(md5)',
  'rsassaPss(sha1)',
]);

/**
 * The signature algorithms vouched for: SHA-2 or SHA-3 with RSA (PKCS #1 v1.5 or PSS), DSA or
 * ECDSA, and EdDSA. The check fails closed: an algorithm outside this list, including one
 * x509.ts can only name by its OID, is reported rather than assumed sound.
 */
export const STRONG_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  'sha224WithRSAEncryption',
  'sha256WithRSAEncryption',
  'sha384WithRSAEncryption',
  'sha512WithRSAEncryption',
  'sha3-224WithRSAEncryption',
  'sha3-256WithRSAEncryption',
  'sha3-384WithRSAEncryption',
  'sha3-512WithRSAEncryption',
  'rsassaPss(sha224)',
  'rsassaPss(sha256)',
  'rsassaPss(sha384)',
  'rsassaPss(sha512)',
  'dsaWithSHA224',
  'dsaWithSHA256',
  'ecdsaWithSHA224',
  'ecdsaWithSHA256',
  'ecdsaWithSHA384',
  'ecdsaWithSHA512',
  'ecdsaWithSHA3-224',
  'ecdsaWithSHA3-256',
  'ecdsaWithSHA3-384',
  'ecdsaWithSHA3-512',
  'Ed25519',
  'Ed448',
]);

/** Smallest key sizes accepted, in bits (DSA is held to RSA's, as NIST does). */
export const MIN_KEY_BITS: Readonly<Record<string, number>> = {
  rsa: 2048,
  'rsa-pss': 2048,
  dsa: 2048,
  ec: 256,
};

type ContentIssueVerdict = 'CERT_EXPIRED' | 'CERT_EXPIRING' | 'WEAK_KEY' | 'WEAK_SIGNATURE';
type ContentVerdict = ContentIssueVerdict | 'UNPARSEABLE';

/** A report-only finding about what is inside a certificate. */
export interface ContentIssue {
  readonly verdict: ContentIssueVerdict;
  readonly detail: string;
}

/**
 * Checks what is inside a certificate: expired, expiring within `warnBeforeDays`, an RSA or DSA
 * key under 2048 bits or an EC key under 256 (or on a curve whose size cannot be told), a weak
 * or unrecognised signature algorithm (fail closed: only the ones listed as strong pass). Pure,
 * and never a reason to change anything: remediation stays driven by age.
 */
export function checkCertificateContent(
  facts: ContentFacts,
  now: Date,
  warnBeforeDays: number,
): ContentIssue[] {
  const issues: ContentIssue[] = [];
  const notAfter = facts.notAfter.toISOString();
  if (facts.notAfter.getTime() < now.getTime()) {
    issues.push({ verdict: 'CERT_EXPIRED', detail: `the certificate expired at ${notAfter}` });
  } else if (
    warnBeforeDays > 0 &&
    facts.notAfter.getTime() - now.getTime() <= warnBeforeDays * DAY_MS
  ) {
    issues.push({ verdict: 'CERT_EXPIRING', detail: `the certificate expires at ${notAfter}` });
  }
  const minimum = MIN_KEY_BITS[facts.keyType];
  if (minimum !== undefined && (facts.keyBits === undefined || facts.keyBits < minimum)) {
    // A key whose size cannot be told is not vouched for: it is reported, never assumed strong.
    const size = facts.keyBits === undefined ? 'of unknown size' : `of ${facts.keyBits} bits`;
    issues.push({
      verdict: 'WEAK_KEY',
      detail: `${facts.keyType.toUpperCase()} key ${size}; at least ${minimum} required`,
    });
  }
  if (WEAK_SIGNATURE_ALGORITHMS.has(facts.signatureAlgorithm)) {
    issues.push({
      verdict: 'WEAK_SIGNATURE',
      detail: `signed with ${facts.signatureAlgorithm}; MD5 and SHA-1 signatures can be forged`,
    });
  } else if (!STRONG_SIGNATURE_ALGORITHMS.has(facts.signatureAlgorithm)) {
    issues.push({
      verdict: 'WEAK_SIGNATURE',
      detail: `signed with an unrecognised algorithm (${facts.signatureAlgorithm}); it is not vouched for`,
    });
  }
  return issues;
}

const REPLACE =
  'Issue a new certificate with a key of at least 2048 bits (RSA) or 256 bits (EC), signed with SHA-256 or better, upload it with `aws iam upload-signing-certificate`, move its users to it, and delete this one.';

/** Every content verdict counts as one kind of issue, as the first report schema did. */
const CONTENT_ISSUES = { key: 'contentIssues', metric: 'CertificateContentIssues' } as const;

/**
 * What is inside the certificate, read once from its body (x509.ts): its own validity, key size
 * and signature algorithm. Report-only: it never causes a change by itself.
 */
export const contentCheck: CertificateCheck<ContentVerdict, 'contentIssues'> = {
  id: 'content',
  scope: 'certificate',
  description: 'Signing certificates are valid, with sound keys and signatures',
  kinds: ['signing-certificate'],
  usesUserRules: false,
  verdicts: {
    CERT_EXPIRED: {
      title: 'IAM signing certificate past its notAfter date',
      when: 'its notAfter has passed',
      severity: 'HIGH',
      remediation: `The certificate itself has expired and can no longer be trusted. ${REPLACE}`,
      failing: true,
      count: CONTENT_ISSUES,
    },
    CERT_EXPIRING: {
      title: 'IAM signing certificate close to its notAfter date',
      when: 'its notAfter is within `warnBeforeDays`',
      severity: 'LOW',
      remediation: `The certificate itself expires soon. ${REPLACE}`,
      failing: false,
      count: CONTENT_ISSUES,
    },
    WEAK_KEY: {
      title: 'IAM signing certificate with a weak key',
      when: 'RSA or DSA under 2048 bits, EC under 256 (or of a size that cannot be told)',
      severity: 'MEDIUM',
      remediation: `The key is too short to resist attack. ${REPLACE}`,
      failing: true,
      count: CONTENT_ISSUES,
    },
    WEAK_SIGNATURE: {
      title: 'IAM signing certificate with a weak or unrecognised signature',
      when: 'signed with MD2, MD4, MD5 or SHA-1, or with an algorithm not on the list of sound ones',
      severity: 'MEDIUM',
      remediation: `MD5 and SHA-1 signatures can be forged, and an unknown algorithm is not vouched for. ${REPLACE}`,
      failing: true,
      count: CONTENT_ISSUES,
    },
    UNPARSEABLE: {
      title: 'IAM signing certificate that is not a valid X.509 certificate',
      when: 'the body is not a valid X.509 certificate',
      severity: 'MEDIUM',
      remediation:
        'IAM holds a body that cannot be read as X.509: find out what uploaded it, and delete it if nothing uses it.',
      failing: true,
      count: CONTENT_ISSUES,
    },
  },
  evaluate(credential, { now, policy }): Outcome<ContentVerdict>[] {
    if (credential.type !== 'signing-certificate') return [];
    const { content } = credential;
    if (!content.parsed) return [{ verdict: 'UNPARSEABLE', detail: content.reason, ageDays: null }];
    return checkCertificateContent(content.facts, now, policy.warnBeforeDays).map((issue) => ({
      ...issue,
      ageDays: null,
    }));
  },
};
