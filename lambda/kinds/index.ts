import type { CredentialType } from '../core/credential';
import type { CredentialKind } from './kind';
import { serviceSpecificCredentials } from './service-specific-credential';
import { signingCertificates } from './signing-certificate';
import { sshPublicKeys } from './ssh-public-key';

/**
 * Every kind of credential, one module each: the kind index. The engine's listing and changes,
 * restore, the constructs' grants and the outputs follow it: a new kind is its module and a line
 * here.
 */
export const KIND_INDEX: readonly CredentialKind[] = [
  signingCertificates,
  sshPublicKeys,
  serviceSpecificCredentials,
];

/** The kind of a credential type; throws for a type no module serves yet. */
export function kindOf(type: CredentialType): CredentialKind {
  const kind = KIND_INDEX.find((k) => k.type === type);
  if (kind === undefined) throw new Error(`no credential kind serves ${type}`);
  return kind;
}
