import type { IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import type { AuditLogger } from './audit';
import {
  isNoSuchEntity,
  listSigningCertificates,
  setSigningCertificateStatus,
  uploadSigningCertificate,
} from './aws/iam';
import {
  type ChangeIntent,
  type ChangeKind,
  type ChangeRecorder,
  fingerprintOf,
  type RecordedChange,
} from './core/change-record';
import { describeError, type ErrorDetail } from './core/errors';
import {
  planRestore,
  type RestoreAction,
  type RestoreOptions,
  type RestoreStep,
  stateKey,
  TO_BE_UPLOADED,
  type UserState,
} from './core/restore-plan';
import type { RestoreStepResult } from './core/restore-report';

/** A step of the restore with what became of it. */
type RestoreResult = RestoreStepResult;

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

/** How a restore runs: the plan's options, whether to act, and the blast-radius guard. */
export interface RestoreRunOptions extends RestoreOptions {
  readonly apply: boolean;
  /** More restorable steps than this: none is made (WITHHELD), as the audit's guard does. */
  readonly maxActions: number;
}

/** IAM calls made at once while reading the users' certificates. */
const READ_CONCURRENCY = 8;

/**
 * Restores one account from its recorded changes: reads the certificates of every user they
 * name as IAM holds them now, plans the inverse of each change (core/restore-plan.ts), and, with
 * `apply`, carries the plan out one step at a time, each behind its own record entry. A plan
 * is never made on a state that could not be read; a step that fails says why and is not
 * guessed.
 */
export async function restoreAccount(
  deps: RestoreDeps,
  changes: readonly RecordedChange[],
  options: RestoreRunOptions,
): Promise<RestoreStepResult[]> {
  const users = [...new Set(changes.map((change) => change.intent.userName))];
  const states = await readUserStates(deps.iam, deps.accountId, users);
  const steps = planRestore(changes, states, options);
  return carryOutRestore(deps, steps, changes, options);
}

/** Each user's certificates as IAM holds them now, by fingerprint; gone or unreadable users say so. */
export async function readUserStates(
  iam: IAMClient,
  accountId: string,
  userNames: readonly string[],
): Promise<Map<string, UserState>> {
  const limit = pLimit(READ_CONCURRENCY);
  const read = await Promise.all(
    userNames.map((userName) =>
      limit(async (): Promise<[string, UserState]> => {
        const key = stateKey(accountId, userName);
        try {
          const certificates = await listSigningCertificates(iam, userName);
          return [
            key,
            {
              certificates: certificates.map((c) => ({
                certificateId: c.certificateId,
                status: c.status,
                fingerprint256: fingerprintOf(c.body),
              })),
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

async function carryOutRestore(
  deps: RestoreDeps,
  steps: readonly RestoreStep[],
  changes: readonly RecordedChange[],
  options: RestoreRunOptions,
): Promise<RestoreResult[]> {
  const result = (
    step: RestoreStep,
    action: RestoreAction,
    extra: Partial<Pick<RestoreResult, 'newCertificateId' | 'actionError' | 'detail'>> = {},
  ): RestoreResult => ({ ...step, action, newCertificateId: null, actionError: null, ...extra });
  const restorable = steps.filter((step) => step.verdict === 'RESTORABLE').length;
  if (!options.apply || restorable === 0) return steps.map((step) => result(step, 'NONE'));
  if (restorable > options.maxActions) {
    deps.logger.warn('Blast-radius guard: planned restores exceed the limit; none were made', {
      planned: restorable,
      maxActions: options.maxActions,
    });
    return steps.map((step) => result(step, step.verdict === 'RESTORABLE' ? 'WITHHELD' : 'NONE'));
  }
  const intents = new Map(
    changes.map(({ intent }) => [
      `${intent.runId}|${intent.certificateId}|${intent.change}`,
      intent,
    ]),
  );
  // The certificates this restore uploaded, by fingerprint: an older deactivation of the same
  // certificate is undone on its new id.
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
    results.push(await restoreStep(deps, step, intent, uploaded, result));
  }
  return results;
}

async function restoreStep(
  deps: RestoreDeps,
  step: RestoreStep,
  recorded: ChangeIntent,
  uploaded: Map<string, string>,
  result: (
    step: RestoreStep,
    action: RestoreAction,
    extra?: Partial<Pick<RestoreResult, 'newCertificateId' | 'actionError' | 'detail'>>,
  ) => RestoreResult,
): Promise<RestoreResult> {
  const change: ChangeKind = step.plannedAction === 'UPLOAD' ? 'UPLOAD' : 'REACTIVATE';
  const target =
    change === 'REACTIVATE'
      ? (uploaded.get(step.fingerprint256) ?? step.currentCertificateId ?? step.certificateId)
      : step.certificateId;
  if (target === TO_BE_UPLOADED) {
    // The upload this reactivation was planned on did not happen: nothing to set Active.
    return result(step, 'NONE', {
      detail: `${step.detail}; not attempted: the upload it depends on was not made`,
    });
  }
  const key = { runId: deps.runId, accountId: deps.accountId, certificateId: target, change };
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
  try {
    await deps.changeRecord.write({
      ...key,
      recordVersion: '1',
      entry: 'intent',
      recordedAt: new Date().toISOString(),
      userName: recorded.userName,
      userArn: recorded.userArn,
      status: change === 'UPLOAD' ? 'Deleted' : 'Inactive',
      uploadDate: recorded.uploadDate,
      fingerprint256: recorded.fingerprint256,
      body: recorded.body,
      restores: { runId: recorded.runId, certificateId: recorded.certificateId },
    });
  } catch (error: unknown) {
    return failed(
      `not changed: the restore's record could not be written to ${deps.changeRecord.where}`,
      describeError(error),
    );
  }
  const outcome = async (
    entry: { outcome: 'REACTIVATED' | 'UPLOADED' | 'FAILED'; error: ErrorDetail | null },
    extra: { newCertificateId?: string; statusAfter?: string } = {},
  ) => {
    try {
      await deps.changeRecord.write({
        ...key,
        recordVersion: '1',
        entry: 'outcome',
        recordedAt: new Date().toISOString(),
        ...entry,
        ...extra,
      });
    } catch (error: unknown) {
      deps.logger.error('The outcome of a restore step could not be recorded', {
        userName: step.userName,
        certificateId: target,
        error: describeError(error),
      });
    }
  };
  if (change === 'REACTIVATE') {
    try {
      await setSigningCertificateStatus(deps.iam, step.userName, target, 'Active');
    } catch (error: unknown) {
      const detail = describeError(error);
      await outcome({ outcome: 'FAILED', error: detail });
      return failed(`UpdateSigningCertificate ${target} failed`, detail);
    }
    await outcome({ outcome: 'REACTIVATED', error: null }, { statusAfter: 'Active' });
    return result(step, 'REACTIVATED', { detail: `${target} is Active again` });
  }
  let newId: string;
  try {
    newId = await uploadSigningCertificate(deps.iam, step.userName, recorded.body);
  } catch (error: unknown) {
    const detail = describeError(error);
    await outcome({ outcome: 'FAILED', error: detail });
    const hint =
      detail.code === 'AccessDenied'
        ? ' (uploading needs iam:UploadSigningCertificate, which no role this tool deploys holds: restore with credentials, or a --role-name, that have it)'
        : '';
    return failed(`UploadSigningCertificate failed${hint}`, detail);
  }
  uploaded.set(step.fingerprint256, newId);
  // IAM leaves an uploaded certificate Active; set the status it had before, unless --activate.
  if (step.targetStatus === 'Inactive') {
    try {
      await setSigningCertificateStatus(deps.iam, step.userName, newId, 'Inactive');
    } catch (error: unknown) {
      const detail = describeError(error);
      await outcome(
        { outcome: 'FAILED', error: detail },
        { newCertificateId: newId, statusAfter: 'Active' },
      );
      return failed(
        `uploaded again as ${newId}, but it is Active: setting it Inactive failed; set it by hand (aws iam update-signing-certificate --user-name ${step.userName} --certificate-id ${newId} --status Inactive)`,
        detail,
        newId,
      );
    }
  }
  await outcome(
    { outcome: 'UPLOADED', error: null },
    { newCertificateId: newId, statusAfter: step.targetStatus ?? 'Active' },
  );
  return result(step, 'UPLOADED', {
    newCertificateId: newId,
    detail: `uploaded again as ${newId} (the same fingerprint), left ${step.targetStatus ?? 'Active'}; IAM dates it today, so age checks count from now (first uploaded ${recorded.uploadDate ?? 'on an unknown date'})`,
  });
}
