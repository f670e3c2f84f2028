import pLimit from 'p-limit';
import { describeError } from '../core/errors';
import { ExemptionMatcher } from '../core/exemptions';
import { buildReport, type Report } from '../core/report';
import { ACCOUNT_SCOPE, coversRoot } from '../core/scope';
import type { Policy } from '../core/settings';
import { scanAccount } from './account-checks';
import { carryOutActions } from './act';
import { scanNamedUsers, scannedUsers, scanUsers, type UnreadKind } from './scan';
import { settleScans } from './settle';
import type { AuditDeps, AuditOptions } from './types';

export { ROOT_USER_NAME } from '../core/report';
export type {
  AuditDeps,
  AuditLogger,
  AuditOptions,
  AuditProgress,
  ScannedUser,
} from './types';

/**
 * Audits the signing certificates of the users in the run's scope (every user, by default), by
 * phase: scan (users → certificates, and the
 * account's own facts), settle (checks → tags for the users that have something to report →
 * findings), act (the planned changes, behind the blast-radius guard) → report. Each certificate
 * goes through the checks once; only the checks that a user's tags can change are run again, for
 * users whose tags do. One user's failure becomes a finding and the run goes on. A run that could
 * not see the whole account (listing failed, stopped early) returns its report with
 * `complete: false` and why. A users-scoped run reads only the named users, and not the
 * account's own facts (root): it never speaks for the account.
 */
export async function runAudit(
  deps: AuditDeps,
  policy: Policy,
  options: AuditOptions = {},
): Promise<Report> {
  const dryRun = options.dryRun ?? false;
  // One limit for every phase: IAM sees at most `concurrency` calls of this run at once.
  const limit = pLimit(policy.concurrency);

  const strategy = options.scanStrategy ?? policy.scanStrategy;
  const scope = options.scope ?? ACCOUNT_SCOPE;
  const [{ scans, listingError, unreadKinds, scan }, accountFindings] = await Promise.all([
    scope.kind === 'users'
      ? scanNamedUsers(deps, policy, scope.userNames, limit)
      : scanUsers(deps, policy, strategy, limit),
    coversRoot(scope) ? scanAccount(deps) : [],
  ]);
  deps.onUsersScanned?.(scannedUsers(scans, unreadKinds));
  const exemptions = deps.exemptions
    ? new ExemptionMatcher(deps.exemptions, deps.accountId, deps.now)
    : undefined;
  const { usersScanned, certificatesScanned, settled, pending } = await settleScans(
    deps,
    policy,
    scans,
    limit,
    exemptions,
  );
  const acted = await carryOutActions(deps, policy, pending, limit, dryRun);
  const reason = incompleteReason(deps, listingError, usersScanned, unreadKinds);
  const findings = [...accountFindings, ...settled, ...acted];
  return buildReport({
    runId: deps.runId,
    accountId: deps.accountId,
    now: deps.now,
    policy,
    dryRun,
    incompleteReason: reason,
    scan,
    scope,
    usersScanned,
    certificatesScanned,
    findings,
    // An entry is stale only when the run read every credential it could name: a complete full
    // scan of the whole account (every path) in which no user's listing failed.
    ...(exemptions
      ? {
          exemptions: exemptions.summary(
            reason === null &&
              scope.kind === 'account' &&
              scan.strategy === 'full' &&
              policy.userPathPrefix === '/' &&
              !findings.some(
                (f) => f.verdict === 'ERROR' && f.error !== null && f.credentialId === null,
              ),
            findings.filter((f) => f.exemption).length,
          ),
        }
      : {}),
  });
}

/**
 * Why the run did not see the whole account, or null when it did: ListUsers failed, or it was
 * stopped, and each account-wide kind whose listing failed (none of its credentials is reported).
 */
function incompleteReason(
  deps: AuditDeps,
  listingError: unknown,
  usersScanned: number,
  unreadKinds: readonly UnreadKind[],
): string | null {
  const reasons: string[] = [];
  if (listingError !== undefined) {
    const { code, message } = describeError(listingError);
    reasons.push(
      `ListUsers failed after ${usersScanned} users (${code}: ${message}); the report covers only those users`,
    );
  } else if (deps.stop?.aborted) {
    reasons.push(
      `stopped early (${stopReason(deps.stop)}): users not yet scanned and changes not yet started were left alone`,
    );
  }
  for (const { label, action, error } of unreadKinds) {
    if (error === undefined) continue;
    const { code, message } = describeError(error);
    reasons.push(
      `${action} failed (${code}: ${message}): no ${label} was read, so the report holds none`,
    );
  }
  return reasons.length === 0 ? null : reasons.join('; ');
}

function stopReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string') return reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'interrupted';
}
