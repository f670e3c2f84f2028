import { SigningCertAuditError } from './errors';
import { USER_NAME } from './patterns';

/**
 * Which users a run covers, apart from how it finds them (the scan strategy): `account`, every
 * user under the path prefix, listed by ListUsers or the credential report; `users`, the named
 * users only, each read by name. What a run may conclude follows its scope: only an account-wide
 * run speaks for the account (its metrics feed the alarms, its findings the Athena table, its
 * Security Hub sweep resolves any user's stale finding); a users-scoped run resolves only what it
 * re-read.
 */
export type RunScope =
  | { readonly kind: 'account' }
  | {
      readonly kind: 'users';
      /** The users asked for, as asked (IAM's names are unique whatever their case). */
      readonly userNames: readonly string[];
      /**
       * The root user too (an event about a call the root user made for itself): the account's
       * own facts are read (GetAccountSummary), and its finding is the run's to import and resolve.
       */
      readonly root?: true;
    };

/** The scope of every run that names no users: the whole account. */
export const ACCOUNT_SCOPE: RunScope = { kind: 'account' };

/** A scope cannot be built from what was asked (no user, or a name IAM would not accept). */
export class RunScopeError extends SigningCertAuditError {
  override readonly name = 'RunScopeError';
}

/**
 * The scope of the named users: at least one (or none, with the root user), each a name IAM
 * accepts, each once (IAM's names are unique without regard to case, so `Alice` and `alice` are
 * one user).
 */
export function usersScope(
  userNames: Iterable<string>,
  options: { readonly root?: boolean } = {},
): RunScope {
  const unique = new Map<string, string>();
  for (const name of userNames) {
    if (!USER_NAME.test(name)) {
      throw new RunScopeError(
        `${JSON.stringify(name).slice(0, 80)} is not an IAM user name (1 to 64 of letters, digits and +=,.@_-)`,
      );
    }
    if (!unique.has(name.toLowerCase())) unique.set(name.toLowerCase(), name);
  }
  if (unique.size === 0 && !options.root) {
    throw new RunScopeError('A users scope names at least one user, or the root user');
  }
  return {
    kind: 'users',
    userNames: [...unique.values()],
    ...(options.root ? { root: true as const } : {}),
  };
}

/** Whether a run of this scope speaks for the whole account (and not only for some users). */
export function coversAccount(scope: RunScope): boolean {
  return scope.kind === 'account';
}

/** Whether a run of this scope covers the user of this name (compared as IAM does, without case). */
export function coversUser(scope: RunScope, userName: string): boolean {
  if (scope.kind === 'account') return true;
  const name = userName.toLowerCase();
  return scope.userNames.some((named) => named.toLowerCase() === name);
}

/** Whether a run of this scope reads the root user (the account's own facts). */
export function coversRoot(scope: RunScope): boolean {
  return scope.kind === 'account' || scope.root === true;
}

/** The scope in a few words, for logs and pages: `account`, `users: alice, bob`, `users: root`. */
export function describeScope(scope: RunScope): string {
  if (scope.kind === 'account') return 'account';
  return `users: ${[...(scope.root ? ['the root user'] : []), ...scope.userNames].join(', ')}`;
}
