import type { CertificateContent } from './x509';

/**
 * The IAM user credentials that can be switched off one at a time: listed per user or
 * account-wide, Active or Inactive, deactivated and deleted by id. Each is a kind of its own
 * (lambda/kinds/: its listing, its changes, what restore can do, its IAM actions).
 */
export const CREDENTIAL_TYPES = [
  'signing-certificate',
  'ssh-public-key',
  'service-specific-credential',
] as const;
/** One of {@link CREDENTIAL_TYPES}: a finding's `credentialType`. */
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];
/** A whole credential type, as a setting's list item is checked. */
export const CREDENTIAL_TYPE = new RegExp(`^(?:${CREDENTIAL_TYPES.join('|')})$`);

/** What an SSH public key's body says: its algorithm and size, or why it could not be read. */
export type SshKeyContent =
  | { readonly parsed: true; readonly algorithm: string; readonly bits: number | null }
  | { readonly parsed: false; readonly reason: string };

/** The listing facts every kind has: the status when listed, and when it was uploaded or created. */
interface Listed {
  readonly status: string;
  /** Absent only if IAM omitted it. */
  readonly uploadDate: Date | undefined;
}

/**
 * A credential as the checks see it: its listing facts and what its kind tells of it, never a
 * body. A check reads only the kinds it declares it applies to.
 */
export type CredentialView =
  | (Listed & { readonly type: 'signing-certificate'; readonly content: CertificateContent })
  | (Listed & { readonly type: 'ssh-public-key'; readonly key: SshKeyContent })
  | (Listed & {
      readonly type: 'service-specific-credential';
      readonly serviceName: string;
      /** When the credential stops working; null when it never expires. */
      readonly expiresAt: Date | null;
    });

/** A credential as the engine holds it: what the checks see, whose it is, its id and its public body. */
export type Credential = CredentialView & {
  readonly userName: string;
  /** IAM's id of the credential (a certificate id, an SSH key id, a service credential id). */
  readonly credentialId: string;
  /**
   * The public body, for the change record written before a change: a certificate's PEM, an SSH
   * key's public key; '' for a kind whose secret IAM never returns (a service credential).
   */
  readonly body: string;
};
