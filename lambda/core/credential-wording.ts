import type { CredentialType } from './credential';
import type { Finding, Report } from './report';
import type { Policy } from './settings';

/**
 * How the outputs name one kind of credential. The `label` is the kind's own (lambda/kinds/,
 * `CredentialKind.label`; a test holds the two equal): the outputs live in the pure core and the
 * renderers, which do not import the kinds' IAM adapters, so they read the words from here. A
 * new kind is a row here too: the record over every credential type makes it a type error to
 * forget.
 */
export interface KindWording {
  /** What a person calls one, in a sentence: `SSH public key`. */
  readonly label: string;
  /** The article before the label: `an` SSH public key. */
  readonly article: 'a' | 'an';
  /** More than one: `SSH public keys`. */
  readonly plural: string;
  /** A table cell's word for it, where columns are narrow: `SSH key`. */
  readonly short: string;
  /** How one comes to exist, as the verdict table's `uploaded` reads for it: `created`. */
  readonly made: string;
  /** The verb and the IAM command that make a new one, for a rotation's remediation. */
  readonly makeVerb: string;
  readonly makeCommand: string;
  /** Its resource type in OCSF's `resources[].type` and ASFF's resource id (AWS's own naming). */
  readonly resourceType: string;
}

/** Every kind's words, by credential type. */
export const KIND_WORDING: Readonly<Record<CredentialType, KindWording>> = {
  'signing-certificate': {
    label: 'signing certificate',
    article: 'a',
    plural: 'signing certificates',
    short: 'certificate',
    made: 'uploaded',
    makeVerb: 'upload',
    makeCommand: '`aws iam upload-signing-certificate`',
    resourceType: 'AWS::IAM::SigningCertificate',
  },
  'ssh-public-key': {
    label: 'SSH public key',
    article: 'an',
    plural: 'SSH public keys',
    short: 'SSH key',
    made: 'uploaded',
    makeVerb: 'upload',
    makeCommand: '`aws iam upload-ssh-public-key`',
    resourceType: 'AWS::IAM::SSHPublicKey',
  },
  'service-specific-credential': {
    label: 'service-specific credential',
    article: 'a',
    plural: 'service-specific credentials',
    short: 'service credential',
    made: 'created',
    makeVerb: 'create',
    makeCommand: '`aws iam create-service-specific-credential`',
    resourceType: 'AWS::IAM::ServiceSpecificCredential',
  },
};

/**
 * The kind a finding is about: its `credentialType`, for a certificate only while it names its
 * `certificateId` (the report's contract: set for certificates, and in a report archived before
 * findings named their kind the only sign of one); null for a finding about a user or the
 * account as a whole.
 */
export function credentialTypeOf(finding: Finding): CredentialType | null {
  const type = finding.credentialType ?? null;
  if (type === null || type === 'signing-certificate') {
    return finding.certificateId !== null ? 'signing-certificate' : null;
  }
  return (finding.credentialId ?? null) !== null ? type : null;
}

/** IAM's id of the credential a finding is about, whatever its kind; null as for its type. */
export function credentialIdOf(finding: Finding): string | null {
  const type = credentialTypeOf(finding);
  if (type === null) return null;
  return type === 'signing-certificate' ? finding.certificateId : finding.credentialId;
}

/**
 * The credential a finding is about, in a sentence: `certificate <id>` (as the outputs always
 * named certificates), `SSH public key <id>`, `service-specific credential <id> for
 * bedrock.amazonaws.com`; null for a finding about a user or the account.
 */
export function credentialPhrase(finding: Finding): string | null {
  const type = credentialTypeOf(finding);
  const id = credentialIdOf(finding);
  if (type === null || id === null) return null;
  if (type === 'signing-certificate') return `certificate ${id}`;
  const service = finding.serviceName ? ` for ${finding.serviceName}` : '';
  return `${KIND_WORDING[type].label} ${id}${service}`;
}

/**
 * A table cell's name for a finding's kind: `certificate`, `SSH key`, `service credential
 * (bedrock)` (the service's first label); `-` for a finding about a user or the account.
 */
export function kindCell(finding: Finding): string {
  const type = credentialTypeOf(finding);
  if (type === null) return '-';
  const service = finding.serviceName ? ` (${finding.serviceName.split('.')[0]})` : '';
  return `${KIND_WORDING[type].short}${service}`;
}

/**
 * The verdict table's words (a title, a `when`, a remediation) for a kind: the checks that judge
 * every kind speak of signing certificates, the kind they were first written for, and this says
 * the same of another kind: `IAM signing certificate older than the maximum age` becomes `IAM
 * SSH public key older than the maximum age`, a rotation names the kind's own command. Text
 * about a signing certificate, a user or the account (null) is returned as it is. A test holds
 * every verdict of every check free of "certificate" for each other kind it judges.
 */
export function forKind(text: string, type: CredentialType | null): string {
  if (type === null || type === 'signing-certificate') return text;
  const words = KIND_WORDING[type];
  const from = KIND_WORDING['signing-certificate'];
  return text
    .replaceAll(from.makeCommand, words.makeCommand)
    .replace(/\bupload a new (signing certificate|one)\b/g, (_match, what: string) =>
      what === 'one' ? `${words.makeVerb} a new one` : `${words.makeVerb} a new ${words.label}`,
    )
    .replace(
      /(?<![-\w])a (?:X\.509 )?(?:signing )?certificate(?![-\w])/gi,
      (match) =>
        `${match.startsWith('A') ? capitalize(words.article) : words.article} ${words.label}`,
    )
    .replace(/(?<![-\w])(?:X\.509 )?signing certificates(?![-\w])/g, words.plural)
    .replace(/(?<![-\w])(?:X\.509 )?signing certificate(?![-\w])/g, words.label)
    .replace(/(?<![-\w])certificates(?![-\w])/g, words.plural)
    .replace(/(?<![-\w])certificate(?![-\w])/g, words.label)
    .replace(/(?<![-\w])uploaded(?![-\w])/g, words.made);
}

/**
 * Whether a report speaks of more than signing certificates: its run looked at another kind
 * (`policy.credentialKinds`), or a finding is about one. The tables a person reads (the CLI's,
 * the digest's, the HTML page's, the CSV) then name each finding's kind; a certificates-only
 * report reads as it always has.
 */
export function speaksOfKinds(report: Report): boolean {
  // A report archived before runs named their kinds has none: certificates only.
  const kinds = (report.policy.credentialKinds as readonly CredentialType[] | undefined) ?? [];
  return (
    kinds.some((kind) => kind !== 'signing-certificate') ||
    report.findings.some((finding) => {
      const type = credentialTypeOf(finding);
      return type !== null && type !== 'signing-certificate';
    })
  );
}

/** `1 SSH public key`, `2 signing certificates`: a count of a kind. */
export function countOfKind(count: number, type: CredentialType, adjective = ''): string {
  const words = KIND_WORDING[type];
  return `${count} ${adjective ? `${adjective} ` : ''}${count === 1 ? words.label : words.plural}`;
}

function capitalize(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/**
 * The maximum age a kind is judged by: its own where the policy sets one
 * (`sshKeyMaxAgeDays`, `serviceCredentialMaxAgeDays`), else the account's `maxAgeDays`.
 */
export function maxAgeDaysOf(
  policy: Pick<Policy, 'maxAgeDays' | 'sshKeyMaxAgeDays' | 'serviceCredentialMaxAgeDays'>,
  type: CredentialType,
): number {
  const own =
    type === 'ssh-public-key'
      ? policy.sshKeyMaxAgeDays
      : type === 'service-specific-credential'
        ? policy.serviceCredentialMaxAgeDays
        : undefined;
  return own ?? policy.maxAgeDays;
}
