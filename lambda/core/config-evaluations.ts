import { isFailing, VERDICTS } from './checks/table';
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

/** A user as the scan reached it: who, and how many certificates it was listed holding. */
export interface EvaluatedUser {
  readonly userName: string;
  readonly userArn: string;
  /** IAM's id of the user, the resource id Config knows it by; absent when the scan had none. */
  readonly userId: string | undefined;
  /** The certificates listed; null when listing them failed. */
  readonly certificates: number | null;
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
 *   certificates or about the user itself (a tag it carries that the run read but could not use,
 *   `exempt=yes` or `max-age-days=forever`: an ERROR, which the command line exits 1 on too);
 *   the annotation names each such finding of the user, then each such certificate, its verdicts
 *   and its age;
 * - COMPLIANT: it holds certificates and nothing about it fails (an exempt or tag-overridden
 *   certificate included: the policy's own verdicts are not failing);
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
): { evaluations: RuleEvaluation[]; omitted: OmittedUser[] } {
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
      const count = plural(user.certificates, 'signing certificate');
      evaluations.push({ ...base, compliance: 'COMPLIANT', annotation: `${count}, none failing` });
    } else {
      evaluations.push({
        ...base,
        compliance: 'NOT_APPLICABLE',
        annotation: 'no signing certificate',
      });
    }
  }
  return { evaluations, omitted };
}

/** Room kept after a user's own entry for the certificates' "; …and N more". */
const MORE_ROOM = 20;

/**
 * "2 failing signing certificates: <id> NON_COMPLIANT+WEAK_KEY, 400 days old; <id> …": one entry
 * per certificate, in the report's order, after one per failing finding about the user itself
 * ("1 failing user finding and 1 failing signing certificate: ERROR: tag … is not allowed: …;
 * <id> …"). Entries that do not fit in the annotation are dropped whole and counted ("…and 3
 * more"), so an id is never cut in two; a user's own entry (a sentence that quotes a tag value
 * of up to 256 characters) is cut to fit instead, so its reason is always there.
 */
function failingAnnotation(failing: readonly Finding[]): string {
  const byCertificate = new Map<string, Finding[]>();
  const ofUser: Finding[] = [];
  for (const finding of failing) {
    const id = finding.certificateId;
    if (id === null) ofUser.push(finding);
    else byCertificate.set(id, [...(byCertificate.get(id) ?? []), finding]);
  }
  const head = `${[
    ...(ofUser.length > 0 ? [plural(ofUser.length, 'failing user finding')] : []),
    ...(byCertificate.size > 0 ? [plural(byCertificate.size, 'failing signing certificate')] : []),
  ].join(' and ')}: `;
  const room = MAX_ANNOTATION_LENGTH - lengthOf(head) - MORE_ROOM;
  const userEntries = ofUser.map((f) =>
    truncateAnnotation(`${f.verdict}: ${f.detail ?? VERDICTS[f.verdict].when}`, room),
  );
  const certificateEntries = [...byCertificate].map(([id, findings]) => {
    const verdicts = [...new Set(findings.map((f) => f.verdict))].join('+');
    const age = findings.find((f) => f.ageDays !== null)?.ageDays;
    return `${id} ${verdicts}, ${age === undefined || age === null ? 'age unknown' : `${age} days old`}`;
  });
  return fitEntries(head, [...userEntries, ...certificateEntries]);
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
