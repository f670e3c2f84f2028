import type { IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import { getUser, isNoSuchEntity } from '../../lambda/aws/iam';
import {
  bodyFingerprint,
  type ChangeIntent,
  type ChangeKind,
  type ChangeRecorder,
  intentEntry,
  type RecordedChange,
  runEntry,
  unwritable,
} from '../../lambda/core/change-record';
import type { CredentialType } from '../../lambda/core/credential';
import { describeError, type ErrorDetail } from '../../lambda/core/errors';
import {
  planRestore,
  type RestoreAction,
  type RestoreOptions,
  type RestoreStep,
  type RunFacts,
  stateKey,
  TO_BE_UPLOADED,
  type UserState,
} from '../../lambda/core/restore-plan';
import type { RestoreStepResult } from '../../lambda/core/restore-report';
import type { AuditLogger } from '../../lambda/engine/audit';
import { type OutcomeFields, recordThenAct } from '../../lambda/engine/record-then-act';
import { KIND_INDEX, kindOf } from '../../lambda/kinds';
import type { CredentialKind } from '../../lambda/kinds/kind';

/** A step of the restore with what became of it. */
type RestoreResult = RestoreStepResult;

/** Builds a step's result: its action, and what else became of it. */
type StepResultOf = (
  step: RestoreStep,
  action: RestoreAction,
  extra?: Partial<Pick<RestoreResult, 'newCertificateId' | 'actionError' | 'detail'>>,
) => RestoreResult;

/** What restoring one account needs: its IAM client (the operator's, or through a role) and the record. */
export interface RestoreDeps {
  readonly iam: IAMClient;
  readonly accountId: string;
  /** This restore's id, in its own record. */
  readonly runId: string;
  readonly logger: AuditLogger;
  /** Where the restore records its own changes, ahead of each, as the audit does. */
  readonly changeRecord: ChangeRecorder;
  /** Aborted by Ctrl-C or a time limit: no new step starts. */
  readonly stop?: AbortSignal;
}

/** IAM calls made at once while reading the users' certificates. */
const READ_CONCURRENCY = 8;

/** One account's plan: the steps, and the IAM ids of the users they act on now. */
export interface AccountPlan {
  readonly steps: readonly RestoreStep[];
  readonly userIds: ReadonlyMap<string, string>;
}

/** The kind of credential a recorded change was made to (an entry without one: a certificate). */
function typeOf(intent: ChangeIntent): CredentialType {
  return intent.credentialType ?? 'signing-certificate';
}

/**
 * Plans the restore of one account: reads who each recorded user is now and its credentials of
 * the kinds the record holds for it (GetUser, then each kind's listing: ListSigningCertificates,
 * ListSSHPublicKeys and GetSSHPublicKey, …), and plans the inverse of each change against that
 * state (core/restore-plan.ts), with each kind's limit, fingerprint and restore ability. A plan
 * is never made on a state that could not be read.
 */
export async function planAccount(
  deps: Pick<RestoreDeps, 'iam' | 'accountId'>,
  changes: readonly RecordedChange[],
  options: RestoreOptions,
  runs: ReadonlyMap<string, RunFacts>,
): Promise<AccountPlan> {
  const users = new Map<string, Set<CredentialType>>();
  for (const { intent } of changes) {
    users.set(intent.userName, (users.get(intent.userName) ?? new Set()).add(typeOf(intent)));
  }
  const states = await readUserStates(deps.iam, deps.accountId, users);
  const steps = planRestore(changes, states, options, {
    accountId: deps.accountId,
    runs,
    kinds: KIND_INDEX,
  });
  const userIds = new Map<string, string>();
  for (const [key, state] of states) if ('userId' in state) userIds.set(key, state.userId);
  return { steps, userIds };
}

/**
 * Each user as IAM holds it now: its id, creation time and its credentials of the kinds given for
 * it, by fingerprint; gone or unreadable users say so.
 */
export async function readUserStates(
  iam: IAMClient,
  accountId: string,
  users: ReadonlyMap<string, ReadonlySet<CredentialType>>,
): Promise<Map<string, UserState>> {
  const limit = pLimit(READ_CONCURRENCY);
  const read = await Promise.all(
    [...users].map(([userName, types]) =>
      limit(async (): Promise<[string, UserState]> => {
        const key = stateKey(accountId, userName);
        try {
          const { userId, createDate } = await getUser(iam, userName);
          return [
            key,
            {
              userId,
              ...(createDate ? { createDate: createDate.toISOString() } : {}),
              certificates: await currentCredentials(iam, userName, types),
            },
          ];
        } catch (error: unknown) {
          if (isNoSuchEntity(error)) return [key, { gone: true }];
          return [key, { error: describeError(error) }];
        }
      }),
    ),
  );
  return new Map(read);
}

/** A user's credentials of `types` now, each by id, status and fingerprint (the kind index's order). */
async function currentCredentials(
  iam: IAMClient,
  userName: string,
  types: ReadonlySet<CredentialType>,
) {
  const held = [];
  for (const kind of KIND_INDEX.filter((k) => types.has(k.type))) {
    for (const credential of await kind.listUser(iam, userName)) {
      held.push({
        certificateId: credential.credentialId,
        status: credential.status,
        fingerprint256: bodyFingerprint(kind, credential.body),
        ...(kind.type === 'signing-certificate' ? {} : { credentialType: kind.type }),
      });
    }
  }
  return held;
}

/** The name of the IAM call an action list starts with, as its errors name it: `UpdateSSHPublicKey`. */
function callOf(actions: readonly string[]): string {
  return (actions[0] ?? '').replace(/^iam:/, '');
}

/** How a planned restore is carried out: a plan only, held back by the guard, or made. */
export type Carry = 'plan' | 'withhold' | 'apply';

/**
 * Carries out one account's plan: nothing for a plan, every restorable step WITHHELD when the
 * blast-radius guard (counted over the whole restore by the caller) holds them, or each step in
 * turn, newest change first, behind its own record entry and after the restore's own run entry.
 * A step that fails says why and is not guessed.
 */
export async function carryOutRestore(
  deps: RestoreDeps,
  plan: AccountPlan,
  changes: readonly RecordedChange[],
  carry: Carry,
): Promise<RestoreResult[]> {
  const result = (
    step: RestoreStep,
    action: RestoreAction,
    extra: Partial<Pick<RestoreResult, 'newCertificateId' | 'actionError' | 'detail'>> = {},
  ): RestoreResult => ({ ...step, action, newCertificateId: null, actionError: null, ...extra });
  const { steps } = plan;
  const restorable = steps.filter((step) => step.verdict === 'RESTORABLE').length;
  if (carry === 'plan' || restorable === 0) return steps.map((step) => result(step, 'NONE'));
  if (carry === 'withhold') {
    return steps.map((step) => result(step, step.verdict === 'RESTORABLE' ? 'WITHHELD' : 'NONE'));
  }
  try {
    await deps.changeRecord.write(
      runEntry({ runId: deps.runId, accountId: deps.accountId, mode: 'restore' }),
    );
  } catch (error: unknown) {
    const detail = unwritable(error);
    return steps.map((step) =>
      step.verdict === 'RESTORABLE'
        ? result(step, 'FAILED', {
            actionError: detail,
            detail: `${step.detail}; not changed: the restore's record could not be written to ${deps.changeRecord.where}`,
          })
        : result(step, 'NONE'),
    );
  }
  const intents = new Map(
    changes.map(({ intent }) => [
      `${intent.runId}|${intent.certificateId}|${intent.change}`,
      intent,
    ]),
  );
  // The credentials this restore uploaded, by kind and fingerprint: an older deactivation of the
  // same one is undone on its new id.
  const uploaded = new Map<string, string>();
  const results: RestoreResult[] = [];
  // One step at a time, newest change first: a step may depend on the one before it.
  for (const step of steps) {
    if (step.verdict !== 'RESTORABLE') {
      results.push(result(step, 'NONE'));
      continue;
    }
    if (deps.stop?.aborted) {
      results.push(
        result(step, 'NONE', {
          detail: `${step.detail}; not attempted: the run was stopped first`,
        }),
      );
      continue;
    }
    const intent = intents.get(`${step.runId}|${step.certificateId}|${step.change}`);
    if (intent === undefined) throw new Error('a planned step without its recorded change');
    const userId = plan.userIds.get(stateKey(step.accountId, step.userName));
    if (userId === undefined) throw new Error('a planned step for a user not read');
    results.push(await restoreStep(deps, step, intent, userId, uploaded, result));
  }
  return results;
}

/** The change kind a restore step records, by what it does. */
const STEP_CHANGE: Readonly<Record<NonNullable<RestoreStep['plannedAction']>, ChangeKind>> = {
  REACTIVATE: 'REACTIVATE',
  UPLOAD: 'UPLOAD',
  DEACTIVATE: 'DEACTIVATE',
};

async function restoreStep(
  deps: RestoreDeps,
  step: RestoreStep,
  recorded: ChangeIntent,
  userId: string,
  uploaded: Map<string, string>,
  result: StepResultOf,
): Promise<RestoreResult> {
  const plannedAction = step.plannedAction ?? 'REACTIVATE';
  const change = STEP_CHANGE[plannedAction];
  const target =
    plannedAction === 'UPLOAD'
      ? step.certificateId
      : (uploaded.get(uploadKey(step)) ?? step.currentCertificateId ?? step.certificateId);
  if (target === TO_BE_UPLOADED) {
    // The upload this reactivation was planned on did not happen: nothing to set Active.
    return result(step, 'NONE', {
      detail: `${step.detail}; not attempted: the upload it depends on was not made`,
    });
  }
  const failed = (why: string, error: ErrorDetail, newCertificateId: string | null = null) => {
    deps.logger.warn('Restore step failed', {
      userName: step.userName,
      certificateId: target,
      change,
      error,
    });
    return result(step, 'FAILED', {
      actionError: error,
      newCertificateId,
      detail: `${step.detail}; ${why}`,
    });
  };
  if (plannedAction === 'UPLOAD') {
    // Read again just before: another restore (from another place, or one that took no lock)
    // may have uploaded it since the plan was made; a second copy is never uploaded.
    try {
      const now = await currentCredentials(deps.iam, step.userName, new Set([step.credentialType]));
      const back = now.find((c) => c.fingerprint256 === step.fingerprint256);
      if (back) {
        return result(step, 'NONE', {
          detail: `${step.detail}; not uploaded: it is back already, as ${back.certificateId} (${back.status}), uploaded since the plan was made`,
        });
      }
    } catch (error: unknown) {
      return failed(
        'not uploaded: its user could not be read again just before',
        describeError(error),
      );
    }
  }
  const recordedStep = await recordThenAct(
    deps.changeRecord,
    intentEntry({
      runId: deps.runId,
      accountId: deps.accountId,
      certificateId: target,
      ...(step.credentialType === 'signing-certificate'
        ? {}
        : { credentialType: step.credentialType }),
      change,
      userName: recorded.userName,
      userArn: recorded.userArn,
      userId,
      status:
        plannedAction === 'UPLOAD'
          ? 'Deleted'
          : plannedAction === 'REACTIVATE'
            ? 'Inactive'
            : 'Active',
      uploadDate: recorded.uploadDate,
      fingerprint256: recorded.fingerprint256,
      body: recorded.body,
      restores: { runId: recorded.runId, certificateId: recorded.certificateId },
    }),
    () => carryOutStep(deps, step, recorded, target, uploaded, result, failed),
    (done) => done.outcome,
  );
  if (!recordedStep.made) {
    return failed(
      `not changed: the restore's record could not be written to ${deps.changeRecord.where}`,
      recordedStep.error,
    );
  }
  if (recordedStep.outcomeUnrecorded) {
    deps.logger.error('The outcome of a restore step could not be recorded', {
      userName: step.userName,
      certificateId: target,
      error: recordedStep.outcomeUnrecorded,
    });
  }
  return recordedStep.result.result;
}

/** What a step did: its result for the report, and its outcome for the record. */
interface StepDone {
  readonly result: RestoreResult;
  readonly outcome: OutcomeFields;
}

/** Makes one step's change (its record is written around it by recordThenAct); never throws. */
async function carryOutStep(
  deps: RestoreDeps,
  step: RestoreStep,
  recorded: ChangeIntent,
  target: string,
  uploaded: Map<string, string>,
  result: StepResultOf,
  failed: (why: string, error: ErrorDetail, newCertificateId?: string | null) => RestoreResult,
): Promise<StepDone> {
  const plannedAction = step.plannedAction ?? 'REACTIVATE';
  const kind = kindOf(step.credentialType);
  const update = callOf(kind.actions.deactivate);
  if (plannedAction !== 'UPLOAD') {
    const status = plannedAction === 'REACTIVATE' ? 'Active' : 'Inactive';
    try {
      await kind.setStatus(deps.iam, step.userName, target, status);
    } catch (error: unknown) {
      const detail = describeError(error);
      return {
        result: failed(`${update} ${target} failed`, detail),
        outcome: { outcome: 'FAILED', error: detail },
      };
    }
    const done = plannedAction === 'REACTIVATE' ? 'REACTIVATED' : 'DEACTIVATED';
    return {
      result: result(step, done, { detail: `${target} is ${status} again` }),
      outcome: { outcome: done, error: null, statusAfter: status },
    };
  }
  let newId: string;
  const upload = callOf(kind.actions.restore);
  try {
    if (kind.upload === undefined) throw new Error(`a ${kind.label} cannot be uploaded again`);
    newId = await kind.upload(deps.iam, step.userName, recorded.body);
  } catch (error: unknown) {
    const detail = describeError(error);
    const hint =
      detail.code === 'AccessDenied'
        ? ` (uploading needs iam:${upload}, which no role this tool deploys holds: restore with credentials, or a --role-name, that have it)`
        : '';
    return {
      result: failed(`${upload} failed${hint}`, detail),
      outcome: { outcome: 'FAILED', error: detail },
    };
  }
  uploaded.set(uploadKey(step), newId);
  // IAM leaves an uploaded certificate Active; set the status it had before, unless --activate.
  // Cut between the two (a crash, a second Ctrl-C), the copy is Active: a second restore sees
  // the status is not the recorded one and finishes the job.
  if (step.targetStatus === 'Inactive') {
    try {
      await kind.setStatus(deps.iam, step.userName, newId, 'Inactive');
    } catch (error: unknown) {
      const detail = describeError(error);
      return {
        result: failed(
          `uploaded again as ${newId}, but it is Active: setting it Inactive failed; restore again to finish it, or set it by hand (${byHand(kind, step.userName, newId)})`,
          detail,
          newId,
        ),
        outcome: {
          outcome: 'FAILED',
          error: detail,
          newCertificateId: newId,
          statusAfter: 'Active',
        },
      };
    }
  }
  return {
    result: result(step, 'UPLOADED', {
      newCertificateId: newId,
      detail: `uploaded again as ${newId} (the same fingerprint), left ${step.targetStatus ?? 'Active'}; IAM dates it today, so age checks count from now (first uploaded ${recorded.uploadDate ?? 'on an unknown date'})`,
    }),
    outcome: {
      outcome: 'UPLOADED',
      error: null,
      newCertificateId: newId,
      statusAfter: step.targetStatus ?? 'Active',
    },
  };
}

/** The key of a credential this restore uploaded: its kind and fingerprint. */
function uploadKey(step: RestoreStep): string {
  return `${step.credentialType}|${step.fingerprint256}`;
}

/** How to set an uploaded copy Inactive by hand: the AWS CLI command for a certificate, the call for another kind. */
function byHand(kind: CredentialKind, userName: string, id: string): string {
  return kind.type === 'signing-certificate'
    ? `aws iam update-signing-certificate --user-name ${userName} --certificate-id ${id} --status Inactive`
    : `${callOf(kind.actions.deactivate)} of ${id} for ${userName}, Status Inactive`;
}
