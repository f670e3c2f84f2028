import { describe, expect, it } from 'vitest';
import { ACCOUNT_RULES } from '../../../../lambda/core/checks/check';
import { sshKeyCheck } from '../../../../lambda/core/checks/ssh-key';
import { CERTIFICATE_CHECKS, VERDICTS } from '../../../../lambda/core/checks/table';
import { METRIC_OF, SUMMARY_KEYS } from '../../../../lambda/core/counts';
import type { CredentialView, SshKeyContent } from '../../../../lambda/core/credential';
import { readSshPublicKey } from '../../../../lambda/core/ssh-key';
import { readCertificate } from '../../../../lambda/core/x509';
import { generateTestCertificate } from '../../../../tools/emulator/certs';
import { generateSshPublicKey } from '../../../../tools/emulator/ssh-keys';
import { daysAgo, NOW, policyWith } from '../../fixtures';

const CONTEXT = { now: NOW, policy: policyWith(), rules: ACCOUNT_RULES };

/** An SSH key as the checks see it, young and Active: only its content can be wrong. */
const sshKey = (key: SshKeyContent): CredentialView => ({
  type: 'ssh-public-key',
  status: 'Active',
  uploadDate: daysAgo(5),
  key,
});

describe('sshKeyCheck.evaluate', () => {
  it('finds nothing wrong with an RSA key of 2048 bits or more, in either encoding', () => {
    for (const body of [
      generateSshPublicKey(),
      generateSshPublicKey({ bits: 3072, encoding: 'pem' }),
    ]) {
      expect(sshKeyCheck.evaluate(sshKey(readSshPublicKey(body)), CONTEXT)).toEqual([]);
    }
  });

  it('flags an RSA key under 2048 bits, or of a size that cannot be told, as SSH_KEY_WEAK', () => {
    const short = sshKey(readSshPublicKey(generateSshPublicKey({ bits: 1024 })));

    expect(sshKeyCheck.evaluate(short, CONTEXT)).toEqual([
      {
        verdict: 'SSH_KEY_WEAK',
        detail: 'RSA key of 1024 bits; at least 2048 required',
        ageDays: null,
      },
    ]);
    expect(
      sshKeyCheck.evaluate(sshKey({ parsed: true, algorithm: 'rsa', bits: null }), CONTEXT),
    ).toEqual([
      {
        verdict: 'SSH_KEY_WEAK',
        detail: 'RSA key of unknown size; at least 2048 required',
        ageDays: null,
      },
    ]);
    // The boundary: 2047 bits is short, 2048 is not.
    expect(
      sshKeyCheck.evaluate(sshKey({ parsed: true, algorithm: 'rsa', bits: 2047 }), CONTEXT),
    ).toHaveLength(1);
    expect(
      sshKeyCheck.evaluate(sshKey({ parsed: true, algorithm: 'rsa', bits: 2048 }), CONTEXT),
    ).toEqual([]);
  });

  it('flags a key that is not RSA, however long, as SSH_KEY_WEAK', () => {
    expect(
      sshKeyCheck.evaluate(sshKey({ parsed: true, algorithm: 'ed25519', bits: 256 }), CONTEXT),
    ).toEqual([
      {
        verdict: 'SSH_KEY_WEAK',
        detail: 'ed25519 key of 256 bits, not RSA; IAM takes RSA keys of at least 2048 bits',
        ageDays: null,
      },
    ]);
    expect(
      sshKeyCheck.evaluate(sshKey({ parsed: true, algorithm: 'dsa', bits: 4096 }), CONTEXT),
    ).toMatchObject([{ verdict: 'SSH_KEY_WEAK' }]);
  });

  it('flags a body that cannot be read as SSH_KEY_UNREADABLE, with why', () => {
    expect(sshKeyCheck.evaluate(sshKey(readSshPublicKey('{"not": "a key"}')), CONTEXT)).toEqual([
      {
        verdict: 'SSH_KEY_UNREADABLE',
        detail: 'neither an OpenSSH public key line nor a PEM public key',
        ageDays: null,
      },
    ]);
  });

  it('says nothing of a credential of another kind', () => {
    const certificate: CredentialView = {
      type: 'signing-certificate',
      status: 'Active',
      uploadDate: daysAgo(5),
      content: readCertificate(generateTestCertificate({ key: 'rsa:1024' })),
    };

    expect(sshKeyCheck.evaluate(certificate, CONTEXT)).toEqual([]);
  });
});

describe('the ssh-key check in the check table', () => {
  it('is run for SSH public keys only, and is the only check besides age that is', () => {
    const forSshKeys = CERTIFICATE_CHECKS.filter((c) => c.kinds.includes('ssh-public-key'));

    expect(sshKeyCheck.kinds).toEqual(['ssh-public-key']);
    expect(forSshKeys.map((c) => c.id).sort()).toEqual(['age', 'ssh-key']);
  });

  it('gives its verdicts their rows: severity, failing, remediation saying IAM should never hold such a key', () => {
    expect(VERDICTS.SSH_KEY_WEAK).toMatchObject({
      check: 'ssh-key',
      scope: 'certificate',
      severity: 'MEDIUM',
      failing: true,
      count: { key: 'sshKeyIssues', metric: 'SshKeyIssues' },
    });
    expect(VERDICTS.SSH_KEY_UNREADABLE).toMatchObject({
      check: 'ssh-key',
      severity: 'MEDIUM',
      failing: true,
      count: { key: 'sshKeyIssues', metric: 'SshKeyIssues' },
    });
    expect(VERDICTS.SSH_KEY_UNREADABLE.remediation).toContain(
      'IAM should never return an unreadable key',
    );
    for (const verdict of ['SSH_KEY_WEAK', 'SSH_KEY_UNREADABLE'] as const) {
      expect(VERDICTS[verdict].remediation.length).toBeLessThanOrEqual(512);
      expect(VERDICTS[verdict].title.length).toBeLessThanOrEqual(256);
    }
  });

  it('adds its count to the summary and its metric to the run’s, after the first schema’s', () => {
    expect(SUMMARY_KEYS.at(-1)).toBe('sshKeyIssues');
    expect(METRIC_OF.sshKeyIssues).toBe('SshKeyIssues');
  });
});
