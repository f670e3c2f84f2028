import {
  DeleteServiceSpecificCredentialCommand,
  IAMClient,
  type IAMPaginationConfiguration,
  ListServiceSpecificCredentialsCommand,
  type ListServiceSpecificCredentialsCommandInput,
  type ListServiceSpecificCredentialsCommandOutput,
  UpdateServiceSpecificCredentialCommand,
} from '@aws-sdk/client-iam';
import { createPaginator } from '@smithy/core';
import { isNoSuchEntity } from './iam';

/**
 * A service-specific credential as ListServiceSpecificCredentials lists it: its metadata only.
 * IAM returns the secret (password or API key) once, at creation, and never again.
 */
export interface ServiceSpecificCredential {
  readonly userName: string;
  readonly credentialId: string;
  readonly serviceName: string;
  readonly status: string;
  /** Absent only if IAM omitted it, which the audit reports as an error. */
  readonly createDate: Date | undefined;
  /** When it stops working; absent when it never expires (API keys created without an expiry, and every password). */
  readonly expirationDate: Date | undefined;
}

/** IAM's largest page for ListServiceSpecificCredentials (MaxItems 1–1000). */
export const SERVICE_CREDENTIALS_PAGE_SIZE = 1000;

/**
 * The paginator the SDK has none of for ListServiceSpecificCredentials, made as the SDK makes
 * its own (`createPaginator`, the code behind `paginateListUsers`): it follows Marker while IAM
 * answers with one, and sets MaxItems to the page size.
 */
export const paginateListServiceSpecificCredentials = createPaginator<
  IAMPaginationConfiguration,
  ListServiceSpecificCredentialsCommandInput,
  ListServiceSpecificCredentialsCommandOutput
>(IAMClient, ListServiceSpecificCredentialsCommand, 'Marker', 'Marker', 'MaxItems');

/**
 * Service-specific credentials, every page: one user's (of every service), or with
 * `allUsers` the whole account's, of one service or, without `serviceName`, of every service.
 */
export async function listServiceSpecificCredentials(
  client: IAMClient,
  scope: { readonly userName: string } | { readonly allUsers: true; readonly serviceName?: string },
): Promise<ServiceSpecificCredential[]> {
  const input: ListServiceSpecificCredentialsCommandInput =
    'userName' in scope
      ? { UserName: scope.userName }
      : { AllUsers: true, ...(scope.serviceName ? { ServiceName: scope.serviceName } : {}) };
  const credentials: ServiceSpecificCredential[] = [];
  const pages = paginateListServiceSpecificCredentials(
    { client, pageSize: SERVICE_CREDENTIALS_PAGE_SIZE },
    input,
  );
  for await (const page of pages) {
    for (const item of page.ServiceSpecificCredentials ?? []) {
      if (item.ServiceSpecificCredentialId === undefined || item.UserName === undefined) continue;
      credentials.push({
        userName: item.UserName,
        credentialId: item.ServiceSpecificCredentialId,
        serviceName: item.ServiceName ?? '',
        status: item.Status ?? 'Unknown',
        createDate: item.CreateDate,
        expirationDate: item.ExpirationDate,
      });
    }
  }
  return credentials;
}

/** Sets one service-specific credential's status, by id, always naming the user. */
export async function setServiceSpecificCredentialStatus(
  client: IAMClient,
  userName: string,
  credentialId: string,
  status: 'Active' | 'Inactive',
): Promise<void> {
  await client.send(
    new UpdateServiceSpecificCredentialCommand({
      UserName: userName,
      ServiceSpecificCredentialId: credentialId,
      Status: status,
    }),
  );
}

/** Deletes one service-specific credential, by id: final, as IAM never returns its secret again. */
export async function deleteServiceSpecificCredential(
  client: IAMClient,
  userName: string,
  credentialId: string,
): Promise<void> {
  await client.send(
    new DeleteServiceSpecificCredentialCommand({
      UserName: userName,
      ServiceSpecificCredentialId: credentialId,
    }),
  );
}

/**
 * True when IAM says a ServiceName is not one it issues credentials for in this partition: the
 * model's NotSupportedService, or NoSuchEntity, which real IAM answers ("No such service … is
 * supported for Service Specific Credentials").
 */
export function isServiceNotSupported(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { Code } = error as { Code?: unknown };
  return (
    error.name === 'ServiceNotSupportedException' ||
    Code === 'NotSupportedService' ||
    isNoSuchEntity(error)
  );
}
