import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../lambda/core/report';
import { renderDigest } from '../../../lambda/render/digest';
import { findingOf, reportOf } from '../fixtures';
import {
  bedrockKeyFinding,
  certificatesOnlyPolicy,
  everyKindPolicy,
  ofUser,
  sshKeyFinding,
} from '../kind-findings';

const kindsReport = (findings: Finding[]) => reportOf(findings, { policy: everyKindPolicy() });

/** The digest's table: from its header to the blank line after it. */
function tableOf(digest: string): string[] {
  const lines = digest.split('\n');
  const start = lines.findIndex((line) => line.startsWith('severity'));
  const end = lines.indexOf('', start);
  return lines.slice(start, end);
}

describe('renderDigest: every kind of credential', () => {
  const digest = renderDigest(
    kindsReport([
      findingOf(),
      ofUser('bob', sshKeyFinding()),
      ofUser('carol', bedrockKeyFinding({ status: 'Inactive', severity: 'MEDIUM' })),
    ]),
    undefined,
  );

  it('is a credential audit, counting the findings of each kind listed', () => {
    expect(digest.split('\n')[0]).toBe('IAM credential audit of account 123456789012');
    expect(digest).toContain(
      'Findings by kind: signing certificate 1, SSH public key 1, service-specific credential 1.',
    );
  });

  it('names each finding’s kind and credential in its table', () => {
    expect(tableOf(digest)).toEqual([
      'severity  user   kind                          credential                 age  verdict        action',
      '--------  -----  ----------------------------  -------------------------  ---  -------------  ------',
      'HIGH      alice  certificate                   CERTALICE0000000000000001  326  NON_COMPLIANT  NONE',
      'HIGH      bob    SSH key                       APKAALICE000000000001      326  NON_COMPLIANT  NONE',
      'MEDIUM    carol  service credential (bedrock)  ACCAALICE000000000001      326  NON_COMPLIANT  NONE',
    ]);
  });

  it('says what to do about each verdict of each kind, in the kind’s words', () => {
    const todo = digest.split('What to do:\n')[1]?.split('\n\n')[0]?.split('\n') ?? [];

    expect(todo).toHaveLength(3);
    expect(todo[0]).toMatch(/^- NON_COMPLIANT \(signing certificate\): Rotate the certificate: /);
    expect(todo[1]).toMatch(
      /^- NON_COMPLIANT \(SSH public key\): Rotate the SSH public key: upload a new one with `aws iam upload-ssh-public-key`/,
    );
    expect(todo[2]).toMatch(
      /^- NON_COMPLIANT \(service-specific credential\): Rotate the service-specific credential: create a new one with `aws iam create-service-specific-credential`/,
    );
  });

  it('reads as before for a certificates-only run (the control)', () => {
    const only = renderDigest(
      reportOf([findingOf()], { policy: certificatesOnlyPolicy() }),
      undefined,
    );

    expect(only.split('\n')[0]).toBe('Signing certificate audit of account 123456789012');
    expect(tableOf(only)[0]).toBe(
      'severity  user   certificate                age  verdict        action',
    );
    expect(only).not.toContain('Findings by kind');
    expect(only).toContain('- NON_COMPLIANT: Rotate the certificate');
  });

  it('says no credential failed on a clean run of every kind', () => {
    expect(renderDigest(kindsReport([]), undefined)).toContain(
      'No findings: every credential is within the policy.',
    );
  });
});
