import { ACCOUNT_ID, USER_NAME } from '../core/patterns';

/**
 * The IAM calls whose CloudTrail events can change what an audit of one user finds: a credential
 * that appears (uploaded, created, reset) or comes back (set Active), and a change to the tags
 * that exempt a user or set its maximum age. A call that switches a credential off, or deletes
 * it, leaves nothing to audit. Every rule that forwards or receives these events matches this
 * list, and the parser below takes nothing else.
 */
export const REALTIME_EVENT_NAMES = [
  'UploadSigningCertificate',
  'UpdateSigningCertificate',
  'UploadSSHPublicKey',
  'UpdateSSHPublicKey',
  'CreateServiceSpecificCredential',
  'UpdateServiceSpecificCredential',
  'ResetServiceSpecificCredential',
  'TagUser',
  'UntagUser',
] as const;
/** One of {@link REALTIME_EVENT_NAMES}. */
export type RealtimeEventName = (typeof REALTIME_EVENT_NAMES)[number];

/** The calls that set a credential's status, which matter only when they set it Active. */
const STATUS_CALLS: ReadonlySet<string> = new Set([
  'UpdateSigningCertificate',
  'UpdateSSHPublicKey',
  'UpdateServiceSpecificCredential',
]);

/**
 * The envelope and the CloudTrail record as EventBridge delivers an API call: `detail-type`
 * "AWS API Call via CloudTrail", `source` "aws.iam", and the record in `detail`, whose
 * `eventSource` is "iam.amazonaws.com" ("AWS service events delivered via AWS CloudTrail", EventBridge
 * User Guide, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html;
 * the record's fields, "CloudTrail record contents" and "CloudTrail userIdentity element",
 * CloudTrail User Guide).
 */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const IAM_EVENT_SOURCE = 'aws.iam';
export const IAM_API_SOURCE = 'iam.amazonaws.com';

/** One event, read: the user it is about (or the root user), in which account, by which call. */
export interface IamCredentialEvent {
  readonly accountId: string;
  /** The user whose credentials the call touched; absent when it is the root user's own. */
  readonly userName?: string;
  /** The call was the root user's, about its own credentials. */
  readonly root: boolean;
  readonly eventName: RealtimeEventName;
  /** CloudTrail's id of the call (`detail.eventID`), for the logs. */
  readonly eventId: string | null;
  /** When the call was made (`detail.eventTime`), for the latency the logs report. */
  readonly eventTime: string | null;
}

/** An event, read or refused, with why. */
export type ReadEvent =
  | { readonly ok: true; readonly event: IamCredentialEvent }
  | { readonly ok: false; readonly reason: string };

/** What the parser needs to know of the deployment. */
export interface EventPolicy {
  /** The tag keys whose change changes an audit: the exemption tag and the max-age tag. */
  readonly tagKeys: readonly string[];
  /**
   * The account whose events are taken; an event about another one is refused. Absent in the
   * organization, where every member account's events are (the bus's policy limits who sends).
   */
  readonly accountId?: string;
}

/** Longest piece of an event echoed in a refusal: the event itself may be huge. */
const MAX_ECHO = 60;

/**
 * Reads one EventBridge event of an IAM call, refusing (with why) anything that is not one of
 * {@link REALTIME_EVENT_NAMES} as CloudTrail records it: another API, another service, a call that
 * failed (an `errorCode`: it changed nothing), a status set to Inactive, a tag call that touches
 * neither tag of {@link EventPolicy.tagKeys}, an event that names no user. The user is
 * `requestParameters.userName`, or, when the call names none, the caller: an IAM user's own
 * credentials, or, for the root user (`userIdentity.type` "Root"), the root user's.
 */
export function readIamEvent(raw: unknown, policy: EventPolicy): ReadEvent {
  const refuse = (reason: string): ReadEvent => ({ ok: false, reason });
  if (!isObject(raw)) return refuse(`the event is ${describe(raw)}, not a JSON object`);
  if (raw['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) {
    return refuse(
      `"detail-type" is ${echo(raw['detail-type'])}: only "${CLOUDTRAIL_DETAIL_TYPE}" events are taken`,
    );
  }
  if (raw.source !== IAM_EVENT_SOURCE) {
    return refuse(`"source" is ${echo(raw.source)}: only "${IAM_EVENT_SOURCE}" events are taken`);
  }
  const detail = raw.detail;
  if (!isObject(detail)) return refuse(`"detail" is ${describe(detail)}, not a CloudTrail record`);
  if (detail.eventSource !== IAM_API_SOURCE) {
    return refuse(
      `"detail.eventSource" is ${echo(detail.eventSource)}: only "${IAM_API_SOURCE}" calls are taken`,
    );
  }
  const eventName = detail.eventName;
  if (!(REALTIME_EVENT_NAMES as readonly unknown[]).includes(eventName)) {
    return refuse(
      `"detail.eventName" is ${echo(eventName)}, which cannot change what an audit finds: taken are ${REALTIME_EVENT_NAMES.join(', ')}`,
    );
  }
  const name = eventName as RealtimeEventName;
  if (detail.errorCode !== undefined && detail.errorCode !== null) {
    return refuse(
      `${name} failed (errorCode ${echo(detail.errorCode)}): a failed call changed nothing`,
    );
  }
  const accountId = firstAccount(raw, detail);
  if (accountId === undefined) {
    return refuse('the event names no 12-digit account ("account" or "detail.recipientAccountId")');
  }
  if (policy.accountId !== undefined && accountId !== policy.accountId) {
    return refuse(
      `the event is about account ${accountId}, and this function audits account ${policy.accountId}`,
    );
  }
  const params = isObject(detail.requestParameters) ? detail.requestParameters : {};
  if (STATUS_CALLS.has(name) && params.status !== 'Active') {
    return refuse(
      `${name} set the status ${echo(params.status)}: only a credential set Active is audited (one switched off leaves nothing to audit)`,
    );
  }
  if (name === 'TagUser' || name === 'UntagUser') {
    const keys =
      name === 'TagUser'
        ? (Array.isArray(params.tags) ? params.tags : []).map((tag: unknown) =>
            isObject(tag) ? tag.key : undefined,
          )
        : Array.isArray(params.tagKeys)
          ? params.tagKeys
          : [];
    // IAM keeps one tag per key whatever its case, so a key is compared without case.
    const watched = new Set(policy.tagKeys.map((key) => key.toLowerCase()));
    const touched = keys.some(
      (key: unknown) => typeof key === 'string' && watched.has(key.toLowerCase()),
    );
    if (!touched) {
      return refuse(
        `${name} touched neither ${policy.tagKeys.join(' nor ')}: other tags change nothing an audit finds`,
      );
    }
  }
  const common = {
    accountId,
    eventName: name,
    eventId: typeof detail.eventID === 'string' ? detail.eventID : null,
    eventTime: typeof detail.eventTime === 'string' ? detail.eventTime : null,
  };
  if (params.userName !== undefined && params.userName !== null) {
    if (typeof params.userName !== 'string' || !USER_NAME.test(params.userName)) {
      return refuse(
        `"detail.requestParameters.userName" is ${echo(params.userName)}, not an IAM user name (1 to 64 of letters, digits and +=,.@_-)`,
      );
    }
    return { ok: true, event: { ...common, userName: params.userName, root: false } };
  }
  // No user named: the call was about the caller's own credentials.
  const identity = isObject(detail.userIdentity) ? detail.userIdentity : {};
  if (identity.type === 'Root') return { ok: true, event: { ...common, root: true } };
  if (
    identity.type === 'IAMUser' &&
    typeof identity.userName === 'string' &&
    USER_NAME.test(identity.userName)
  ) {
    return { ok: true, event: { ...common, userName: identity.userName, root: false } };
  }
  return refuse(
    `${name} names no user ("detail.requestParameters.userName"), and its caller is ${echo(identity.type)}, not an IAM user or the root user`,
  );
}

/** The account the call was made in: the envelope's, else the record's recipient account. */
function firstAccount(
  raw: Record<string, unknown>,
  detail: Record<string, unknown>,
): string | undefined {
  for (const candidate of [raw.account, detail.recipientAccountId]) {
    if (typeof candidate === 'string' && ACCOUNT_ID.test(candidate)) return candidate;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : echo(value);
}

function echo(value: unknown): string {
  const text = value === undefined ? 'missing' : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}… (${text.length} characters)` : text;
}
