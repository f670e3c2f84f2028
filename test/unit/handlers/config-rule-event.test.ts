import { describe, expect, it } from 'vitest';
import {
  ConfigRuleEventError,
  parseConfigRuleEvent,
} from '../../../lambda/handlers/config-rule-event';
import { periodicRuleEvent } from '../../../tools/emulator/config-rule-event';

/** The account of the function the rule invokes (its ARN's), as the handler passes it. */
const OWN_ACCOUNT = '123456789012';

const refusal = (event: unknown, ownAccount: string = OWN_ACCOUNT): string => {
  try {
    parseConfigRuleEvent(event, ownAccount);
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(ConfigRuleEventError);
    return (error as Error).message;
  }
  throw new Error('the event was accepted');
};

describe('parseConfigRuleEvent', () => {
  it('reads the periodic event Config sends: the token, the time, the account, the rule', () => {
    const invocation = parseConfigRuleEvent(
      periodicRuleEvent({ notificationCreationTime: '2026-12-01T06:00:16.261Z' }),
      OWN_ACCOUNT,
    );

    expect(invocation).toEqual({
      resultToken: 'result-token',
      notificationCreationTime: new Date('2026-12-01T06:00:16.261Z'),
      accountId: '123456789012',
      configRuleName: 'signing-cert-audit',
      configRuleArn: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-0123456',
      ignoredKeys: [],
    });
  });

  it('passes over keys it does not know, naming them, instead of stopping every evaluation', () => {
    const base = periodicRuleEvent();
    const invoking = JSON.parse(base.invokingEvent as string) as Record<string, unknown>;

    const invocation = parseConfigRuleEvent(
      {
        ...base,
        evaluationMode: 'DETECTIVE',
        invokingEvent: JSON.stringify({ ...invoking, configRuleNames: ['x'] }),
      },
      OWN_ACCOUNT,
    );

    expect(invocation.ignoredKeys).toEqual(['evaluationMode', 'invokingEvent.configRuleNames']);
    expect(invocation.resultToken).toBe('result-token');
  });

  it('accepts empty rule parameters, and refuses any parameter: the rule takes none', () => {
    expect(() =>
      parseConfigRuleEvent({ ...periodicRuleEvent(), ruleParameters: '{}' }, OWN_ACCOUNT),
    ).not.toThrow();

    expect(refusal({ ...periodicRuleEvent(), ruleParameters: '{"maxAgeDays":"30"}' })).toMatch(
      /^Invalid Config rule event: "ruleParameters" is .*maxAgeDays.*: expected none: the rule takes no parameters, it audits with the settings the function was deployed with/,
    );
  });

  it('refuses a configuration-change event as one, naming the message type allowed', () => {
    const changed = {
      ...periodicRuleEvent({ invoking: { messageType: 'ConfigurationItemChangeNotification' } }),
      eventLeftScope: true,
    };

    expect(refusal(changed)).toMatch(
      /^Invalid Config rule event: in "invokingEvent": "messageType" is "ConfigurationItemChangeNotification": expected "ScheduledNotification": this rule evaluates periodically/,
    );
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a missing token',
      { resultToken: undefined },
      /"resultToken" is missing: expected a non-empty string/,
    ],
    ['an empty token', { resultToken: '' }, /"resultToken" is "": expected a non-empty string/],
    [
      'a resource leaving scope',
      { eventLeftScope: true },
      /"eventLeftScope" is true: expected false/,
    ],
    ['another version', { version: '2.0' }, /"version" is "2.0": expected "1.0"/],
    [
      'a bad account id',
      { accountId: 'acme' },
      /"accountId" is "acme": expected a 12-digit account id/,
    ],
    [
      'a rule ARN that is none',
      { configRuleArn: 'rule' },
      /"configRuleArn" is "rule": expected a Config rule ARN/,
    ],
    [
      'an invoking event that is no JSON',
      { invokingEvent: '{not json' },
      /"invokingEvent" is .*: expected a JSON object in a string/,
    ],
  ])('refuses %s, naming the key and what is allowed', (_, change, expected) => {
    const event = { ...periodicRuleEvent(), ...change };
    for (const [key, value] of Object.entries(change)) if (value === undefined) delete event[key];

    const message = refusal(event);

    expect(message).toMatch(expected);
    expect(message).toContain('nothing was evaluated. Allowed: the event AWS Config sends');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no time', { notificationCreationTime: undefined }, /"notificationCreationTime" is missing/],
    [
      'a time that is none',
      { notificationCreationTime: 'yesterday' },
      /"notificationCreationTime" is "yesterday": expected an ISO 8601 UTC time/,
    ],
    [
      'another account',
      { awsAccountId: '210987654321' },
      /"awsAccountId" "210987654321" is not the event's "accountId" "123456789012"/,
    ],
    [
      'a day that does not exist (Date would roll 2026-02-30 over to March 2)',
      { notificationCreationTime: '2026-02-30T06:00:00.000Z' },
      /"notificationCreationTime" is "2026-02-30T06:00:00.000Z": expected an ISO 8601 UTC time such as 2026-12-01T06:00:00.000Z, on a calendar day that exists/,
    ],
    [
      'an hour that does not exist',
      { notificationCreationTime: '2026-12-01T24:30:00.000Z' },
      /"notificationCreationTime" is "2026-12-01T24:30:00.000Z": expected an ISO 8601 UTC time/,
    ],
  ])('refuses an invoking event with %s', (_, invoking, expected) => {
    expect(refusal(periodicRuleEvent({ invoking }))).toMatch(expected);
  });

  it('accepts the last day of February in a leap year (the control of the calendar check)', () => {
    const invocation = parseConfigRuleEvent(
      periodicRuleEvent({ invoking: { notificationCreationTime: '2028-02-29T23:59:59.999Z' } }),
      OWN_ACCOUNT,
    );

    expect(invocation.notificationCreationTime.toISOString()).toBe('2028-02-29T23:59:59.999Z');
  });

  it('refuses an event about another account than the function’s own, whatever the event says', () => {
    // The event is consistent with itself (both account ids agree), but the function reads the
    // IAM users of the account it runs in: its evaluations would be about other users.
    const other = periodicRuleEvent({ accountId: '210987654321' });

    expect(refusal(other)).toMatch(
      /^Invalid Config rule event: "accountId" "210987654321" is not the account of this function, 123456789012: the rule evaluates the account its function runs in, whose IAM users it reads, and no other; nothing was evaluated\. Allowed: /,
    );
    // The control: the same event, to a function in that account, is accepted.
    expect(parseConfigRuleEvent(other, '210987654321').accountId).toBe('210987654321');
  });

  it('refuses what is not an object at all', () => {
    expect(refusal(null)).toMatch(/^Invalid Config rule event: expected a JSON object, got null/);
    expect(refusal({})).toMatch(/"invokingEvent" is missing/);
  });
});
