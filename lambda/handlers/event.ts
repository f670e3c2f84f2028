import { SigningCertAuditError } from '../core/errors';
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

/** The keys an event may carry, and the one exact form each is honoured in. */
const KEYS = {
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

/** The ways to invoke, for error messages. */
const ALLOWED = `{} for a real run, {"dryRun": true} for a dry run, optionally with ${KEYS.scanStrategy.allowed}`;
/** Longest piece of an event echoed in an error message: the event itself may be huge. */
const MAX_ECHO = 60;
/** How deep into an event a mention of a known key is looked for. */
const MAX_DEPTH = 8;

/**
 * Reads the invocation event. The rule, in this order:
 * 1. an event that mentions a dry run anywhere, in any spelling (`dryRun`, `dryrun`, `dry_run`,
 *    `DryRun`, `dry-run`…), is a dry run when it is exactly `"dryRun": true` at the top level
 *    and mentions it nowhere else, and is refused otherwise, whatever else it holds: someone
 *    asked for a dry run, and a typo must never run for real. `scanStrategy` is held to the same
 *    rule (exactly `"full"` or `"credential-report"`, top level, one spelling);
 * 2. a scheduled event (EventBridge Scheduler or rule) that says nothing of either runs for real;
 * 3. any other event holds nothing but those keys: an unknown key is refused.
 */
export function parseInvocationEvent(event: unknown): InvocationOptions {
  if (event === undefined || event === null) return { dryRun: false };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw refusal('the event must be a JSON object');
  }
  const fields = event as Record<string, unknown>;
  for (const [key, spec] of Object.entries(KEYS)) {
    const mentions = mentionsOf(fields, spec.normalized, '', 0);
    if (mentions.length === 0) continue;
    if (mentions.length === 1 && mentions[0] === key && spec.accepts(fields[key])) continue;
    const bad = mentions.find((path) => path !== key) ?? key;
    const value = bad === key ? ` is ${echo(JSON.stringify(fields[key]))}` : '';
    throw refusal(`"${echo(bad)}"${value}: ${spec.rule}, and nothing was changed`);
  }
  const options: InvocationOptions = {
    dryRun: fields.dryRun === true,
    ...(fields.scanStrategy !== undefined
      ? { scanStrategy: fields.scanStrategy as ScanStrategy }
      : {}),
  };
  // A dry run is honoured whatever else the event holds: it can never change anything.
  if (options.dryRun || isScheduledEvent(fields)) return options;
  const unknown = Object.keys(fields).filter((key) => !(key in KEYS));
  if (unknown.length === 0) return options;
  const listed = unknown
    .slice(0, 3)
    .map((key) => `"${echo(key)}"`)
    .join(', ');
  const more = unknown.length > 3 ? ` and ${unknown.length - 3} more` : '';
  throw refusal(`unknown key${unknown.length === 1 ? '' : 's'} ${listed}${more}`);
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
