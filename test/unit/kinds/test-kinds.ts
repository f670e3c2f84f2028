import { createHash } from 'node:crypto';
import type { Credential, CredentialType } from '../../../lambda/core/credential';
import type { KindWording } from '../../../lambda/core/credential-wording';
import type { CredentialKind } from '../../../lambda/kinds/kind';

/**
 * Credential kinds that exist only in the tests, to prove what adding one takes: a module like
 * this one, its type in CREDENTIAL_TYPES and a line in the kind index (the tests add both lines
 * with vi.mock, as new-kind.test.ts does). Their IAM actions are real ones this tool never uses
 * (access keys', MFA devices' and a login profile's: the policy evaluator of the permissions
 * proof knows only real actions, each with the `user` resource type), so a grant of one can come
 * only from the kind table. They keep their credentials in memory (`store`), not in IAM: the
 * engine reaches them only through the kind's functions.
 */

/** A test-only credential: what the engine holds of it. */
interface StoredCredential {
  readonly credentialId: string;
  status: 'Active' | 'Inactive';
  readonly uploadDate: Date;
  readonly body: string;
}

/** The test kinds' credentials, by user: what `listUser` lists and the changes change. */
export const store = new Map<string, StoredCredential[]>();

/** What the test kinds were asked to do, in order (`setStatus user id status`, `remove user id`). */
export const calls: string[] = [];

function listed(type: string, userName: string): Credential[] {
  return (store.get(userName) ?? [])
    .filter((c) => c.credentialId.startsWith(prefixOf(type)))
    .map(
      (c) =>
        ({
          type,
          userName,
          credentialId: c.credentialId,
          status: c.status,
          uploadDate: c.uploadDate,
          body: c.body,
        }) as unknown as Credential,
    );
}

const prefixOf = (type: string) => (type === TEST_KEY ? 'TESTKEY' : 'TESTTOKEN');

function find(userName: string, credentialId: string): StoredCredential {
  const found = store.get(userName)?.find((c) => c.credentialId === credentialId);
  if (found === undefined) {
    throw Object.assign(new Error(`no ${credentialId}`), { name: 'NoSuchEntityException' });
  }
  return found;
}

const changes: Pick<CredentialKind, 'setStatus' | 'remove'> = {
  async setStatus(_iam, userName, credentialId, status) {
    calls.push(`setStatus ${userName} ${credentialId} ${status}`);
    find(userName, credentialId).status = status;
  },
  async remove(_iam, userName, credentialId) {
    calls.push(`remove ${userName} ${credentialId}`);
    find(userName, credentialId);
    store.set(
      userName,
      (store.get(userName) ?? []).filter((c) => c.credentialId !== credentialId),
    );
  },
};

/** The test key's type: a per-user kind whose public body restore can upload again. */
export const TEST_KEY = 'test-key' as CredentialType;
/** The test token's type: an account-wide kind whose secret is never returned again. */
export const TEST_TOKEN = 'test-token' as CredentialType;

/** A per-user kind that restore can upload again, as SSH public keys are. */
export const testKeyKind: CredentialKind = {
  type: TEST_KEY,
  label: 'test key',
  listing: 'per-user',
  perUserLimit: 3,
  restore: 'reupload',
  actions: {
    read: ['iam:ListAccessKeys'],
    deactivate: ['iam:UpdateAccessKey'],
    delete: ['iam:DeleteAccessKey'],
    restore: ['iam:CreateAccessKey', 'iam:UpdateAccessKey'],
  },
  listUser: async (_iam, userName) => listed(TEST_KEY, userName),
  fingerprint: (body) => `text:${createHash('sha256').update(body).digest('hex')}`,
  ...changes,
};

/** An account-wide kind whose deletion is final, as service-specific credentials are. */
export const testTokenKind: CredentialKind = {
  type: TEST_TOKEN,
  label: 'test token',
  listing: 'account-wide',
  perUserLimit: 2,
  restore: 'reactivate-only',
  actions: {
    read: ['iam:ListMFADevices'],
    deactivate: ['iam:DeactivateMFADevice'],
    delete: ['iam:DeleteLoginProfile'],
    restore: ['iam:EnableMFADevice'],
  },
  listUser: async (_iam, userName) => listed(TEST_TOKEN, userName),
  listAccount: async () => [...store.keys()].flatMap((userName) => listed(TEST_TOKEN, userName)),
  ...changes,
};

/** The test kinds, as their index lines add them. */
export const TEST_KINDS: readonly CredentialKind[] = [testKeyKind, testTokenKind];

/** A test kind's words, as its line in KIND_WORDING (lambda/core/credential-wording.ts) says them. */
const wordsOf = (label: string): KindWording => ({
  label,
  article: 'a',
  plural: `${label}s`,
  short: label,
  made: 'issued',
  makeVerb: 'issue',
  makeCommand: `\`issue-${label.replace(' ', '-')}\``,
  resourceType: 'AWS::IAM::User',
});

/** The test kinds' words, as their lines in KIND_WORDING add them. */
export const TEST_KIND_WORDING: Readonly<Record<string, KindWording>> = {
  [TEST_KEY]: wordsOf('test key'),
  [TEST_TOKEN]: wordsOf('test token'),
};

/** A module's real exports, as vi.mock's `importOriginal` gives them. */
type Original<T> = () => Promise<T>;

/**
 * The three lines a new kind adds, as `vi.mock` factories adding the test kinds (a test file
 * names each module and hands its factory here): its type in CREDENTIAL_TYPES, its words in
 * KIND_WORDING, its module in the kind index.
 */
export const addTestKinds = {
  async credential(original: Original<typeof import('../../../lambda/core/credential')>) {
    const real = await original();
    const types = [...real.CREDENTIAL_TYPES, TEST_KEY, TEST_TOKEN] as const;
    return {
      ...real,
      CREDENTIAL_TYPES: types,
      CREDENTIAL_TYPE: new RegExp(`^(?:${types.join('|')})$`),
    };
  },
  async wording(original: Original<typeof import('../../../lambda/core/credential-wording')>) {
    const real = await original();
    return { ...real, KIND_WORDING: { ...real.KIND_WORDING, ...TEST_KIND_WORDING } };
  },
  async index(original: Original<typeof import('../../../lambda/kinds/index')>) {
    const real = await original();
    const KIND_INDEX = [...real.KIND_INDEX, ...TEST_KINDS];
    return {
      KIND_INDEX,
      kindOf: (type: string) => {
        const kind = KIND_INDEX.find((k) => k.type === type);
        if (kind === undefined) throw new Error(`no credential kind serves ${type}`);
        return kind;
      },
    };
  },
};
