import type { IAMClient } from '@aws-sdk/client-iam';
import type { UploadCheck } from '../core/change-record';
import type { Credential, CredentialType } from '../core/credential';
import type { Policy } from '../core/settings';

/**
 * One kind of IAM user credential, behind the one interface the engine, restore, the constructs'
 * grants and the outputs use: how it is listed, identified and changed, what restore can do for
 * it, how many a user may hold, and the IAM actions each of these takes. A new kind is a module
 * of its own and a line in the index (index.ts).
 */
export interface CredentialKind {
  readonly type: CredentialType;
  /** What a person calls one, in a sentence: `signing certificate`. */
  readonly label: string;
  /**
   * How IAM lists them: `per-user` (one call a user at least), or `account-wide` (a few paged
   * calls for the whole account; `listAccount` is then set).
   */
  readonly listing: 'per-user' | 'account-wide';
  /** The most a user may hold (IAM's quota): restore refuses to go past it. */
  readonly perUserLimit: number;
  /**
   * What restore can do: `reupload` a deleted one from its public body in the record (a new id,
   * the same fingerprint), or `reactivate-only` (a deletion is final: IAM never returns the
   * secret again).
   */
  readonly restore: 'reupload' | 'reactivate-only';
  /** The IAM actions, by what they are for (the constructs' grants and the permissions proof). */
  readonly actions: {
    readonly read: readonly string[];
    readonly deactivate: readonly string[];
    readonly delete: readonly string[];
    /** What restoring a deletion takes (the operator's, never a deployed role's). */
    readonly restore: readonly string[];
  };
  /** One user's credentials of this kind. */
  listUser(iam: IAMClient, userName: string): Promise<Credential[]>;
  /** Every credential of this kind in the account, for an account-wide kind. */
  listAccount?(iam: IAMClient): Promise<Credential[]>;
  /** Sets one credential's status, by id, always naming its user. */
  setStatus(
    iam: IAMClient,
    userName: string,
    credentialId: string,
    status: 'Active' | 'Inactive',
  ): Promise<void>;
  /** Deletes one credential, by id; never "all of a user's". */
  remove(iam: IAMClient, userName: string, credentialId: string): Promise<void>;
  /** Uploads a deleted credential's public body again (kinds that `reupload`): its new id. */
  upload?(iam: IAMClient, userName: string, body: string): Promise<string>;
  /**
   * A public body's fingerprint, the same for one key however IAM encodes it and whatever id it
   * gives it (restore finds a credential uploaded again by it); absent for a kind without a body.
   */
  fingerprint?(body: string): string;
  /** Whether IAM would take a recorded body uploaded again now (kinds that `reupload`). */
  uploadable?(body: string, now: Date): UploadCheck;
}

/**
 * Whether a run lists the `account-wide` kinds account-wide: only when it audits every user
 * (path prefix `/`). `AllUsers` takes no path, so under a narrower prefix those kinds are listed
 * user by user, and a deployment's grants of their reads are scoped to the prefix as the
 * per-user kinds' are.
 */
export function listsAccountWide(policy: Pick<Policy, 'userPathPrefix'>): boolean {
  return policy.userPathPrefix === '/';
}
