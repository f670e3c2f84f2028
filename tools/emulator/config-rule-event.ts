/**
 * The event AWS Config invokes a periodic custom Lambda rule with, as the Config Developer Guide
 * shows it ("Example Events for AWS Config Rules": a periodic rule's event), for driving the rule's
 * real handler outside Lambda. `invokingEvent` is a JSON string, as Config sends it.
 */
export function periodicRuleEvent(
  options: {
    readonly accountId?: string;
    readonly notificationCreationTime?: string;
    readonly resultToken?: string;
    /** Fields of the invoking event to change (or remove, with `undefined`). */
    readonly invoking?: Readonly<Record<string, unknown>>;
  } = {},
): Record<string, unknown> {
  const accountId = options.accountId ?? '123456789012';
  return {
    configRuleId: 'config-rule-0123456',
    version: '1.0',
    configRuleName: 'signing-cert-audit',
    configRuleArn: `arn:aws:config:us-east-1:${accountId}:config-rule/config-rule-0123456`,
    invokingEvent: JSON.stringify({
      awsAccountId: accountId,
      notificationCreationTime: options.notificationCreationTime ?? '2026-12-01T06:00:00.000Z',
      messageType: 'ScheduledNotification',
      recordVersion: '1.0',
      ...options.invoking,
    }),
    resultToken: options.resultToken ?? 'result-token',
    eventLeftScope: false,
    executionRoleArn: `arn:aws:iam::${accountId}:role/config-role`,
    accountId,
  };
}
