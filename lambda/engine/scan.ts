import { CredentialReportUnavailableError, fetchCredentialReport } from '../aws/credential-report';
import { type IamUser, isNoSuchEntity, listUsers, readUser } from '../aws/iam';
import type { Credential, CredentialType } from '../core/credential';
import { describeError } from '../core/errors';
import type { ScanInfo } from '../core/report';
import type { Policy, ScanStrategy } from '../core/settings';
import { KIND_INDEX } from '../kinds';
import { type CredentialKind, listsAccountWide } from '../kinds/kind';
import { partitionOf } from './account-checks';
import type { AuditDeps, Limit, ScannedUser } from './types';

/** One user's listing: its credentials, the error that stopped it, or skipped (the run stopped). */
export type UserScan =
  | { readonly user: IamUser; readonly credentials: Credential[] }
  | { readonly user: IamUser; readonly error: unknown }
  | { readonly user: IamUser; readonly skipped: true };

/** A user read by name, with its path. */
type NamedUser = Awaited<ReturnType<typeof readUser>>;

/**
 * An account-wide kind whose listing the run does not have: it failed (`error`), or it never
 * started, the run being stopped first (`error` undefined). Its credentials are in no user's scan.
 */
export interface UnreadKind {
  readonly type: CredentialType;
  /** What a person calls one of them (the kind's label). */
  readonly label: string;
  /** The IAM action that lists it, for the report's reason. */
  readonly action: string;
  readonly error: unknown;
}

/** What the scan phase found: every user's listing, why listing stopped, and how it scanned. */
export interface ScanOutcome {
  readonly scans: UserScan[];
  readonly listingError: unknown;
  /** The account-wide kinds that could not be listed: the report is incomplete without them. */
  readonly unreadKinds: readonly UnreadKind[];
  readonly scan: ScanInfo;
}

/** What the account-wide listings found: each user's credentials, and the kinds not read. */
interface AccountWideListing {
  readonly byUser: ReadonlyMap<string, readonly Credential[]>;
  readonly unread: readonly UnreadKind[];
}

/**
 * Finds the users and lists their credentials. `credential-report`: only users whose report row
 * shows an Active certificate have their certificates listed, every other user counts as scanned
 * with none; if the report cannot be had or read, the run falls back to a full scan and says why.
 * Kinds listed account-wide (accountWideKinds) are listed once, beside the users, and each
 * credential joins its user's scan; a holder the user listing did not have (created since the
 * credential report, or since ListUsers passed it) is read by name and audited whole, and said
 * so in the log.
 */
export async function scanUsers(
  deps: AuditDeps,
  policy: Policy,
  strategy: ScanStrategy,
  limit: Limit,
): Promise<ScanOutcome> {
  // Started first: it holds one of the limit's places while the users are listed.
  const wide = listAccountWide(deps, accountWideKinds(policy), limit);
  const listed = await scanListedUsers(deps, policy, strategy, limit);
  const { byUser, unread } = await wide;
  const scans = listed.scans.map((scan) => withCredentials(scan, byUser.get(scan.user.userName)));
  // A holder missing from an incomplete listing may be any user not yet listed: not looked for.
  const unlisted =
    listed.listingError === undefined && !deps.stop?.aborted
      ? await scanUnlistedHolders(
          deps,
          policy,
          byUser,
          new Set(scans.map((s) => s.user.userName)),
          limit,
        )
      : [];
  return { ...listed, scans: [...scans, ...unlisted], unreadKinds: unread };
}

/** The users and their credentials of the kinds listed per user, as the strategy finds them. */
async function scanListedUsers(
  deps: AuditDeps,
  policy: Policy,
  strategy: ScanStrategy,
  limit: Limit,
): Promise<Omit<ScanOutcome, 'unreadKinds'>> {
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
      const kinds = perUserKinds(policy, listsAccountWide(policy));
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

/** The account-wide kinds the policy reads, when the run lists them account-wide. */
function accountWideKinds(policy: Policy): readonly CredentialKind[] {
  if (!listsAccountWide(policy)) return [];
  return KIND_INDEX.filter(
    (kind) =>
      kind.listing === 'account-wide' &&
      kind.listAccount !== undefined &&
      policy.credentialKinds.includes(kind.type),
  );
}

/**
 * Lists each account-wide kind once, within the run's limit; a kind not yet started when the run
 * is stopped is not read, and one whose listing fails is not read either (never "none found").
 * Never rejects.
 */
async function listAccountWide(
  deps: AuditDeps,
  kinds: readonly CredentialKind[],
  limit: Limit,
): Promise<AccountWideListing> {
  const byUser = new Map<string, Credential[]>();
  const unread: UnreadKind[] = [];
  await Promise.all(
    kinds.map((kind) =>
      limit(async () => {
        const action = kind.actions.read[0] ?? kind.type;
        if (deps.stop?.aborted) {
          unread.push({ type: kind.type, label: kind.label, action, error: undefined });
          return;
        }
        try {
          for (const credential of (await kind.listAccount?.(deps.iam)) ?? []) {
            const held = byUser.get(credential.userName) ?? [];
            held.push(credential);
            byUser.set(credential.userName, held);
          }
        } catch (error: unknown) {
          deps.logger.error(`The ${kind.label}s could not be listed; the run is incomplete`, {
            action,
            error: describeError(error),
          });
          unread.push({ type: kind.type, label: kind.label, action, error });
        }
      }),
    ),
  );
  return { byUser, unread };
}

/** A user's scan with its account-wide credentials added (a failed or skipped scan stays as it is). */
function withCredentials(scan: UserScan, held: readonly Credential[] | undefined): UserScan {
  if (held === undefined || !('credentials' in scan)) return scan;
  return { user: scan.user, credentials: [...scan.credentials, ...held] };
}

/**
 * The holders of account-wide credentials that the user listing did not have: each read by name
 * (GetUser) and, when under the path prefix, audited whole (its per-user kinds listed too). One
 * deleted since is left out (its credentials went before it: IAM refuses to delete a user that
 * holds one); one that cannot be read is the user's ERROR, never a clean user.
 */
async function scanUnlistedHolders(
  deps: AuditDeps,
  policy: Policy,
  byUser: ReadonlyMap<string, readonly Credential[]>,
  listed: ReadonlySet<string>,
  limit: Limit,
): Promise<UserScan[]> {
  const holders = [...byUser.keys()].filter((userName) => !listed.has(userName));
  if (holders.length === 0) return [];
  const partition = await partitionOf(deps);
  const scans = await Promise.all(
    holders.map(async (userName): Promise<UserScan | undefined> => {
      const read = await readByName(deps, partition, userName, limit);
      if ('error' in read && isNoSuchEntity(read.error)) {
        deps.logger.info('A credential holder deleted during the run was left out', { userName });
        return undefined;
      }
      if (!('found' in read)) return read;
      const { path, ...user } = read.found;
      if (!path.startsWith(policy.userPathPrefix)) return undefined;
      deps.logger.warn(
        'A credential holder not in the user listing (created since?) was read by name and audited',
        { userName: user.userName, path },
      );
      const scan = await scanUser(deps, user, perUserKinds(policy, true), limit, () => undefined);
      return withCredentials(scan, byUser.get(userName));
    }),
  );
  return scans.filter((scan): scan is UserScan => scan !== undefined);
}

/**
 * Reads one user by name (GetUser) within the run's limit: the user with its path, or the scan of
 * a user that could not be read (its error) or was not reached (the run stopped). A user that
 * could not be read has no ARN from IAM: it is named with the root path, as a finding must name
 * one; the Security Hub sweep goes by the user's name.
 */
function readByName(
  deps: AuditDeps,
  partition: string,
  userName: string,
  limit: Limit,
): Promise<UserScan | { readonly found: NamedUser }> {
  const asked = { userName, userArn: `arn:${partition}:iam::${deps.accountId}:user/${userName}` };
  return limit(async () => {
    if (deps.stop?.aborted) return { user: asked, skipped: true } as const;
    try {
      return { found: await readUser(deps.iam, userName) };
    } catch (error: unknown) {
      return { user: asked, error };
    }
  });
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
      const read = await readByName(deps, partition, userName, limit);
      if ('error' in read) scanned();
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
      return scanUser(deps, user, perUserKinds(policy, false), limit, scanned);
    }),
  );
  return {
    scans: scans.filter((scan): scan is UserScan => scan !== undefined),
    listingError: undefined,
    unreadKinds: [],
    scan: { strategy: 'full', credentialReportGeneratedAt: null, fallbackReason: null },
  };
}

/**
 * The kinds the policy reads that are listed user by user (the kind index's order): the per-user
 * kinds, and the account-wide ones too when the run does not list them account-wide.
 */
function perUserKinds(policy: Policy, accountWideListed: boolean): readonly CredentialKind[] {
  return KIND_INDEX.filter(
    (kind) =>
      (kind.listing === 'per-user' || !accountWideListed) &&
      policy.credentialKinds.includes(kind.type),
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
      pendingScans.push(
        scanUser(deps, user, perUserKinds(policy, listsAccountWide(policy)), limit, scanned),
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

/**
 * The users a scan reached, with their credential counts, in all and by kind: null where listing
 * them failed, and for every user when an account-wide kind could not be listed (what each holds
 * is not known).
 */
export function scannedUsers(
  scans: readonly UserScan[],
  unreadKinds: readonly UnreadKind[] = [],
): ScannedUser[] {
  return scans.flatMap((scan): ScannedUser[] => {
    if ('skipped' in scan) return [];
    if ('error' in scan || unreadKinds.length > 0) return [{ user: scan.user, certificates: null }];
    const byKind: Partial<Record<CredentialType, number>> = {};
    for (const { type } of scan.credentials) byKind[type] = (byKind[type] ?? 0) + 1;
    return [{ user: scan.user, certificates: scan.credentials.length, byKind }];
  });
}
