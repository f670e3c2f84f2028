import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key as openssl's `genpkey` makes it: `rsa:<bits>`, `dsa:<bits>` or `ec:<curve>`. */
export type TestKey =
  | 'rsa:1024'
  | 'rsa:2048'
  | 'dsa:1024'
  | 'ec:P-192'
  | 'ec:P-256'
  | 'ec:P-384'
  | 'ec:secp160r1'
  | 'ec:prime239v1'
  | 'ed25519';

/** What to put in a generated self-signed certificate. */
export interface TestCertificateSpec {
  readonly commonName?: string;
  readonly key?: TestKey;
  readonly digest?: 'sha256' | 'sha384' | 'sha512' | 'sha1' | 'md5';
  /** Sign with RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys only). */
  readonly pss?: boolean;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

const DAY_MS = 86_400_000;

// `openssl ca` is the only openssl 3.0 command that takes explicit validity dates (`req -x509`
// gained -not_before/-not_after only in 3.4), so a certificate can be expired, or expire on a
// given day, without faking the clock. The database and serial files are what `ca` insists on.
const CA_CONFIG = `
[ca]
default_ca = test_ca
[test_ca]
database = index.txt
new_certs_dir = .
serial = serial
policy = any_name
unique_subject = no
default_md = sha256
[any_name]
commonName = supplied
`;

const keyCache = new Map<TestKey, string>();

/**
 * A real self-signed PEM certificate made by openssl with exactly the given key, signature digest
 * and validity dates (default: valid from a year ago for ten years). Keys are made once per kind
 * and reused: the checks look at the key's type and size, not its value.
 */
export function generateTestCertificate(spec: TestCertificateSpec = {}): string {
  const {
    commonName = 'signing-cert-audit test',
    key = 'ec:P-256',
    digest = 'sha256',
    notBefore = new Date(Date.now() - 365 * DAY_MS),
    notAfter = new Date(notBefore.getTime() + 3650 * DAY_MS),
  } = spec;
  const dir = mkdtempSync(join(tmpdir(), 'signing-cert-audit-unit-cert-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    writeFileSync(join(dir, 'key.pem'), keyPem(key));
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    run(['req', '-new', '-key', 'key.pem', '-subj', `/CN=${commonName}`, '-out', 'req.csr']);
    run([
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-selfsign',
      '-keyfile',
      'key.pem',
      '-in',
      'req.csr',
      '-md',
      // Ed25519 signs the message itself; openssl takes no digest for it.
      key === 'ed25519' ? 'default' : digest,
      '-startdate',
      opensslTime(notBefore),
      '-enddate',
      opensslTime(notAfter),
      ...(spec.pss ? ['-sigopt', 'rsa_padding_mode:pss'] : []),
      '-notext',
      '-out',
      'cert.pem',
    ]);
    return readFileSync(join(dir, 'cert.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The algorithm name and the hash openssl itself reads from a certificate, to check ours against. */
export function opensslSignatureAlgorithm(pem: string): string {
  const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem }).toString();
  const match = /Signature Algorithm: (\S+)/.exec(text);
  if (!match?.[1]) throw new Error('openssl printed no signature algorithm');
  return match[1];
}

function keyPem(key: TestKey): string {
  const cached = keyCache.get(key);
  if (cached !== undefined) return cached;
  const [algorithm, parameter = ''] = key.split(':') as [string, string?];
  const openssl = (args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  let pem: string;
  if (algorithm === 'rsa') {
    pem = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${parameter}`]);
  } else if (algorithm === 'ec') {
    pem = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${parameter}`]);
  } else if (algorithm === 'dsa') {
    // A DSA key is made from parameters generated first.
    const dir = mkdtempSync(join(tmpdir(), 'signing-cert-audit-dsa-'));
    try {
      const params = join(dir, 'params.pem');
      writeFileSync(
        params,
        openssl([
          'genpkey',
          '-genparam',
          '-algorithm',
          'DSA',
          '-pkeyopt',
          `dsa_paramgen_bits:${parameter}`,
        ]),
      );
      pem = openssl(['genpkey', '-paramfile', params]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    pem = openssl(['genpkey', '-algorithm', 'ED25519']);
  }
  keyCache.set(key, pem);
  return pem;
}

/** `YYYYMMDDHHMMSSZ`, the GeneralizedTime form `openssl ca -startdate/-enddate` accepts. */
function opensslTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
