import {
  bodyFingerprint,
  type ChangeIntent,
  NO_BODY,
  type RecordedChange,
  runKey,
} from './change-record';
import type { ErrorDetail } from './errors';

import {
  CERTIFICATE_RESTORE,
  type CurrentCertificate,
  type RestorableKind,
  type RestoreContext,
  type RestoreOptions,
  type RestoreStep,
  type RunFacts,
  reportChangeKey,
  TO_BE_UPLOADED,
  type UserState,
} from './restore-types';

export * from './restore-types';

/** A certificate of the state restore plans against: its status changes as steps are planned. */
type PlannedCertificate = { -readonly [K in keyof CurrentCertificate]: CurrentCertificate[K] };
type PlannedState =
  | {
      readonly userId: string;
      readonly createDate?: string;
      readonly certificates: PlannedCertificate[];
    }
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
  context: RestoreContext = {},
): RestoreStep[] {
  const state = new Map<string, PlannedState>(
    [...states].map(([user, s]) => [
      user,
      'certificates' in s ? { ...s, certificates: s.certificates.map((c) => ({ ...c })) } : s,
    ]),
  );
  const kinds = context.kinds ?? [CERTIFICATE_RESTORE];
  return [...changes].reverse().map((change) => {
    const { intent, outcome } = change;
    const type = intent.credentialType ?? 'signing-certificate';
    const kind = kinds.find((k) => k.type === type);
    const verdict =
      kind === undefined
        ? refuse(`this restore knows no credential kind ${type}: nothing is planned on it`)
        : (contradiction(change, context, kind) ??
          judge(change, state.get(stateKey(intent.accountId, intent.userName)), options, kind));
    return {
      accountId: intent.accountId,
      runId: intent.runId,
      userName: intent.userName,
      credentialType: type,
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

/** How a kind's credentials are named in a sentence: certificates keep their word of old. */
function nounsOf(kind: RestorableKind): { readonly one: string; readonly many: string } {
  return kind.type === 'signing-certificate'
    ? { one: 'certificate', many: 'certificates' }
    : { one: kind.label, many: `${kind.label}s` };
}

function judge(
  { intent, outcome }: RecordedChange,
  user: PlannedState | undefined,
  options: RestoreOptions,
  kind: RestorableKind,
): Verdict {
  const { one, many } = nounsOf(kind);
  if (user === undefined) return refuse('its user was not read');
  if ('error' in user) {
    return refuse(
      `its user's ${many} could not be listed (${user.error.code}): nothing is planned on a state not read`,
      user.error,
    );
  }
  if ('gone' in user) {
    return refuse(
      `the user ${intent.userName} no longer exists: a ${one} is never given to a user created again under the same name (another person to IAM, with another id); ${kind.restore === 'reupload' ? 'upload it by hand to whoever should hold it' : 'create a new one for whoever should hold it'}`,
    );
  }
  const stranger = anotherUser(intent, user, one);
  if (stranger) return refuse(stranger);
  // Only the user's credentials of the change's kind are the change's to find.
  const certificates = user.certificates.filter(
    (c) => (c.credentialType ?? 'signing-certificate') === kind.type,
  );
  // The id the record names, held now with another body: the record is not IAM's history.
  const reused = certificates.find(
    (c) => c.certificateId === intent.certificateId && c.fingerprint256 !== intent.fingerprint256,
  );
  if (reused) {
    return refuse(
      `IAM holds ${intent.certificateId} with another fingerprint than the record names: the record does not describe this ${one} (check who can write the record)`,
    );
  }
  // By id first (IAM refuses a second copy of a body, but an emulator may hold two), then by
  // fingerprint: a certificate uploaded again has a new id. A kind without a body is found by
  // its id alone (it never has another).
  const hasBody = intent.fingerprint256 !== NO_BODY;
  const current =
    certificates.find(
      (c) => c.certificateId === intent.certificateId && c.fingerprint256 === intent.fingerprint256,
    ) ??
    (hasBody ? certificates.find((c) => c.fingerprint256 === intent.fingerprint256) : undefined);
  const by = hasBody ? 'with its fingerprint' : 'with its id';
  const deactivation = intent.change === 'DEACTIVATE';
  if (outcome?.outcome === 'GONE') {
    return settled('NOTHING_TO_RESTORE', `the run changed nothing: the ${one} was already gone`);
  }
  // A kind whose secret IAM shows only once cannot be given back once deleted: nothing is
  // uploaded, whatever the record says of the deletion.
  if (!deactivation && kind.restore === 'reactivate-only' && current === undefined) {
    return refuse(
      `a deleted ${one} cannot be restored: its secret is never readable again (IAM shows it once, when it is created), so no record holds what to give back. Create a new one for ${intent.userName} and hand it to whoever used this one`,
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
        `${why}; IAM shows the ${one} ${deactivation ? 'Active' : 'still present'} (${current?.certificateId}): the change was not made`,
        current?.certificateId ?? null,
      );
    }
    const shows =
      current === undefined
        ? `IAM holds no ${one} ${by}`
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
        `no ${one} ${by} exists now: it was deleted since (by a later run? restore that run too: --run both, the later one is undone first)`,
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
  const targetStatus = options.activate || intent.status === 'Active' ? 'Active' : 'Inactive';
  if (current !== undefined) {
    if (current.status === targetStatus) {
      return settled(
        'ALREADY_RESTORED',
        `the ${one} is back, as ${current.certificateId} (${current.status})`,
        current.certificateId,
      );
    }
    // Back, but not as it was: a restore cut between its upload (IAM leaves a copy Active) and
    // the status after it, or a copy reactivated since. Restored means the status too.
    const plannedAction = targetStatus === 'Active' ? 'REACTIVATE' : 'DEACTIVATE';
    const was = current.status;
    current.status = targetStatus;
    return {
      verdict: 'RESTORABLE',
      plannedAction,
      targetStatus,
      currentCertificateId: current.certificateId,
      detail: `the ${one} is back as ${current.certificateId} but ${was}: set it ${targetStatus}, the status it had${targetStatus === 'Active' && options.activate ? ' (--activate)' : ''}`,
      error: null,
    };
  }
  if (certificates.length >= kind.perUserLimit) {
    return refuse(
      `the user already holds IAM's ${kind.perUserLimit} ${kind.label}s (${certificates.map((c) => c.certificateId).join(', ')}): delete or restore elsewhere first`,
    );
  }
  const check = kind.uploadable?.(intent.body, options.now) ?? {
    ok: false,
    why: `a ${one} cannot be uploaded again`,
  };
  if (!check.ok) return refuse(check.why);
  user.certificates.push({
    certificateId: TO_BE_UPLOADED,
    status: targetStatus,
    fingerprint256: intent.fingerprint256,
    ...(kind.type === 'signing-certificate' ? {} : { credentialType: kind.type }),
  });
  return {
    verdict: 'RESTORABLE',
    plannedAction: 'UPLOAD',
    targetStatus,
    currentCertificateId: null,
    detail: `upload its body again (${check.summary}, the same fingerprint, a new id), then leave it ${targetStatus}; IAM dates the copy on upload, so age checks count from then (first uploaded ${intent.uploadDate ?? 'on an unknown date'})`,
    error: null,
  };
}

/**
 * Why a recorded change is not believed before IAM is read, or undefined: a restore's own
 * change, a body that is not the certificate named, an entry of another account's record, or a
 * change its own run could not have made (its mode, its report, delete mode's rules).
 */
function contradiction(
  { intent }: RecordedChange,
  context: RestoreContext,
  kind: RestorableKind,
): Verdict | undefined {
  const { one, many } = nounsOf(kind);
  if (intent.change === 'REACTIVATE' || intent.change === 'UPLOAD' || intent.restores) {
    return refuse(
      `a restore's own change (${intent.change}): restore does not undo a restore; run the audit in deactivate or delete mode to act on the ${one} again`,
    );
  }
  // The record's own consistency: the body it would upload is the credential it names.
  if (bodyFingerprint(kind, intent.body) !== intent.fingerprint256) {
    return refuse(
      "the record is inconsistent: its body's fingerprint is not the one it names; nothing is planned on it (check who can write the record)",
    );
  }
  if (context.accountId !== undefined && intent.accountId !== context.accountId) {
    return refuse(
      `the entry belongs to account ${intent.accountId}, but was read from the record of account ${context.accountId}: nothing is planned on it (check who can write the record)`,
    );
  }
  const run = context.runs?.get(runKey(intent.accountId, intent.runId));
  const mode = runMode(intent, run);
  if (typeof mode === 'object') return mode;
  if (intent.change === 'DELETE' && mode !== undefined && mode !== 'delete') {
    return refuse(
      `the record says run ${intent.runId} was a ${mode}-mode run, and only delete mode deletes: no run of this tool made this deletion (check who can write the record)`,
    );
  }
  if (intent.change === 'DELETE' && intent.status !== 'Inactive') {
    return refuse(
      `the entry deletes a ${one} listed ${intent.status}: delete mode deletes only ${many} listed Inactive (an Active one is deactivated first), so no run of this tool made it (check who can write the record)`,
    );
  }
  const report = run?.report;
  if (report && !report.changes.has(reportChangeKey(intent.certificateId, intent.change))) {
    return refuse(
      `the run's report (${report.where}) does not list this change (${intent.change} of ${intent.certificateId}): the record and the report disagree, so nothing is planned on it (check who can write the record)`,
    );
  }
  return undefined;
}

/** The run's mode as its entries and report give it, undefined when neither does, or a refusal when they disagree. */
function runMode(intent: ChangeIntent, run: RunFacts | undefined): string | Verdict | undefined {
  const modes = [...(run?.modes ?? [])];
  const reported = run?.report?.mode;
  if (modes.length > 1) {
    return refuse(
      `the record gives run ${intent.runId} two modes (${modes.join(', ')}): one run has one mode, so the record is not believed for it (check who can write the record)`,
    );
  }
  const [recorded] = modes;
  if (recorded !== undefined && reported !== undefined && recorded !== reported) {
    return refuse(
      `the record says run ${intent.runId} ran in ${recorded} mode, its report (${run?.report?.where}) says ${reported}: nothing is planned on a run whose evidence disagrees (check who can write the record)`,
    );
  }
  return recorded ?? reported;
}

/**
 * Why the user holding the name now is not the user the run changed, or undefined. The record
 * names the user's IAM id (version 2); a version 1 record has only the name, and a user created
 * after the change was recorded is not the one it was made to.
 */
function anotherUser(
  intent: ChangeIntent,
  user: { readonly userId: string; readonly createDate?: string },
  one: string,
): string | undefined {
  if (intent.userId !== undefined) {
    if (intent.userId === user.userId) return undefined;
    return `the user ${intent.userName} is now ${user.userId}, not ${intent.userId} whose ${one} the run changed: a user deleted and created again under the same name is another person to IAM, and is never given the old user's ${one}`;
  }
  if (user.createDate !== undefined && user.createDate > intent.recordedAt) {
    return `the user ${intent.userName} was created ${user.createDate}, after the change was recorded (${intent.recordedAt}): another person under the same name, never given the old user's ${one}`;
  }
  return undefined;
}
