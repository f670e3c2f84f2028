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
    };

/** The scope of every run that names no users: the whole account. */
export const ACCOUNT_SCOPE: RunScope = { kind: 'account' };

/** A scope cannot be built from what was asked (no user, or a name IAM would not accept). */
export class RunScopeError extends SigningCertAuditError {
  override readonly name = 'RunScopeError';
}

/**
 * The scope of the named users: at least one, each a name IAM accepts, each once (IAM's names
 * are unique without regard to case, so `Alice` and `alice` are one user).
 */
export function usersScope(userNames: Iterable<string>): RunScope {
  const unique = new Map<string, string>();
  for (const name of userNames) {
    if (!USER_NAME.test(name)) {
      throw new RunScopeError(
        `${JSON.stringify(name).slice(0, 80)} is not an IAM user name (1 to 64 of letters, digits and +=,.@_-)`,
      );
    }
    if (!unique.has(name.toLowerCase())) unique.set(name.toLowerCase(), name);
  }
  if (unique.size === 0) throw new RunScopeError('A users scope names at least one user');
  return { kind: 'users', userNames: [...unique.values()] };
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

/** The scope in a few words, for logs and pages: `account`, `users: alice, bob`. */
export function describeScope(scope: RunScope): string {
  return scope.kind === 'account' ? 'account' : `users: ${scope.userNames.join(', ')}`;
}
