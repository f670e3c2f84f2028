import { SigningCertAuditError } from '../core/errors';

/** The invocation event is refused: it asked for something other than a run or a dry run. */
export class InvocationEventError extends SigningCertAuditError {
  override readonly name = 'InvocationEventError';
}

/** What a manual invocation may ask for. */
export interface InvocationOptions {
  readonly dryRun: boolean;
}

/** The one way to ask for a dry run. */
const ALLOWED = '{} for a real run, or {"dryRun": true} for a dry run';
/** Longest piece of an event echoed in an error message: the event itself may be huge. */
const MAX_ECHO = 60;
/** How deep into an event a mention of a dry run is looked for. */
const MAX_DEPTH = 8;

/**
 * Reads the invocation event. The rule, in this order:
 * 1. an event that mentions a dry run anywhere, in any spelling (`dryRun`, `dryrun`, `dry_run`,
 *    `DryRun`, `dry-run`…), is a dry run when it is exactly `"dryRun": true` at the top level
 *    and mentions it nowhere else, and is refused otherwise, whatever else it holds: someone
 *    asked for a dry run, and a typo must never run for real;
 * 2. a scheduled event (EventBridge Scheduler or rule) that says nothing of a dry run runs for real;
 * 3. any other event must be empty (`{}`, null): an unknown key is refused.
 */
export function parseInvocationEvent(event: unknown): InvocationOptions {
  if (event === undefined || event === null) return { dryRun: false };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw refusal('the event must be a JSON object');
  }
  const fields = event as Record<string, unknown>;
  const mentions = dryRunMentions(fields, '', 0);
  if (mentions.length > 0) {
    const [only] = mentions;
    if (mentions.length === 1 && only === 'dryRun' && fields.dryRun === true) {
      return { dryRun: true };
    }
    const bad = mentions.find((path) => path !== 'dryRun') ?? 'dryRun';
    const value = bad === 'dryRun' ? ` is ${echo(JSON.stringify(fields.dryRun))}` : '';
    throw refusal(
      `"${echo(bad)}"${value}: an event that mentions a dry run must be exactly {"dryRun": true}, and nothing was changed`,
    );
  }
  if (isScheduledEvent(fields)) return { dryRun: false };
  const unknown = Object.keys(fields);
  if (unknown.length === 0) return { dryRun: false };
  const listed = unknown
    .slice(0, 3)
    .map((key) => `"${echo(key)}"`)
    .join(', ');
  const more = unknown.length > 3 ? ` and ${unknown.length - 3} more` : '';
  throw refusal(`unknown key${unknown.length === 1 ? '' : 's'} ${listed}${more}`);
}

/** The paths of every key that names a dry run, in any case or separator. */
function dryRunMentions(value: unknown, prefix: string, depth: number): string[] {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (key.replace(/[^a-z]/gi, '').toLowerCase() === 'dryrun') found.push(path);
    found.push(...dryRunMentions(child, path, depth + 1));
  }
  return found;
}

function isScheduledEvent(fields: Record<string, unknown>): boolean {
  return (
    fields['detail-type'] === 'Scheduled Event' ||
    fields.source === 'aws.events' ||
    fields.source === 'aws.scheduler'
  );
}

function refusal(detail: string): InvocationEventError {
  return new InvocationEventError(`Invalid invocation event: ${detail}. Allowed: ${ALLOWED}`);
}

function echo(text: string | undefined): string {
  const value = text ?? 'undefined';
  return value.length > MAX_ECHO
    ? `${value.slice(0, MAX_ECHO)}… (${value.length} characters)`
    : value;
}
