import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { describeError, SigningCertAuditError } from '../core/errors';
import { CLIENT_DEFAULTS } from './http';

/** The member role of one account could not be assumed: the account cannot be audited. */
export class AssumeRoleError extends SigningCertAuditError {
  override readonly name = 'AssumeRoleError';
}

export { DEFAULT_MEMBER_ROLE_NAME } from '../core/settings';
/** An assumed role's session lasts this long: one account's audit takes minutes, not an hour. */
export const MEMBER_SESSION_SECONDS = 3600;

/** Builds the STS client: the timeouts of http.ts; region, credentials and endpoint from the standard sources. */
export function createStsClient(config: STSClientConfig = {}): STSClient {
  return new STSClient({ ...CLIENT_DEFAULTS, ...config });
}

/** What to assume: the account, the role's name, and the session name that says which run. */
export interface MemberRole {
  readonly accountId: string;
  readonly roleName: string;
  readonly partition: string;
  /** Shows in the member account's CloudTrail: which run assumed the role. */
  readonly sessionName: string;
}

/**
 * Assumes the member role of one account and returns its temporary credentials. A refusal
 * (the role is missing, or does not trust the caller) is an AssumeRoleError naming the account
 * and the cause: one account's failure, never the whole run's.
 */
export async function assumeMemberRole(
  sts: STSClient,
  role: MemberRole,
): Promise<AwsCredentialIdentity> {
  const roleArn = `arn:${role.partition}:iam::${role.accountId}:role/${role.roleName}`;
  try {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        // Session names allow [\w+=,.@-] and at most 64 characters.
        RoleSessionName: role.sessionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64),
        DurationSeconds: MEMBER_SESSION_SECONDS,
      }),
    );
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) {
      throw new Error('AssumeRole returned no credentials');
    }
    return {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      ...(Credentials.SessionToken ? { sessionToken: Credentials.SessionToken } : {}),
      ...(Credentials.Expiration ? { expiration: Credentials.Expiration } : {}),
    };
  } catch (error: unknown) {
    const name = error instanceof Error ? error.name.replace(/(.)Exception$/, '$1') : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    // The usual cause: no member role there. StackSets never deploy to the management account.
    const hint =
      name === 'AccessDenied'
        ? '; is the member role deployed in that account, trusting this auditor? StackSets never deploy to the management account (README: "The management account")'
        : '';
    throw new AssumeRoleError(`AssumeRole ${roleArn} failed (${name}: ${message})${hint}`, {
      cause: error,
    });
  }
}

/** A member account entered through its role: the client settings to reach it, or why not. */
export type MemberAccess =
  | {
      readonly clientConfig: Readonly<Record<string, unknown>> & {
        credentials: AwsCredentialIdentity;
      };
    }
  | { readonly error: string };

/**
 * Enters one member account through its role, for the organization's worker, the CLI across
 * accounts and restore alike: the client settings `base` with the role's credentials, or the
 * reason it could not be entered (an AssumeRoleError's message, naming the role and the cause).
 */
export async function enterMemberAccount(
  sts: STSClient,
  role: MemberRole,
  base: Readonly<Record<string, unknown>> = {},
): Promise<MemberAccess> {
  try {
    return { clientConfig: { ...base, credentials: await assumeMemberRole(sts, role) } };
  } catch (error: unknown) {
    return {
      error: error instanceof AssumeRoleError ? error.message : describeError(error).message,
    };
  }
}
