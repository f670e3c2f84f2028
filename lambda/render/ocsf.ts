import { CERTIFICATE_CHECKS, isCompliant, isFailing, VERDICTS } from '../core/checks/table';
import type { CredentialType } from '../core/credential';
import {
  credentialIdOf,
  credentialPhrase,
  credentialTypeOf,
  forKind,
  KIND_WORDING,
} from '../core/credential-wording';
import { describeExemption } from '../core/exemptions';
import { checkOf, findingId, findingSubject, stillUsable } from '../core/finding-id';
import {
  type Finding,
  highestSeverity,
  REPORT_SOURCE,
  type Report,
  ROOT_USER_NAME,
  type Severity,
} from '../core/report';

/**
 * The OCSF schema version the records follow, and are validated against in the tests (the
 * schema's own files, test/data/ocsf/1.5.0-dev/): `metadata.version` of every record.
 */
export const OCSF_VERSION = '1.5.0-dev';

/** The Compliance Finding class: category Findings (2), class 2003. */
export const OCSF_CLASS = {
  categoryUid: 2,
  categoryName: 'Findings',
  classUid: 2003,
  className: 'Compliance Finding',
} as const;

/** Activity 1, Create: each run reports what it found; a rerun repeats the finding's uid. */
const ACTIVITY = { id: 1, name: 'Create' } as const;

/** Our severities as OCSF's `severity_id` and its caption (the dictionary's enum). */
export const OCSF_SEVERITY: Readonly<Record<Severity, { id: number; caption: string }>> = {
  INFO: { id: 1, caption: 'Informational' },
  LOW: { id: 2, caption: 'Low' },
  MEDIUM: { id: 3, caption: 'Medium' },
  HIGH: { id: 4, caption: 'High' },
  CRITICAL: { id: 5, caption: 'Critical' },
};

/** The compliance object's `status_id` values the records use, with their captions. */
export const OCSF_COMPLIANCE_STATUS = {
  /** The check ran and the credential meets it: written only with `includeCompliant`. */
  pass: { id: 1, caption: 'Pass' },
  /** The check ran and the credential (or root) does not meet it. */
  fail: { id: 3, caption: 'Fail' },
  /** The check could not run: an engine ERROR, "missing information" in OCSF's words. */
  warning: { id: 2, caption: 'Warning' },
} as const;

/** The finding's own `status_id` (its life cycle) the records use, with their captions. */
export const OCSF_FINDING_STATUS = {
  /** Still to act on: the credential can still be used (or the check could not run). */
  new: { id: 1, caption: 'New' },
  /**
   * Nothing left to do: the credential was Inactive or Expired, or this run deactivated or
   * deleted it; or it passed the check (a PASS record).
   */
  resolved: { id: 4, caption: 'Resolved' },
  /** Reviewed and set aside: the credential is exempt (an exemptions file entry, or the exempt tag). */
  suppressed: { id: 3, caption: 'Suppressed' },
} as const;

/** The verdicts of an exempt credential: recorded as suppressed failures, with why in `comment`. */
const EXEMPT_VERDICTS: ReadonlySet<string> = new Set(['EXEMPT', 'EXEMPTION_EXPIRING']);

/**
 * The resource types the records name: the IAM user, the account (root), the certificate, and
 * each other kind of credential by its kind's resource type (core/credential-wording.ts).
 */
export const OCSF_RESOURCE_TYPES = {
  user: 'AWS::IAM::User',
  account: 'AWS::::Account',
  certificate: KIND_WORDING['signing-certificate'].resourceType,
} as const;

/** A resource of a record (OCSF's `resource_details`): what the finding is about. */
export interface OcsfResource {
  readonly type: string;
  /** The user's ARN, the account id, or IAM's id of the credential. */
  readonly uid: string;
  readonly name?: string;
  /** When the credential was uploaded or created, epoch milliseconds. */
  readonly created_time?: number;
  /**
   * What identifies the credential without its body or secret: its status; a certificate's
   * facts; another kind's `credentialType` (the report's word for it) and a service
   * credential's `serviceName`.
   */
  readonly data?: {
    readonly status: string | null;
    readonly credentialType?: CredentialType;
    readonly serviceName?: string;
    readonly fingerprint256?: string;
    readonly subject?: string;
    readonly notAfter?: string;
  };
}

/**
 * One OCSF Compliance Finding (class 2003) record: the attributes this tool writes, each one
 * the class or its objects define (the tests validate every record against the schema files).
 */
export interface OcsfComplianceFinding {
  readonly activity_id: number;
  readonly activity_name: string;
  readonly category_uid: number;
  readonly category_name: string;
  readonly class_uid: number;
  readonly class_name: string;
  readonly type_uid: number;
  readonly type_name: string;
  readonly severity_id: number;
  readonly severity: string;
  /** The report's evaluatedAt, epoch milliseconds. */
  readonly time: number;
  readonly status_id: number;
  readonly status: string;
  /**
   * Why an exempt credential is set aside: the exemptions file entry's number, reason, approver,
   * ticket and last day, or the exempt tag; only on a suppressed record.
   */
  readonly comment?: string;
  readonly metadata: {
    readonly version: string;
    readonly product: { readonly name: string; readonly vendor_name: string };
    readonly profiles: readonly string[];
  };
  readonly finding_info: {
    readonly uid: string;
    readonly title: string;
    readonly desc: string;
    readonly last_seen_time: number;
  };
  readonly compliance: {
    readonly standards: readonly string[];
    readonly control: string;
    readonly status_id: number;
    readonly status: string;
    readonly status_details: readonly string[];
  };
  readonly resources: readonly OcsfResource[];
  readonly cloud: {
    readonly provider: string;
    readonly account: { readonly uid: string; readonly type_id: number; readonly type: string };
  };
  readonly remediation: { readonly desc: string };
}

/**
 * The report's failing findings as OCSF Compliance Findings: one record per (subject, check),
 * a subject being a credential of any kind (named by its kind and id), root, or a user,
 * the same grouping and the same id as Security Hub's findings (core/finding-id.ts), so a rerun
 * updates each record instead of adding one, and a certificate that is both expired and
 * weak-keyed is one record of the content check naming both. An exempt credential (EXEMPT,
 * EXEMPTION_EXPIRING) is a record too: a failure reviewed and set aside (`Suppressed`), why in
 * `comment`. Any other finding whose verdict the check table does not mark failing (expiring,
 * overridden, a user gone) gives no record, as it does not fail the command line either.
 *
 * The whole population (`includeCompliant`, whose report lists every credential read): each
 * credential listed also gets a PASS record for every check of its kind it did not fail, under
 * the uid a failing record of that check has (a rerun that finds it fixed turns its Fail into a
 * Pass), naming the check's own verdicts that do not fail (EXPIRING_SOON…) where it gave any; a
 * COMPLIANT finding gives them whatever the policy says. Never for a credential an ERROR is about
 * (a check could not run: unknown, not passed), nor for root or a user. Pure: the same report
 * gives the same records.
 */
export function ocsfFindings(report: Report): OcsfComplianceFinding[] {
  const groups = new Map<string, RecordGroup>();
  for (const finding of report.findings) {
    if (!isFailing(finding.verdict) && !EXEMPT_VERDICTS.has(finding.verdict)) continue;
    const check = checkOf(finding);
    const uid = findingId(report.accountId, findingSubject(finding), check);
    const group = groups.get(uid) ?? { check, findings: [], passed: false };
    group.findings.push(finding);
    groups.set(uid, group);
  }
  const everyCredential = report.policy.includeCompliant === true;
  for (const [subject, own] of credentialSubjects(report.findings)) {
    if (!everyCredential && !own.some((f) => isCompliant(f.verdict))) continue;
    if (own.some((f) => f.verdict === 'ERROR')) continue;
    for (const check of checksOfKind(own[0] as Finding)) {
      const uid = findingId(report.accountId, subject, check.id);
      if (groups.has(uid)) continue;
      const verdicts = own.filter((f) => checkOf(f) === check.id);
      groups.set(uid, {
        check: check.id,
        findings: verdicts.length > 0 ? verdicts : own,
        passed: { description: check.description, verdicts: verdicts.length > 0 },
      });
    }
  }
  return [...groups.entries()].map(([uid, group]) => toRecord(report, uid, group));
}

/** The findings of one record: its check's, and for a PASS record what it passed. */
interface RecordGroup {
  readonly check: string;
  readonly findings: Finding[];
  /** False for a Fail or Warning; for a Pass, the check's description and whether it gave verdicts. */
  readonly passed: false | { readonly description: string; readonly verdicts: boolean };
}

/** The findings about each credential, by the subject of its records, in the report's order. */
function credentialSubjects(findings: readonly Finding[]): Map<string, Finding[]> {
  const subjects = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (credentialTypeOf(finding) === null || credentialIdOf(finding) === null) continue;
    const subject = findingSubject(finding);
    subjects.set(subject, [...(subjects.get(subject) ?? []), finding]);
  }
  return subjects;
}

/** The checks that judge a finding's kind of credential. */
function checksOfKind(finding: Finding) {
  const type = credentialTypeOf(finding);
  return type === null ? [] : CERTIFICATE_CHECKS.filter((check) => check.kinds.includes(type));
}

/**
 * The records as JSON Lines, one a line; an empty string for a report with no failing finding
 * (the run happened and nothing failed) and, with `includeCompliant`, no compliant one.
 */
export function ocsfJsonLines(report: Report): string {
  return ocsfFindings(report)
    .map((record) => `${JSON.stringify(record)}\n`)
    .join('');
}

function toRecord(
  report: Report,
  uid: string,
  { check, findings, passed }: RecordGroup,
): OcsfComplianceFinding {
  const [first] = findings as [Finding, ...Finding[]];
  // A check passed without a verdict of its own (the credential's others are another check's):
  // the record names the check, at INFO, and nothing to do.
  const bare = passed !== false && !passed.verdicts;
  const severity = bare ? 'INFO' : highestSeverity(findings.map((f) => f.severity));
  const worst = findings.find((f) => f.severity === severity) ?? first;
  const type = credentialTypeOf(first);
  // An engine ERROR means the check could not run: OCSF's Warning, not a Fail it never saw.
  const compliance = passed
    ? OCSF_COMPLIANCE_STATUS.pass
    : check === 'engine'
      ? OCSF_COMPLIANCE_STATUS.warning
      : OCSF_COMPLIANCE_STATUS.fail;
  // An exempt credential is a failure reviewed and set aside (suppressed), as long as it can be used.
  const exempt = passed === false && findings.every((f) => EXEMPT_VERDICTS.has(f.verdict));
  const status =
    passed || (check !== 'engine' && !stillUsable(first))
      ? OCSF_FINDING_STATUS.resolved
      : exempt
        ? OCSF_FINDING_STATUS.suppressed
        : OCSF_FINDING_STATUS.new;
  const exemption = findings.find((f) => f.exemption)?.exemption;
  const comment = exempt
    ? exemption
      ? describeExemption(exemption)
      : (first.detail ?? forKind(VERDICTS[first.verdict].when, type))
    : undefined;
  const time = Date.parse(report.evaluatedAt);
  return {
    activity_id: ACTIVITY.id,
    activity_name: ACTIVITY.name,
    category_uid: OCSF_CLASS.categoryUid,
    category_name: OCSF_CLASS.categoryName,
    class_uid: OCSF_CLASS.classUid,
    class_name: OCSF_CLASS.className,
    type_uid: OCSF_CLASS.classUid * 100 + ACTIVITY.id,
    type_name: `${OCSF_CLASS.className}: ${ACTIVITY.name}`,
    severity_id: OCSF_SEVERITY[severity].id,
    severity: OCSF_SEVERITY[severity].caption,
    time,
    status_id: status.id,
    status: status.caption,
    ...(comment ? { comment } : {}),
    metadata: {
      version: OCSF_VERSION,
      product: { name: REPORT_SOURCE, vendor_name: REPORT_SOURCE },
      // The cloud profile brings `cloud` (the account); no other profile is used.
      profiles: ['cloud'],
    },
    finding_info: {
      uid,
      title: bare
        ? checkSentence(passed.description, type)
        : forKind(VERDICTS[worst.verdict].title, type),
      desc: bare
        ? `${describeWho(first)}. COMPLIANT: ${checkSentence(passed.description, type)}. Action this run: ${first.action}.`
        : describe(first, findings),
      // The model does not know when a problem was first seen (each run stands alone), so
      // first_seen_time and created_time are left out rather than guessed.
      last_seen_time: time,
    },
    compliance: {
      standards: [REPORT_SOURCE],
      control: check,
      status_id: compliance.id,
      status: compliance.caption,
      status_details: bare
        ? [`COMPLIANT: ${checkSentence(passed.description, type)}`]
        : findings.map((f) => `${f.verdict}: ${forKind(VERDICTS[f.verdict].when, type)}`),
    },
    resources: resourcesOf(report, first),
    cloud: {
      provider: 'AWS',
      // IAM is global and the report does not say where the run ran: no region is claimed.
      account: { uid: report.accountId, type_id: 10, type: 'AWS Account' },
    },
    remediation: {
      desc: forKind(VERDICTS[bare ? 'COMPLIANT' : worst.verdict].remediation, type),
    },
  };
}

/** Who and what, the verdicts with why, and what this run did: the record's description. */
function describe(first: Finding, findings: readonly Finding[]): string {
  const who = describeWho(first);
  const type = credentialTypeOf(first);
  const what = findings
    .map((f) => {
      const why = f.error
        ? `${f.error.code}: ${f.error.message}`
        : (f.detail ?? forKind(VERDICTS[f.verdict].when, type));
      return `${f.verdict}: ${why}`;
    })
    .join('; ');
  return `${who}. ${what}. Action this run: ${first.action}.`;
}

/** A check's description in a kind's words: `SSH public keys are rotated within the maximum age`. */
function checkSentence(description: string, type: CredentialType | null): string {
  const text = forKind(`${description.charAt(0).toLowerCase()}${description.slice(1)}`, type);
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** Who and which credential: `User alice, signing certificate … (Active, 10 days old)`. */
function describeWho(first: Finding): string {
  const credential = credentialPhrase(first);
  return first.userName === ROOT_USER_NAME
    ? 'The root user'
    : credential === null
      ? `User ${first.userName}`
      : `User ${first.userName}, ${credential} (${first.status}${first.ageDays === null ? '' : `, ${first.ageDays} days old`})`;
}

/**
 * The account (root), or the IAM user and, when the finding names one, its credential: a
 * certificate as it always was; another kind by its resource type, its id, and its kind (and
 * service) in `data`.
 */
function resourcesOf(report: Report, first: Finding): OcsfResource[] {
  if (first.userName === ROOT_USER_NAME) {
    return [{ type: OCSF_RESOURCE_TYPES.account, uid: report.accountId, name: 'root' }];
  }
  const user: OcsfResource = {
    type: OCSF_RESOURCE_TYPES.user,
    uid: first.userArn,
    name: first.userName,
  };
  const type = credentialTypeOf(first);
  const id = credentialIdOf(first);
  if (type === null || id === null) return [user];
  const uploaded = first.uploadDate === null ? Number.NaN : Date.parse(first.uploadDate);
  const made = Number.isNaN(uploaded) ? {} : { created_time: uploaded };
  if (type !== 'signing-certificate') {
    return [
      user,
      {
        type: KIND_WORDING[type].resourceType,
        uid: id,
        ...made,
        data: {
          status: first.status,
          credentialType: type,
          ...(first.serviceName ? { serviceName: first.serviceName } : {}),
        },
      },
    ];
  }
  const identity = first.certificate;
  return [
    user,
    {
      type: OCSF_RESOURCE_TYPES.certificate,
      uid: id,
      ...made,
      data: {
        status: first.status,
        ...(identity
          ? {
              fingerprint256: identity.fingerprint256,
              subject: identity.subject,
              notAfter: identity.notAfter,
            }
          : {}),
      },
    },
  ];
}
