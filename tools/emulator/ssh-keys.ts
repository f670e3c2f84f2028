import { generateKeyPairSync } from 'node:crypto';

/** How an SSH public key is written for UploadSSHPublicKey: OpenSSH's `ssh-rsa` line or PEM. */
export type SshKeyEncoding = 'ssh' | 'pem';

/** What to generate: IAM takes RSA keys of at least 2048 bits, in either encoding. */
export interface TestSshKeySpec {
  readonly bits?: number;
  readonly encoding?: SshKeyEncoding;
  /** The comment after an `ssh-rsa` key (OpenSSH's `user@host`); PEM has none. */
  readonly comment?: string;
}

/**
 * A new RSA public key (a fresh key each call: IAM refuses a body a user already has), written
 * as UploadSSHPublicKey takes it ("encoded in ssh-rsa format or PEM format. The minimum
 * bit-length of the public key is 2048 bits", IAM API Reference).
 */
export function generateSshPublicKey(spec: TestSshKeySpec = {}): string {
  const { bits = 2048, encoding = 'ssh', comment } = spec;
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  if (encoding === 'pem') return publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = sshRsaBlob(
    Buffer.from(jwk.e ?? '', 'base64url'),
    Buffer.from(jwk.n ?? '', 'base64url'),
  );
  return ['ssh-rsa', blob.toString('base64'), ...(comment ? [comment] : [])].join(' ');
}

/**
 * The key blob of an `ssh-rsa` line (RFC 4253, section 6.6): the string "ssh-rsa", then the
 * exponent and the modulus as mpints (big-endian, with a leading zero byte when the top bit is
 * set, so they read as positive).
 */
export function sshRsaBlob(exponent: Buffer, modulus: Buffer): Buffer {
  return Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(exponent), mpint(modulus)]);
}

/** The exponent and modulus an `ssh-rsa` line's blob holds (the inverse of sshRsaBlob). */
export function readSshRsaBlob(blob: Buffer): { exponent: Buffer; modulus: Buffer } {
  const fields: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    const length = blob.readUInt32BE(at);
    fields.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  const [type, exponent, modulus] = fields;
  if (type?.toString() !== 'ssh-rsa' || !exponent || !modulus || fields.length !== 3) {
    throw new Error('not an ssh-rsa key blob');
  }
  const strip = (value: Buffer) => (value[0] === 0 ? value.subarray(1) : value);
  return { exponent: strip(exponent), modulus: strip(modulus) };
}

function sshString(value: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
}

function mpint(unsigned: Buffer): Buffer {
  const first = unsigned[0] ?? 0;
  return sshString(first & 0x80 ? Buffer.concat([Buffer.from([0]), unsigned]) : unsigned);
}
