import type { Context } from 'aws-lambda';
import { SigningCertAuditError } from '../core/errors';
import type { Summary } from '../core/report';
import { MAX_AGE_TAG_KEY } from '../core/rules';
import { type RunScope, usersScope } from '../core/scope';
import type { Policy } from '../core/settings';
import { type EventPolicy, type IamCredentialEvent, readIamEvent } from './cloudtrail-event';
import {
  accountOfFunction,
  createLambdaHandler,
  type LambdaDeps,
  type LambdaHandler,
} from './lambda-handler';

/**
 * The real-time audit: EventBridge hands it the CloudTrail event of an IAM call that can change
 * what an audit finds (a credential uploaded, created, reset or set Active; an exemption or
 * max-age tag changed), directly or in batches through an SQS queue, and it audits the users
 * those calls were about, at once, with the same engine, policy, mode, change record, guard and
 * sinks as the scheduled audit, over a users scope (core/scope.ts): each user read by name,
 * never the whole account. The audit reads IAM's state now, so a repeated, late or out-of-order
 * event is harmless, and a burst of events about one user is one audit.
 */

/** One message of an SQS batch, as Lambda's event source mapping hands it over. */
interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
}

/** The events of one invocation, read: those taken, by message, and those refused, with why. */
export interface RealtimeBatch {
  /** SQS: each message's id, for the batch item failures; absent for a direct event. */
  readonly fromQueue: boolean;
  readonly taken: readonly { readonly messageId: string; readonly event: IamCredentialEvent }[];
  readonly refused: readonly { readonly messageId: string; readonly reason: string }[];
}

/** The users of one account a batch asks to audit, and the messages that asked. */
export interface AccountEvents {
  readonly accountId: string;
  readonly scope: RunScope;
  readonly messageIds: readonly string[];
  /** The earliest call among them, for the latency logged. */
  readonly firstEventTime: string | null;
}

/** What one account's run came to. */
export interface AccountOutcome {
  readonly accountId: string;
  readonly scope: string;
  /** False when the run was incomplete or its report not delivered: its messages come again. */
  readonly ok: boolean;
  readonly runId?: string;
  readonly summary?: Summary;
  readonly error?: string;
}

/** What the invocation returns: SQS's partial batch response, or, for a direct event, a summary. */
export type RealtimeOutput =
  | { readonly batchItemFailures: readonly { readonly itemIdentifier: string }[] }
  | {
      readonly audited: readonly AccountOutcome[];
      readonly refused: readonly string[];
    };

/** The tag keys whose change is audited at once: the exemption tag and the max-age tag. */
export function watchedTagKeys(policy: Policy): readonly string[] {
  return [policy.exemptTagKey, MAX_AGE_TAG_KEY];
}

/**
 * Reads an invocation: an SQS batch (`Records`, each body an EventBridge event), or one
 * EventBridge event. Every event is read by {@link readIamEvent}; a message whose body is not
 * JSON is refused like any malformed event. Nothing here throws: an event that can never be
 * audited is refused and logged, never retried.
 */
export function readRealtimeEvent(raw: unknown, policy: EventPolicy): RealtimeBatch {
  const records = sqsRecords(raw);
  if (records === undefined) {
    const read = readIamEvent(raw, policy);
    return read.ok
      ? { fromQueue: false, taken: [{ messageId: 'event', event: read.event }], refused: [] }
      : { fromQueue: false, taken: [], refused: [{ messageId: 'event', reason: read.reason }] };
  }
  const taken: { messageId: string; event: IamCredentialEvent }[] = [];
  const refused: { messageId: string; reason: string }[] = [];
  for (const { messageId, body } of records) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      refused.push({ messageId, reason: 'the message body is not JSON' });
      continue;
    }
    const read = readIamEvent(parsed, policy);
    if (read.ok) taken.push({ messageId, event: read.event });
    else refused.push({ messageId, reason: read.reason });
  }
  return { fromQueue: true, taken, refused };
}

/**
 * The events taken, by account: each account's users (each once, as IAM compares names:
 * without case), the root user when a call was its own, and the messages that asked.
 */
export function groupByAccount(taken: RealtimeBatch['taken']): AccountEvents[] {
  const byAccount = new Map<
    string,
    { names: string[]; root: boolean; messageIds: string[]; first: string | null }
  >();
  for (const { messageId, event } of taken) {
    const group = byAccount.get(event.accountId) ?? {
      names: [],
      root: false,
      messageIds: [],
      first: null,
    };
    if (event.userName !== undefined) group.names.push(event.userName);
    if (event.root) group.root = true;
    group.messageIds.push(messageId);
    if (event.eventTime !== null && (group.first === null || event.eventTime < group.first)) {
      group.first = event.eventTime;
    }
    byAccount.set(event.accountId, group);
  }
  return [...byAccount].map(([accountId, group]) => ({
    accountId,
    scope: usersScope(group.names, { root: group.root }),
    messageIds: group.messageIds,
    firstEventTime: group.first,
  }));
}

/** What a real-time handler is besides the wrapper: its policy, and one account's run. */
export interface RealtimeParts<D extends LambdaDeps> {
  readonly deps: D;
  /** The policy the events are read by (its tag keys). */
  readonly policy: Policy;
  /**
   * The account whose events are taken: the function's own (single account), or none (the
   * organization's function takes every member account's).
   */
  readonly onlyAccount: (context: Context) => string | undefined;
  /** Audits one account's users; never throws for a failed run (its outcome says so). */
  readonly audit: (
    events: AccountEvents,
    runId: string,
    stop: AbortSignal,
    context: Context,
  ) => Promise<AccountOutcome>;
  /** The deadline margin: a run about a few users needs little. */
  readonly deadlineMarginMs?: number;
}

/** The real-time handler's deadline margin: a run about a few users, and its delivery. */
export const REALTIME_DEADLINE_MARGIN_MS = 30_000;

/**
 * A real-time handler, wired by the one wrapper: read the events, log each refusal (nothing is
 * done for it, and it is never retried), audit each account's users once, and answer. From SQS,
 * the answer is the partial batch response: the messages of an account whose run was
 * incomplete, or whose report was not delivered, come again (and, after the queue's retries, go
 * to its dead-letter queue); the others, refused ones included, are done. A direct event fails
 * the invocation in that case instead.
 */
export function createRealtimeHandler<D extends LambdaDeps>(
  parts: RealtimeParts<D>,
): LambdaHandler<RealtimeOutput> {
  const { deps, policy } = parts;
  const tagKeys = watchedTagKeys(policy);
  return createLambdaHandler(deps, {
    deadlineMarginMs: parts.deadlineMarginMs ?? REALTIME_DEADLINE_MARGIN_MS,
    parse: (raw, context) => {
      const onlyAccount = parts.onlyAccount(context);
      const batch = readRealtimeEvent(raw, {
        tagKeys,
        ...(onlyAccount ? { accountId: onlyAccount } : {}),
      });
      for (const { messageId, reason } of batch.refused) {
        deps.logger.warn('Event refused; nothing was done for it', {
          ...(batch.fromQueue ? { messageId } : {}),
          reason,
        });
      }
      return batch;
    },
    run: async (batch, stop, context) => {
      const outcomes: AccountOutcome[] = [];
      const groups = groupByAccount(batch.taken);
      for (const [index, events] of groups.entries()) {
        // One run per account; the first keeps the invocation's id, as a scheduled run does.
        const runId =
          groups.length === 1 || index === 0
            ? context.awsRequestId
            : `${context.awsRequestId}-${events.accountId}`;
        const outcome = await parts.audit(events, runId, stop, context);
        deps.logger.info('Event-driven audit finished', {
          ...outcome,
          events: events.messageIds.length,
          ...(events.firstEventTime
            ? { secondsSinceCall: secondsSince(events.firstEventTime, deps.now()) }
            : {}),
        });
        outcomes.push(outcome);
      }
      return { outcomes, groups };
    },
    output: ({ event: batch, result: { outcomes, groups } }) => {
      const failed = groups.filter((_, index) => !outcomes[index]?.ok);
      if (batch.fromQueue) {
        return {
          batchItemFailures: failed.flatMap((group) =>
            group.messageIds.map((itemIdentifier) => ({ itemIdentifier })),
          ),
        };
      }
      if (failed.length > 0) {
        const why = outcomes
          .filter((outcome) => !outcome.ok)
          .map((outcome) => `${outcome.accountId} (${outcome.scope}): ${outcome.error}`)
          .join('; ');
        throw new RealtimeRunFailedError(`The event-driven audit did not finish: ${why}`);
      }
      return { audited: outcomes, refused: batch.refused.map((r) => r.reason) };
    },
  });
}

/** An event-driven run did not finish: incomplete, or its report not delivered. */
export class RealtimeRunFailedError extends SigningCertAuditError {
  override readonly name = 'RealtimeRunFailedError';
}

/** The account of a function (the single-account function takes only its own account's events). */
export function functionAccount(context: Context): string | undefined {
  return accountOfFunction(context.invokedFunctionArn);
}

function secondsSince(eventTime: string, now: Date): number | undefined {
  const at = Date.parse(eventTime);
  return Number.isNaN(at) ? undefined : Math.round((now.getTime() - at) / 100) / 10;
}

function sqsRecords(raw: unknown): readonly SqsRecord[] | undefined {
  if (typeof raw !== 'object' || raw === null || !('Records' in raw)) return undefined;
  const records = (raw as { Records: unknown }).Records;
  if (!Array.isArray(records)) return undefined;
  return records.map((record: unknown, index) => {
    const r = (typeof record === 'object' && record !== null ? record : {}) as Record<
      string,
      unknown
    >;
    return {
      messageId: typeof r.messageId === 'string' ? r.messageId : `record-${index}`,
      body: typeof r.body === 'string' ? r.body : '',
    };
  });
}
