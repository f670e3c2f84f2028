import { CREDENTIAL_TYPES, type CredentialType } from '../../lambda/core/credential';
import type { Finding } from '../../lambda/core/report';
import type { Policy } from '../../lambda/core/settings';
import { ACCOUNT_ID, findingOf, policyWith } from './fixtures';

/**
 * Findings of every kind of credential, from the one Finding fixture (fixtures.ts `findingOf`)
 * with the fields the engine sets for each kind: a certificate keeps its `certificateId` and
 * facts; an SSH key or a service credential has none, and names its kind and id (and service).
 */

/** alice's over-age Active SSH public key. */
export const sshKeyFinding = (overrides: Partial<Finding> = {}): Finding =>
  findingOf({
    certificateId: null,
    credentialType: 'ssh-public-key',
    credentialId: 'APKAALICE000000000001',
    serviceName: null,
    certificate: null,
    ...overrides,
  });

/** alice's over-age Active Amazon Bedrock API key (a service-specific credential). */
export const bedrockKeyFinding = (overrides: Partial<Finding> = {}): Finding =>
  findingOf({
    certificateId: null,
    credentialType: 'service-specific-credential',
    credentialId: 'ACCAALICE000000000001',
    serviceName: 'bedrock.amazonaws.com',
    certificate: null,
    ...overrides,
  });

/** Every kind's finding maker, by credential type (a certificate is findingOf's default). */
export const FINDING_OF_KIND: Readonly<
  Record<CredentialType, (overrides?: Partial<Finding>) => Finding>
> = {
  'signing-certificate': (overrides = {}) => findingOf(overrides),
  'ssh-public-key': sshKeyFinding,
  'service-specific-credential': bedrockKeyFinding,
};

/** `[type, finding]` for every kind, for `it.each`. */
export const EVERY_KIND = CREDENTIAL_TYPES.map((type) => [type, FINDING_OF_KIND[type]] as const);

/** The same user's finding of another user name, for a report about several users. */
export const ofUser = (userName: string, finding: Finding): Finding => ({
  ...finding,
  userName,
  userArn: `arn:aws:iam::${ACCOUNT_ID}:user/${userName}`,
});

/** The default policy, listing every kind of credential (the default; said here, for the reader). */
export const everyKindPolicy = (overrides: Partial<Policy> = {}): Policy =>
  policyWith({ credentialKinds: [...CREDENTIAL_TYPES], ...overrides });

/**
 * The policy of a run that lists signing certificates alone (`credentialKinds:
 * ['signing-certificate']`): the control of the outputs that speak of kinds, which must read
 * for it exactly as they did before there were kinds.
 */
export const certificatesOnlyPolicy = (overrides: Partial<Policy> = {}): Policy =>
  policyWith({ credentialKinds: ['signing-certificate'], ...overrides });

/** A finding as a report archived before findings named their kind holds it: without the three fields. */
export const withoutKind = (finding: Finding): Finding => {
  const { credentialType: _type, credentialId: _id, serviceName: _service, ...legacy } = finding;
  return legacy as Finding;
};
