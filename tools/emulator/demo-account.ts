import { generateTestCertificate } from './certs';
import type { SeedUser, SeedUserCredentials } from './emulator';
import { generateSshPublicKey } from './ssh-keys';

/**
 * The demo account, shared by `npm run demo` and `npm run emulator`: a few dozen users on two
 * paths, certificates of assorted ages, some already Inactive, an exempt vendor and a weak key.
 */
export function demoAccount(): SeedUser[] {
  const engineering = [
    ['alice', [400]],
    ['bob', [12]],
    ['carol', [95, 20]],
    ['dave', [80]],
    ['erin', [150]],
    ['frank', []],
    ['grace', [60]],
    ['heidi', [1000]],
    ['ivan', [89]],
    ['judy', [3]],
    ['mallory', [250, 91]],
    ['niaj', [45]],
    ['olivia', [77]],
    ['peggy', []],
    ['rupert', [30]],
    ['sybil', [120]],
    ['trent', [10]],
    ['uma', [200]],
    ['victor', [5]],
    ['walter', [65]],
  ] as const;
  const contractors = [
    ['build-bot', [365]],
    ['deploy-bot', [100]],
    ['legacy-signer', [2000]],
    ['metrics-bot', [20]],
    ['release-bot', [85]],
    ['scanner', []],
    ['vendor-acme', [300]],
    ['vendor-globex', [40]],
    ['vendor-initech', [130]],
    ['vendor-umbrella', [7]],
    ['vendor-wayne', [88]],
    ['vendor-stark', [50]],
  ] as const;
  // Already switched off by a human: reported as non-compliant, never "deactivated" again.
  const inactive = new Set(['heidi', 'uma', 'legacy-signer']);
  // A vendor's signer the security team has signed off on: reported EXEMPT, never changed.
  const exempt = new Set(['vendor-acme']);
  // A young certificate with a 1024-bit RSA key signed with SHA-1: reported, not remediated.
  const weak = new Set(['metrics-bot']);
  const users = (path: string, list: readonly (readonly [string, readonly number[]])[]) =>
    list.map(([userName, ages]) => ({
      userName,
      path,
      tags: exempt.has(userName) ? [{ Key: 'signing-cert-audit:exempt', Value: 'true' }] : [],
      certificates: ages.map((ageDays, index) => ({
        ageDays,
        status: inactive.has(userName) ? ('Inactive' as const) : ('Active' as const),
        // A body of its own, as in IAM (which refuses a second copy of a body in an account):
        // restore finds a certificate uploaded again by its fingerprint.
        body: weak.has(userName)
          ? generateTestCertificate({ key: 'rsa:1024', digest: 'sha1', commonName: userName })
          : generateTestCertificate({ commonName: `${userName} ${index + 1}` }),
      })),
    }));
  return [...users('/engineering/', engineering), ...users('/contractors/', contractors)];
}

/**
 * The demo account's other credentials a human can switch off, on users demoAccount() already
 * has (so the signing-certificate audit reports exactly what it did): SSH public keys (an old
 * one, an Inactive one, one in PEM on a user without a certificate, one on the exempt vendor)
 * and service-specific credentials (a Bedrock API key that never expires on a user without a
 * certificate, one that expires in 20 days, one already Expired, a CloudWatch Logs API key, two
 * CodeCommit credentials on one user, the most IAM allows per service, and an Inactive
 * Keyspaces one). Seeded after everything else (seedDemoCredentials), so the ids moto hands out
 * before them are unchanged.
 */
export function demoUserCredentials(): SeedUserCredentials[] {
  return [
    {
      userName: 'alice',
      sshPublicKeys: [{ ageDays: 400 }],
      serviceCredentials: [{ serviceName: 'codecommit.amazonaws.com', ageDays: 200 }],
    },
    { userName: 'bob', sshPublicKeys: [{ ageDays: 10 }] },
    {
      userName: 'frank',
      sshPublicKeys: [{ ageDays: 500, body: generateSshPublicKey({ encoding: 'pem' }) }],
    },
    { userName: 'heidi', sshPublicKeys: [{ ageDays: 700, status: 'Inactive' }] },
    { userName: 'vendor-acme', sshPublicKeys: [{ ageDays: 300 }] },
    // No CredentialAgeDays: a Bedrock API key that never expires.
    {
      userName: 'scanner',
      serviceCredentials: [{ serviceName: 'bedrock.amazonaws.com', ageDays: 150 }],
    },
    {
      userName: 'trent',
      serviceCredentials: [
        { serviceName: 'bedrock.amazonaws.com', ageDays: 10, credentialAgeDays: 30 },
      ],
    },
    {
      userName: 'niaj',
      serviceCredentials: [
        { serviceName: 'bedrock.amazonaws.com', ageDays: 60, credentialAgeDays: 30 },
      ],
    },
    {
      userName: 'metrics-bot',
      serviceCredentials: [
        { serviceName: 'logs.amazonaws.com', ageDays: 20, credentialAgeDays: 90 },
      ],
    },
    {
      userName: 'build-bot',
      serviceCredentials: [
        { serviceName: 'codecommit.amazonaws.com', ageDays: 95 },
        { serviceName: 'codecommit.amazonaws.com', ageDays: 5 },
      ],
    },
    {
      userName: 'vendor-globex',
      serviceCredentials: [
        { serviceName: 'cassandra.amazonaws.com', ageDays: 45, status: 'Inactive' },
      ],
    },
  ];
}

/** A member account of the demo organization: its name in Organizations and its users. */
export interface DemoMemberAccount {
  readonly name: string;
  readonly users: readonly SeedUser[];
}

/**
 * The member accounts `npm run emulator` adds to its organization, beside the demo account (the
 * management account): one with an over-age certificate, one with a certificate about to be, one
 * clean.
 */
export function demoMemberAccounts(): DemoMemberAccount[] {
  const user = (userName: string, ages: readonly number[]): SeedUser => ({
    userName,
    path: '/',
    certificates: ages.map((ageDays, index) => ({
      ageDays,
      body: generateTestCertificate({ commonName: `${userName} ${index + 1}` }),
    })),
  });
  return [
    { name: 'payments', users: [user('payments-signer', [200]), user('ops', [30])] },
    { name: 'analytics', users: [user('etl-bot', [85])] },
    { name: 'sandbox', users: [user('sandbox-admin', [])] },
  ];
}
