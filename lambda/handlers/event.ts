import { SigningCertAuditError } from '../core/errors';
import { ACCOUNT_ID } from '../core/patterns';
import { SCAN_STRATEGIES, type ScanStrategy } from '../core/settings';

/** The invocation event is refused: it asked for something other than a run or a dry run. */
export class InvocationEventError extends SigningCertAuditError {
  override readonly name = 'InvocationEventError';
}

/** What an invocation may ask for. */
export interface InvocationOptions {
  readonly dryRun: boolean;
  /** Set by the full-scan schedule: this run scans in full whatever the configured strategy. */
  readonly scanStrategy?: ScanStrategy;
}

/** The item the Distributed Map hands each worker: one account of one run. */
export interface WorkerEvent extends Partial<InvocationOptions> {
  readonly accountId: string;
  readonly runId: string;
}

/** The keys an event may carry, and the one exact form each is honoured in. */
const OPTION_KEYS = {
  dryRun: {
    normalized: 'dryrun',
    accepts: (value: unknown) => value === true,
    allowed: '"dryRun": true',
    rule: 'an event that mentions a dry run must be exactly {"dryRun": true}',
  },
  scanStrategy: {
    normalized: 'scanstrategy',
    accepts: (value: unknown) => (SCAN_STRATEGIES as readonly unknown[]).includes(value),
    allowed: `"scanStrategy": ${SCAN_STRATEGIES.map((s) => JSON.stringify(s)).join(' or ')}`,
    rule: `an event that mentions a scan strategy must say exactly "scanStrategy": ${SCAN_STRATEGIES.map((s) => JSON.stringify(s)).join(' or ')}`,
  },
} as const;

/**
 * A run id: the execution's name, in the one form that names an S3 prefix as it is. Step
 * Functions allows more in a name (`+`, `=`, `@`, non-ASCII…); made "safe" by replacing those,
 * two executions (`check+1`, `check=1`) would share one run's account list and reports, so a name
 * outside this set is refused instead.
 */
export const RUN_ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,80}$/;
/** {@link RUN_ID_PATTERN} in words, for error messages. */
export const RUN_ID_ALLOWED = '1 to 80 of A-Z a-z 0-9 . _ - (not "." or "..")';

/**
 * The keys of the scheduled event an EventBridge rule sends when its target has no input, from
 * "EventBridge events detail reference" › "Scheduled Event" and "Event structure reference" in the
 * EventBridge User Guide (https://docs.aws.amazon.com/eventbridge/latest/userguide/event-reference.html):
 * `source` "aws.events", `detail-type` "Scheduled Event" and an empty `detail` ({}).
 * EventBridge Scheduler sends a templated target exactly the schedule's `Input` (the stacks'
 * schedules send `{}` and `{"scanStrategy": "full"}`); a schedule without an Input gets "a default
 * notification" (Scheduler API Reference, Target.Input), which is observed to be the same envelope
 * with `source` "aws.scheduler" and `detail` "{}" as a string.
 */
const SCHEDULED_EVENT_KEYS: ReadonlySet<string> = new Set([
  'version',
  'id',
  'detail-type',
  'source',
  'account',
  'time',
  'region',
  'resources',
  'detail',
]);
const SCHEDULED_SOURCES: ReadonlySet<unknown> = new Set(['aws.events', 'aws.scheduler']);

/** Longest piece of an event echoed in an error message: the event itself may be huge. */
const MAX_ECHO = 60;
/** How deep into an event a mention of a known key is looked for. */
const MAX_DEPTH = 8;

/** What one kind of event may hold, and how its refusals read. */
interface EventShape {
  /** `invocation event`, `worker event`: the start of every refusal. */
  readonly name: string;
  /** The ways to invoke, for error messages. */
  readonly allowed: string;
  /** Keys this kind requires, with their rule; each value is checked by `accepts`. */
  readonly required: Readonly<
    Record<string, { readonly accepts: (value: unknown) => boolean; readonly allowed: string }>
  >;
  /** Whether an EventBridge or Scheduler scheduled event is this kind of event. */
  readonly scheduled: boolean;
}

const INVOCATION: EventShape = {
  name: 'invocation event',
  allowed: `{} for a real run, {"dryRun": true} for a dry run, optionally with ${OPTION_KEYS.scanStrategy.allowed}; or the scheduled event EventBridge sends`,
  required: {},
  scheduled: true,
};

const WORKER: EventShape = {
  name: 'worker event',
  allowed: `{"accountId": "<12 digits>", "runId": "<${RUN_ID_ALLOWED}>"}, optionally with "dryRun": true and ${OPTION_KEYS.scanStrategy.allowed}`,
  required: {
    accountId: {
      accepts: (value) => typeof value === 'string' && ACCOUNT_ID.test(value),
      allowed: 'a 12-digit account id',
    },
    runId: {
      accepts: (value) => typeof value === 'string' && RUN_ID_PATTERN.test(value),
      allowed: RUN_ID_ALLOWED,
    },
  },
  scheduled: false,
};

/**
 * Reads the invocation event of the scheduled function (and the organization state machine's
 * execution input, which the enumerate step reads by the same rule). It must be a JSON object:
 * `null` (or no event at all) is refused, never read as `{}`. Then, in this order:
 * 1. an event that mentions a dry run anywhere, in any spelling (`dryRun`, `dryrun`, `dry_run`,
 *    `DryRun`, `dry-run`…), is a dry run when it is exactly `"dryRun": true` at the top level
 *    and mentions it nowhere else, and is refused otherwise: someone asked for a dry run, and a
 *    typo must never run for real. `scanStrategy` is held to the same rule (exactly `"full"` or
 *    `"credential-report"`, top level, one spelling);
 * 2. any key other than those, and the keys of a scheduled event, is refused, naming it;
 * 3. a key of a scheduled event is allowed only in the scheduled event EventBridge or Scheduler
 *    really sends (`detail-type` "Scheduled Event", `source` "aws.events" or "aws.scheduler",
 *    an empty `detail`): an event that only looks scheduled is refused.
 */
export function parseInvocationEvent(event: unknown): InvocationOptions {
  return readOptions(readFields(event, INVOCATION));
}

/**
 * Reads the organization worker's event by the same rule: `accountId` and `runId`, and at most
 * `"dryRun": true` and a `scanStrategy` in their one exact form; any other key, any other
 * spelling of a dry run, and `"dryRun": false` are refused before anything is touched.
 */
export function parseWorkerEvent(event: unknown): WorkerEvent {
  const fields = readFields(event, WORKER);
  return {
    accountId: fields.accountId as string,
    runId: fields.runId as string,
    ...readOptions(fields),
  };
}

/** The run id of an execution name; refuses a name outside {@link RUN_ID_PATTERN}. */
export function runIdOf(executionName: unknown, step: string): string {
  if (typeof executionName === 'string' && RUN_ID_PATTERN.test(executionName)) {
    return executionName;
  }
  throw new InvocationEventError(
    `Invalid ${step} event: the execution name ${echo(JSON.stringify(executionName))} is not allowed: the run id is the execution's name, ${RUN_ID_ALLOWED}, so that one execution is one run (a name changed to fit would share another execution's account list and reports). Start the execution with such a name, or let Step Functions name it`,
  );
}

function readOptions(fields: Record<string, unknown>): InvocationOptions {
  return {
    dryRun: fields.dryRun === true,
    ...(fields.scanStrategy !== undefined
      ? { scanStrategy: fields.scanStrategy as ScanStrategy }
      : {}),
  };
}

/** The event's fields, once every rule of {@link parseInvocationEvent} holds for `shape`. */
function readFields(event: unknown, shape: EventShape): Record<string, unknown> {
  const refuse = (detail: string) =>
    new InvocationEventError(`Invalid ${shape.name}: ${detail}. Allowed: ${shape.allowed}`);
  // `null` (a template's unset variable, say) asks for nothing: only {} is a real run.
  if (event === null || event === undefined) {
    throw refuse(`the event is ${event === null ? 'null' : 'no event'}, and must be a JSON object`);
  }
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw refuse('the event must be a JSON object');
  }
  const fields = event as Record<string, unknown>;
  for (const [key, spec] of Object.entries(OPTION_KEYS)) {
    const mentions = mentionsOf(fields, spec.normalized, '', 0);
    if (mentions.length === 0) continue;
    if (mentions.length === 1 && mentions[0] === key && spec.accepts(fields[key])) continue;
    const bad = mentions.find((path) => path !== key) ?? key;
    const value = bad === key ? ` is ${echo(JSON.stringify(fields[key]))}` : '';
    throw refuse(`"${echo(bad)}"${value}: ${spec.rule}, and nothing was changed`);
  }
  const known = (key: string) =>
    key in OPTION_KEYS ||
    key in shape.required ||
    (shape.scheduled && SCHEDULED_EVENT_KEYS.has(key));
  const unknown = Object.keys(fields).filter((key) => !known(key));
  if (unknown.length > 0) {
    const listed = unknown
      .slice(0, 3)
      .map((key) => `"${echo(key)}"`)
      .join(', ');
    const more = unknown.length > 3 ? ` and ${unknown.length - 3} more` : '';
    throw refuse(`unknown key${unknown.length === 1 ? '' : 's'} ${listed}${more}`);
  }
  const envelope = Object.keys(fields).filter((key) => SCHEDULED_EVENT_KEYS.has(key));
  if (envelope.length > 0 && !isScheduledEvent(fields)) {
    throw refuse(
      `"${envelope[0]}" belongs to a scheduled event, and this is not one: a scheduled event has "detail-type": "Scheduled Event", "source": "aws.events" or "aws.scheduler", an empty "detail", and nothing else of its own`,
    );
  }
  for (const [key, spec] of Object.entries(shape.required)) {
    if (!spec.accepts(fields[key])) {
      const value = fields[key] === undefined ? 'missing' : echo(JSON.stringify(fields[key]));
      throw refuse(`"${key}" is ${value}: expected ${spec.allowed}`);
    }
  }
  return fields;
}

/** The paths of every key whose letters, case-folded, are `normalized`. */
function mentionsOf(value: unknown, normalized: string, prefix: string, depth: number): string[] {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (key.replace(/[^a-z]/gi, '').toLowerCase() === normalized) found.push(path);
    found.push(...mentionsOf(child, normalized, path, depth + 1));
  }
  return found;
}

function isScheduledEvent(fields: Record<string, unknown>): boolean {
  const { detail } = fields;
  const empty =
    detail === undefined ||
    detail === '{}' ||
    (typeof detail === 'object' &&
      detail !== null &&
      !Array.isArray(detail) &&
      Object.keys(detail).length === 0);
  return (
    fields['detail-type'] === 'Scheduled Event' && SCHEDULED_SOURCES.has(fields.source) && empty
  );
}

function echo(text: string | undefined): string {
  const value = text ?? 'undefined';
  return value.length > MAX_ECHO
    ? `${value.slice(0, MAX_ECHO)}… (${value.length} characters)`
    : value;
}
