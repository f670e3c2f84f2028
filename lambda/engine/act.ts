import { getUserId, isNoSuchEntity } from '../aws/iam';
import {
  bodyFingerprint,
  type ChangeKind,
  type ChangeOutcome,
  type ChangeRecorder,
  intentEntry,
  runEntry,
  unwritable,
} from '../core/change-record';
import { joinDetails } from '../core/checks/age';
import type { PlannedAction } from '../core/checks/check';
import { describeError, type ErrorDetail } from '../core/errors';
import type { Finding } from '../core/report';
import type { Policy } from '../core/settings';
import { kindOf } from '../kinds';
import { type FindingFields, finding, type PendingFinding } from './findings';
import { recordThenAct } from './record-then-act';
import type { AuditDeps, Limit } from './types';

/**
 * Makes the planned changes, one certificate at a time by its id, unless held, withheld by the
 * blast-radius guard (more changes planned than `maxActionsPerRun`: none is made), planned for a
 * dry run, or not yet started when the run was stopped. Each finding says what became of it.
 */
export async function carryOutActions(
  deps: AuditDeps,
  policy: Policy,
  pending: readonly PendingFinding[],
  limit: Limit,
  dryRun: boolean,
): Promise<Finding[]> {
  const planned = pending.filter((p) => !p.hold && p.plannedAction).length;
  // Blast-radius guard: a run that wants more changes than allowed makes none of them.
  let withhold = planned > policy.maxActionsPerRun;
  let withheldWhy: string | null = null;
  if (withhold) {
    deps.logger.warn('Blast-radius guard: planned changes exceed the limit; none were made', {
      planned,
      maxActionsPerRun: policy.maxActionsPerRun,
    });
  } else if (planned > 0 && !dryRun && policy.mode !== 'report' && deps.changeBudget) {
    // And over a window, for runs that come one event at a time: the changes are reserved in
    // the account's window first, and none is made when they do not fit.
    const answer = await deps.changeBudget.reserve(deps.accountId, planned, deps.now);
    if (!answer.granted) {
      withhold = true;
      withheldWhy = `withheld: ${answer.reason}`;
      deps.logger.warn('Blast-radius guard over the window: none of the planned changes was made', {
        planned,
        reason: answer.reason,
        where: deps.changeBudget.where,
      });
    }
  }
  // The run's own entry goes first, in every run that may change something, changes or not: the
  // record then knows the run and its mode. Without it no change is made.
  const recording =
    !dryRun && policy.mode !== 'report' && deps.changeRecord
      ? writeRunEntry(deps, deps.changeRecord, policy.mode)
      : Promise.resolve(undefined);
  const context: ActContext = { recording, userIds: new Map() };
  return Promise.all(
    pending.map(({ finding: fields, plannedAction, hold, body }) => {
      if (hold) {
        const detail = joinDetails(fields.detail, hold.detail);
        return finding({ ...fields, plannedAction: null, detail }, hold.action, null);
      }
      if (plannedAction === undefined) return finding(fields, 'NONE', null);
      if (withhold) {
        const detail = withheldWhy ? joinDetails(fields.detail, withheldWhy) : fields.detail;
        return finding({ ...fields, detail }, 'WITHHELD', null);
      }
      if (dryRun) return finding(fields, 'NONE', null);
      return limit(() => {
        // A change not yet started when the run is stopped is not made, and says so.
        if (deps.stop?.aborted) {
          const detail = joinDetails(fields.detail, 'not attempted: the run was stopped first');
          return finding({ ...fields, detail }, 'NONE', null);
        }
        return recordAndAct(deps, context, fields, plannedAction, body ?? '');
      });
    }),
  );
}

/** What the changes of one run share: the run entry's write, and each user's id, read once. */
interface ActContext {
  /** Resolves to why the record cannot be kept (its run entry failed), or undefined. */
  readonly recording: Promise<ErrorDetail | undefined>;
  readonly userIds: Map<string, Promise<string>>;
}

async function writeRunEntry(
  deps: AuditDeps,
  recorder: ChangeRecorder,
  mode: 'deactivate' | 'delete',
): Promise<ErrorDetail | undefined> {
  try {
    await recorder.write(runEntry({ runId: deps.runId, accountId: deps.accountId, mode }));
    return undefined;
  } catch (error: unknown) {
    deps.logger.error('The run could not be recorded; no change will be made', {
      where: recorder.where,
      error: describeError(error),
    });
    return unwritable(error);
  }
}

/** The change record's kind of each planned action. */
const CHANGE_OF: Readonly<Record<PlannedAction, ChangeKind>> = {
  DEACTIVATE: 'DEACTIVATE',
  DELETE: 'DELETE',
};

/**
 * Makes one change behind the write-ahead record: what is about to be done (with the body, so a
 * deletion can be undone by uploading it again) is written first, and if that write fails the
 * change is not made; the outcome is written after. A deletion is never made without a record.
 */
async function recordAndAct(
  deps: AuditDeps,
  context: ActContext,
  fields: FindingFields,
  plannedAction: PlannedAction,
  body: string,
): Promise<Finding> {
  const notMade = (why: string, error: ErrorDetail) => {
    deps.logger.warn('Change not made: its record could not be kept', {
      userName: fields.userName,
      certificateId: fields.certificateId,
      plannedAction,
      error,
    });
    return finding({ ...fields, detail: joinDetails(fields.detail, why) }, 'FAILED', error);
  };
  const recorder = deps.changeRecord;
  if (recorder === undefined) {
    if (plannedAction === 'DELETE') {
      return notMade('not deleted: a deletion is made only with a change record to undo it', {
        code: 'NoChangeRecord',
        message:
          "no change record is configured (the archive bucket, or the CLI's --change-record)",
      });
    }
    return act(deps, fields, plannedAction);
  }
  const kind = kindOf(fields.credentialType ?? 'signing-certificate');
  // A kind restore can upload again needs its public body in the record; one whose secret IAM
  // never returns (a service credential) has none, and its record says it cannot be restored.
  if (body === '' && kind.restore === 'reupload') {
    return notMade(
      'not changed: IAM returned it without its body, so the change could not be recorded',
      kind.type === 'signing-certificate'
        ? {
            code: 'NoCertificateBody',
            message: 'ListSigningCertificates returned no CertificateBody',
          }
        : { code: 'NoCredentialBody', message: `IAM returned the ${kind.label} without its body` },
    );
  }
  const unrecordable = await context.recording;
  if (unrecordable) {
    return notMade(
      `not changed: its change record could not be written to ${recorder.where}`,
      unrecordable,
    );
  }
  // The user's IAM id, read just before the change: a user of the same name created later has
  // another, and restore refuses to give it this user's certificate.
  let userId: string;
  try {
    userId = await userIdOf(deps, context, fields.userName);
  } catch (error: unknown) {
    if (isNoSuchEntity(error)) return finding(fields, 'GONE', null);
    return notMade(
      "not changed: its user's IAM id could not be read (GetUser), so the change could not be recorded whole",
      describeError(error),
    );
  }
  const recorded = await recordThenAct(
    recorder,
    intentEntry({
      runId: deps.runId,
      accountId: deps.accountId,
      certificateId: fields.credentialId as string,
      ...(kind.type === 'signing-certificate' ? {} : { credentialType: kind.type }),
      change: CHANGE_OF[plannedAction],
      userName: fields.userName,
      userArn: fields.userArn,
      userId,
      status: fields.status ?? 'Unknown',
      uploadDate: fields.uploadDate,
      fingerprint256: bodyFingerprint(kind, body),
      body,
    }),
    () => act(deps, fields, plannedAction),
    (done) => ({ outcome: OUTCOME_OF[done.action] ?? 'FAILED', error: done.error }),
  );
  if (!recorded.made) {
    return notMade(
      `not changed: its change record could not be written to ${recorder.where}`,
      recorded.error,
    );
  }
  const done = recorded.result;
  if (recorded.outcomeUnrecorded === undefined) return done;
  // The change was made: say so, and that restore will read IAM's state for this one.
  deps.logger.error('The outcome of a change could not be recorded', {
    userName: fields.userName,
    certificateId: fields.certificateId,
    action: done.action,
    error: recorded.outcomeUnrecorded,
  });
  return {
    ...done,
    detail: joinDetails(
      done.detail,
      `its outcome could not be recorded in ${recorder.where}: restore reads IAM's state for it`,
    ),
  };
}

/** A user's IAM id, read once a run however many of its certificates change. */
function userIdOf(deps: AuditDeps, context: ActContext, userName: string): Promise<string> {
  let id = context.userIds.get(userName);
  if (id === undefined) {
    id = getUserId(deps.iam, userName);
    context.userIds.set(userName, id);
  }
  return id;
}

/** The record's outcome of each action a change ends in. */
const OUTCOME_OF: Partial<Record<Finding['action'], ChangeOutcome>> = {
  DEACTIVATED: 'DEACTIVATED',
  DELETED: 'DELETED',
  GONE: 'GONE',
  FAILED: 'FAILED',
};

async function act(
  deps: AuditDeps,
  fields: FindingFields,
  plannedAction: PlannedAction,
): Promise<Finding> {
  const credentialId = fields.credentialId as string;
  const kind = kindOf(fields.credentialType ?? 'signing-certificate');
  try {
    if (plannedAction === 'DELETE') {
      await kind.remove(deps.iam, fields.userName, credentialId);
      return finding(fields, 'DELETED', null);
    }
    await kind.setStatus(deps.iam, fields.userName, credentialId, 'Inactive');
    return finding(fields, 'DEACTIVATED', null);
  } catch (error: unknown) {
    if (isNoSuchEntity(error)) return finding(fields, 'GONE', null);
    // The certificate's real state is not guessed: the finding says the call failed and why.
    const detail = describeError(error);
    deps.logger.warn('Remediation failed', {
      userName: fields.userName,
      credentialId,
      plannedAction,
      error: detail,
    });
    return finding(fields, 'FAILED', detail);
  }
}
