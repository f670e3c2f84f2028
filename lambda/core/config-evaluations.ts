import { isFailing, VERDICTS } from './checks/table';
import { CREDENTIAL_TYPES, type CredentialType } from './credential';
import { countOfKind, credentialIdOf, credentialTypeOf, KIND_WORDING } from './credential-wording';
import { type Finding, ROOT_USER_NAME, unreadSubjects } from './report';

/** The resource type AWS Config records an IAM user as; its resource id is the user's id (`AIDA…`). */
export const IAM_USER_RESOURCE_TYPE = 'AWS::IAM::User';

/**
 * PutEvaluations' limits, from the Config API Reference (PutEvaluations: `Evaluations`, 0 to 100
 * items; Evaluation: `Annotation`, 1 to 256 characters), which the botocore service model the
 * tests validate every request against holds too.
 */
export const MAX_EVALUATIONS_PER_REQUEST = 100;
/** The longest annotation Config accepts, in characters. */
export const MAX_ANNOTATION_LENGTH = 256;

/**
 * What the rule says of a user. Config's model lists INSUFFICIENT_DATA too, but "AWS Config does
 * not accept INSUFFICIENT_DATA as the value for ComplianceType from a PutEvaluations request"
 * (Config API Reference, Evaluation: ComplianceType): a user the run could not read is left out
 * instead (see {@link evaluateUsers}), so it is not a value here.
 */
export type RuleCompliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

/** A user as the scan reached it: who, and how many credentials it was listed holding. */
export interface EvaluatedUser {
  readonly userName: string;
  readonly userArn: string;
  /** IAM's id of the user, the resource id Config knows it by; absent when the scan had none. */
  readonly userId: string | undefined;
  /** The credentials listed (signing certificates, for a run of no other kind); null when listing them failed. */
  readonly certificates: number | null;
  /**
   * The same credentials by kind, when the scan counted them so: a COMPLIANT annotation then
   * names each kind (`1 signing certificate and 2 SSH public keys, none failing`).
   */
  readonly byKind?: Readonly<Partial<Record<CredentialType, number>>>;
}

/** What the evaluations are of, beyond the users and findings. */
export interface EvaluationOptions {
  /**
   * The kinds of credential the run listed (`policy.credentialKinds`): a user holding none is
   * NOT_APPLICABLE, and the annotation names them.
   * @default ['signing-certificate']
   */
  readonly kinds?: readonly CredentialType[];
}

/** One user's evaluation, before it is stamped with the invocation's token and time. */
export interface RuleEvaluation {
  /** The user's IAM id: Config's ComplianceResourceId for an `AWS::IAM::User`. */
  readonly resourceId: string;
  /** For the logs only: Config names the resource by its id. */
  readonly userName: string;
  readonly compliance: RuleCompliance;
  /** Why, in at most {@link MAX_ANNOTATION_LENGTH} characters. */
  readonly annotation: string;
}

/** Why a user the scan reached gets no evaluation. */
export type OmittedReason = 'unread' | 'gone' | 'no-user-id';

/** A user left without an evaluation, and why (logged: Config keeps its previous evaluation). */
export interface OmittedUser {
  readonly userName: string;
  readonly reason: OmittedReason;
  readonly detail: string;
}

/**
 * The evaluation of every user the scan reached, from the run's findings (the report's, in report
 * mode), by the check table's one rule of what fails ({@link isFailing}):
 * - NON_COMPLIANT: a finding about the user has a failing verdict, whether about one of its
 *   credentials, of any kind, or about the user itself (a tag it carries that the run read but
 *   could not use, `exempt=yes` or `max-age-days=forever`: an ERROR, which the command line exits
 *   1 on too); the annotation names each such finding of the user, then how many credentials of
 *   each kind fail (`1 failing SSH public key`), then each one, its verdicts and its age;
 * - COMPLIANT: it holds credentials of the kinds listed and nothing about it fails (an exempt or
 *   tag-overridden one included: the policy's own verdicts are not failing);
 * - NOT_APPLICABLE: it holds none.
 *
 * Left out, never guessed: a user the run could not read (its certificates could not be listed,
 * its tags could not be read, a certificate came without its facts: the report's unread
 * subjects), since Config refuses INSUFFICIENT_DATA from a function and COMPLIANT would claim what
 * nobody saw; a user deleted during the run (Config records the deletion itself); a user without
 * an id (none from ListUsers: never in a full scan). Config keeps a left-out user's previous
 * evaluation, and so does it for users the run never reached (an incomplete run): they are not in
 * `users` at all.
 */
export function evaluateUsers(
  users: readonly EvaluatedUser[],
  findings: readonly Finding[],
  options: EvaluationOptions = {},
): { evaluations: RuleEvaluation[]; omitted: OmittedUser[] } {
  const kinds = options.kinds ?? ['signing-certificate'];
  const unread = unreadSubjects(findings).userArns;
  const byUser = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (finding.userName === ROOT_USER_NAME) continue;
    byUser.set(finding.userArn, [...(byUser.get(finding.userArn) ?? []), finding]);
  }
  const evaluations: RuleEvaluation[] = [];
  const omitted: OmittedUser[] = [];
  for (const user of users) {
    const own = byUser.get(user.userArn) ?? [];
    const omit = (reason: OmittedReason, detail: string) =>
      omitted.push({ userName: user.userName, reason, detail });
    if (own.some((f) => f.verdict === 'NOT_EVALUATED' || f.action === 'GONE')) {
      omit('gone', 'the user was deleted during the run');
      continue;
    }
    if (user.certificates === null || unread.has(user.userArn)) {
      const failed = own.find((f) => f.verdict === 'ERROR' && f.error !== null)?.error;
      omit(
        'unread',
        failed ? `${failed.code}: ${failed.message}` : 'its certificates were not listed',
      );
      continue;
    }
    if (user.userId === undefined) {
      omit('no-user-id', 'the scan did not give the user’s IAM id, which Config names it by');
      continue;
    }
    const base = { resourceId: user.userId, userName: user.userName };
    // Every failing verdict counts, a user's own (an unusable tag: ERROR) as a certificate's.
    const failing = own.filter((f) => isFailing(f.verdict));
    if (failing.length > 0) {
      evaluations.push({
        ...base,
        compliance: 'NON_COMPLIANT',
        annotation: failingAnnotation(failing),
      });
    } else if (user.certificates > 0) {
      evaluations.push({
        ...base,
        compliance: 'COMPLIANT',
        annotation: `${heldAnnotation(user.certificates, user.byKind)}, none failing`,
      });
    } else {
      evaluations.push({ ...base, compliance: 'NOT_APPLICABLE', annotation: noneOf(kinds) });
    }
  }
  return { evaluations, omitted };
}

/** Room kept after a user's own entry for the certificates' "; …and N more". */
const MORE_ROOM = 20;

/**
 * "2 failing signing certificates: <id> NON_COMPLIANT+WEAK_KEY, 400 days old; <id> …": one entry
 * per credential, in the report's order, after one per failing finding about the user itself
 * ("1 failing user finding and 1 failing signing certificate: ERROR: tag … is not allowed: …;
 * <id> …"). The head counts each kind apart ("1 failing signing certificate and 1 failing SSH
 * public key: …"), in the kind table's order, and a service credential's entry names its
 * service ("<id> (bedrock.amazonaws.com) NON_COMPLIANT, …"). Entries that do not fit in the
 * annotation are dropped whole and counted ("…and 3 more"), so an id is never cut in two; a
 * user's own entry (a sentence that quotes a tag value of up to 256 characters) is cut to fit
 * instead, so its reason is always there.
 */
function failingAnnotation(failing: readonly Finding[]): string {
  const byCredential = new Map<string, { type: CredentialType; findings: Finding[] }>();
  const ofUser: Finding[] = [];
  for (const finding of failing) {
    const type = credentialTypeOf(finding);
    const id = credentialIdOf(finding);
    if (type === null || id === null) {
      ofUser.push(finding);
      continue;
    }
    const key = `${type}/${id}`;
    const known = byCredential.get(key) ?? { type, findings: [] };
    known.findings.push(finding);
    byCredential.set(key, known);
  }
  const credentials = [...byCredential.values()];
  const kindCounts = CREDENTIAL_TYPES.flatMap((type) => {
    const count = credentials.filter((c) => c.type === type).length;
    return count > 0 ? [countOfKind(count, type, 'failing')] : [];
  });
  const head = `${listOf([
    ...(ofUser.length > 0 ? [plural(ofUser.length, 'failing user finding')] : []),
    ...kindCounts,
  ])}: `;
  const room = MAX_ANNOTATION_LENGTH - lengthOf(head) - MORE_ROOM;
  const userEntries = ofUser.map((f) =>
    truncateAnnotation(`${f.verdict}: ${f.detail ?? VERDICTS[f.verdict].when}`, room),
  );
  const credentialEntries = credentials.map(({ findings }) => {
    const [first] = findings as [Finding, ...Finding[]];
    const verdicts = [...new Set(findings.map((f) => f.verdict))].join('+');
    const age = findings.find((f) => f.ageDays !== null)?.ageDays;
    const service = first.serviceName ? ` (${first.serviceName})` : '';
    const days = age === undefined || age === null ? 'age unknown' : `${age} days old`;
    return `${credentialIdOf(first)}${service} ${verdicts}, ${days}`;
  });
  return fitEntries(head, [...userEntries, ...credentialEntries]);
}

/**
 * What a compliant user holds: `2 signing certificates`, or by kind when the scan counted them
 * so and one is not a certificate (`1 signing certificate and 2 SSH public keys`).
 */
function heldAnnotation(
  total: number,
  byKind: Readonly<Partial<Record<CredentialType, number>>> | undefined,
): string {
  const held = CREDENTIAL_TYPES.flatMap((type) => {
    const count = byKind?.[type] ?? 0;
    return count > 0 ? [{ type, count }] : [];
  });
  if (held.every(({ type }) => type === 'signing-certificate')) {
    return countOfKind(total, 'signing-certificate');
  }
  return listOf(held.map(({ type, count }) => countOfKind(count, type)));
}

/** `no signing certificate`, or for a run of more kinds `no signing certificate, SSH public key or service-specific credential`. */
function noneOf(kinds: readonly CredentialType[]): string {
  const labels = CREDENTIAL_TYPES.filter((type) => kinds.includes(type)).map(
    (type) => KIND_WORDING[type].label,
  );
  return `no ${listOf(labels.length > 0 ? labels : [KIND_WORDING['signing-certificate'].label], 'or')}`;
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 2) return items.join(` ${conjunction} `);
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}

/**
 * `head` and as many whole `entries` as fit in `max` characters, with how many were left out;
 * cut by {@link truncateAnnotation} only if even the head alone does not fit.
 */
export function fitEntries(
  head: string,
  entries: readonly string[],
  max: number = MAX_ANNOTATION_LENGTH,
): string {
  for (let kept = entries.length; kept >= 0; kept -= 1) {
    const more =
      kept < entries.length ? `${kept > 0 ? '; ' : ''}…and ${entries.length - kept} more` : '';
    const text = `${head}${entries.slice(0, kept).join('; ')}${more}`;
    if (lengthOf(text) <= max) return text;
  }
  return truncateAnnotation(head, max);
}

/**
 * Cuts `text` to at most `max` characters, ending in an ellipsis when it was cut. Characters are
 * counted as Config and its service model count a string's length, by code point (a JavaScript
 * string's `length` counts UTF-16 units), and the cut never splits a surrogate pair.
 */
export function truncateAnnotation(text: string, max: number = MAX_ANNOTATION_LENGTH): string {
  const characters = Array.from(text);
  if (characters.length <= max) return text;
  return `${characters.slice(0, max - 1).join('')}…`;
}

/** A string's length in code points, as {@link truncateAnnotation} counts it. */
export function lengthOf(text: string): number {
  return Array.from(text).length;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
