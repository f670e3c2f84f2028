import { CredentialReportUnavailableError, fetchCredentialReport } from '../aws/credential-report';
import {
  type IamUser,
  listSigningCertificates,
  listUsers,
  readUser,
  rootHasSigningCertificate,
  type SigningCertificate,
} from '../aws/iam';
import { partitionOfRegion } from '../aws/partition';
import type { AccountFacts } from '../core/checks/check';
import { ACCOUNT_CHECKS } from '../core/checks/table';
import { describeError } from '../core/errors';
import { type Finding, ROOT_USER_NAME, type ScanInfo } from '../core/report';
import type { Policy, ScanStrategy } from '../core/settings';
import { finding, userLevel } from './findings';
import type { AuditDeps, Limit, ScannedUser } from './types';

/** One user's listing: its certificates, the error that stopped it, or skipped (the run stopped). */
export type UserScan =
  | { readonly user: IamUser; readonly certificates: SigningCertificate[] }
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
      return scanUser(deps, user, limit, scanned);
    }),
  );
  return {
    scans: scans.filter((scan): scan is UserScan => scan !== undefined),
    listingError: undefined,
    scan: { strategy: 'full', credentialReportGeneratedAt: null, fallbackReason: null },
  };
}

/**
 * Lists one user's certificates within the run's limit; `done` is told once the user is
 * finished, listed or not. A user not yet started when the run is stopped is skipped.
 */
function scanUser(deps: AuditDeps, user: IamUser, limit: Limit, done: () => void) {
  return limit(async (): Promise<UserScan> => {
    if (deps.stop?.aborted) return { user, skipped: true };
    try {
      return { user, certificates: await listSigningCertificates(deps.iam, user.userName) };
    } catch (error: unknown) {
      return { user, error };
    } finally {
      done();
    }
  });
}

/** Lists the certificates of the given users (holders only; the others have none to list). */
async function scanEach(
  deps: AuditDeps,
  users: readonly { readonly user: IamUser; readonly holder: boolean }[],
  limit: Limit,
): Promise<UserScan[]> {
  let usersScanned = 0;
  const scanned = () => {
    usersScanned += 1;
    deps.onProgress?.({ usersListed: users.length, usersScanned, listingDone: true });
  };
  return Promise.all(
    users.map(({ user, holder }) => {
      if (!holder) {
        usersScanned += 1;
        return { user, certificates: [] };
      }
      return scanUser(deps, user, limit, scanned);
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
      pendingScans.push(scanUser(deps, user, limit, scanned));
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
  return scans.flatMap((scan) => {
    if ('skipped' in scan) return [];
    return [{ user: scan.user, certificates: 'error' in scan ? null : scan.certificates.length }];
  });
}

/** The account checks, over facts gathered once (GetAccountSummary). */
export async function scanAccount(deps: AuditDeps): Promise<Finding[]> {
  // The root user's ARN is in the partition of the IAM endpoint the run calls (aws-cn in China,
  // aws-us-gov in GovCloud), as the Security Hub sink's is. A client without a region reaches no
  // endpoint: its GetAccountSummary fails below, and the ERROR names the root user in `aws`.
  const rootArn = `arn:${await partitionOf(deps)}:iam::${deps.accountId}:root`;
  const base = { ...userLevel({ userName: ROOT_USER_NAME, userArn: rootArn }) };
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
