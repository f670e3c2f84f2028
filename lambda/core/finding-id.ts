import { VERDICTS } from './checks/table';
import { CREDENTIAL_TYPES, type CredentialType } from './credential';
import { credentialIdOf, credentialTypeOf } from './credential-wording';
import { type Finding, ROOT_USER_NAME } from './report';

/** The prefix of every finding id this product writes (Security Hub's Id, OCSF's finding uid). */
export const FINDING_ID_PREFIX = 'signing-cert-audit';

/**
 * The stable id of the finding of one check on one subject: built from the account, the
 * subject (the certificate id, `root`, or for a user whose certificates could not be listed its
 * ARN) and the check, never the user name alone, since users can be renamed. A rerun that finds
 * the same thing gives the same id, so a consumer updates its finding instead of adding one.
 */
export function findingId(accountId: string, subject: string, checkId: string): string {
  return `${FINDING_ID_PREFIX}/${accountId}/${subject}/${checkId}`;
}

/**
 * What a finding is about, for its id: the certificate id for a signing certificate (the id
 * every certificate finding has had since the first release, so it never changes); the kind and
 * the id, `ssh-public-key/<id>` or `service-specific-credential/<id>`, for another kind (ids of
 * different kinds are IAM's to collide, the pair is unique); `root` for the root user's
 * findings; else the user's ARN (an ERROR about a user whose credentials could not be listed:
 * credential ids are unique, but such a user has none to name).
 */
export function findingSubject(finding: Finding): string {
  const type = credentialTypeOf(finding);
  const id = credentialIdOf(finding);
  if (type !== null && id !== null) return type === 'signing-certificate' ? id : `${type}/${id}`;
  if (finding.userName === ROOT_USER_NAME || finding.verdict === 'ROOT_SIGNING_CERTIFICATE') {
    return 'root';
  }
  return finding.userArn;
}

/**
 * The kind of credential a finding id of this account names: the kind its subject starts with,
 * a signing certificate for a bare credential id (certificate ids are `[\w]+`, never a kind's
 * name nor an ARN), and null for the root user's or a user's finding (no credential). What the
 * Security Hub sweep reads to leave alone the findings of kinds a run did not look at.
 */
export function credentialTypeOfId(id: string, accountId: string): CredentialType | null {
  const prefix = `${FINDING_ID_PREFIX}/${accountId}/`;
  if (!id.startsWith(prefix)) return null;
  const subject = id.slice(prefix.length, id.lastIndexOf('/'));
  const kind = CREDENTIAL_TYPES.find((type) => subject.startsWith(`${type}/`));
  if (kind !== undefined) return kind;
  if (subject === 'root' || subject.startsWith('arn:')) return null;
  return 'signing-certificate';
}

/** The check a finding's verdict belongs to (`engine` for ERROR and NOT_EVALUATED). */
export function checkOf(finding: Finding): string {
  return VERDICTS[finding.verdict].check;
}

/**
 * Whether the finding's credential, of any kind, can still be used by whoever holds it (its
 * private key, its secret): Active when listed and not deactivated, deleted or gone since;
 * Inactive and Expired ones cannot. A root signing certificate always can (no role can remove
 * it). What Security Hub archives and OCSF marks resolved is the opposite.
 */
export function stillUsable(finding: Finding): boolean {
  if (finding.verdict === 'ROOT_SIGNING_CERTIFICATE') return true;
  return (
    finding.status === 'Active' &&
    finding.action !== 'DEACTIVATED' &&
    finding.action !== 'DELETED' &&
    finding.action !== 'GONE'
  );
}
