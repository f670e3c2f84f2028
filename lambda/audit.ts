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
  listUserTags,
  rootHasSigningCertificate,
  type SigningCertificate,
} from './iam';
import {
  type AgePolicy,
  checkCertificateContent,
  type Evaluation,
  evaluateCertificate,
  type PlannedAction,
  resolveUserRules,
  type UserRules,
} from './policy';
import {
  type Action,
  buildReport,
  type CertificateIdentity,
  type Finding,
  type Report,
  severityOf,
  type TagOverride,
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
  /**
   * Aborted to stop the run early (Ctrl-C, a deadline): no new listing or change starts, the
   * calls in flight finish, and the report says what was really done, with `complete: false`.
   */
  readonly stop?: AbortSignal;
}

/** Per-run options that are not policy. */
export interface AuditOptions {
  /**
   * Plan without changing anything: the configured mode decides each certificate's
   * `plannedAction` (and the blast-radius guard still applies), but no write call is made.
   */
  readonly dryRun?: boolean;
}

type UserScan =
  | { readonly user: IamUser; readonly certificates: SigningCertificate[] }
  | { readonly user: IamUser; readonly error: unknown }
  | { readonly user: IamUser; readonly skipped: true };

/** A finding without the parts decided last: what was done, its severity and any error. */
type FindingBase = Omit<Finding, 'action' | 'severity' | 'error' | 'plannedAction' | 'override'> & {
  readonly override?: TagOverride | null;
};

/** A finding whose action is still to be decided by the blast-radius guard and the API call. */
interface PendingFinding {
  readonly finding: FindingBase;
  readonly plannedAction: PlannedAction | undefined;
  /** Why the planned action must not be taken this run (exemption unknown, user gone). */
  readonly hold?: { readonly action: Action; readonly detail: string };
}

/** A user's tags as read, or why they could not be. */
type TagRead =
  | { readonly tags: ReadonlyMap<string, string> }
  | { readonly gone: true }
  | { readonly error: unknown };

/**
 * Audits every user's signing certificates: users → certificates → verdicts → tags for the users
 * that have something to report → actions → report. One user's failure becomes a finding and the
 * run goes on. If users cannot be listed, it throws an {@link AuditIncompleteError} carrying the
 * report of what was seen and done.
 */
export async function runAudit(
  deps: AuditDeps,
  policy: Policy,
  options: AuditOptions = {},
): Promise<Report> {
  const dryRun = options.dryRun ?? false;
  const effective = policy;
  const limit = pLimit(effective.concurrency);

  const [{ scans, listingError }, rootFindings] = await Promise.all([
    scanAllUsers(deps, effective, limit),
    checkRootUser(deps),
  ]);

  const pending: PendingFinding[] = [];
  const settled: Finding[] = [...rootFindings];
  let certificatesScanned = 0;
  let usersScanned = 0;
  const judged: { user: IamUser; certificates: SigningCertificate[] }[] = [];
  for (const scan of scans) {
    if ('skipped' in scan) continue;
    usersScanned += 1;
    if ('error' in scan) settled.push(userFailureFinding(deps, scan.user, scan.error));
    else {
      certificatesScanned += scan.certificates.length;
      judged.push(scan);
    }
  }
  // Tags are read only for users with something to report under the account policy.
  const tagReads = await readTagsWhereNeeded(deps, effective, judged, limit);
  for (const { user, certificates } of judged) {
    const outcome = judgeUser(deps, effective, user, certificates, tagReads.get(user.userName));
    settled.push(...outcome.settled);
    pending.push(...outcome.pending);
  }

  const acted = await carryOutActions(deps, effective, pending, limit, dryRun);
  const incompleteReason =
    listingError !== undefined
      ? `ListUsers failed: ${describeError(listingError).code}`
      : deps.stop?.aborted
        ? `stopped early (${stopReason(deps.stop)}): users not yet scanned and changes not yet started were left alone`
        : null;
  const report = buildReport({
    runId: deps.runId,
    accountId: deps.accountId,
    now: deps.now,
    policy,
    dryRun,
    complete: incompleteReason === null,
    incompleteReason,
    usersScanned,
    certificatesScanned,
    findings: [...settled, ...acted],
  });
  if (listingError !== undefined) {
    const { code, message } = describeError(listingError);
    throw new AuditIncompleteError(
      `ListUsers failed after ${usersScanned} users (${code}: ${message}); the report covers only those users`,
      report,
      { cause: listingError },
    );
  }
  return report;
}

function stopReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string') return reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'interrupted';
}

/** The root user's certificates, from GetAccountSummary: a CRITICAL finding when present. */
async function checkRootUser(deps: AuditDeps): Promise<Finding[]> {
  const base = userLevel({
    userName: ROOT_USER_NAME,
    userArn: `arn:aws:iam::${deps.accountId}:root`,
  });
  try {
    if (!(await rootHasSigningCertificate(deps.iam))) return [];
    return [
      finding(
        { ...base, verdict: 'ROOT_SIGNING_CERTIFICATE', detail: ROOT_REMEDIATION },
        'NONE',
        null,
      ),
    ];
  } catch (error: unknown) {
    const detail = describeError(error);
    deps.logger.warn('Could not check the root user for signing certificates', { error: detail });
    return [
      finding(
        {
          ...base,
          verdict: 'ERROR',
          detail: "GetAccountSummary failed: the root user's signing certificates were not checked",
        },
        'NONE',
        detail,
      ),
    ];
  }
}

/** The name root findings carry: never a real user's (IAM user names cannot contain < or >). */
export const ROOT_USER_NAME = '<root>';

/** What a human must do about a root signing certificate: a role cannot see or remove it. */
export const ROOT_REMEDIATION =
  'The root user holds an X.509 signing certificate. No role can list or remove it: sign in as the root user, open Security credentials, and delete the certificate under X.509 certificates (root should hold none).';

async function readTagsWhereNeeded(
  deps: AuditDeps,
  policy: Policy,
  scans: readonly { user: IamUser; certificates: SigningCertificate[] }[],
  limit: ReturnType<typeof pLimit>,
): Promise<Map<string, TagRead>> {
  const needed = scans.filter(({ certificates }) =>
    certificates.some((cert) => hasSomethingToReport(cert, deps.now, policy)),
  );
  const reads = await Promise.all(
    needed.map(({ user }) =>
      limit(async (): Promise<[string, TagRead]> => {
        try {
          return [user.userName, { tags: await listUserTags(deps.iam, user.userName) }];
        } catch (error: unknown) {
          if (isNoSuchEntity(error)) return [user.userName, { gone: true }];
          return [user.userName, { error }];
        }
      }),
    ),
  );
  return new Map(reads);
}

function hasSomethingToReport(cert: SigningCertificate, now: Date, policy: Policy): boolean {
  if (cert.uploadDate === undefined || !cert.content.parsed) return true;
  const { verdict } = evaluateCertificate(
    { status: cert.status, uploadDate: cert.uploadDate },
    now,
    policy,
  );
  return (
    verdict !== 'COMPLIANT' ||
    checkCertificateContent(cert.content.facts, now, policy.warnBeforeDays).length > 0
  );
}

function judgeUser(
  deps: AuditDeps,
  policy: Policy,
  user: IamUser,
  certificates: readonly SigningCertificate[],
  tagRead: TagRead | undefined,
): { settled: Finding[]; pending: PendingFinding[] } {
  const settled: Finding[] = [];
  const pending: PendingFinding[] = [];
  let rules: UserRules = {
    policy,
    override: undefined,
    exemptReason: undefined,
    holdReason: undefined,
    problems: [],
  };
  let hold: PendingFinding['hold'];
  const userBase = userLevel(user);
  if (tagRead !== undefined && 'tags' in tagRead) {
    rules = resolveUserRules(tagRead.tags, policy, policy.exemptTagKey, policy.maxOverrideDays);
    if (rules.holdReason !== undefined) hold = { action: 'NONE', detail: rules.holdReason };
    for (const problem of rules.problems) {
      settled.push(finding({ ...userBase, verdict: 'ERROR', detail: problem }, 'NONE', null));
    }
  } else if (tagRead !== undefined && 'gone' in tagRead) {
    hold = { action: 'GONE', detail: 'the user was deleted during the run' };
  } else if (tagRead !== undefined) {
    const detail = describeError(tagRead.error);
    deps.logger.warn('Could not read the tags of a user', {
      userName: user.userName,
      error: detail,
    });
    hold = {
      action: 'NONE',
      detail: 'not changed: its tags (exemption, maximum age) could not be read',
    };
    settled.push(
      finding(
        { ...userBase, verdict: 'ERROR', detail: 'ListUserTags failed; the user was not changed' },
        'NONE',
        detail,
      ),
    );
  }
  for (const cert of certificates) {
    const outcome = judgeCertificate(user, cert, deps.now, policy, rules, hold);
    settled.push(...outcome.settled);
    if (outcome.pending) pending.push(outcome.pending);
  }
  return { settled, pending };
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
      // The page in flight is finished, but no further page is asked for.
      if (deps.stop?.aborted) break;
      pendingScans.push(
        limit(async (): Promise<UserScan> => {
          if (deps.stop?.aborted) return { user, skipped: true };
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
  accountPolicy: AgePolicy,
  rules: UserRules,
  hold: PendingFinding['hold'],
): { settled: Finding[]; pending?: PendingFinding } {
  const identity = identityOf(cert);
  const base = {
    userName: user.userName,
    userArn: user.userArn,
    certificateId: cert.certificateId,
    status: cert.status,
    uploadDate: cert.uploadDate?.toISOString() ?? null,
    certificate: identity,
  };
  const settled = contentFindings(base, cert, now, rules.policy);
  if (cert.uploadDate === undefined) {
    const error = {
      code: 'MissingUploadDate',
      message: 'IAM returned the certificate without an UploadDate',
    };
    settled.push(
      finding({ ...base, ageDays: null, verdict: 'ERROR', detail: null }, 'NONE', error),
    );
    return { settled };
  }
  const age = { status: cert.status, uploadDate: cert.uploadDate };
  const evaluation = evaluateCertificate(age, now, rules.policy);
  const override = tagOverrideOf(rules, evaluation, evaluateCertificate(age, now, accountPolicy));
  const overrideNote = override
    ? `tag ${override.tag} applies; under the account policy (${accountPolicy.maxAgeDays} days) this certificate is ${override.accountVerdict}${override.accountPlannedAction ? ` (${override.accountPlannedAction})` : ''}`
    : null;
  const judged = { ...base, ageDays: evaluation.ageDays, override, detail: overrideNote };
  if (evaluation.verdict === 'COMPLIANT') {
    // A tag that makes a stale certificate compliant is never silent: it is listed and counted.
    if (override) settled.push(finding({ ...judged, verdict: 'OVERRIDDEN' }, 'NONE', null));
    return { settled };
  }
  if (rules.exemptReason !== undefined) {
    settled.push(
      finding(
        { ...judged, verdict: 'EXEMPT', detail: joinDetails(rules.exemptReason, overrideNote) },
        'NONE',
        null,
      ),
    );
    return { settled };
  }
  if (evaluation.verdict === 'EXPIRING_SOON') {
    settled.push(finding({ ...judged, verdict: 'EXPIRING_SOON' }, 'NONE', null));
    return { settled };
  }
  const twoSteps =
    rules.policy.mode === 'delete' && evaluation.plannedAction === 'DEACTIVATE'
      ? `delete mode deactivates first: a later run deletes it once it is Inactive and more than ${rules.policy.deleteAfterDays} days old`
      : null;
  return {
    settled,
    pending: {
      finding: {
        ...judged,
        verdict: 'NON_COMPLIANT',
        detail: joinDetails(overrideNote, twoSteps),
      },
      plannedAction: evaluation.plannedAction,
      hold,
    },
  };
}

/** What a user's maximum-age tag changed about a certificate (verdict or action), if anything. */
function tagOverrideOf(
  rules: UserRules,
  evaluation: Evaluation,
  accountEvaluation: Evaluation,
): TagOverride | null {
  if (rules.override === undefined) return null;
  const planned = (e: Evaluation) => (e.verdict === 'NON_COMPLIANT' ? e.plannedAction : undefined);
  if (
    evaluation.verdict === accountEvaluation.verdict &&
    planned(evaluation) === planned(accountEvaluation)
  ) {
    return null;
  }
  return {
    tag: rules.override.tag,
    accountVerdict: accountEvaluation.verdict,
    accountPlannedAction: planned(accountEvaluation) ?? null,
  };
}

function joinDetails(...details: readonly (string | null | undefined)[]): string | null {
  const present = details.filter((detail): detail is string => Boolean(detail));
  return present.length === 0 ? null : present.join('; ');
}

/** Report-only findings on what is inside the certificate. */
function contentFindings(
  base: Omit<FindingBase, 'ageDays' | 'verdict' | 'detail'>,
  cert: SigningCertificate,
  now: Date,
  policy: AgePolicy,
): Finding[] {
  const ageDays = null;
  if (!cert.content.parsed) {
    return [
      finding(
        { ...base, ageDays, verdict: 'UNPARSEABLE', detail: cert.content.reason },
        'NONE',
        null,
      ),
    ];
  }
  return checkCertificateContent(cert.content.facts, now, policy.warnBeforeDays).map((issue) =>
    finding({ ...base, ageDays, verdict: issue.verdict, detail: issue.detail }, 'NONE', null),
  );
}

function identityOf(cert: SigningCertificate): CertificateIdentity | null {
  if (!cert.content.parsed) return null;
  const { fingerprint256, subject, notAfter } = cert.content.facts;
  return { fingerprint256, subject, notAfter: notAfter.toISOString() };
}

async function carryOutActions(
  deps: AuditDeps,
  policy: Policy,
  pending: readonly PendingFinding[],
  limit: ReturnType<typeof pLimit>,
  dryRun: boolean,
): Promise<Finding[]> {
  const planned = pending.filter((p) => p.plannedAction !== undefined && !p.hold).length;
  // Blast-radius guard: a run that wants more changes than allowed makes none of them.
  const withhold = planned > policy.maxActionsPerRun;
  if (withhold) {
    deps.logger.warn('Blast-radius guard: planned changes exceed the limit; none were made', {
      planned,
      maxActionsPerRun: policy.maxActionsPerRun,
    });
  }
  return Promise.all(
    pending.map(({ finding: pendingBase, plannedAction, hold }) => {
      if (hold) {
        const detail = joinDetails(pendingBase.detail, hold.detail);
        return finding({ ...pendingBase, detail }, hold.action, null);
      }
      if (plannedAction === undefined) return finding(pendingBase, 'NONE', null);
      const base = { ...pendingBase, plannedAction };
      if (withhold) return finding(base, 'WITHHELD', null);
      if (dryRun) return finding(base, 'NONE', null);
      return limit(() => {
        // A change not yet started when the run is stopped is not made, and says so.
        if (deps.stop?.aborted) {
          const detail = joinDetails(base.detail, 'not attempted: the run was stopped first');
          return finding({ ...base, detail }, 'NONE', null);
        }
        return act(deps, base, plannedAction);
      });
    }),
  );
}

async function act(
  deps: AuditDeps,
  base: FindingBase & { readonly plannedAction: PlannedAction },
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

/** The fields of a finding about a user as a whole, not one of its certificates. */
function userLevel(user: IamUser) {
  return {
    userName: user.userName,
    userArn: user.userArn,
    certificateId: null,
    status: null,
    uploadDate: null,
    ageDays: null,
    certificate: null,
  };
}

function userFailureFinding(deps: AuditDeps, user: IamUser, error: unknown): Finding {
  const base = { ...userLevel(user), detail: null };
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
  base: Omit<FindingBase, 'plannedAction'> & {
    readonly verdict: Verdict;
    readonly plannedAction?: PlannedAction;
  },
  action: Action,
  error: Finding['error'],
): Finding {
  return {
    ...base,
    plannedAction: base.plannedAction ?? null,
    override: base.override ?? null,
    action,
    severity: severityOf(base.verdict, base.status, action),
    error,
  };
}
