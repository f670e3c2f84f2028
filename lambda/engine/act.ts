import { deactivateSigningCertificate, deleteSigningCertificate, isNoSuchEntity } from '../aws/iam';
import { joinDetails } from '../core/checks/age';
import type { PlannedAction } from '../core/checks/check';
import { describeError } from '../core/errors';
import type { Finding } from '../core/report';
import type { Policy } from '../core/settings';
import { type FindingFields, finding, type PendingFinding } from './findings';
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
  const withhold = planned > policy.maxActionsPerRun;
  if (withhold) {
    deps.logger.warn('Blast-radius guard: planned changes exceed the limit; none were made', {
      planned,
      maxActionsPerRun: policy.maxActionsPerRun,
    });
  }
  return Promise.all(
    pending.map(({ finding: fields, plannedAction, hold }) => {
      if (hold) {
        const detail = joinDetails(fields.detail, hold.detail);
        return finding({ ...fields, plannedAction: null, detail }, hold.action, null);
      }
      if (plannedAction === undefined) return finding(fields, 'NONE', null);
      if (withhold) return finding(fields, 'WITHHELD', null);
      if (dryRun) return finding(fields, 'NONE', null);
      return limit(() => {
        // A change not yet started when the run is stopped is not made, and says so.
        if (deps.stop?.aborted) {
          const detail = joinDetails(fields.detail, 'not attempted: the run was stopped first');
          return finding({ ...fields, detail }, 'NONE', null);
        }
        return act(deps, fields, plannedAction);
      });
    }),
  );
}

async function act(
  deps: AuditDeps,
  fields: FindingFields,
  plannedAction: PlannedAction,
): Promise<Finding> {
  const certificateId = fields.certificateId as string;
  try {
    if (plannedAction === 'DELETE') {
      await deleteSigningCertificate(deps.iam, fields.userName, certificateId);
      return finding(fields, 'DELETED', null);
    }
    await deactivateSigningCertificate(deps.iam, fields.userName, certificateId);
    return finding(fields, 'DEACTIVATED', null);
  } catch (error: unknown) {
    if (isNoSuchEntity(error)) return finding(fields, 'GONE', null);
    // The certificate's real state is not guessed: the finding says the call failed and why.
    const detail = describeError(error);
    deps.logger.warn('Remediation failed', {
      userName: fields.userName,
      certificateId,
      plannedAction,
      error: detail,
    });
    return finding(fields, 'FAILED', detail);
  }
}
