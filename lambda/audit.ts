import type { IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import type { Policy } from './config';
import { AuditIncompleteError, describeError, isNoSuchEntity } from './errors';
import {
  deactivateSigningCertificate,
  deleteSigningCertificate,
  type IamUser,
  listSigningCertificates,
  listUsers,
  type SigningCertificate,
} from './iam';
import { evaluateCertificate, type PlannedAction } from './policy';
import {
  type Action,
  buildReport,
  type Finding,
  type Report,
  severityOf,
  type Verdict,
} from './report';

/** The logging the audit needs; Powertools Logger fits, and so does a CLI's own. */
export interface AuditLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** How far a run has got, for a progress bar. `usersListed` grows until `listingDone`. */
export interface AuditProgress {
  readonly usersListed: number;
  readonly usersScanned: number;
  readonly listingDone: boolean;
}

/** Everything the audit talks to, built once by the caller and passed in. */
export interface AuditDeps {
  readonly iam: IAMClient;
  readonly logger: AuditLogger;
  /** The moment the policy is evaluated at. */
  readonly now: Date;
  readonly runId: string;
  readonly accountId: string;
  readonly onProgress?: (progress: AuditProgress) => void;
}

/** Per-run options that are not policy. */
export interface AuditOptions {
  /** Force report mode for this run, whatever the configured mode. */
  readonly dryRun?: boolean;
}

type UserScan =
  | { readonly user: IamUser; readonly certificates: SigningCertificate[] }
  | { readonly user: IamUser; readonly error: unknown };

/** A finding whose action is still to be decided by the blast-radius guard and the API call. */
interface PendingFinding {
  readonly finding: Omit<Finding, 'action' | 'severity' | 'error'>;
  readonly plannedAction: PlannedAction | undefined;
}

/**
 * Audits every user's signing certificates: users → certificates → verdicts → actions → report.
 * One user's failure becomes a finding and the run goes on. If users cannot be listed, it throws
 * an {@link AuditIncompleteError} carrying the report of what was seen and done.
 */
export async function runAudit(
  deps: AuditDeps,
  policy: Policy,
  options: AuditOptions = {},
): Promise<Report> {
  const dryRun = options.dryRun ?? false;
  const effective: Policy = dryRun ? { ...policy, mode: 'report' } : policy;
  const limit = pLimit(effective.concurrency);

  const { scans, listingError } = await scanAllUsers(deps, effective, limit);

  const pending: PendingFinding[] = [];
  const settled: Finding[] = [];
  let certificatesScanned = 0;
  for (const scan of scans) {
    if ('error' in scan) {
      settled.push(userFailureFinding(deps, scan.user, scan.error));
      continue;
    }
    certificatesScanned += scan.certificates.length;
    for (const cert of scan.certificates) {
      const judged = judgeCertificate(scan.user, cert, deps.now, effective);
      if (judged !== undefined && 'plannedAction' in judged) pending.push(judged);
      else if (judged !== undefined) settled.push(judged);
    }
  }

  const acted = await carryOutActions(deps, effective, pending, limit);
  const report = buildReport({
    runId: deps.runId,
    accountId: deps.accountId,
    now: deps.now,
    policy,
    dryRun,
    complete: listingError === undefined,
    usersScanned: scans.length,
    certificatesScanned,
    findings: [...settled, ...acted],
  });
  if (listingError !== undefined) {
    const { code, message } = describeError(listingError);
    throw new AuditIncompleteError(
      `ListUsers failed after ${scans.length} users (${code}: ${message}); the report covers only those users`,
      report,
      { cause: listingError },
    );
  }
  return report;
}

async function scanAllUsers(
  deps: AuditDeps,
  policy: Policy,
  limit: ReturnType<typeof pLimit>,
): Promise<{ scans: UserScan[]; listingError: unknown }> {
  const pendingScans: Promise<UserScan>[] = [];
  let usersScanned = 0;
  let listingDone = false;
  const report = () =>
    deps.onProgress?.({ usersListed: pendingScans.length, usersScanned, listingDone });
  let listingError: unknown;
  try {
    for await (const user of listUsers(deps.iam, policy.userPathPrefix)) {
      pendingScans.push(
        limit(async (): Promise<UserScan> => {
          try {
            return { user, certificates: await listSigningCertificates(deps.iam, user.userName) };
          } catch (error: unknown) {
            return { user, error };
          } finally {
            usersScanned += 1;
            report();
          }
        }),
      );
    }
  } catch (error: unknown) {
    // Users already listed are still scanned, so their findings are kept in the partial report.
    listingError = error;
    deps.logger.error('ListUsers failed; the run is incomplete', { error: describeError(error) });
  }
  listingDone = true;
  report();
  return { scans: await Promise.all(pendingScans), listingError };
}

function judgeCertificate(
  user: IamUser,
  cert: SigningCertificate,
  now: Date,
  policy: Policy,
): PendingFinding | Finding | undefined {
  const base = {
    userName: user.userName,
    userArn: user.userArn,
    certificateId: cert.certificateId,
    status: cert.status,
  };
  if (cert.uploadDate === undefined) {
    return finding({ ...base, uploadDate: null, ageDays: null, verdict: 'ERROR' }, 'NONE', {
      code: 'MissingUploadDate',
      message: 'IAM returned the certificate without an UploadDate',
    });
  }
  const evaluation = evaluateCertificate(
    { status: cert.status, uploadDate: cert.uploadDate },
    now,
    policy,
  );
  const judged = {
    ...base,
    uploadDate: cert.uploadDate.toISOString(),
    ageDays: evaluation.ageDays,
    verdict: evaluation.verdict,
  };
  switch (evaluation.verdict) {
    case 'COMPLIANT':
      return undefined;
    case 'EXPIRING_SOON':
      return finding({ ...judged, verdict: 'EXPIRING_SOON' }, 'NONE', null);
    case 'NON_COMPLIANT':
      return {
        finding: { ...judged, verdict: 'NON_COMPLIANT' },
        plannedAction: evaluation.plannedAction,
      };
  }
}

async function carryOutActions(
  deps: AuditDeps,
  policy: Policy,
  pending: readonly PendingFinding[],
  limit: ReturnType<typeof pLimit>,
): Promise<Finding[]> {
  const planned = pending.filter((p) => p.plannedAction !== undefined).length;
  // Blast-radius guard: a run that wants more changes than allowed makes none of them.
  const withhold = planned > policy.maxActionsPerRun;
  if (withhold) {
    deps.logger.warn('Blast-radius guard: planned changes exceed the limit; none were made', {
      planned,
      maxActionsPerRun: policy.maxActionsPerRun,
    });
  }
  return Promise.all(
    pending.map(({ finding: base, plannedAction }) => {
      if (plannedAction === undefined) return finding(base, 'NONE', null);
      if (withhold) return finding(base, 'WITHHELD', null);
      return limit(() => act(deps, base, plannedAction));
    }),
  );
}

async function act(
  deps: AuditDeps,
  base: PendingFinding['finding'],
  plannedAction: PlannedAction,
): Promise<Finding> {
  const certificateId = base.certificateId as string;
  try {
    if (plannedAction === 'DELETE') {
      await deleteSigningCertificate(deps.iam, base.userName, certificateId);
      return finding(base, 'DELETED', null);
    }
    await deactivateSigningCertificate(deps.iam, base.userName, certificateId);
    return finding(base, 'DEACTIVATED', null);
  } catch (error: unknown) {
    if (isNoSuchEntity(error)) return finding(base, 'GONE', null);
    // The certificate's real state is not guessed: the finding says the call failed and why.
    const detail = describeError(error);
    deps.logger.warn('Remediation failed', {
      userName: base.userName,
      certificateId,
      plannedAction,
      error: detail,
    });
    return finding(base, 'FAILED', detail);
  }
}

function userFailureFinding(deps: AuditDeps, user: IamUser, error: unknown): Finding {
  const base = {
    userName: user.userName,
    userArn: user.userArn,
    certificateId: null,
    status: null,
    uploadDate: null,
    ageDays: null,
  };
  if (isNoSuchEntity(error)) {
    return finding({ ...base, verdict: 'NOT_EVALUATED' }, 'GONE', null);
  }
  const detail = describeError(error);
  deps.logger.warn('Could not list the signing certificates of a user', {
    userName: user.userName,
    error: detail,
  });
  return finding({ ...base, verdict: 'ERROR' }, 'NONE', detail);
}

function finding(
  base: Omit<Finding, 'action' | 'severity' | 'error'> & { readonly verdict: Verdict },
  action: Action,
  error: Finding['error'],
): Finding {
  return { ...base, action, severity: severityOf(base.verdict, base.status, action), error };
}
