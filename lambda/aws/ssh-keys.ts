import {
  DeleteSSHPublicKeyCommand,
  GetSSHPublicKeyCommand,
  type IAMClient,
  paginateListSSHPublicKeys,
  UpdateSSHPublicKeyCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import type { SshKeyContent } from '../core/credential';
import { readSshPublicKey } from '../core/ssh-key';
import { isNoSuchEntity } from './iam';

/**
 * An SSH public key as the audit sees it. Its body (public material, as a certificate's is) is
 * read here, once, into `key`, and goes only into the change record written before the key is
 * changed (so a deletion can be undone by uploading it again), never into a finding or a log.
 */
export interface SshPublicKey {
  readonly userName: string;
  readonly sshPublicKeyId: string;
  /** Active, Inactive or Expired. */
  readonly status: string;
  /** Absent only if IAM omitted it, which the audit reports as an error. */
  readonly uploadDate: Date | undefined;
  readonly key: SshKeyContent;
  /** The body as GetSSHPublicKey returned it in the SSH encoding ('' if IAM omitted it). */
  readonly body: string;
}

/**
 * All of one user's SSH public keys, with their bodies: ListSSHPublicKeys through the SDK
 * paginator (metadata only), then GetSSHPublicKey for each key's body (Encoding SSH: the
 * `ssh-rsa` line; the record keeps it, and its size is checked). A key deleted between the two
 * calls (NoSuchEntity) is left out: it is gone.
 */
export async function listSshPublicKeys(
  client: IAMClient,
  userName: string,
): Promise<SshPublicKey[]> {
  const listed: { id: string; status: string; uploadDate: Date | undefined }[] = [];
  for await (const page of paginateListSSHPublicKeys({ client }, { UserName: userName })) {
    for (const key of page.SSHPublicKeys ?? []) {
      if (key.SSHPublicKeyId === undefined) continue;
      listed.push({
        id: key.SSHPublicKeyId,
        status: key.Status ?? 'Unknown',
        uploadDate: key.UploadDate,
      });
    }
  }
  const keys: SshPublicKey[] = [];
  for (const { id, status, uploadDate } of listed) {
    let body: string | undefined;
    try {
      const { SSHPublicKey } = await client.send(
        new GetSSHPublicKeyCommand({ UserName: userName, SSHPublicKeyId: id, Encoding: 'SSH' }),
      );
      body = SSHPublicKey?.SSHPublicKeyBody;
    } catch (error: unknown) {
      if (isNoSuchEntity(error)) continue;
      throw error;
    }
    keys.push({
      userName,
      sshPublicKeyId: id,
      status,
      uploadDate,
      key: readSshPublicKey(body),
      body: body ?? '',
    });
  }
  return keys;
}

/** Sets one SSH public key's status, by id, always naming the user (without it IAM acts on the caller). */
export async function setSshPublicKeyStatus(
  client: IAMClient,
  userName: string,
  sshPublicKeyId: string,
  status: 'Active' | 'Inactive',
): Promise<void> {
  await client.send(
    new UpdateSSHPublicKeyCommand({
      UserName: userName,
      SSHPublicKeyId: sshPublicKeyId,
      Status: status,
    }),
  );
}

/** Deletes one SSH public key, by id; never "all of a user's keys". */
export async function deleteSshPublicKey(
  client: IAMClient,
  userName: string,
  sshPublicKeyId: string,
): Promise<void> {
  await client.send(
    new DeleteSSHPublicKeyCommand({ UserName: userName, SSHPublicKeyId: sshPublicKeyId }),
  );
}

/**
 * Uploads an SSH public key body for a user (restore only: no deployed role is ever granted it);
 * IAM gives it a new id and leaves it Active. Returns the new id.
 */
export async function uploadSshPublicKey(
  client: IAMClient,
  userName: string,
  body: string,
): Promise<string> {
  const { SSHPublicKey } = await client.send(
    new UploadSSHPublicKeyCommand({ UserName: userName, SSHPublicKeyBody: body }),
  );
  if (SSHPublicKey?.SSHPublicKeyId === undefined) {
    throw new Error('UploadSSHPublicKey answered without a key id');
  }
  return SSHPublicKey.SSHPublicKeyId;
}
