import {
  type ChangeKind,
  type ChangeOutcome,
  fingerprintOf,
  notAfterOf,
  type RecordedChange,
  subjectOf,
} from './change-record';
import type { ErrorDetail } from './errors';

/** The id a certificate this restore is to upload goes by in the plan: IAM names it when it is uploaded. */
export const TO_BE_UPLOADED = '(to be uploaded)';

/** IAM's limit: a user holds at most two signing certificates (LimitExceeded beyond). */
export const CERTIFICATES_PER_USER = 2;

/** A certificate a user holds now, as restore reads it from IAM. */
export interface CurrentCertificate {
  readonly certificateId: string;
  readonly status: string;
  readonly fingerprint256: string;
}

/** A user as IAM shows it now: its certificates, gone, or unreadable. */
export type UserState =
  | { readonly certificates: readonly CurrentCertificate[] }
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

/** The inverse of a change: set a deactivated certificate Active; upload a deleted one's body again. */
export type RestorePlan = 'REACTIVATE' | 'UPLOAD';

/** What became of a step: nothing yet (a plan), done, held by the guard, or failed. */
export type RestoreAction = 'NONE' | 'REACTIVATED' | 'UPLOADED' | 'WITHHELD' | 'FAILED';

/** One recorded change and what restore makes of it. Never carries the body. */
export interface RestoreStep {
  readonly accountId: string;
  /** The run that made the change. */
  readonly runId: string;
  readonly userName: string;
  /** The certificate's id when the run changed it. */
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

/** A certificate of the state restore plans against: its status changes as steps are planned. */
type PlannedCertificate = { -readonly [K in keyof CurrentCertificate]: CurrentCertificate[K] };
type PlannedState =
  | { readonly certificates: PlannedCertificate[] }
  | Exclude<UserState, { readonly certificates: unknown }>;

type Verdict = Pick<
  RestoreStep,
  'verdict' | 'plannedAction' | 'targetStatus' | 'currentCertificateId' | 'detail' | 'error'
>;

const refuse = (detail: string, error: ErrorDetail | null = null): Verdict => ({
  verdict: 'REFUSED',
  plannedAction: null,
  targetStatus: null,
  currentCertificateId: null,
  detail,
  error,
});
const settled = (
  verdict: 'ALREADY_RESTORED' | 'NOTHING_TO_RESTORE',
  detail: string,
  currentCertificateId: string | null = null,
): Verdict => ({
  verdict,
  plannedAction: null,
  targetStatus: null,
  currentCertificateId,
  detail,
  error: null,
});

/**
 * Plans the inverse of every recorded change, the newest first, against IAM's state as read now.
 * Certificates are matched by fingerprint, not id: a certificate uploaded again has a new id.
 * Each planned step is applied to a copy of the state before the next (older) change is judged,
 * so undoing a deletion and then the deactivation before it plans an upload, then a reactivation
 * of the uploaded certificate.
 */
export function planRestore(
  changes: readonly RecordedChange[],
  states: ReadonlyMap<string, UserState>,
  options: RestoreOptions,
): RestoreStep[] {
  const state = new Map<string, PlannedState>(
    [...states].map(([user, s]) => [
      user,
      'certificates' in s ? { certificates: s.certificates.map((c) => ({ ...c })) } : s,
    ]),
  );
  return [...changes].reverse().map((change) => {
    const { intent, outcome } = change;
    const verdict = judge(change, state.get(stateKey(intent.accountId, intent.userName)), options);
    return {
      accountId: intent.accountId,
      runId: intent.runId,
      userName: intent.userName,
      certificateId: intent.certificateId,
      fingerprint256: intent.fingerprint256,
      change: intent.change,
      recordedOutcome: outcome?.outcome ?? null,
      ...verdict,
    };
  });
}

/** The key of a user's state: the account and the user name. */
export function stateKey(accountId: string, userName: string): string {
  return `${accountId}|${userName}`;
}

function judge(
  { intent, outcome }: RecordedChange,
  user: PlannedState | undefined,
  options: RestoreOptions,
): Verdict {
  if (intent.change === 'REACTIVATE' || intent.change === 'UPLOAD') {
    return refuse(
      `a restore's own change (${intent.change}): restore does not undo a restore; run the audit in deactivate or delete mode to act on the certificate again`,
    );
  }
  // The record's own consistency: the body it would upload is the certificate it names.
  if (fingerprintOf(intent.body) !== intent.fingerprint256) {
    return refuse(
      "the record is inconsistent: its body's fingerprint is not the one it names; nothing is planned on it (check who can write the record)",
    );
  }
  if (user === undefined) return refuse('its user was not read');
  if ('error' in user) {
    return refuse(
      `its user's certificates could not be listed (${user.error.code}): nothing is planned on a state not read`,
      user.error,
    );
  }
  if ('gone' in user) {
    return refuse(
      `the user ${intent.userName} no longer exists: IAM cannot give a certificate back to a deleted user (create the user again, then restore)`,
    );
  }
  const { certificates } = user;
  // By id first (IAM refuses a second copy of a body, but an emulator may hold two), then by
  // fingerprint: a certificate uploaded again has a new id.
  const current =
    certificates.find(
      (c) => c.certificateId === intent.certificateId && c.fingerprint256 === intent.fingerprint256,
    ) ?? certificates.find((c) => c.fingerprint256 === intent.fingerprint256);
  const deactivation = intent.change === 'DEACTIVATE';
  if (outcome?.outcome === 'GONE') {
    return settled(
      'NOTHING_TO_RESTORE',
      'the run changed nothing: the certificate was already gone',
    );
  }
  const made = outcome?.outcome === 'DEACTIVATED' || outcome?.outcome === 'DELETED';
  if (!made) {
    const why =
      outcome === undefined
        ? 'the record holds the planned change but no outcome (the run stopped between the two)'
        : `the change was recorded as FAILED (${outcome.error?.code ?? 'unknown error'}), so whether IAM made it is not known`;
    const untouched = deactivation ? current?.status === 'Active' : current !== undefined;
    if (untouched) {
      return settled(
        'NOTHING_TO_RESTORE',
        `${why}; IAM shows the certificate ${deactivation ? 'Active' : 'still present'} (${current?.certificateId}): the change was not made`,
        current?.certificateId ?? null,
      );
    }
    const shows =
      current === undefined
        ? 'IAM holds no certificate with its fingerprint'
        : `IAM shows it ${current.status} (${current.certificateId})`;
    if (!options.includeIncomplete) {
      return refuse(
        `${why}; ${shows}: the change was probably made. Check it, then restore it with --include-incomplete`,
      );
    }
  }
  if (deactivation) {
    if (current === undefined) {
      return refuse(
        'no certificate with its fingerprint exists now: it was deleted since (by a later run? restore that run too: --run both, the later one is undone first)',
      );
    }
    if (current.status === 'Active') {
      return settled(
        'ALREADY_RESTORED',
        `already Active (${current.certificateId})`,
        current.certificateId,
      );
    }
    current.status = 'Active';
    return {
      verdict: 'RESTORABLE',
      plannedAction: 'REACTIVATE',
      targetStatus: 'Active',
      currentCertificateId: current.certificateId,
      detail: `set ${current.certificateId} Active again`,
      error: null,
    };
  }
  if (current !== undefined) {
    return settled(
      'ALREADY_RESTORED',
      `the certificate is back, as ${current.certificateId} (${current.status})`,
      current.certificateId,
    );
  }
  if (certificates.length >= CERTIFICATES_PER_USER) {
    return refuse(
      `the user already holds IAM's ${CERTIFICATES_PER_USER} signing certificates (${certificates.map((c) => c.certificateId).join(', ')}): delete or restore elsewhere first`,
    );
  }
  const notAfter = notAfterOf(intent.body);
  if (notAfter === undefined) {
    return refuse('its body is not a readable X.509 certificate: IAM would refuse to upload it');
  }
  if (notAfter.getTime() <= options.now.getTime()) {
    return refuse(
      `it expired on ${notAfter.toISOString()}: IAM refuses to upload an expired certificate (MalformedCertificate)`,
    );
  }
  const targetStatus = options.activate || intent.status === 'Active' ? 'Active' : 'Inactive';
  certificates.push({
    certificateId: TO_BE_UPLOADED,
    status: targetStatus,
    fingerprint256: intent.fingerprint256,
  });
  return {
    verdict: 'RESTORABLE',
    plannedAction: 'UPLOAD',
    targetStatus,
    currentCertificateId: null,
    detail: `upload its body again (${subjectOf(intent.body)}, the same fingerprint, a new id), then leave it ${targetStatus}; IAM dates the copy on upload, so age checks count from then (first uploaded ${intent.uploadDate ?? 'on an unknown date'})`,
    error: null,
  };
}
