import type * as events from 'aws-cdk-lib/aws-events';
import { REALTIME_EVENT_NAMES } from '../lambda/handlers/cloudtrail-event';

/**
 * The IAM calls that give a user a credential, change one, or change the tags a run reads (the
 * exemption and the per-user maximum age): each one is a reason to audit that user again now.
 * One list, the real-time function's parser's (lambda/handlers/cloudtrail-event.ts), so a rule
 * never forwards an event the function refuses, nor misses one it takes.
 */
export { REALTIME_EVENT_NAMES };

/**
 * The one region IAM's events reach: IAM is global, and its API calls are delivered to
 * EventBridge (as `AWS API Call via CloudTrail`) only on the default event bus in us-east-1
 * (EventBridge User Guide, "Events from AWS services", and "Receiving read-only management
 * events from AWS services": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html).
 */
export const IAM_EVENTS_REGION = 'us-east-1';

/**
 * The pattern of every real-time rule (the auditor region's default bus, the forwarder's in
 * us-east-1, the organization's bus and each member's forwarder): IAM's API calls as CloudTrail
 * records them (`detail-type: AWS API Call via CloudTrail`, `source: aws.iam`,
 * `detail.eventSource: iam.amazonaws.com`), by name, and only those that succeeded: a call
 * that failed (`detail.errorCode` present) changed nothing. EventBridge delivers them at least
 * once and in no set order, so the function reads the user again rather than trusting the event.
 * These events exist only while a CloudTrail trail with logging enabled records management
 * events (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html).
 */
export const REALTIME_EVENT_PATTERN: events.EventPattern = {
  source: ['aws.iam'],
  detailType: ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['iam.amazonaws.com'],
    eventName: [...REALTIME_EVENT_NAMES],
    errorCode: [{ exists: false }],
  },
};
