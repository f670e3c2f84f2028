import { CredentialReportUnavailableError, fetchCredentialReport } from '../aws/credential-report';
import { type IamUser, listUsers, readUser, rootHasSigningCertificate } from '../aws/iam';
import { partitionOfRegion } from '../aws/partition';
import type { AccountFacts } from '../core/checks/check';
import { ACCOUNT_CHECKS } from '../core/checks/table';
import type { Credential, CredentialType } from '../core/credential';
import { describeError } from '../core/errors';
import { type Finding, ROOT_USER_NAME, type ScanInfo } from '../core/report';
import type { Policy, ScanStrategy } from '../core/settings';
import { KIND_INDEX } from '../kinds';
import type { CredentialKind } from '../kinds/kind';
import { finding, userLevel } from './findings';
import type { AuditDeps, Limit, ScannedUser } from './types';

/** One user's listing: its credentials, the error that stopped it, or skipped (the run stopped). */
export type UserScan =
  | { readonly user: IamUser; readonly credentials: Credential[] }
  | { readonly user: IamUser; readonly error: unknown }
  | { readonly user: IamUser; readonly skipped: true };

/** A user read by name, with its path. */
type NamedUser = Awaited<ReturnType<typeof readUser>>;

/** What the scan phase found: every user's listing, why listing stopped, and how it scanned. */
export interface ScanOutcome {
  readonly scans: UserScan[];
  readonly listingError: unknown;
  readonly scan: ScanInfo;
}

/**
 * Finds the users and lists their certificates. `credential-report`: only users whose report row
 * shows an Active certificate are listed, every other user counts as scanned with none; if the
 * report cannot be had or read, the run falls back to a full scan and says why.
 */
export async function scanUsers(
  deps: AuditDeps,
  policy: Policy,
  strategy: ScanStrategy,
  limit: Limit,
): Promise<ScanOutcome> {
  let fallbackReason: string | null = null;
  if (strategy === 'credential-report') {
    try {
      const report = await fetchCredentialReport(deps.iam, {
        ...deps.credentialReportWait,
        stop: deps.stop,
      });
      // Loaded only for this strategy: the CSV parser stays out of a full scan's cold start.
      const { parseCredentialReport } = await import('../core/credential-report');
      const rows = parseCredentialReport(report.csv).filter((row) =>
        row.path.startsWith(policy.userPathPrefix),
      );
      // The report says who holds an Active signing certificate; other kinds have no column
      // there, so every user's credentials of those kinds are still listed.
      const kinds = perUserKinds(policy);
      const others = kinds.filter((kind) => kind.type !== 'signing-certificate');
      const scans = await scanEach(
        deps,
        rows.map((row) => ({
          user: { userName: row.userName, userArn: row.userArn },
          kinds: row.activeCertificates > 0 ? kinds : others,
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

/**
 * A users-scoped run's scan: each named user read by name (GetUser), then its certificates
 * listed, within the run's limit; never ListUsers, never the credential report, so every
 * certificate of each user is listed (a full scan of those users). A user IAM does not know is
 * reported gone (NOT_EVALUATED, GONE), not as an error; one outside the path prefix is not the
 * run's to audit, as ListUsers would not have listed it, and is left out, logged.
 */
export async function scanNamedUsers(
  deps: AuditDeps,
  policy: Policy,
  userNames: readonly string[],
  limit: Limit,
): Promise<ScanOutcome> {
  let usersScanned = 0;
  const scanned = () => {
    usersScanned += 1;
    deps.onProgress?.({ usersListed: userNames.length, usersScanned, listingDone: true });
  };
  const partition = await partitionOf(deps);
  const scans = await Promise.all(
    userNames.map(async (userName): Promise<UserScan | undefined> => {
      // A user that could not be read has no ARN from IAM: named with the root path, as a
      // finding must name one; the Security Hub sweep goes by the user's name.
      const asked = {
        userName,
        userArn: `arn:${partition}:iam::${deps.accountId}:user/${userName}`,
      };
      const read = await limit(async (): Promise<UserScan | { readonly found: NamedUser }> => {
        if (deps.stop?.aborted) return { user: asked, skipped: true };
        try {
          return { found: await readUser(deps.iam, userName) };
        } catch (error: unknown) {
          scanned();
          return { user: asked, error };
        }
      });
      if (!('found' in read)) return read;
      const { path, ...user } = read.found;
      if (!path.startsWith(policy.userPathPrefix)) {
        deps.logger.warn('A named user is outside the path prefix; it was not audited', {
          userName: user.userName,
          path,
          userPathPrefix: policy.userPathPrefix,
        });
        scanned();
        return undefined;
      }
      return scanUser(deps, user, perUserKinds(policy), limit, scanned);
    }),
  );
  return {
    scans: scans.filter((scan): scan is UserScan => scan !== undefined),
    listingError: undefined,
    scan: { strategy: 'full', credentialReportGeneratedAt: null, fallbackReason: null },
  };
}

/** The kinds the policy reads that are listed user by user (the kind index's order). */
function perUserKinds(policy: Policy): readonly CredentialKind[] {
  return KIND_INDEX.filter(
    (kind) => kind.listing === 'per-user' && policy.credentialKinds.includes(kind.type),
  );
}

/**
 * Lists one user's credentials of `kinds` within the run's limit; `done` is told once the user
 * is finished, listed or not. A user not yet started when the run is stopped is skipped; a
 * listing that fails fails the user's scan (its findings say so; nothing is guessed).
 */
function scanUser(
  deps: AuditDeps,
  user: IamUser,
  kinds: readonly CredentialKind[],
  limit: Limit,
  done: () => void,
) {
  return limit(async (): Promise<UserScan> => {
    if (deps.stop?.aborted) return { user, skipped: true };
    try {
      const credentials: Credential[] = [];
      for (const kind of kinds) credentials.push(...(await kind.listUser(deps.iam, user.userName)));
      return { user, credentials };
    } catch (error: unknown) {
      return { user, error };
    } finally {
      done();
    }
  });
}

/** Lists each user's credentials of the kinds given for it (none to list: counted scanned at once). */
async function scanEach(
  deps: AuditDeps,
  users: readonly { readonly user: IamUser; readonly kinds: readonly CredentialKind[] }[],
  limit: Limit,
): Promise<UserScan[]> {
  let usersScanned = 0;
  const scanned = () => {
    usersScanned += 1;
    deps.onProgress?.({ usersListed: users.length, usersScanned, listingDone: true });
  };
  return Promise.all(
    users.map(({ user, kinds }) => {
      if (kinds.length === 0) {
        usersScanned += 1;
        return { user, credentials: [] };
      }
      return scanUser(deps, user, kinds, limit, scanned);
    }),
  );
}

async function scanAllUsers(
  deps: AuditDeps,
  policy: Policy,
  limit: Limit,
): Promise<{ scans: UserScan[]; listingError: unknown }> {
  const pendingScans: Promise<UserScan>[] = [];
  let usersScanned = 0;
  let listingDone = false;
  const report = () =>
    deps.onProgress?.({ usersListed: pendingScans.length, usersScanned, listingDone });
  const scanned = () => {
    usersScanned += 1;
    report();
  };
  let listingError: unknown;
  try {
    for await (const user of listUsers(deps.iam, policy.userPathPrefix)) {
      // The page in flight is finished, but no further page is asked for.
      if (deps.stop?.aborted) break;
      pendingScans.push(scanUser(deps, user, perUserKinds(policy), limit, scanned));
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

/** The users a scan reached, with their certificate counts (null where listing failed). */
export function scannedUsers(scans: readonly UserScan[]): ScannedUser[] {
  return scans.flatMap((scan): ScannedUser[] => {
    if ('skipped' in scan) return [];
    if ('error' in scan) return [{ user: scan.user, certificates: null }];
    const byKind: Partial<Record<CredentialType, number>> = {};
    for (const { type } of scan.credentials) byKind[type] = (byKind[type] ?? 0) + 1;
    return [{ user: scan.user, certificates: scan.credentials.length, byKind }];
  });
}

/** The account checks, over facts gathered once (GetAccountSummary). */
export async function scanAccount(deps: AuditDeps): Promise<Finding[]> {
  // The root user's ARN is in the partition of the IAM endpoint the run calls (aws-cn in China,
  // aws-us-gov in GovCloud), as the Security Hub sink's is. A client without a region reaches no
  // endpoint: its GetAccountSummary fails below, and the ERROR names the root user in `aws`.
  const rootArn = `arn:${await partitionOf(deps)}:iam::${deps.accountId}:root`;
  // About the root user's signing certificates (GetAccountSummary counts those alone).
  const base = {
    ...userLevel({ userName: ROOT_USER_NAME, userArn: rootArn }),
    credentialType: 'signing-certificate' as const,
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

/** The partition of the IAM endpoint the run calls (`aws` for a client without a region). */
async function partitionOf(deps: AuditDeps): Promise<string> {
  return partitionOfRegion(await deps.iam.config.region().catch(() => ''));
}
