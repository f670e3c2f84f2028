import * as z from 'zod/mini';
import { InvocationEventError } from './errors';

/** What a manual invocation may ask for. */
export interface InvocationOptions {
  readonly dryRun: boolean;
}

const manualEvent = z.strictObject({ dryRun: z.optional(z.boolean()) });

/**
 * Reads the invocation event. A scheduled event (EventBridge Scheduler or rule) is recognised by
 * its own fields, which are ignored. A manual event may carry only `{"dryRun": true|false}`;
 * anything else is refused, because a typo such as `{"dryrun": true}` must never run for real.
 */
export function parseInvocationEvent(event: unknown): InvocationOptions {
  if (event === undefined || event === null) return { dryRun: false };
  if (isScheduledEvent(event)) return { dryRun: false };
  const result = manualEvent.safeParse(event);
  if (result.success) return { dryRun: result.data.dryRun ?? false };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '';
  const detail =
    issue?.code === 'unrecognized_keys'
      ? `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
      : where
        ? `"${where}" must be true or false`
        : 'the event must be a JSON object';
  throw new InvocationEventError(
    `Invalid invocation event: ${detail}. Allowed: {} or {"dryRun": true|false}`,
  );
}

function isScheduledEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const fields = event as Record<string, unknown>;
  return (
    fields['detail-type'] === 'Scheduled Event' ||
    fields.source === 'aws.events' ||
    fields.source === 'aws.scheduler'
  );
}
