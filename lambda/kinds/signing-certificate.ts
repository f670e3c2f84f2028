import {
  deleteSigningCertificate,
  listSigningCertificates,
  type SigningCertificate,
  setSigningCertificateStatus,
  uploadSigningCertificate,
} from '../aws/iam';
import { certificateUploadable, fingerprintOf } from '../core/change-record';
import type { Credential } from '../core/credential';
import type { CredentialKind } from './kind';

/** A signing certificate as the engine holds every credential. */
export function certificateCredential(certificate: SigningCertificate): Credential {
  return {
    type: 'signing-certificate',
    userName: certificate.userName,
    credentialId: certificate.certificateId,
    status: certificate.status,
    uploadDate: certificate.uploadDate,
    content: certificate.content,
    body: certificate.body,
  };
}

/**
 * X.509 signing certificates: listed per user with their bodies (public material), at most two
 * a user; a deleted one is uploaded again from the body the record keeps.
 */
export const signingCertificates: CredentialKind = {
  type: 'signing-certificate',
  label: 'signing certificate',
  listing: 'per-user',
  perUserLimit: 2,
  restore: 'reupload',
  actions: {
    read: ['iam:ListSigningCertificates'],
    deactivate: ['iam:UpdateSigningCertificate'],
    delete: ['iam:DeleteSigningCertificate'],
    restore: ['iam:UploadSigningCertificate', 'iam:UpdateSigningCertificate'],
  },
  listUser: async (iam, userName) =>
    (await listSigningCertificates(iam, userName)).map(certificateCredential),
  setStatus: setSigningCertificateStatus,
  remove: deleteSigningCertificate,
  upload: uploadSigningCertificate,
  fingerprint: fingerprintOf,
  uploadable: certificateUploadable,
};
