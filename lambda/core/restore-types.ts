import {
  type ChangeKind,
  type ChangeOutcome,
  certificateUploadable,
  fingerprintOf,
  type RecordedMode,
  type UploadCheck,
} from './change-record';
import type { CredentialType } from './credential';
import type { ErrorDetail } from './errors';
import type { Mode } from './settings';

/*
 * What restore plans with and what a plan says: the kinds it serves, the state it reads, its
 * verdicts and steps (restore-plan.ts plans; the CLI's restore carries the plan out).
 */

/** The id a certificate this restore is to upload goes by in the plan: IAM names it when it is uploaded. */
export const TO_BE_UPLOADED = '(to be uploaded)';

/** IAM's limit: a user holds at most two signing certificates (LimitExceeded beyond). */
export const CERTIFICATES_PER_USER = 2;

/**
 * What restore needs of a kind of credential (each kind's module supplies it, lambda/kinds/):
 * its name, IAM's per-user limit, whether a deletion can be undone by uploading the recorded
 * body again (`reupload`) or not at all (`reactivate-only`: IAM never returns the secret
 * again), the fingerprint restore finds a credential by whatever id IAM gives it, and whether
 * IAM would take a body again.
 */
export interface RestorableKind {
  readonly type: CredentialType;
  /** What a person calls one: `signing certificate`, `SSH public key`. */
  readonly label: string;
  readonly perUserLimit: number;
  readonly restore: 'reupload' | 'reactivate-only';
  /** A public body's fingerprint, the same for the same key however IAM encodes or names it; absent for a kind without a body. */
  fingerprint?(body: string): string;
  /** Whether IAM would take the body uploaded again at `now` (kinds that reupload). */
  uploadable?(body: string, now: Date): UploadCheck;
}

/** Signing certificates as restore knows them when no kinds are handed in (the kind module says the same). */
export const CERTIFICATE_RESTORE: RestorableKind = {
  type: 'signing-certificate',
  label: 'signing certificate',
  perUserLimit: CERTIFICATES_PER_USER,
  restore: 'reupload',
  fingerprint: fingerprintOf,
  uploadable: certificateUploadable,
};

/**
 * A credential a user holds now, as restore reads it from IAM: a certificate, or (named by its
 * `credentialType`) a credential of another kind, by its id.
 */
export interface CurrentCertificate {
  readonly certificateId: string;
  readonly status: string;
  readonly fingerprint256: string;
  /** Its kind; absent for a signing certificate. */
  readonly credentialType?: CredentialType;
}

/** A user as IAM shows it now: who it is and its credentials, gone, or unreadable. */
export type UserState =
  | {
      /** IAM's id of the user now (GetUser): another id than the record's is another person. */
      readonly userId: string;
      /** When the user now holding the name was created (GetUser). */
      readonly createDate?: string;
      /** Its credentials of the kinds the record holds for it (certificates without a `credentialType`). */
      readonly certificates: readonly CurrentCertificate[];
    }
  | { readonly gone: true }
  | { readonly error: ErrorDetail };

/**
 * What restore makes of a recorded change: `RESTORABLE` (a step is planned), `ALREADY_RESTORED`
 * (IAM already shows it as before the run), `NOTHING_TO_RESTORE` (the run did not change it) or
 * `REFUSED` (it cannot or must not be undone; the detail says why and what to do).
 */
export const RESTORE_VERDICTS = [
  'RESTORABLE',
  'ALREADY_RESTORED',
  'NOTHING_TO_RESTORE',
  'REFUSED',
] as const;
/** One of {@link RESTORE_VERDICTS}. */
export type RestoreVerdict = (typeof RESTORE_VERDICTS)[number];

/**
 * The inverse of a change: set a deactivated certificate Active; upload a deleted one's body
 * again (and leave it as it was); or finish an upload a restore could not (set the copy back to
 * the status it had, Inactive, when a restore was cut between its upload and that step).
 */
export type RestorePlan = 'REACTIVATE' | 'UPLOAD' | 'DEACTIVATE';

/** What became of a step: nothing yet (a plan), done, held by the guard, or failed. */
export type RestoreAction =
  | 'NONE'
  | 'REACTIVATED'
  | 'UPLOADED'
  | 'DEACTIVATED'
  | 'WITHHELD'
  | 'FAILED';

/** One recorded change and what restore makes of it. Never carries the body. */
export interface RestoreStep {
  readonly accountId: string;
  /** The run that made the change. */
  readonly runId: string;
  readonly userName: string;
  /** The kind of credential the change was made to. */
  readonly credentialType: CredentialType;
  /** The credential's id when the run changed it (a certificate's, an SSH key's, …). */
  readonly certificateId: string;
  readonly fingerprint256: string;
  /** What the run did (or was about to do). */
  readonly change: ChangeKind;
  /** What the record says came of it; null when the record holds no outcome. */
  readonly recordedOutcome: ChangeOutcome | null;
  readonly verdict: RestoreVerdict;
  readonly plannedAction: RestorePlan | null;
  /** The status the certificate is to be left in. */
  readonly targetStatus: 'Active' | 'Inactive' | null;
  /** The certificate acted on now (a reactivation's; its id may have changed since the run). */
  readonly currentCertificateId: string | null;
  readonly detail: string;
  /** Why IAM's state could not be read, when it could not. */
  readonly error: ErrorDetail | null;
}

/** How to restore. */
export interface RestoreOptions {
  /** Leave a re-uploaded certificate Active instead of the status it had before. */
  readonly activate: boolean;
  /** Also undo a change recorded with no outcome (or a failed call) when IAM shows it was made. */
  readonly includeIncomplete: boolean;
  readonly now: Date;
}

/**
 * What is known of a recorded run besides its changes: the modes its own record entries give it
 * (none in a version 1 record; two is a contradiction), and its report in the archive, when the
 * archive holds one.
 */
export interface RunFacts {
  readonly modes: ReadonlySet<RecordedMode>;
  readonly report?: {
    /** Where the report was read, for messages. */
    readonly where: string;
    readonly mode: Mode;
    /** `certificateId|DEACTIVATE` or `certificateId|DELETE` for each change the report plans. */
    readonly changes: ReadonlySet<string>;
  };
}

/** The key of a change in a report's {@link RunFacts} `changes`. */
export function reportChangeKey(certificateId: string, change: ChangeKind): string {
  return `${certificateId}|${change}`;
}

/** What a plan is made in: the account restored, and what is known of the runs. */
export interface RestoreContext {
  /** The account whose record is restored: an entry naming another is refused. */
  readonly accountId?: string;
  /** By {@link runKey}: the runs' own entries and reports. */
  readonly runs?: ReadonlyMap<string, RunFacts>;
  /** The kinds restore serves (the kind index); signing certificates alone when not given. */
  readonly kinds?: readonly RestorableKind[];
}
