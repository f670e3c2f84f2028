import type { AwsSecurityFinding, SeverityLabel } from '@aws-sdk/client-securityhub';
import { isFailing, VERDICTS } from '../core/checks/table';
import {
  credentialIdOf,
  credentialPhrase,
  credentialTypeOf,
  forKind,
  KIND_WORDING,
} from '../core/credential-wording';
import type { FindingExemption } from '../core/exemptions';
import { FINDING_ID_PREFIX, findingId, findingSubject, stillUsable } from '../core/finding-id';
import { type Finding, highestSeverity, type Report, type Severity } from '../core/report';

/**
 * Security Hub's own findings format (ASFF, AWS Security Finding Format). What decides the
 * mapping, from the Security Hub User Guide ("AWS Security Finding Format (ASFF)",
 * https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html,
 * and BatchImportFindings in the API Reference):
 * - required: SchemaVersion, Id, ProductArn, GeneratorId, AwsAccountId, CreatedAt, UpdatedAt,
 *   Title (≤ 256), Description (≤ 1024), Resources (1–32), Severity, Types;
 * - the ProductArn of one's own findings is `arn:<partition>:securityhub:<region>:<account>:
 *   product/<account>/default`, its region the endpoint's, the calling account AwsAccountId;
 * - a finding is updated by importing the same Id with a newer UpdatedAt; CreatedAt stays the
 *   first; Workflow, Note and UserDefinedFields are the customer's after creation, so an import
 *   never sets them; the provider's severity and types go in FindingProviderFields too;
 * - at most 100 findings and 6 MB a call, 240 KB a finding.
 */
export const ASFF_SCHEMA_VERSION = '2018-10-08';
/** The finding type of every check: a security best practice about a credential. */
export const ASFF_TYPES = ['Software and Configuration Checks/AWS Security Best Practices'];
/** BatchImportFindings' limit of findings per call. */
export const MAX_FINDINGS_PER_CALL = 100;
/** BatchImportFindings' limit per call, with margin for the request's own envelope. */
export const MAX_BYTES_PER_CALL = 6 * 1024 * 1024 - 64 * 1024;
/** Security Hub's limit per finding. */
export const MAX_BYTES_PER_FINDING = 240 * 1024;
/** The prefix of every Id and GeneratorId this product writes: the sweep's first filter. */
export const ID_PREFIX = FINDING_ID_PREFIX;

/** Our severities in ASFF's labels. */
const LABELS: Readonly<Record<Severity, SeverityLabel>> = {
  CRITICAL: 'CRITICAL',
  HIGH: 'HIGH',
  MEDIUM: 'MEDIUM',
  LOW: 'LOW',
  INFO: 'INFORMATIONAL',
};

/** Where the findings go: Security Hub's home region and the partition. */
export interface AsffTarget {
  readonly region: string;
  readonly partition: string;
}

/** The ProductArn of an account's own findings in a region. */
export function productArn(target: AsffTarget, accountId: string): string {
  return `arn:${target.partition}:securityhub:${target.region}:${accountId}:product/${accountId}/default`;
}

/**
 * The stable Id of the finding of one check on one credential (or on the account, for root):
 * built from the account, the credential (a certificate's id as ever; `<kind>/<id>` for another
 * kind) and the check, never the user name, since users can be renamed. The same identity as
 * the OCSF records' finding uid (core/finding-id.ts).
 */
export function asffId(accountId: string, subject: string, checkId: string): string {
  return findingId(accountId, subject, checkId);
}

/** Whether an ASFF finding is one this product wrote for this account (the sweep's client filter). */
export function isOurs(finding: AwsSecurityFinding, accountId: string, product: string): boolean {
  return (
    finding.ProductArn === product &&
    finding.AwsAccountId === accountId &&
    (finding.Id ?? '').startsWith(`${ID_PREFIX}/${accountId}/`) &&
    (finding.GeneratorId ?? '').startsWith(`${ID_PREFIX}/`)
  );
}

/** The check an Id of ours names. */
export function checkOfId(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}

/**
 * The report's findings as ASFF, one per (credential, check), whatever the credential's kind:
 * the content check's verdicts on one certificate are one finding at the highest of their
 * severities. A finding whose credential can no longer be used (Inactive or Expired when listed,
 * deactivated, deleted, gone) is imported resolved: Compliance PASSED, RecordState ARCHIVED. Engine verdicts (ERROR,
 * NOT_EVALUATED) are about the run, not the account's posture: they stay in the report.
 * `createdAt` gives the CreatedAt of findings Security Hub already has.
 */
export function toAsffFindings(
  report: Report,
  target: AsffTarget,
  createdAt: ReadonlyMap<string, string> = new Map(),
): AwsSecurityFinding[] {
  const product = productArn(target, report.accountId);
  const groups = new Map<string, { check: string; findings: Finding[] }>();
  for (const finding of report.findings) {
    const check = VERDICTS[finding.verdict].check;
    if (check === 'engine') continue;
    const subject = findingSubject(finding);
    const id = asffId(report.accountId, subject, check);
    const group = groups.get(id) ?? { check, findings: [] };
    group.findings.push(finding);
    groups.set(id, group);
  }
  return [...groups.entries()].map(([id, { check, findings }]) =>
    toAsff(report, target, product, id, check, findings, createdAt.get(id)),
  );
}

function toAsff(
  report: Report,
  target: AsffTarget,
  product: string,
  id: string,
  check: string,
  findings: readonly Finding[],
  createdAt: string | undefined,
): AwsSecurityFinding {
  const [first] = findings as [Finding, ...Finding[]];
  const severity = highestSeverity(findings.map((f) => f.severity));
  const worst = findings.find((f) => f.severity === severity) ?? first;
  const spec = VERDICTS[worst.verdict];
  const type = credentialTypeOf(first);
  const resolved = !stillUsable(first);
  const failing = findings.some((f) => isFailing(f.verdict));
  const label = LABELS[severity];
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: id,
    ProductArn: product,
    GeneratorId: `${ID_PREFIX}/${check}`,
    AwsAccountId: report.accountId,
    Types: ASFF_TYPES,
    CreatedAt: createdAt ?? report.evaluatedAt,
    UpdatedAt: report.evaluatedAt,
    Severity: { Label: label, Original: severity },
    FindingProviderFields: { Severity: { Label: label, Original: severity }, Types: ASFF_TYPES },
    Title: clip(forKind(spec.title, type), 256),
    Description: clip(describe(first, findings), 1024),
    Remediation: { Recommendation: { Text: clip(forKind(spec.remediation, type), 512) } },
    ProductFields: {
      'signing-cert-audit/Verdicts': findings.map((f) => f.verdict).join(','),
      'signing-cert-audit/Action': first.action,
      'signing-cert-audit/RunId': clip(report.runId, 1024),
      // The kind, to filter on in the console (ProductFields is a filter): an addition.
      ...(type ? { 'signing-cert-audit/CredentialType': type } : {}),
      ...(first.serviceName ? { 'signing-cert-audit/ServiceName': first.serviceName } : {}),
      // An exemptions file entry's reason, approver, ticket and last day: what an auditor samples.
      ...exemptionFields(findings.find((f) => f.exemption)?.exemption),
    },
    Resources: resourcesOf(report, target, first),
    Compliance: { Status: resolved ? 'PASSED' : failing ? 'FAILED' : 'WARNING' },
    RecordState: resolved ? 'ARCHIVED' : 'ACTIVE',
  };
}

/** The ProductFields of an exemptions file entry (each value at most 2,048 characters). */
function exemptionFields(exemption: FindingExemption | null | undefined): Record<string, string> {
  if (!exemption) return {};
  return {
    'signing-cert-audit/ExemptionEntry': String(exemption.entry),
    'signing-cert-audit/ExemptionReason': clip(exemption.reason, 2048),
    'signing-cert-audit/ExemptionApprovedBy': clip(exemption.approvedBy, 2048),
    ...(exemption.ticket
      ? { 'signing-cert-audit/ExemptionTicket': clip(exemption.ticket, 2048) }
      : {}),
    'signing-cert-audit/ExemptionExpires': exemption.expires,
  };
}

/** Who and which credential (`User bob, SSH public key APKA… (Active, 400 days old)`), the verdicts, the action. */
function describe(first: Finding, findings: readonly Finding[]): string {
  const type = credentialTypeOf(first);
  const who =
    first.verdict === 'ROOT_SIGNING_CERTIFICATE'
      ? 'The root user'
      : `User ${first.userName}, ${credentialPhrase(first) ?? `certificate ${first.certificateId}`} (${first.status}${first.ageDays === null ? '' : `, ${first.ageDays} days old`})`;
  const what = findings
    .map((f) => `${f.verdict}: ${f.detail ?? forKind(VERDICTS[f.verdict].when, type)}`)
    .join('; ');
  return `${who}. ${what}. Action this run: ${first.action}.`;
}

/**
 * The IAM user and the credential itself (as `Other`, its id the user's ARN, the kind and the
 * credential id). A certificate's details are those it always had; another kind's name the
 * kind, the id, its status and when it was made, and a service credential's service.
 */
function resourcesOf(report: Report, target: AsffTarget, first: Finding) {
  if (first.verdict === 'ROOT_SIGNING_CERTIFICATE') {
    return [
      {
        Type: 'AwsAccount',
        Id: `AWS::::Account:${report.accountId}`,
        Partition: target.partition as 'aws',
        Region: target.region,
      },
    ];
  }
  const user = {
    Type: 'AwsIamUser',
    Id: first.userArn,
    Partition: target.partition as 'aws',
    Region: target.region,
    Details: { AwsIamUser: { UserName: first.userName } },
  };
  const type = credentialTypeOf(first) ?? 'signing-certificate';
  if (type === 'signing-certificate') {
    return [
      user,
      {
        Type: 'Other',
        Id: `${first.userArn}/signing-certificate/${first.certificateId}`,
        Partition: target.partition as 'aws',
        Region: target.region,
        Details: {
          Other: {
            CertificateId: first.certificateId ?? '',
            Status: first.status ?? '',
            UploadDate: first.uploadDate ?? '',
            Fingerprint: first.certificate?.fingerprint256 ?? '',
          },
        },
      },
    ];
  }
  const id = credentialIdOf(first) ?? '';
  const made = KIND_WORDING[type].made === 'created' ? 'CreateDate' : 'UploadDate';
  // Only the facts the finding has: an empty value says nothing a missing one does not.
  const details: Record<string, string> = Object.fromEntries(
    Object.entries({
      CredentialType: type,
      CredentialId: id,
      ServiceName: first.serviceName,
      Status: first.status,
      [made]: first.uploadDate,
    }).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  return [
    user,
    {
      Type: 'Other',
      Id: `${first.userArn}/${type}/${id}`,
      Partition: target.partition as 'aws',
      Region: target.region,
      Details: { Other: details },
    },
  ];
}

/** The archived twin of a finding Security Hub holds but this run no longer produced. */
export function resolvedTwin(existing: AwsSecurityFinding, at: string): AwsSecurityFinding {
  return {
    ...existing,
    UpdatedAt: at,
    Compliance: { Status: 'PASSED' },
    RecordState: 'ARCHIVED',
    // The customer's fields are never imported: Security Hub would ignore them anyway.
    Workflow: undefined,
    Note: undefined,
    UserDefinedFields: undefined,
  };
}

/** Groups findings into BatchImportFindings calls: at most 100 and the size limit per call. */
export function batches(findings: readonly AwsSecurityFinding[]): AwsSecurityFinding[][] {
  const out: AwsSecurityFinding[][] = [];
  let current: AwsSecurityFinding[] = [];
  let bytes = 0;
  for (const finding of findings) {
    const size = Buffer.byteLength(JSON.stringify(finding));
    if (size > MAX_BYTES_PER_FINDING) {
      throw new RangeError(`finding ${finding.Id} is ${size} bytes, over Security Hub's limit`);
    }
    if (current.length === MAX_FINDINGS_PER_CALL || bytes + size > MAX_BYTES_PER_CALL) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(finding);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
