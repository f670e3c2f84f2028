import type { IAMClient } from '@aws-sdk/client-iam';
import {
  deleteServiceSpecificCredential,
  isServiceNotSupported,
  listServiceSpecificCredentials,
  type ServiceSpecificCredential,
  setServiceSpecificCredentialStatus,
} from '../aws/service-credentials';
import type { Credential } from '../core/credential';
import { CREDENTIAL_SERVICES } from '../core/credential-services';
import type { CredentialKind } from './kind';

/** A service-specific credential as the engine holds every credential: no body, ever. */
export function serviceCredential(credential: ServiceSpecificCredential): Credential {
  return {
    type: 'service-specific-credential',
    userName: credential.userName,
    credentialId: credential.credentialId,
    status: credential.status,
    uploadDate: credential.createDate,
    serviceName: credential.serviceName,
    expiresAt: credential.expirationDate ?? null,
    // IAM shows the secret once, at creation: there is nothing public to keep.
    body: '',
  };
}

/**
 * The account's service-specific credentials, of every service, in a few paged calls:
 * `AllUsers` for each service IAM documents (the API Reference: "returns all credentials
 * associated with the specified service"), then once without a ServiceName ("If not specified,
 * then AWS returns service-specific credentials for all services"), for any service not yet
 * known here. A known service IAM does not serve in this partition lists none.
 */
export async function listAccountServiceCredentials(iam: IAMClient): Promise<Credential[]> {
  const found = new Map<string, Credential>();
  const add = (credentials: readonly ServiceSpecificCredential[]) => {
    for (const credential of credentials) {
      if (!found.has(credential.credentialId)) {
        found.set(credential.credentialId, serviceCredential(credential));
      }
    }
  };
  for (const serviceName of Object.keys(CREDENTIAL_SERVICES)) {
    try {
      add(await listServiceSpecificCredentials(iam, { allUsers: true, serviceName }));
    } catch (error: unknown) {
      if (!isServiceNotSupported(error)) throw error;
    }
  }
  add(await listServiceSpecificCredentials(iam, { allUsers: true }));
  return [...found.values()];
}

/**
 * Service-specific credentials (Amazon Bedrock and CloudWatch Logs API keys, CodeCommit and
 * Keyspaces passwords, and any other service IAM issues them for): listed account-wide with
 * `AllUsers`, or one user's at a time (a users-scoped run; a deployment under a path prefix, as
 * `AllUsers` has no path and would read every user's). At most two per service per user. IAM
 * never returns a secret again, so a deletion is final: restore can only reactivate.
 */
export const serviceSpecificCredentials: CredentialKind = {
  type: 'service-specific-credential',
  label: 'service-specific credential',
  listing: 'account-wide',
  // IAM's quota is per service per user; restore never creates one, so it never meets it.
  perUserLimit: 2,
  restore: 'reactivate-only',
  actions: {
    read: ['iam:ListServiceSpecificCredentials'],
    deactivate: ['iam:UpdateServiceSpecificCredential'],
    delete: ['iam:DeleteServiceSpecificCredential'],
    restore: ['iam:UpdateServiceSpecificCredential'],
  },
  listUser: async (iam, userName) =>
    (await listServiceSpecificCredentials(iam, { userName })).map(serviceCredential),
  listAccount: listAccountServiceCredentials,
  setStatus: setServiceSpecificCredentialStatus,
  remove: deleteServiceSpecificCredential,
};
