import { randomUUID } from 'node:crypto';
import { MOTO_ACCOUNT_ID } from './emulator';

/**
 * IAM calls as EventBridge delivers them from CloudTrail, for the real-time function's tests and
 * benchmark: the envelope of "AWS service events delivered via AWS CloudTrail" (EventBridge User
 * Guide: `detail-type` "AWS API Call via CloudTrail", `source` "aws.iam", the record in `detail`)
 * around a record with the fields of "CloudTrail record contents" and the `userIdentity` of
 * "CloudTrail userIdentity element" (CloudTrail User Guide): an IAM user, the root user, or an
 * assumed role. IAM's events are recorded in us-east-1.
 */

/** Who made the call. */
export type Caller =
  | { readonly type: 'IAMUser'; readonly userName: string }
  | { readonly type: 'Root' }
  | { readonly type: 'AssumedRole'; readonly roleName: string };

/** One call to describe. */
export interface CallSpec {
  readonly eventName: string;
  /** The call's `requestParameters`; `userName` names the user it was about. */
  readonly requestParameters?: Readonly<Record<string, unknown>> | null;
  readonly caller?: Caller;
  /** Present when the call failed, with `errorMessage`. */
  readonly errorCode?: string;
  readonly accountId?: string;
  /** When the call was made. @default now */
  readonly eventTime?: Date;
  readonly eventSource?: string;
}

/** The `userIdentity` of a caller, as CloudTrail records it. */
export function userIdentity(caller: Caller, accountId: string): Record<string, unknown> {
  switch (caller.type) {
    case 'IAMUser':
      return {
        type: 'IAMUser',
        principalId: 'AIDACKCEVSQ6C2EXAMPLE',
        arn: `arn:aws:iam::${accountId}:user/${caller.userName}`,
        accountId,
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        userName: caller.userName,
      };
    case 'Root':
      return {
        type: 'Root',
        principalId: accountId,
        arn: `arn:aws:iam::${accountId}:root`,
        accountId,
        accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      };
    case 'AssumedRole':
      return {
        type: 'AssumedRole',
        principalId: 'AROAIDPPEZS35WEXAMPLE:session',
        arn: `arn:aws:sts::${accountId}:assumed-role/${caller.roleName}/session`,
        accountId,
        accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAIDPPEZS35WEXAMPLE',
            arn: `arn:aws:iam::${accountId}:role/${caller.roleName}`,
            accountId,
            userName: caller.roleName,
          },
          attributes: { mfaAuthenticated: 'false', creationDate: new Date().toISOString() },
        },
      };
  }
}

/** The EventBridge event of one IAM call recorded by CloudTrail. */
export function cloudTrailEvent(spec: CallSpec): Record<string, unknown> {
  const accountId = spec.accountId ?? MOTO_ACCOUNT_ID;
  const time = (spec.eventTime ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const caller = spec.caller ?? { type: 'AssumedRole', roleName: 'Admin' };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account: accountId,
    time,
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: userIdentity(caller, accountId),
      eventTime: time,
      eventSource: spec.eventSource ?? 'iam.amazonaws.com',
      eventName: spec.eventName,
      awsRegion: 'us-east-1',
      sourceIPAddress: '198.51.100.7',
      userAgent: 'aws-cli/2.17.0',
      requestParameters: spec.requestParameters ?? null,
      responseElements: null,
      ...(spec.errorCode
        ? { errorCode: spec.errorCode, errorMessage: `${spec.errorCode} (example)` }
        : {}),
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: accountId,
      eventCategory: 'Management',
    },
  };
}

/** Events as an SQS event source mapping hands them to the function: one message each. */
export function sqsBatch(events: readonly unknown[]): Record<string, unknown> {
  return {
    Records: events.map((event, index) => ({
      messageId: `message-${index}-${randomUUID()}`,
      receiptHandle: `handle-${index}`,
      body: JSON.stringify(event),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:${MOTO_ACCOUNT_ID}:signing-cert-audit-realtime`,
      awsRegion: 'us-east-1',
    })),
  };
}
