import {
  deleteSshPublicKey,
  listSshPublicKeys,
  type SshPublicKey,
  setSshPublicKeyStatus,
  uploadSshPublicKey,
} from '../aws/ssh-keys';
import type { Credential } from '../core/credential';
import { sshKeyFingerprint, sshKeyUploadable } from '../core/ssh-key';
import type { CredentialKind } from './kind';

/** An SSH public key as the engine holds every credential. */
export function sshKeyCredential(key: SshPublicKey): Credential {
  return {
    type: 'ssh-public-key',
    userName: key.userName,
    credentialId: key.sshPublicKeyId,
    status: key.status,
    uploadDate: key.uploadDate,
    key: key.key,
    body: key.body,
  };
}

/**
 * SSH public keys (CodeCommit's): listed per user (no account-wide listing, and the credential
 * report has no column for them), each key's public body read with GetSSHPublicKey, at most five
 * a user. A deleted key is uploaded again from the body the record keeps: a new id, the same
 * fingerprint (the OpenSSH SHA-256 of the key, whichever encoding IAM returns).
 */
export const sshPublicKeys: CredentialKind = {
  type: 'ssh-public-key',
  label: 'SSH public key',
  listing: 'per-user',
  perUserLimit: 5,
  restore: 'reupload',
  actions: {
    read: ['iam:ListSSHPublicKeys', 'iam:GetSSHPublicKey'],
    deactivate: ['iam:UpdateSSHPublicKey'],
    delete: ['iam:DeleteSSHPublicKey'],
    restore: ['iam:UploadSSHPublicKey', 'iam:UpdateSSHPublicKey'],
  },
  listUser: async (iam, userName) => (await listSshPublicKeys(iam, userName)).map(sshKeyCredential),
  setStatus: setSshPublicKeyStatus,
  remove: deleteSshPublicKey,
  upload: uploadSshPublicKey,
  fingerprint: sshKeyFingerprint,
  uploadable: sshKeyUploadable,
};
