import type { IamUser, SigningCertificate } from '../aws/iam';
import type { PlannedAction } from '../core/checks/check';
import type { ErrorDetail } from '../core/errors';
import { type Action, type CertificateIdentity, type Finding, severityOf } from '../core/report';

/** A finding without the parts decided last: what was done, its severity and any error. */
export type FindingFields = Omit<Finding, 'action' | 'severity' | 'error'>;

/** A finding whose action is still to be decided by the blast-radius guard and the API call. */
export interface PendingFinding {
  readonly finding: FindingFields;
  /** Undefined for a held finding that asked for no change (report mode): the hold still says why. */
  readonly plannedAction: PlannedAction | undefined;
  /** Why the planned action must not be taken this run (tags unusable or unreadable, user gone). */
  readonly hold?: { readonly action: Action; readonly detail: string };
  /** The certificate's body, for the change record written before the change; never in a finding. */
  readonly body?: string;
}

/** The fields of a finding about a user as a whole, not one of its certificates. */
export function userLevel(user: IamUser) {
  return {
    userName: user.userName,
    userArn: user.userArn,
    certificateId: null,
    credentialType: null,
    credentialId: null,
    serviceName: null,
    status: null,
    uploadDate: null,
    ageDays: null,
    certificate: null,
  };
}

/** What identifies a certificate in a finding: its facts, never its body; null when unreadable. */
export function identityOf(cert: Pick<SigningCertificate, 'content'>): CertificateIdentity | null {
  if (!cert.content.parsed) return null;
  const { fingerprint256, subject, notAfter } = cert.content.facts;
  return { fingerprint256, subject, notAfter: notAfter.toISOString() };
}

/** A whole finding: its fields, what became of it, and the severity that follows from both. */
export function finding(
  fields: Omit<FindingFields, 'plannedAction' | 'override'> & {
    readonly plannedAction?: PlannedAction | null;
    readonly override?: Finding['override'];
    readonly exemption?: Finding['exemption'];
  },
  action: Action,
  error: ErrorDetail | null,
): Finding {
  return {
    ...fields,
    plannedAction: fields.plannedAction ?? null,
    override: fields.override ?? null,
    // Only where an exemptions file entry exempted it: every other finding keeps its shape.
    ...(fields.exemption ? { exemption: fields.exemption } : {}),
    action,
    severity: severityOf(fields.verdict, fields.status, action),
    error,
  };
}
