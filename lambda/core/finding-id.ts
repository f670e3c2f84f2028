import { VERDICTS } from './checks/table';
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
 * What a finding is about, for its id: the certificate id when it has one; `root` for the root
 * user's findings; else the user's ARN (an ERROR about a user whose certificates could not be
 * listed: certificate ids are unique, but such a user has none to name).
 */
export function findingSubject(finding: Finding): string {
  if (finding.certificateId !== null) return finding.certificateId;
  if (finding.userName === ROOT_USER_NAME || finding.verdict === 'ROOT_SIGNING_CERTIFICATE') {
    return 'root';
  }
  return finding.userArn;
}

/** The check a finding's verdict belongs to (`engine` for ERROR and NOT_EVALUATED). */
export function checkOf(finding: Finding): string {
  return VERDICTS[finding.verdict].check;
}

/**
 * Whether the finding's certificate can still be used by whoever holds its key: Active when
 * listed and not deactivated, deleted or gone since. A root signing certificate always can (no
 * role can remove it). What Security Hub archives and OCSF marks resolved is the opposite.
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
