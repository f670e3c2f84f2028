import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Node } from 'constructs';
import { ConfigError } from '../lambda/core/errors';
import {
  type Deployment,
  ORG_SETTINGS,
  POLICY_KEYS,
  type Policy,
  parsePolicy,
  parseSetting,
  SETTINGS,
  type Setting,
  type SettingValue,
} from '../lambda/core/settings';
import { closest } from '../lambda/core/suggest';
import { DEPLOY_SETTINGS } from './deploy-settings';

/** Every setting CDK context sets, by context key: the policy's, the organization's and the deployment's. */
export const CONTEXT_SETTINGS: Readonly<Record<string, Setting>> = {
  ...SETTINGS,
  ...DEPLOY_SETTINGS,
  ...ORG_SETTINGS,
};
/** Every context key this app reads. */
export const CONTEXT_KEYS: readonly string[] = Object.keys(CONTEXT_SETTINGS);

/**
 * A setting read from a stack's CDK context by its row, naming its context key in a refusal;
 * with `emptyIsUnset`, a value left empty (`-c fullScanSchedule=`) means "not set".
 */
export function fromContext<T extends Setting & { readonly context: string }>(
  node: Node,
  row: T,
  emptyIsUnset = false,
): SettingValue<T> {
  const value: unknown = node.tryGetContext(row.context);
  return parseSetting(row, 'context', emptyIsUnset && value === '' ? undefined : value);
}

/**
 * The runtime a `lambdaRuntime` context value names (`nodejs26.x`): aws-cdk-lib's own when it
 * knows it, otherwise one made from the name (the construct then warns that it is untested);
 * undefined when the value is absent or empty. Throws a ConfigError naming the key otherwise.
 */
export function runtimeFromContext(node: Node): lambda.Runtime | undefined {
  const name = fromContext(node, DEPLOY_SETTINGS.lambdaRuntime, true);
  if (name === undefined) return undefined;
  return (
    lambda.Runtime.ALL.find((runtime) => runtime.name === name) ??
    new lambda.Runtime(name, lambda.RuntimeFamily.NODEJS)
  );
}

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

/**
 * Refuses a context key that is set but not read by `deployment`, naming who reads it, from each
 * row's `deployments` (a row without one is read by all). So `-c securityHub=true -c
 * deployment=organization` cannot silently deploy without Security Hub.
 */
export function checkContextApplies(
  context: Record<string, unknown>,
  deployment: Deployment,
): void {
  const unset = (value: unknown) =>
    value === undefined ||
    value === null ||
    value === '' ||
    value === false ||
    value === 'false' ||
    (Array.isArray(value) && value.length === 0);
  const misplaced = Object.entries(CONTEXT_SETTINGS).flatMap(([key, { deployments: users }]) =>
    users && !users.includes(deployment) && !unset(context[key]) ? [[key, users] as const] : [],
  );
  if (misplaced.length === 0) return;
  const problems = misplaced.map(
    ([key, users]) => `${key} (read by deployment=${users.join(' or deployment=')})`,
  );
  const them = misplaced.length === 1 ? 'it' : 'them';
  throw new ConfigError(
    `${problems.join(', ')} ${misplaced.length === 1 ? 'is' : 'are'} not read by deployment=${deployment}: remove ${them}, or choose the deployment that reads ${them}`,
  );
}

/**
 * Reads a stack's context the one way every stack does: refuses an unknown key or one this
 * deployment does not read, then parses the policy from the keys of the settings table.
 */
export function policyFromContext(node: Node, deployment: Deployment): Policy {
  checkContextKeys(node.getAllContext());
  checkContextApplies(node.getAllContext(), deployment);
  return parsePolicy(
    Object.fromEntries(POLICY_KEYS.map((key) => [key, node.tryGetContext(key)])),
    'context',
  );
}
