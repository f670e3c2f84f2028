import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  parseConfig,
  parsePolicy,
  type RawSettings,
  SETTINGS,
  type SettingKey,
} from '../lambda/config';
import { ConfigError } from '../lambda/errors';
import { checkEmails, DEPLOY_SETTINGS_ALLOWED, SigningCertAuditor } from './signing-cert-auditor';

/** The policy keys read from CDK context: every setting but topicArn, which picks an existing topic. */
const POLICY_KEYS = (Object.keys(SETTINGS) as SettingKey[]).filter((key) => key !== 'topicArn');

/** Every context key this app reads. */
export const CONTEXT_KEYS: readonly string[] = [
  ...Object.keys(SETTINGS),
  ...Object.keys(DEPLOY_SETTINGS_ALLOWED),
];

/** Context keys that are not ours but legitimately present: the CDK's own and its CLI's. */
const FOREIGN_CONTEXT_KEYS = new Set(['acknowledged-issue-numbers']);

/**
 * Refuses a context key that is neither one of ours nor namespaced (`@aws-cdk/…`, `aws:cdk:…`,
 * lookups such as `availability-zones:account=…`), so `-c maxAgeDay=30` fails synth instead of
 * deploying the default 90; names the closest key it may have meant.
 */
export function checkContextKeys(context: Record<string, unknown>): void {
  const unknown = Object.keys(context).filter(
    (key) =>
      !CONTEXT_KEYS.includes(key) &&
      !FOREIGN_CONTEXT_KEYS.has(key) &&
      !key.startsWith('@') &&
      !key.includes(':') &&
      !key.includes('/'),
  );
  if (unknown.length === 0) return;
  const problems = unknown.map((key) => {
    const shown = key.length > 60 ? `${key.slice(0, 60)}…` : key;
    const suggestion = closest(key, CONTEXT_KEYS);
    return `"${shown}"${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
  });
  throw new ConfigError(
    `unknown context key${unknown.length === 1 ? '' : 's'} ${problems.join(', ')}: expected one of ${CONTEXT_KEYS.join(', ')}, or a namespaced key such as @aws-cdk/…`,
  );
}

/** The known key nearest to `key` by edit distance, if near enough to be a typo. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(best.name.length / 4))
    ? best.name
    : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 10) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? Number.POSITIVE_INFINITY;
}

/**
 * The auditor's stack, configured from CDK context (`cdk.json` holds the defaults, `-c key=value`
 * overrides them). Every value is validated at synth; a bad one stops synth naming the key.
 * The stack is environment-agnostic, so it synthesizes with no AWS credentials.
 */
export class AuditorStack extends Stack {
  /** The auditor this stack deploys. */
  public readonly auditor: SigningCertAuditor;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    checkContextKeys(this.node.getAllContext());
    const raw: RawSettings = {};
    for (const key of POLICY_KEYS) raw[key] = this.node.tryGetContext(key);
    const policy = parsePolicy(raw, 'context');

    const topicArn: unknown = this.node.tryGetContext('topicArn');
    const existingTopic =
      topicArn === undefined || topicArn === ''
        ? undefined
        : sns.Topic.fromTopicArn(
            this,
            'ExistingTopic',
            parseConfig({ topicArn }, 'context').topicArn,
          );

    this.auditor = new SigningCertAuditor(this, 'Auditor', {
      ...policy,
      schedule: this.node.tryGetContext('schedule'),
      timeZone: this.node.tryGetContext('timeZone'),
      notificationEmails: checkEmails(readList(this.node.tryGetContext('notificationEmails'))),
      existingTopic,
    });

    // What an operator needs after deploying: where to subscribe, what to invoke, where failures go.
    new CfnOutput(this, 'TopicArn', { value: this.auditor.topic.topicArn });
    new CfnOutput(this, 'FunctionName', { value: this.auditor.function.functionName });
    new CfnOutput(this, 'FailureQueueUrl', { value: this.auditor.failureQueue.queueUrl });
    new CfnOutput(this, 'LogGroupName', { value: this.auditor.logGroup.logGroupName });
  }
}

/** A list from context: a JSON array in cdk.json, or a comma-separated string from `-c`. */
function readList(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  throw new ConfigError(
    `notificationEmails=${JSON.stringify(value)} is not allowed: expected ${DEPLOY_SETTINGS_ALLOWED.notificationEmails}`,
  );
}
