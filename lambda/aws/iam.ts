import {
  DeleteSigningCertificateCommand,
  GetAccountSummaryCommand,
  GetUserCommand,
  IAMClient,
  type IAMClientConfig,
  paginateListSigningCertificates,
  paginateListUsers,
  paginateListUserTags,
  UpdateSigningCertificateCommand,
  UploadSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { type CertificateContent, readCertificate } from '../core/x509';
import { CLIENT_DEFAULTS } from './http';
import { paceClient, RequestPacer } from './pacing';

/** IAM's largest page for ListUsers (its default is 100): 5,000 users take 5 calls, not 50. */
export const LIST_USERS_PAGE_SIZE = 1000;

/**
 * Attempts per IAM call. IAM throttles without publishing a rate: the SDK's `standard` retry
 * mode backs each retry off (jittered, exponential), the pacer (pacing.ts) learns the rate, and
 * ten attempts ride out a burst.
 */
export const IAM_MAX_ATTEMPTS = 10;

/** An IAM user as the audit sees it. */
export interface IamUser {
  readonly userName: string;
  readonly userArn: string;
  /**
   * IAM's stable id of the user (`AIDA…`), which AWS Config names an `AWS::IAM::User` by. Set
   * when ListUsers listed the user; absent when the credential report did, which has no such
   * column.
   */
  readonly userId?: string;
}

/**
 * A signing certificate as the audit sees it. The body is read here, once, into `content`; the
 * body itself goes only into the change record written before the certificate is changed (so the
 * change can be undone), never into a finding, a log line or a message.
 */
export interface SigningCertificate {
  readonly userName: string;
  readonly certificateId: string;
  readonly status: string;
  /** Absent only if IAM omitted it, which the audit reports as an error. */
  readonly uploadDate: Date | undefined;
  readonly content: CertificateContent;
  /** The PEM body as IAM returned it ('' if IAM omitted it). */
  readonly body: string;
}

/**
 * Builds the IAM client: `standard` retries and a pacer that learns IAM's rate (the SDK's
 * `adaptive` mode keeps slowing down under steady random throttling: see pacing.ts), the
 * timeouts of http.ts; region, credentials and endpoint from the standard AWS sources.
 */
export function createIamClient(
  config: IAMClientConfig = {},
  pacer: RequestPacer = new RequestPacer(),
): IAMClient {
  const client = new IAMClient({
    retryMode: 'standard',
    maxAttempts: IAM_MAX_ATTEMPTS,
    ...CLIENT_DEFAULTS,
    ...config,
  });
  paceClient(client, pacer);
  return client;
}

/** Every user under `pathPrefix`, page by page, through the SDK paginator (never a hand-written Marker loop). */
export async function* listUsers(client: IAMClient, pathPrefix: string): AsyncGenerator<IamUser> {
  const pages = paginateListUsers(
    { client, pageSize: LIST_USERS_PAGE_SIZE },
    { PathPrefix: pathPrefix },
  );
  for await (const page of pages) {
    for (const user of page.Users ?? []) {
      if (user.UserName === undefined || user.Arn === undefined) continue;
      yield {
        userName: user.UserName,
        userArn: user.Arn,
        ...(user.UserId === undefined ? {} : { userId: user.UserId }),
      };
    }
  }
}

/**
 * All of one user's signing certificates. The paginator follows IsTruncated/Marker, so a page
 * shorter than MaxItems that is still truncated is followed too.
 */
export async function listSigningCertificates(
  client: IAMClient,
  userName: string,
): Promise<SigningCertificate[]> {
  const certificates: SigningCertificate[] = [];
  for await (const page of paginateListSigningCertificates({ client }, { UserName: userName })) {
    for (const cert of page.Certificates ?? []) {
      if (cert.CertificateId === undefined) continue;
      certificates.push({
        userName,
        certificateId: cert.CertificateId,
        status: cert.Status ?? 'Unknown',
        uploadDate: cert.UploadDate,
        content: readCertificate(cert.CertificateBody),
        body: cert.CertificateBody ?? '',
      });
    }
  }
  return certificates;
}

/**
 * A user's IAM id (`AIDA…`) and creation time, as GetUser gives them: a user deleted and created
 * again under the same name is another user, with another id.
 */
export async function getUser(
  client: IAMClient,
  userName: string,
): Promise<{ userId: string; createDate: Date | undefined }> {
  const { User } = await client.send(new GetUserCommand({ UserName: userName }));
  if (User?.UserId === undefined) throw new Error('GetUser answered without a user id');
  return { userId: User.UserId, createDate: User.CreateDate };
}

/**
 * A user read by name (GetUser), as ListUsers would have listed it: its name as IAM spells it, its
 * ARN, its id and its path. Throws NoSuchEntity for a user that does not exist.
 */
export async function readUser(
  client: IAMClient,
  userName: string,
): Promise<IamUser & { readonly path: string }> {
  const { User } = await client.send(new GetUserCommand({ UserName: userName }));
  if (User?.UserName === undefined || User.Arn === undefined || User.UserId === undefined) {
    throw new Error('GetUser answered without the user’s name, ARN or id');
  }
  return {
    userName: User.UserName,
    userArn: User.Arn,
    userId: User.UserId,
    path: User.Path ?? '/',
  };
}

/** A user's IAM id (GetUser). */
export async function getUserId(client: IAMClient, userName: string): Promise<string> {
  return (await getUser(client, userName)).userId;
}

/** Sets one certificate Inactive. Always names the user: without UserName IAM acts on the caller. */
export async function deactivateSigningCertificate(
  client: IAMClient,
  userName: string,
  certificateId: string,
): Promise<void> {
  await setSigningCertificateStatus(client, userName, certificateId, 'Inactive');
}

/** Sets one certificate's status, by id, always naming the user. */
export async function setSigningCertificateStatus(
  client: IAMClient,
  userName: string,
  certificateId: string,
  status: 'Active' | 'Inactive',
): Promise<void> {
  await client.send(
    new UpdateSigningCertificateCommand({
      UserName: userName,
      CertificateId: certificateId,
      Status: status,
    }),
  );
}

/**
 * Uploads a certificate body for a user (restore only: no deployed role is ever granted it);
 * IAM gives it a new id, and leaves it Active. Returns the new id.
 */
export async function uploadSigningCertificate(
  client: IAMClient,
  userName: string,
  body: string,
): Promise<string> {
  const { Certificate } = await client.send(
    new UploadSigningCertificateCommand({ UserName: userName, CertificateBody: body }),
  );
  if (Certificate?.CertificateId === undefined) {
    throw new Error('UploadSigningCertificate answered without a certificate id');
  }
  return Certificate.CertificateId;
}

/** Deletes one certificate, by id; never "all of a user's certificates". */
export async function deleteSigningCertificate(
  client: IAMClient,
  userName: string,
  certificateId: string,
): Promise<void> {
  await client.send(
    new DeleteSigningCertificateCommand({ UserName: userName, CertificateId: certificateId }),
  );
}

/** One user's tags, every page of them, through the SDK paginator. */
export async function listUserTags(
  client: IAMClient,
  userName: string,
): Promise<Map<string, string>> {
  const tags = new Map<string, string>();
  for await (const page of paginateListUserTags({ client }, { UserName: userName })) {
    for (const tag of page.Tags ?? []) {
      if (tag.Key !== undefined) tags.set(tag.Key, tag.Value ?? '');
    }
  }
  return tags;
}

/**
 * Whether the root user holds a signing certificate. ListUsers never returns root and a role
 * cannot list root's certificates, but GetAccountSummary says whether any exist.
 */
export async function rootHasSigningCertificate(client: IAMClient): Promise<boolean> {
  const { SummaryMap } = await client.send(new GetAccountSummaryCommand({}));
  return (SummaryMap?.AccountSigningCertificatesPresent ?? 0) > 0;
}

/** True when IAM says the user or certificate does not exist (it vanished during the run). */
export function isNoSuchEntity(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { Code } = error as { Code?: unknown };
  return (
    error.name === 'NoSuchEntityException' ||
    error.name === 'NoSuchEntity' ||
    Code === 'NoSuchEntity'
  );
}
