import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../lambda/core/report';
import {
  asffId,
  batches,
  MAX_BYTES_PER_CALL,
  productArn,
  resolvedTwin,
  toAsffFindings,
} from '../../../lambda/sinks/asff';
import { problemsOf, validateRequests } from '../../../tools/emulator/service-model';
import { ACCOUNT_ID, findingOf, NOW, reportOf as sharedReportOf } from '../fixtures';
import { bedrockKeyFinding, EVERY_KIND, everyKindPolicy, sshKeyFinding } from '../kind-findings';

const TARGET = { region: 'eu-west-1', partition: 'aws' };
const PRODUCT = `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:product/${ACCOUNT_ID}/default`;
const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

const finding = (overrides: Partial<Finding>): Finding =>
  findingOf({ userArn: `arn:aws:iam::${ACCOUNT_ID}:user/eng/alice`, ...overrides });

const reportOf = (findings: Finding[]) =>
  sharedReportOf(findings, { usersScanned: 1, certificatesScanned: 1 });

/** The ASFF rules BatchImportFindings enforces, as this product's findings must meet them. */
function expectValid(asff: AwsSecurityFinding): void {
  for (const field of [
    'SchemaVersion',
    'Id',
    'ProductArn',
    'GeneratorId',
    'AwsAccountId',
    'CreatedAt',
    'UpdatedAt',
    'Title',
    'Description',
    'Resources',
    'Severity',
    'Types',
  ] as const) {
    expect(asff[field], field).toBeDefined();
  }
  expect(asff.SchemaVersion).toBe('2018-10-08');
  expect(asff.ProductArn).toBe(PRODUCT);
  expect(asff.AwsAccountId).toBe(ACCOUNT_ID);
  expect(asff.Title?.length).toBeLessThanOrEqual(256);
  expect(asff.Description?.length).toBeLessThanOrEqual(1024);
  expect(asff.Remediation?.Recommendation?.Text?.length).toBeLessThanOrEqual(512);
  expect(asff.Resources?.length).toBeGreaterThanOrEqual(1);
  expect(asff.Resources?.length).toBeLessThanOrEqual(32);
  expect(SEVERITY_LABELS).toContain(asff.Severity?.Label);
  expect(asff.FindingProviderFields?.Severity?.Label).toBe(asff.Severity?.Label);
  expect(asff.Types).toEqual(['Software and Configuration Checks/AWS Security Best Practices']);
  expect(['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']).toContain(asff.Compliance?.Status);
  expect(['ACTIVE', 'ARCHIVED']).toContain(asff.RecordState);
  expect(Date.parse(asff.CreatedAt ?? '')).not.toBeNaN();
  expect(asff.Workflow).toBeUndefined();
  expect(asff.Note).toBeUndefined();
  expect(asff.UserDefinedFields).toBeUndefined();
  expect(Buffer.byteLength(JSON.stringify(asff))).toBeLessThan(240 * 1024);
}

describe('toAsffFindings', () => {
  it('maps an over-age Active certificate to a valid FAILED finding with a stable Id', () => {
    const [asff] = toAsffFindings(reportOf([finding({})]), TARGET);

    expectValid(asff as AwsSecurityFinding);
    expect(asff).toMatchObject({
      Id: `signing-cert-audit/${ACCOUNT_ID}/CERTALICE0000000000000001/age`,
      GeneratorId: 'signing-cert-audit/age',
      Severity: { Label: 'HIGH' },
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Resources: [
        {
          Type: 'AwsIamUser',
          Id: `arn:aws:iam::${ACCOUNT_ID}:user/eng/alice`,
          Region: 'eu-west-1',
        },
        {
          Type: 'Other',
          Id: `arn:aws:iam::${ACCOUNT_ID}:user/eng/alice/signing-certificate/CERTALICE0000000000000001`,
          Details: {
            Other: {
              CertificateId: 'CERTALICE0000000000000001',
              Status: 'Active',
              Fingerprint: 'AB:CD',
            },
          },
        },
      ],
    });
    expect(asff?.Remediation?.Recommendation?.Text).toMatch(/^Rotate the certificate/);
  });

  it('keeps the Id when the user is renamed: it never names the user', () => {
    const [before] = toAsffFindings(reportOf([finding({})]), TARGET);
    const [after] = toAsffFindings(reportOf([finding({ userName: 'alice-renamed' })]), TARGET);

    expect(after?.Id).toBe(before?.Id);
  });

  it('makes one finding per certificate and check: content verdicts together, at the worst severity', () => {
    const findings = toAsffFindings(
      reportOf([
        finding({}),
        finding({ verdict: 'WEAK_KEY', severity: 'MEDIUM', ageDays: null }),
        finding({ verdict: 'CERT_EXPIRED', severity: 'HIGH', ageDays: null }),
      ]),
      TARGET,
    );

    expect(findings.map((f) => f.Id?.split('/').at(-1)).sort()).toEqual(['age', 'content']);
    expect(findings.find((f) => f.Id?.endsWith('/content'))).toMatchObject({
      Severity: { Label: 'HIGH' },
      ProductFields: { 'signing-cert-audit/Verdicts': 'CERT_EXPIRED,WEAK_KEY' },
    });
    for (const asff of findings) expectValid(asff);
  });

  it.each([
    ['Inactive when listed', { status: 'Inactive', severity: 'MEDIUM' as const }],
    ['deactivated this run', { action: 'DEACTIVATED' as const }],
    ['deleted this run', { action: 'DELETED' as const }],
    ['gone', { action: 'GONE' as const }],
  ])('imports a certificate %s resolved: PASSED and ARCHIVED', (_case, overrides) => {
    const [asff] = toAsffFindings(reportOf([finding(overrides)]), TARGET);

    expect(asff).toMatchObject({ Compliance: { Status: 'PASSED' }, RecordState: 'ARCHIVED' });
  });

  it('reports the root certificate on the account, at CRITICAL, and leaves engine errors out', () => {
    const findings = toAsffFindings(
      reportOf([
        finding({
          userName: '<root>',
          userArn: `arn:aws:iam::${ACCOUNT_ID}:root`,
          certificateId: null,
          status: null,
          verdict: 'ROOT_SIGNING_CERTIFICATE',
          severity: 'CRITICAL',
        }),
        finding({ verdict: 'ERROR', certificateId: null, severity: 'MEDIUM' }),
      ]),
      TARGET,
    );

    expect(findings).toHaveLength(1);
    expectValid(findings[0] as AwsSecurityFinding);
    expect(findings[0]).toMatchObject({
      Id: `signing-cert-audit/${ACCOUNT_ID}/root/root`,
      Severity: { Label: 'CRITICAL' },
      Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT_ID}` }],
      RecordState: 'ACTIVE',
    });
  });

  it('keeps the CreatedAt Security Hub already has, and moves UpdatedAt', () => {
    const id = asffId(ACCOUNT_ID, 'CERTALICE0000000000000001', 'age');

    const [asff] = toAsffFindings(
      reportOf([finding({})]),
      TARGET,
      new Map([[id, '2025-01-01T00:00:00.000Z']]),
    );

    expect(asff).toMatchObject({
      CreatedAt: '2025-01-01T00:00:00.000Z',
      UpdatedAt: NOW.toISOString(),
    });
  });

  it('clips a long user name and detail to ASFF limits', () => {
    const [asff] = toAsffFindings(
      reportOf([finding({ userName: 'u'.repeat(64), detail: 'x'.repeat(5000) })]),
      TARGET,
    );

    expectValid(asff as AwsSecurityFinding);
  });
});

describe('toAsffFindings: every kind of credential', () => {
  const ALICE = `arn:aws:iam::${ACCOUNT_ID}:user/eng/alice`;
  const kindsReport = (findings: Finding[]) =>
    sharedReportOf(findings, { policy: everyKindPolicy(), usersScanned: 1 });

  it('names an SSH key in the Id, the title, the description and the resource', () => {
    const [asff] = toAsffFindings(kindsReport([sshKeyFinding({ userArn: ALICE })]), TARGET);

    expectValid(asff as AwsSecurityFinding);
    expect(asff).toMatchObject({
      Id: `signing-cert-audit/${ACCOUNT_ID}/ssh-public-key/APKAALICE000000000001/age`,
      GeneratorId: 'signing-cert-audit/age',
      Title: 'IAM SSH public key older than the maximum age',
      Description: expect.stringMatching(
        /^User alice, SSH public key APKAALICE000000000001 \(Active, 326 days old\)\. NON_COMPLIANT: uploaded more than `maxAgeDays` ago\./,
      ),
      ProductFields: { 'signing-cert-audit/CredentialType': 'ssh-public-key' },
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Resources: [
        { Type: 'AwsIamUser', Id: ALICE },
        {
          Type: 'Other',
          Id: `${ALICE}/ssh-public-key/APKAALICE000000000001`,
          Details: {
            Other: {
              CredentialType: 'ssh-public-key',
              CredentialId: 'APKAALICE000000000001',
              Status: 'Active',
              UploadDate: '2026-01-01T00:00:00.000Z',
            },
          },
        },
      ],
    });
    expect(asff?.Remediation?.Recommendation?.Text).toMatch(
      /^Rotate the SSH public key: upload a new one with `aws iam upload-ssh-public-key`/,
    );
    expect(JSON.stringify(asff)).not.toMatch(/certificate/i);
  });

  it('names a Bedrock API key’s service, and when it was created', () => {
    const [asff] = toAsffFindings(kindsReport([bedrockKeyFinding({ userArn: ALICE })]), TARGET);

    expectValid(asff as AwsSecurityFinding);
    expect(asff).toMatchObject({
      Id: `signing-cert-audit/${ACCOUNT_ID}/service-specific-credential/ACCAALICE000000000001/age`,
      Title: 'IAM service-specific credential older than the maximum age',
      Description: expect.stringContaining(
        'User alice, service-specific credential ACCAALICE000000000001 for bedrock.amazonaws.com (Active, 326 days old)',
      ),
      ProductFields: {
        'signing-cert-audit/CredentialType': 'service-specific-credential',
        'signing-cert-audit/ServiceName': 'bedrock.amazonaws.com',
      },
      Resources: [
        { Type: 'AwsIamUser' },
        {
          Type: 'Other',
          Id: `${ALICE}/service-specific-credential/ACCAALICE000000000001`,
          Details: {
            Other: {
              CredentialType: 'service-specific-credential',
              CredentialId: 'ACCAALICE000000000001',
              ServiceName: 'bedrock.amazonaws.com',
              Status: 'Active',
              CreateDate: '2026-01-01T00:00:00.000Z',
            },
          },
        },
      ],
    });
    expect(JSON.stringify(asff)).not.toMatch(/certificate/i);
  });

  it('keeps a certificate’s Id, title and resource as they were (the control)', () => {
    const [asff] = toAsffFindings(kindsReport([findingOf({ userArn: ALICE })]), TARGET);

    expect(asff).toMatchObject({
      Id: `signing-cert-audit/${ACCOUNT_ID}/CERTALICE0000000000000001/age`,
      Title: 'IAM signing certificate older than the maximum age',
      ProductFields: { 'signing-cert-audit/CredentialType': 'signing-certificate' },
      Resources: [
        { Type: 'AwsIamUser' },
        {
          Id: `${ALICE}/signing-certificate/CERTALICE0000000000000001`,
          Details: { Other: { CertificateId: 'CERTALICE0000000000000001', Fingerprint: 'AB:CD' } },
        },
      ],
    });
  });

  it('makes one finding per kind and id: the same id in two kinds is two findings', () => {
    const id = 'SAMEID0000000000000000001';
    const findings = toAsffFindings(
      kindsReport([
        findingOf({ certificateId: id, credentialId: id }),
        sshKeyFinding({ credentialId: id }),
        bedrockKeyFinding({ credentialId: id }),
      ]),
      TARGET,
    );

    expect(new Set(findings.map((f) => f.Id)).size).toBe(3);
  });

  it('imports every kind as a request botocore’s model of BatchImportFindings accepts', () => {
    const findings = toAsffFindings(
      kindsReport([
        findingOf({ userArn: ALICE }),
        sshKeyFinding({ userArn: ALICE }),
        bedrockKeyFinding({ userArn: ALICE, status: 'Expired', severity: 'MEDIUM' }),
      ]),
      TARGET,
    );

    expect(findings).toHaveLength(3);
    expect(
      problemsOf(validateRequests('securityhub', 'BatchImportFindings', [{ Findings: findings }])),
    ).toEqual([]);
    // The control: the model refuses a finding without its Resources.
    const broken = findings.map(({ Resources: _resources, ...rest }) => rest);
    expect(
      problemsOf(validateRequests('securityhub', 'BatchImportFindings', [{ Findings: broken }])),
    ).not.toEqual([]);
  });

  it.each(EVERY_KIND)('reports a %s FAILED only while it can be used', (_type, of) => {
    const statusOf = (overrides: Partial<Finding>) => {
      const [asff] = toAsffFindings(kindsReport([of(overrides)]), TARGET);
      return [asff?.Compliance?.Status, asff?.RecordState];
    };

    expect(statusOf({ status: 'Active' })).toEqual(['FAILED', 'ACTIVE']);
    expect(statusOf({ status: 'Inactive', severity: 'MEDIUM' })).toEqual(['PASSED', 'ARCHIVED']);
    expect(statusOf({ status: 'Expired', severity: 'MEDIUM' })).toEqual(['PASSED', 'ARCHIVED']);
    expect(statusOf({ action: 'DEACTIVATED' })).toEqual(['PASSED', 'ARCHIVED']);
    expect(statusOf({ action: 'DELETED' })).toEqual(['PASSED', 'ARCHIVED']);
    expect(statusOf({ action: 'WITHHELD' })).toEqual(['FAILED', 'ACTIVE']);
  });
});

describe('batches', () => {
  it('puts at most 100 findings in a call', () => {
    const findings = toAsffFindings(
      reportOf(
        Array.from({ length: 250 }, (_, i) =>
          finding({ certificateId: `CERT${String(i).padStart(24, '0')}` }),
        ),
      ),
      TARGET,
    );

    expect(batches(findings).map((batch) => batch.length)).toEqual([100, 100, 50]);
  });

  it('starts a new call before the size limit', () => {
    const big = { Id: 'x', Description: 'd'.repeat(200 * 1024) } as AwsSecurityFinding;

    const calls = batches(Array.from({ length: 40 }, () => big));

    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) {
      expect(Buffer.byteLength(JSON.stringify(call))).toBeLessThanOrEqual(MAX_BYTES_PER_CALL + 64);
    }
  });

  it('refuses a finding over 240 KB', () => {
    expect(() =>
      batches([{ Id: 'x', Description: 'd'.repeat(250 * 1024) } as AwsSecurityFinding]),
    ).toThrow(/over Security Hub's limit/);
  });
});

describe('resolvedTwin', () => {
  it('archives an existing finding as PASSED without the customer’s fields', () => {
    const existing: AwsSecurityFinding = {
      Id: 'x',
      ProductArn: productArn(TARGET, ACCOUNT_ID),
      Workflow: { Status: 'NOTIFIED' },
      Note: { Text: 'mine', UpdatedBy: 'me', UpdatedAt: 'then' },
      RecordState: 'ACTIVE',
    } as AwsSecurityFinding;

    expect(resolvedTwin(existing, '2026-12-01T00:00:00.000Z')).toMatchObject({
      Id: 'x',
      UpdatedAt: '2026-12-01T00:00:00.000Z',
      Compliance: { Status: 'PASSED' },
      RecordState: 'ARCHIVED',
      Workflow: undefined,
      Note: undefined,
    });
  });
});

describe('toAsffFindings: an exemptions file entry', () => {
  it('carries the entry, reason, approver, ticket and last day of an exempt credential in ProductFields', () => {
    const exemption = {
      entry: 4,
      reason: 'vendor appliance',
      approvedBy: 'sec@example.com',
      ticket: 'SEC-7',
      expires: '2027-03-31',
    };
    const [exempt, plain] = toAsffFindings(
      reportOf([
        finding({ verdict: 'EXEMPT', severity: 'INFO', exemption }),
        finding({
          verdict: 'EXEMPT',
          severity: 'INFO',
          certificateId: 'CERTOTHER00000000000001',
          credentialId: 'CERTOTHER00000000000001',
        }),
      ]),
      TARGET,
    );

    expectValid(exempt as AwsSecurityFinding);
    expect(exempt?.ProductFields).toMatchObject({
      'signing-cert-audit/ExemptionEntry': '4',
      'signing-cert-audit/ExemptionReason': 'vendor appliance',
      'signing-cert-audit/ExemptionApprovedBy': 'sec@example.com',
      'signing-cert-audit/ExemptionTicket': 'SEC-7',
      'signing-cert-audit/ExemptionExpires': '2027-03-31',
    });
    // Control: an exemption by tag has no entry to carry.
    expect(Object.keys(plain?.ProductFields ?? {}).filter((k) => k.includes('Exemption'))).toEqual(
      [],
    );
  });
});
