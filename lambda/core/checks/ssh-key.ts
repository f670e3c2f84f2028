import { SSH_MIN_RSA_BITS } from '../ssh-key';
import type { CertificateCheck, Outcome } from './check';

type SshKeyVerdict = 'SSH_KEY_WEAK' | 'SSH_KEY_UNREADABLE';

/** Both verdicts count as one kind of issue, as the content check's do. */
const SSH_KEY_ISSUES = { key: 'sshKeyIssues', metric: 'SshKeyIssues' } as const;

const REPLACE = `Generate a new RSA key of at least ${SSH_MIN_RSA_BITS} bits (\`ssh-keygen -t rsa -b 4096\`), upload it with \`aws iam upload-ssh-public-key\`, move whatever uses this key (a CodeCommit client) to the new one, then delete this one with \`aws iam delete-ssh-public-key\`.`;

/**
 * What is inside an IAM user's SSH public key, read once from its body (ssh-key.ts): IAM takes
 * only RSA keys of at least 2048 bits, so a key that is not RSA, shorter, or unreadable should
 * never be there; if IAM ever returns one, it is flagged. Report-only: it never causes a change
 * by itself (remediation stays driven by age).
 */
export const sshKeyCheck: CertificateCheck<SshKeyVerdict, 'sshKeyIssues'> = {
  id: 'ssh-key',
  scope: 'certificate',
  description: `SSH public keys are RSA keys of at least ${SSH_MIN_RSA_BITS} bits`,
  kinds: ['ssh-public-key'],
  usesUserRules: false,
  verdicts: {
    SSH_KEY_WEAK: {
      title: `IAM SSH public key that is not RSA of at least ${SSH_MIN_RSA_BITS} bits`,
      when: `an SSH public key that is not RSA, or RSA under ${SSH_MIN_RSA_BITS} bits (or of a size that cannot be told)`,
      severity: 'MEDIUM',
      remediation: `IAM accepts only RSA keys of at least ${SSH_MIN_RSA_BITS} bits, yet holds this one: it is too weak, or of a kind IAM does not vouch for. ${REPLACE}`,
      failing: true,
      count: SSH_KEY_ISSUES,
    },
    SSH_KEY_UNREADABLE: {
      title: 'IAM SSH public key whose body cannot be read',
      when: 'the body GetSSHPublicKey returns is neither an OpenSSH public key nor a PEM public key',
      severity: 'MEDIUM',
      remediation: `IAM should never return an unreadable key (it checks every key on upload): find out what uploaded it, and whether anything still uses it. ${REPLACE}`,
      failing: true,
      count: SSH_KEY_ISSUES,
    },
  },
  evaluate(credential): Outcome<SshKeyVerdict>[] {
    if (credential.type !== 'ssh-public-key') return [];
    const { key } = credential;
    if (!key.parsed) {
      return [{ verdict: 'SSH_KEY_UNREADABLE', detail: key.reason, ageDays: null }];
    }
    if (key.algorithm !== 'rsa') {
      const size = key.bits === null ? '' : ` of ${key.bits} bits`;
      return [
        {
          verdict: 'SSH_KEY_WEAK',
          detail: `${key.algorithm} key${size}, not RSA; IAM takes RSA keys of at least ${SSH_MIN_RSA_BITS} bits`,
          ageDays: null,
        },
      ];
    }
    if (key.bits === null || key.bits < SSH_MIN_RSA_BITS) {
      const size = key.bits === null ? 'of unknown size' : `of ${key.bits} bits`;
      return [
        {
          verdict: 'SSH_KEY_WEAK',
          detail: `RSA key ${size}; at least ${SSH_MIN_RSA_BITS} required`,
          ageDays: null,
        },
      ];
    }
    return [];
  },
};
