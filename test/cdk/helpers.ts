import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AuditorStack } from '../../lib/auditor-stack';

/** The `context` block of cdk.json: the defaults `cdk synth` runs with. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

/** An app configured as `cdk synth` would be: cdk.json's context, then the overrides (like `-c`). */
export function createApp(overrides: Record<string, unknown> = {}): App {
  return new App({
    context: {
      ...CDK_JSON_CONTEXT,
      // Skip esbuild: the template is what these tests assert, and skipping keeps them fast.
      'aws:cdk:bundling-stacks': [],
      ...overrides,
    },
  });
}

/** An app configured for `-c deployment=organization` with a valid organization and target. */
export function createOrgApp(overrides: Record<string, unknown> = {}): App {
  return createApp({
    deployment: 'organization',
    organizationId: 'o-a1b2c3d4e5',
    memberTargets: 'r-ab12',
    ...overrides,
  });
}

/** Synthesizes the auditor stack with the given context overrides. */
export function synthStack(overrides: Record<string, unknown> = {}): Template {
  const app = createApp(overrides);
  return Template.fromStack(new AuditorStack(app, 'Test'));
}

/**
 * The one resource of a type (whose logical id contains `within`, when given: the construct
 * path, never a hash): its logical id and properties. Fails when there is not exactly one.
 */
export function onlyResource(
  template: Template,
  type: string,
  within?: string,
): { id: string; properties: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type)).filter(
    ([id]) => within === undefined || id.includes(within),
  );
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [id, resource] = found[0] as [string, { Properties?: Record<string, unknown> }];
  return { id, properties: resource.Properties ?? {} };
}

/** Runs `build` and returns the error it throws; fails when it does not throw. */
export function errorOf(build: () => unknown): Error {
  try {
    build();
  } catch (error: unknown) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected an error, none was thrown');
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/**
 * Every permission of the role the Lambda function (`within`, when there are several) runs as,
 * as `action -> resources`, with each resource written readably and without hashed logical ids:
 * a `Ref` or `Fn::GetAtt` of a stack resource becomes `{AWS::SNS::Topic}` or
 * `{AWS::SQS::Queue.Arn}`, a pseudo parameter `{AWS::AccountId}`. Fails if any statement is
 * not a plain unconditional Allow, or if the role has inline or managed policies of its own,
 * since those would escape this view.
 */
export function functionPermissions(
  template: Template,
  /** Which function, by a part of its logical id, when the stack has more than one. */
  within?: string,
): Record<string, string[]> {
  const fn = onlyResource(template, 'AWS::Lambda::Function', within);
  const roleId = (fn.properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const role = template.toJSON().Resources[roleId];
  if (role.Properties.ManagedPolicyArns || role.Properties.Policies) {
    throw new Error('the function role has managed or inline policies');
  }
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  const describe = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const node = value as Record<string, unknown>;
    if ('Ref' in node) {
      const ref = node.Ref as string;
      return ref.startsWith('AWS::') ? `{${ref}}` : `{${resources[ref]?.Type}}`;
    }
    if ('Fn::GetAtt' in node) {
      const [id, attribute] = node['Fn::GetAtt'] as [string, string];
      return `{${resources[id]?.Type}.${attribute}}`;
    }
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(describe).join(separator);
    }
    throw new Error(`unexpected resource expression ${JSON.stringify(value)}`);
  };

  const permissions: Record<string, string[]> = {};
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some(
      (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }),
    ),
  );
  for (const policy of policies) {
    for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
      if (statement.Effect !== 'Allow' || statement.Condition !== undefined) {
        throw new Error(`unexpected statement ${JSON.stringify(statement)}`);
      }
      const actions = [statement.Action].flat();
      const targets = [statement.Resource].flat().map(describe);
      for (const action of actions) {
        permissions[action] = [...new Set([...(permissions[action] ?? []), ...targets])].sort();
      }
    }
  }
  return permissions;
}

/** The state machine's definition as it will run: the template's string with its tokens filled. */
export function definitionOf(template: Template): Record<string, unknown> {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const join = machine?.Properties.DefinitionString['Fn::Join'] as [string, unknown[]];
  const text = join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const node = part as Record<string, unknown>;
      if ('Ref' in node) return node.Ref === 'AWS::Partition' ? 'aws' : 'archive-bucket';
      if ('Fn::GetAtt' in node) {
        const [id] = node['Fn::GetAtt'] as [string];
        return `arn:aws:lambda:us-east-1:123456789012:function:${id}`;
      }
      return 'aws';
    })
    .join('');
  return JSON.parse(text) as Record<string, unknown>;
}
