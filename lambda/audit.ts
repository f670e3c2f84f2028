import type { IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import {
  CredentialReportUnavailableError,
  type CredentialReportWait,
  fetchCredentialReport,
} from './aws/credential-report';
import {
  deactivateSigningCertificate,
  deleteSigningCertificate,
  type IamUser,
  isNoSuchEntity,
  listSigningCertificates,
  listUsers,
  listUserTags,
  rootHasSigningCertificate,
  type SigningCertificate,
} from './aws/iam';
import { joinDetails } from './core/checks/age';
import {
  ACCOUNT_RULES,
  type AccountFacts,
  type Outcome,
  type PlannedAction,
  type UserRules,
} from './core/checks/check';
import { ACCOUNT_CHECKS, CERTIFICATE_CHECKS, VERDICTS, type Verdict } from './core/checks/index';
import { describeError, type ErrorDetail } from './core/errors';
import {
  type Action,
  buildReport,
  type CertificateIdentity,
  type Finding,
  type Report,
  ROOT_USER_NAME,
  type ScanInfo,
  severityOf,
} from './core/report';
import { resolveUserRules } from './core/rules';
import type { Policy, ScanStrategy } from './core/settings';

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
  /** How long to wait for the credential report, and how often to ask; the defaults suit Lambda. */
  readonly credentialReportWait?: Pick<CredentialReportWait, 'maxWaitMs' | 'pollMs'>;
}

/** Per-run options that are not policy. */
export interface AuditOptions {
  /**
   * Plan without changing anything: the configured mode decides each certificate's
   * `plannedAction` (and the blast-radius guard still applies), but no write call is made.
   */
  readonly dryRun?: boolean;
  /** Overrides the policy's scan strategy for this run (the full-scan schedule's event). */
  readonly scanStrategy?: ScanStrategy;
}

type UserScan =
  | { readonly user: IamUser; readonly certificates: SigningCertificate[] }
  | { readonly user: IamUser; readonly error: unknown }
  | { readonly user: IamUser; readonly skipped: true };

/** A user's certificates with what the certificate checks said of each. */
interface JudgedUser {
  readonly user: IamUser;
  readonly certificates: readonly JudgedCertificate[];
}

interface JudgedCertificate {
  readonly certificate: SigningCertificate;
  readonly outcomes: readonly Outcome<Verdict>[];
}

/** A finding whose action is still to be decided by the blast-radius guard and the API call. */
interface PendingFinding {
  readonly finding: FindingFields;
  /** Undefined for a held finding that asked for no change (report mode): the hold still says why. */
  readonly plannedAction: PlannedAction | undefined;
  /** Why the planned action must not be taken this run (tags unusable or unreadable, user gone). */
  readonly hold?: { readonly action: Action; readonly detail: string };
}

/** A finding without the parts decided last: what was done, its severity and any error. */
type FindingFields = Omit<Finding, 'action' | 'severity' | 'error'>;

/** A user's tags as read, or why they could not be. */
type TagRead =
  | { readonly tags: ReadonlyMap<string, string> }
  | { readonly gone: true }
  | { readonly error: unknown };

export { ROOT_USER_NAME } from './core/report';

/**
 * Audits every user's signing certificates: users → certificates → checks → tags for the users
 * that have something to report → actions → report. Each certificate goes through the checks
 * once; only the checks that a user's tags can change are run again, for users whose tags do.
 * One user's failure becomes a finding and the run goes on. A run that could not see the whole
 * account (listing failed, stopped early) returns its report with `complete: false` and why.
 */
export async function runAudit(
  deps: AuditDeps,
  policy: Policy,
  options: AuditOptions = {},
): Promise<Report> {
  const dryRun = options.dryRun ?? false;
  const limit = pLimit(policy.concurrency);

  const strategy = options.scanStrategy ?? policy.scanStrategy;
  const [{ scans, listingError, scan }, accountFindings] = await Promise.all([
    scanUsers(deps, policy, strategy, limit),
    checkAccount(deps),
  ]);

  const settled: Finding[] = [...accountFindings];
  const judged: JudgedUser[] = [];
  let usersScanned = 0;
  let certificatesScanned = 0;
  for (const scan of scans) {
    if ('skipped' in scan) continue;
    usersScanned += 1;
    if ('error' in scan) {
      settled.push(userFailureFinding(deps, scan.user, scan.error));
      continue;
    }
    certificatesScanned += scan.certificates.length;
    judged.push({
      user: scan.user,
      certificates: scan.certificates.map((certificate) => ({
        certificate,
        outcomes: evaluateCertificate(certificate, deps.now, policy, ACCOUNT_RULES),
      })),
    });
  }

  // Tags are read only for users with something to report under the account policy.
  const needTags = judged.filter(({ certificates }) =>
    certificates.some(
      ({ certificate, outcomes }) => outcomes.length > 0 || certificate.uploadDate === undefined,
    ),
  );
  const tagReads = await readTags(deps, needTags, limit);
  const pending: PendingFinding[] = [];
  for (const user of judged) {
    const outcome = settleUser(deps, policy, user, tagReads.get(user.user.userName));
    settled.push(...outcome.settled);
    pending.push(...outcome.pending);
  }

  const acted = await carryOutActions(deps, policy, pending, limit, dryRun);
  const incompleteReason =
    listingError !== undefined
      ? `ListUsers failed after ${usersScanned} users (${describeError(listingError).code}: ${describeError(listingError).message}); the report covers only those users`
      : deps.stop?.aborted
        ? `stopped early (${stopReason(deps.stop)}): users not yet scanned and changes not yet started were left alone`
        : null;
  return buildReport({
    runId: deps.runId,
    accountId: deps.accountId,
    now: deps.now,
    policy,
    dryRun,
    incompleteReason,
    scan,
    usersScanned,
    certificatesScanned,
    findings: [...settled, ...acted],
  });
}

/** Runs every certificate check whose outcome `rules` can change (all of them for the account's rules). */
function evaluateCertificate(
  certificate: SigningCertificate,
  now: Date,
  policy: Policy,
  rules: UserRules,
  only?: (check: (typeof CERTIFICATE_CHECKS)[number]) => boolean,
): Outcome<Verdict>[] {
  return CERTIFICATE_CHECKS.filter((check) => only?.(check) ?? true).flatMap((check) =>
    check.evaluate(certificate, { now, policy, rules }),
  );
}

function stopReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string') return reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'interrupted';
}

/** The account checks, over facts gathered once (GetAccountSummary). */
async function checkAccount(deps: AuditDeps): Promise<Finding[]> {
  const base = {
    ...userLevel({ userName: ROOT_USER_NAME, userArn: `arn:aws:iam::${deps.accountId}:root` }),
  };
  let facts: AccountFacts;
  try {
    facts = { rootSigningCertificatePresent: await rootHasSigningCertificate(deps.iam) };
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
  return ACCOUNT_CHECKS.flatMap((check) => check.evaluate(facts)).map((outcome) =>
    finding({ ...base, verdict: outcome.verdict, detail: outcome.detail }, 'NONE', null),
  );
}

async function readTags(
  deps: AuditDeps,
  users: readonly JudgedUser[],
  limit: ReturnType<typeof pLimit>,
): Promise<Map<string, TagRead>> {
  const reads = await Promise.all(
    users.map(({ user }) =>
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

/** Turns one user's outcomes into findings, applying its tags: settled ones, and changes to make. */
function settleUser(
  deps: AuditDeps,
  policy: Policy,
  { user, certificates }: JudgedUser,
  tagRead: TagRead | undefined,
): { settled: Finding[]; pending: PendingFinding[] } {
  const settled: Finding[] = [];
  const pending: PendingFinding[] = [];
  let rules = ACCOUNT_RULES;
  let hold: PendingFinding['hold'];
  const userBase = userLevel(user);
  if (tagRead !== undefined && 'tags' in tagRead) {
    const decision = resolveUserRules(tagRead.tags, policy);
    rules = decision.rules;
    if (decision.holdReason !== undefined) hold = { action: 'NONE', detail: decision.holdReason };
    for (const problem of decision.problems) {
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
  for (const { certificate, outcomes } of certificates) {
    const base = {
      userName: user.userName,
      userArn: user.userArn,
      certificateId: certificate.certificateId,
      status: certificate.status,
      uploadDate: certificate.uploadDate?.toISOString() ?? null,
      certificate: identityOf(certificate),
    };
    if (certificate.uploadDate === undefined) {
      const error = {
        code: 'MissingUploadDate',
        message: 'IAM returned the certificate without an UploadDate',
      };
      settled.push(
        finding({ ...base, ageDays: null, verdict: 'ERROR', detail: null }, 'NONE', error),
      );
    }
    // Only the checks the user's tags can change are run again, and only when they say something.
    const final =
      rules === ACCOUNT_RULES
        ? outcomes
        : [
            ...outcomes.filter((o) => !ruleBound(o.verdict)),
            ...evaluateCertificate(certificate, deps.now, policy, rules, (c) => c.usesUserRules),
          ];
    for (const outcome of final) {
      const fields: FindingFields = {
        ...base,
        ageDays: outcome.ageDays,
        verdict: outcome.verdict,
        plannedAction: outcome.plannedAction ?? null,
        detail: outcome.detail,
        override: outcome.override ?? null,
      };
      // A held user's failing age verdicts carry the hold's action and reason, change or not.
      if (
        outcome.plannedAction ||
        (hold && ruleBound(outcome.verdict) && VERDICTS[outcome.verdict].failing)
      ) {
        pending.push({ finding: fields, plannedAction: outcome.plannedAction, hold });
      } else settled.push(finding(fields, 'NONE', null));
    }
  }
  return { settled, pending };
}

const RULE_BOUND_VERDICTS: ReadonlySet<string> = new Set(
  CERTIFICATE_CHECKS.filter((check) => check.usesUserRules).flatMap((check) =>
    Object.keys(check.verdicts),
  ),
);

function ruleBound(verdict: Verdict): boolean {
  return RULE_BOUND_VERDICTS.has(verdict);
}

interface ScanOutcome {
  readonly scans: UserScan[];
  readonly listingError: unknown;
  readonly scan: ScanInfo;
}

/**
 * Finds the users and lists their certificates. `credential-report`: only users whose report row
 * shows an Active certificate are listed, every other user counts as scanned with none; if the
 * report cannot be had or read, the run falls back to a full scan and says why.
 */
async function scanUsers(
  deps: AuditDeps,
  policy: Policy,
  strategy: ScanStrategy,
  limit: ReturnType<typeof pLimit>,
): Promise<ScanOutcome> {
  let fallbackReason: string | null = null;
  if (strategy === 'credential-report') {
    try {
      const report = await fetchCredentialReport(deps.iam, {
        ...deps.credentialReportWait,
        stop: deps.stop,
      });
      // Loaded only for this strategy: the CSV parser stays out of a full scan's cold start.
      const { parseCredentialReport } = await import('./core/credential-report');
      const rows = parseCredentialReport(report.csv).filter((row) =>
        row.path.startsWith(policy.userPathPrefix),
      );
      const scans = await scanEach(
        deps,
        rows.map((row) => ({
          user: { userName: row.userName, userArn: row.userArn },
          holder: row.activeCertificates > 0,
        })),
        limit,
      );
      return {
        scans,
        listingError: undefined,
        scan: {
          strategy,
          credentialReportGeneratedAt: report.generatedAt.toISOString(),
          fallbackReason: null,
        },
      };
    } catch (error: unknown) {
      const ours =
        error instanceof CredentialReportUnavailableError ||
        (error instanceof Error && error.name === 'CredentialReportFormatError');
      const { code, message } = describeError(error);
      const why = ours ? message : `${code}: ${message}`;
      fallbackReason = `credential report unusable (${why}); fell back to a full scan`;
      deps.logger.warn('Credential report unusable; falling back to a full scan', { reason: why });
    }
  }
  const { scans, listingError } = await scanAllUsers(deps, policy, limit);
  return {
    scans,
    listingError,
    scan: { strategy: 'full', credentialReportGeneratedAt: null, fallbackReason },
  };
}

/** Lists the certificates of the given users (holders only; the others have none to list). */
async function scanEach(
  deps: AuditDeps,
  users: readonly { readonly user: IamUser; readonly holder: boolean }[],
  limit: ReturnType<typeof pLimit>,
): Promise<UserScan[]> {
  let usersScanned = 0;
  const report = () =>
    deps.onProgress?.({ usersListed: users.length, usersScanned, listingDone: true });
  return Promise.all(
    users.map(({ user, holder }) => {
      if (!holder) {
        usersScanned += 1;
        return { user, certificates: [] };
      }
      return limit(async (): Promise<UserScan> => {
        if (deps.stop?.aborted) return { user, skipped: true };
        try {
          return { user, certificates: await listSigningCertificates(deps.iam, user.userName) };
        } catch (error: unknown) {
          return { user, error };
        } finally {
          usersScanned += 1;
          report();
        }
      });
    }),
  );
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
  fields: Omit<FindingFields, 'plannedAction' | 'override'> & {
    readonly plannedAction?: PlannedAction | null;
    readonly override?: Finding['override'];
  },
  action: Action,
  error: ErrorDetail | null,
): Finding {
  return {
    ...fields,
    plannedAction: fields.plannedAction ?? null,
    override: fields.override ?? null,
    action,
    severity: severityOf(fields.verdict, fields.status, action),
    error,
  };
}
