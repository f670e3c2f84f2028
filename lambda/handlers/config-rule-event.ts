import { SigningCertAuditError } from '../core/errors';
import { ACCOUNT_ID } from '../core/patterns';

/** The Config rule's event is refused: it is not the periodic evaluation this rule is for. */
export class ConfigRuleEventError extends SigningCertAuditError {
  override readonly name = 'ConfigRuleEventError';
}

/** What a periodic evaluation asks for, read from AWS Config's event. */
export interface ConfigRuleInvocation {
  /** Ties the evaluations to the rule and this invocation: sent back with every PutEvaluations. */
  readonly resultToken: string;
  /** When Config triggered the evaluation: every evaluation's OrderingTimestamp. */
  readonly notificationCreationTime: Date;
  /** The account the rule evaluates (this function's). */
  readonly accountId: string;
  readonly configRuleName: string;
  readonly configRuleArn: string;
  /** Keys of the event or its invoking event this parser does not know: passed over, to be logged. */
  readonly ignoredKeys: readonly string[];
}

/** The message type of a periodic rule's invoking event; the only one this rule evaluates on. */
export const SCHEDULED_NOTIFICATION = 'ScheduledNotification';
/** The one event version this parser knows (Config Developer Guide, "Example Events for AWS Config Rules"). */
const EVENT_VERSION = '1.0';
/** Longest piece of an event echoed in an error message. */
const MAX_ECHO = 60;

const nonEmpty = (value: unknown) => typeof value === 'string' && value.length > 0;
const arnWith = (part: string) => (value: unknown) =>
  typeof value === 'string' && value.startsWith('arn:') && value.includes(part);
// Date.parse rolls a day or hour that does not exist over (2026-02-30 is March 2): the time must
// read back as written, to the second, as the CLI's --as-of holds a calendar date to exist.
const isTime = (value: unknown) =>
  typeof value === 'string' &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(value) &&
  !Number.isNaN(Date.parse(value)) &&
  new Date(value).toISOString().slice(0, 19) === value.slice(0, 19);

/** A key of an event, the one form it is accepted in, and whether it may be absent. */
interface KeyRule {
  readonly accepts: (value: unknown) => boolean;
  readonly allowed: string;
  readonly optional?: true;
}

/**
 * The keys of the event Config sends a custom Lambda rule, from the Config Developer Guide
 * ("Example Events for AWS Config Rules": a periodic rule's event) and the events of
 * aws-lambda-go and aws_lambda_events (`ConfigEvent`): nothing else is accepted.
 */
const EVENT_KEYS: Readonly<Record<string, KeyRule>> = {
  invokingEvent: { accepts: nonEmpty, allowed: 'a JSON string (the invoking event)' },
  ruleParameters: {
    // The rule takes no parameters: its policy is the function's (maxAgeDays… set at deploy). A
    // parameter would be silently ignored, and whoever set it would believe the rule obeys it.
    accepts: (value) => value === '{}' || value === '',
    allowed:
      'none: the rule takes no parameters, it audits with the settings the function was deployed with (maxAgeDays, warnBeforeDays, …); remove the rule’s InputParameters',
    optional: true,
  },
  resultToken: { accepts: nonEmpty, allowed: 'a non-empty string' },
  eventLeftScope: {
    // A periodic evaluation is about no one resource, so nothing can leave its scope.
    accepts: (value) => value === false,
    allowed: 'false (a periodic evaluation has no resource that leaves the rule’s scope)',
  },
  executionRoleArn: { accepts: arnWith(':role/'), allowed: 'an IAM role ARN' },
  configRuleArn: { accepts: arnWith(':config-rule/'), allowed: 'a Config rule ARN' },
  configRuleName: { accepts: nonEmpty, allowed: 'a non-empty string' },
  configRuleId: { accepts: nonEmpty, allowed: 'a non-empty string' },
  accountId: {
    accepts: (value) => typeof value === 'string' && ACCOUNT_ID.test(value),
    allowed: 'a 12-digit account id',
  },
  version: { accepts: (value) => value === EVENT_VERSION, allowed: `"${EVENT_VERSION}"` },
};

/**
 * The keys of a periodic rule's invoking event (Config Developer Guide, "Example Event for
 * Evaluations Triggered by Periodic Frequency"): `awsAccountId`, `notificationCreationTime`,
 * `messageType` "ScheduledNotification" and `recordVersion`. `messageType` is checked first, so
 * a configuration-change event is refused as one, naming what it is.
 */
const INVOKING_EVENT_KEYS: Readonly<Record<string, KeyRule>> = {
  messageType: {
    accepts: (value) => value === SCHEDULED_NOTIFICATION,
    allowed: `"${SCHEDULED_NOTIFICATION}": this rule evaluates periodically (its trigger is MaximumExecutionFrequency), never on configuration changes or snapshot deliveries`,
  },
  notificationCreationTime: {
    accepts: isTime,
    allowed: 'an ISO 8601 UTC time such as 2026-12-01T06:00:00.000Z, on a calendar day that exists',
  },
  awsAccountId: {
    accepts: (value) => typeof value === 'string' && ACCOUNT_ID.test(value),
    allowed: 'a 12-digit account id',
  },
  recordVersion: { accepts: nonEmpty, allowed: 'a non-empty string', optional: true },
};

const INVOKING_ALLOWED = `an invoking event with ${Object.keys(INVOKING_EVENT_KEYS)
  .map((key) => `"${key}"`)
  .join(', ')}, whose messageType is "${SCHEDULED_NOTIFICATION}"`;

const ALLOWED = `the event AWS Config sends a periodic custom Lambda rule: ${Object.keys(EVENT_KEYS)
  .map((key) => `"${key}"${EVENT_KEYS[key]?.optional ? ' (optional)' : ''}`)
  .join(', ')}, with an invokingEvent whose messageType is "${SCHEDULED_NOTIFICATION}"`;

/**
 * Reads the event AWS Config invokes the rule's function with: every key it knows must be there
 * in its one accepted form; a missing one, another message type (a configuration-change or
 * snapshot event), rule parameters, an invoking event about another account than the event's,
 * or an event about another account than `functionAccountId` (the account of the function, from
 * its ARN: the one whose IAM users it reads, so the only one it can evaluate) are refused before
 * anything is read, naming what is wrong and what is allowed. A key it does not know is
 * passed over and named in `ignoredKeys` (the handler logs it): unlike the scheduled function's
 * event, nothing here can turn a dry run into a real one (the rule never changes anything), and
 * refusing a key Config adds one day would stop every evaluation of the account.
 */
export function parseConfigRuleEvent(
  event: unknown,
  functionAccountId: string | undefined,
): ConfigRuleInvocation {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw refuse(`expected a JSON object, got ${echo(JSON.stringify(event))}`, ALLOWED);
  }
  // The invoking event first: another kind of evaluation is named as such, whatever else differs.
  const { invokingEvent } = event as Record<string, unknown>;
  let inner: Record<string, unknown> | undefined;
  if (typeof invokingEvent === 'string' && invokingEvent !== '') {
    let invoking: unknown;
    try {
      invoking = JSON.parse(invokingEvent);
    } catch {
      throw refuse(
        `"invokingEvent" is ${echo(JSON.stringify(invokingEvent))}: expected a JSON object in a string`,
        ALLOWED,
      );
    }
    inner = readKeys(invoking, INVOKING_EVENT_KEYS, 'invokingEvent', INVOKING_ALLOWED);
  }
  const fields = readKeys(event, EVENT_KEYS, 'event', ALLOWED);
  const unknownOf = (object: Record<string, unknown>, rules: Readonly<Record<string, KeyRule>>) =>
    Object.keys(object).filter((key) => !(key in rules));
  if (inner === undefined) throw refuse('"invokingEvent" is unreadable', ALLOWED);
  if (inner.awsAccountId !== fields.accountId) {
    throw refuse(
      `the invoking event's "awsAccountId" ${echo(JSON.stringify(inner.awsAccountId))} is not the event's "accountId" ${JSON.stringify(fields.accountId)}: the rule evaluates its own account only`,
      ALLOWED,
    );
  }
  if (fields.accountId !== functionAccountId) {
    throw refuse(
      `"accountId" ${JSON.stringify(fields.accountId)} is not the account of this function, ${functionAccountId ?? 'which its ARN does not name'}: the rule evaluates the account its function runs in, whose IAM users it reads, and no other`,
      ALLOWED,
    );
  }
  return {
    resultToken: fields.resultToken as string,
    notificationCreationTime: new Date(inner.notificationCreationTime as string),
    accountId: fields.accountId as string,
    configRuleName: fields.configRuleName as string,
    configRuleArn: fields.configRuleArn as string,
    ignoredKeys: [
      ...unknownOf(fields, EVENT_KEYS),
      ...unknownOf(inner, INVOKING_EVENT_KEYS).map((key) => `invokingEvent.${key}`),
    ],
  };
}

/** The object's fields once every known key is there in its form; the first rule's key first. */
function readKeys(
  value: unknown,
  rules: Readonly<Record<string, KeyRule>>,
  what: 'event' | 'invokingEvent',
  allowed: string,
): Record<string, unknown> {
  const where = what === 'event' ? '' : 'in "invokingEvent": ';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw refuse(`${where}expected a JSON object, got ${echo(JSON.stringify(value))}`, allowed);
  }
  const fields = value as Record<string, unknown>;
  // The first rule's key first: a configuration-change event is named as one, not as a missing key.
  for (const [key, rule] of Object.entries(rules)) {
    const present = key in fields && fields[key] !== undefined;
    if (!present && rule.optional) continue;
    if (!present) throw refuse(`${where}"${key}" is missing: expected ${rule.allowed}`, allowed);
    if (!rule.accepts(fields[key])) {
      throw refuse(
        `${where}"${key}" is ${echo(JSON.stringify(fields[key]))}: expected ${rule.allowed}`,
        allowed,
      );
    }
  }
  return fields;
}

function refuse(detail: string, allowed: string): ConfigRuleEventError {
  return new ConfigRuleEventError(
    `Invalid Config rule event: ${detail}; nothing was evaluated. Allowed: ${allowed}`,
  );
}

function echo(text: string | undefined): string {
  const value = text ?? 'undefined';
  return value.length > MAX_ECHO
    ? `${value.slice(0, MAX_ECHO)}… (${value.length} characters)`
    : value;
}
