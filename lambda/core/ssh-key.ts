import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { UploadCheck } from './change-record';
import type { SshKeyContent } from './credential';
import { curveBits } from './x509';

/**
 * Reading the public body of an IAM user's SSH key. IAM takes two encodings
 * (UploadSSHPublicKey: "ssh-rsa format or PEM format", at least 2048 bits) and gives either back
 * (GetSSHPublicKey, Encoding SSH or PEM): OpenSSH's one-line `ssh-rsa AAAA… comment`, whose blob
 * is the SSH wire format (RFC 4253, section 6.6), or a PEM `PUBLIC KEY` (SPKI) or
 * `RSA PUBLIC KEY` (PKCS #1). Pure: node:crypto only.
 */

/** IAM takes RSA keys only, of at least this many bits (UploadSSHPublicKey). */
export const SSH_MIN_RSA_BITS = 2048;

/** One key read from its body: Node's key, and the SSH algorithm name and blob where the body gave them. */
type ReadKey =
  | { readonly key: KeyObject; readonly blob?: Buffer }
  | { readonly sshType: string; readonly blob: Buffer; readonly fields: readonly Buffer[] };

/** Why a body could not be read, as a sentence. */
class UnreadableKeyError extends Error {
  override readonly name = 'UnreadableKeyError';
}

/** The PEM labels of a public key IAM could hold. */
const PEM_PUBLIC_KEY = /^-----BEGIN (?:RSA )?PUBLIC KEY-----/;

/** An OpenSSH public key line: its algorithm, its base64 blob, and an optional comment. */
const SSH_LINE = /^([a-z0-9@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s+.*)?$/;

/** Curve sizes of the `ecdsa-sha2-*` algorithms, by the curve their name ends in. */
const ECDSA_BITS: Readonly<Record<string, number>> = {
  nistp256: 256,
  nistp384: 384,
  nistp521: 521,
};

/**
 * What an SSH public key's body says: its algorithm as Node names key types (`rsa`, `ed25519`,
 * `ec`, `dsa`; an SSH algorithm Node does not know keeps its SSH name) and its size in bits (RSA
 * or DSA modulus, EC curve; null when it cannot be told), or why it could not be read.
 */
export function readSshPublicKey(body: string | undefined): SshKeyContent {
  if (body === undefined || body.trim() === '') {
    return { parsed: false, reason: 'IAM returned the key without its body' };
  }
  try {
    const read = readKey(body);
    if ('key' in read) {
      return {
        parsed: true,
        algorithm: read.key.asymmetricKeyType ?? 'unknown',
        bits: bitsOf(read.key),
      };
    }
    return { parsed: true, ...sshOnlyFacts(read.sshType, read.fields) };
  } catch (error: unknown) {
    return { parsed: false, reason: reasonOf(error) };
  }
}

/**
 * The key's SHA-256 fingerprint as OpenSSH prints it (`ssh-keygen -l -E sha256`): `SHA256:`
 * and the unpadded base64 of the SHA-256 of its SSH wire blob. An RSA key's blob is built again
 * from its exponent and modulus, so the `ssh-rsa` and PEM bodies of one key (and one uploaded
 * again, under a new id) give the same value. A key with no SSH blob to be had (a PEM key of
 * another algorithm) is fingerprinted by its SPKI DER, marked `spki:`; a body that is not a key
 * by the SHA-256 of its text, marked `text:`, as certificates are.
 */
export function sshKeyFingerprint(body: string): string {
  let read: ReadKey;
  try {
    read = readKey(body);
  } catch {
    return `text:${createHash('sha256').update(body.trim()).digest('hex')}`;
  }
  if ('key' in read) {
    if (read.key.asymmetricKeyType === 'rsa') return opensshFingerprint(rsaBlob(read.key));
    if (read.blob) return opensshFingerprint(read.blob);
    const der = read.key.export({ type: 'spki', format: 'der' });
    return `spki:${createHash('sha256').update(der).digest('hex')}`;
  }
  return opensshFingerprint(read.blob);
}

/**
 * What IAM would make of a key's body uploaded again (UploadSSHPublicKey): an RSA key of at least
 * {@link SSH_MIN_RSA_BITS} bits is taken; anything else is refused (InvalidPublicKey), so a
 * restore does not try.
 */
export function sshKeyUploadable(body: string): UploadCheck {
  const key = readSshPublicKey(body);
  if (!key.parsed) {
    return {
      ok: false,
      why: `its body is not a readable SSH public key (${key.reason}): IAM would refuse to upload it`,
    };
  }
  if (key.algorithm !== 'rsa') {
    return {
      ok: false,
      why: `its body is not an RSA key (${key.algorithm}): IAM takes RSA keys only, and would refuse to upload it (InvalidPublicKey)`,
    };
  }
  if (key.bits === null || key.bits < SSH_MIN_RSA_BITS) {
    return {
      ok: false,
      why: `its body is an RSA key of ${key.bits ?? 'unknown'} bits: IAM takes at least ${SSH_MIN_RSA_BITS}, and would refuse to upload it (InvalidPublicKey)`,
    };
  }
  return { ok: true, summary: `an RSA key of ${key.bits} bits, ${sshKeyFingerprint(body)}` };
}

function opensshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Reads a body into Node's key (RSA, Ed25519 and PEM keys), or the fields of an SSH blob Node cannot take. */
function readKey(body: string): ReadKey {
  const text = body.trim();
  if (text.startsWith('-----BEGIN')) {
    if (!PEM_PUBLIC_KEY.test(text)) {
      throw new UnreadableKeyError('a PEM body that is not a PUBLIC KEY or RSA PUBLIC KEY');
    }
    try {
      return { key: createPublicKey(text) };
    } catch {
      throw new UnreadableKeyError('a PEM public key that cannot be read');
    }
  }
  const line = SSH_LINE.exec(text);
  if (line === null) {
    throw new UnreadableKeyError('neither an OpenSSH public key line nor a PEM public key');
  }
  const [, sshType = '', base64 = ''] = line;
  const blob = Buffer.from(base64, 'base64');
  const fields = wireStrings(blob);
  if (fields[0]?.toString('latin1') !== sshType) {
    throw new UnreadableKeyError(`the key blob does not say ${sshType}, as its line does`);
  }
  if (sshType === 'ssh-rsa') {
    const [, exponent, modulus] = fields;
    if (fields.length !== 3 || exponent === undefined || modulus === undefined) {
      throw new UnreadableKeyError('an ssh-rsa blob without exactly an exponent and a modulus');
    }
    const jwk = {
      kty: 'RSA',
      e: unsigned(exponent).toString('base64url'),
      n: unsigned(modulus).toString('base64url'),
    };
    try {
      return { key: createPublicKey({ key: jwk, format: 'jwk' }), blob };
    } catch {
      throw new UnreadableKeyError('an ssh-rsa key Node cannot read');
    }
  }
  if (sshType === 'ssh-ed25519') {
    const [, raw] = fields;
    if (fields.length !== 2 || raw?.length !== 32) {
      throw new UnreadableKeyError('an ssh-ed25519 blob without its 32-byte key');
    }
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') };
    return { key: createPublicKey({ key: jwk, format: 'jwk' }), blob };
  }
  return { sshType, blob, fields };
}

/** The algorithm and size of a key whose SSH blob Node is not given (DSA, ECDSA, FIDO, …). */
function sshOnlyFacts(sshType: string, fields: readonly Buffer[]) {
  if (sshType === 'ssh-dss') {
    const [, p] = fields;
    return { algorithm: 'dsa', bits: p === undefined ? null : bitLength(unsigned(p)) };
  }
  const ecdsa = /^ecdsa-sha2-(.+)$/.exec(sshType);
  if (ecdsa) return { algorithm: 'ec', bits: ECDSA_BITS[ecdsa[1] ?? ''] ?? null };
  return { algorithm: sshType, bits: null };
}

/** A key's size in bits, as Node tells it: RSA and DSA modulus, EC curve, Ed25519 and Ed448 by name. */
function bitsOf(key: KeyObject): number | null {
  const details = key.asymmetricKeyDetails;
  if (details?.modulusLength !== undefined) return details.modulusLength;
  if (details?.namedCurve !== undefined) return curveBits(details.namedCurve) ?? null;
  if (key.asymmetricKeyType === 'ed25519') return 256;
  if (key.asymmetricKeyType === 'ed448') return 448;
  return null;
}

/** The SSH wire blob of an RSA key: "ssh-rsa", then its exponent and modulus as mpints. */
function rsaBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([
    wireString(Buffer.from('ssh-rsa')),
    mpint(Buffer.from(jwk.e ?? '', 'base64url')),
    mpint(Buffer.from(jwk.n ?? '', 'base64url')),
  ]);
}

/** The length-prefixed strings a blob is made of; throws when a length runs past its end. */
function wireStrings(blob: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) throw new UnreadableKeyError('a key blob cut short');
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) throw new UnreadableKeyError('a key blob cut short');
    fields.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return fields;
}

function wireString(value: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
}

/** An unsigned big-endian number as an SSH mpint: no leading zero bytes but one before a set top bit. */
function mpint(value: Buffer): Buffer {
  const bare = unsigned(value);
  const first = bare[0] ?? 0;
  return wireString(first & 0x80 ? Buffer.concat([Buffer.from([0]), bare]) : bare);
}

/** A big-endian number without its leading zero bytes. */
function unsigned(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start += 1;
  return value.subarray(start);
}

function bitLength(value: Buffer): number {
  const first = value[0] ?? 0;
  return first === 0 ? 0 : (value.length - 1) * 8 + (32 - Math.clz32(first));
}

function reasonOf(error: unknown): string {
  return error instanceof UnreadableKeyError
    ? error.message
    : `the key cannot be read (${error instanceof Error ? error.message : String(error)})`;
}
