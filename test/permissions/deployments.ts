import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, type CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../lambda/aws/sts';
import { CREDENTIAL_TYPES } from '../../lambda/core/credential';
import type { Mode, ScanStrategy } from '../../lambda/core/settings';
import { AuditorStack } from '../../lib/auditor-stack';
import { policyFromContext } from '../../lib/context';
import { OrgAuditorStack, StandaloneMemberStack } from '../../lib/org-auditor-stack';
import { SERVICE_PATH_METADATA, type ServicePath, servicePathsOf } from '../../lib/service-paths';
import type { Principal } from '../../tools/emulator/call-record';
import { createApp } from '../cdk/helpers';
import type { KindSettings } from './record';
import { type DeployedPolicies, gatherPolicies, type Pseudo, ResolvedTemplate } from './template';

/** The account every deployment is resolved in: moto's default, where the suites' calls land. */
export const CENTRAL_ACCOUNT = '123456789012';
/** The region every deployment is resolved in, as the suites run in. */
export const REGION = 'us-east-1';
/** The organization of the organization deployments (the one CI synthesizes with). */
export const ORGANIZATION_ID = 'o-a1b2c3d4e5';
/** Who the CLI's operator is in the proof: a role of the central account, trusted by the member template deployed for it. */
export const OPERATOR_ROLE_ARN = `arn:aws:iam::${CENTRAL_ACCOUNT}:role/signing-cert-audit-operator`;

/** One template resolved in one account, with the policies it deploys. */
export interface DeployedSide {
  readonly template: ResolvedTemplate;
  readonly policies: DeployedPolicies;
}

/** A declared service path, resolved to concrete ARNs. */
export interface ResolvedPath extends ServicePath {
  /** The construct that declared it. */
  readonly declaredBy: string;
}

/** What a deployment's settings say about the calls its code makes. */
export interface DeploymentSettings extends KindSettings {
  readonly mode: Mode;
  readonly scanStrategy: ScanStrategy;
  readonly userPathPrefix: string;
  readonly securityHub: boolean;
  readonly memberRoleName: string;
  /** Whether the organization's account selection names OUs to include or exclude. */
  readonly selection: { readonly includeOus: boolean; readonly excludeOus: boolean };
  /** Whether the real-time audit is on: a function whose runs are users-scoped (docs/realtime.md). */
  readonly realtime: boolean;
}

/** One deployment of the matrix: its templates resolved, its principals, its declared paths. */
export interface Deployment {
  readonly name: string;
  readonly kind: 'account' | 'organization' | 'member';
  readonly settings: DeploymentSettings;
  /** The account or organization stack (undefined for the member template alone). */
  readonly central: DeployedSide | undefined;
  /** The member template as deployed in `accountId` (organization and member deployments). */
  member(accountId: string): DeployedSide | undefined;
  /** The role each principal runs as. */
  readonly roleOf: Partial<Record<Principal | 'trusted', string>>;
  /** The resources the code is configured with: the values its settings name. */
  readonly bindings: {
    readonly topicArn?: string;
    readonly archiveBucket?: string;
    readonly securityHubRegion?: string;
  };
  readonly paths: readonly ResolvedPath[];
  /** The organization the accounts are in (organization and member deployments). */
  readonly organizationId?: string;
}

/** Every kind of credential, as a list setting is given on the command line. */
const EVERY_KIND = CREDENTIAL_TYPES.join(',');

/** A variant of the account deployment: the context it is synthesized with. */
const ACCOUNT_FEATURES: Readonly<Record<string, Record<string, unknown>>> = {
  default: {},
  'credential-report': {
    scanStrategy: 'credential-report',
    fullScanSchedule: 'cron(0 5 ? * SUN *)',
  },
  'security-hub': { securityHub: true },
  'existing-topic': { topicArn: `arn:aws:sns:${REGION}:${CENTRAL_ACCOUNT}:existing-findings` },
  'existing-bucket': { archiveBucketName: 'existing-evidence' },
  'object-lock': { objectLockDays: 30 },
  // The AWS Config rule: a second function, report only, whatever the deployment's mode.
  'config-rule': { configRule: true },
  // Every kind of credential read and changed, service-specific credentials deleted too (in
  // delete mode): the grants of every row of the kind table (report mode: their reads alone).
  'all kinds': {
    credentialKinds: EVERY_KIND,
    remediateKinds: EVERY_KIND,
    deleteServiceCredentials: true,
  },
  // Every kind read, only signing certificates changed (remediateKinds' default): the other
  // kinds' writes are refused.
  'all kinds read': { credentialKinds: EVERY_KIND },
};
const MODES: readonly Mode[] = ['report', 'deactivate', 'delete'];

/** Every deployment the proof covers: the account stack per mode and feature, the organization per mode, the member template alone per mode. */
export function deploymentMatrix(): { name: string; build: () => Deployment }[] {
  return [
    ...MODES.flatMap((mode) =>
      Object.entries(ACCOUNT_FEATURES).map(([feature, context]) => ({
        name: `account · ${mode} · ${feature}`,
        build: () => accountDeployment(`account · ${mode} · ${feature}`, { mode, ...context }),
      })),
    ),
    // A path prefix scopes the grants, writes too: users outside it are out of reach.
    {
      name: 'account · delete · path-prefix',
      build: () =>
        accountDeployment('account · delete · path-prefix', {
          mode: 'delete',
          userPathPrefix: '/robots/',
        }),
    },
    // The real-time function beside the scheduled one: its own role, users-scoped, in each mode.
    ...MODES.map((mode) => ({
      name: `account · ${mode} · realtime`,
      build: () => accountDeployment(`account · ${mode} · realtime`, { mode, realtime: true }),
    })),
    ...MODES.map((mode) => ({
      name: `organization · ${mode}`,
      build: () => organizationDeployment(`organization · ${mode}`, { mode }),
    })),
    // Every kind read and changed in each member account, through the member role.
    ...MODES.map((mode) => ({
      name: `organization · ${mode} · all kinds`,
      build: () =>
        organizationDeployment(`organization · ${mode} · all kinds`, {
          mode,
          ...ACCOUNT_FEATURES['all kinds'],
        }),
    })),
    // The organization's real-time function, entering each member account through the member
    // role, which then trusts it too.
    ...MODES.map((mode) => ({
      name: `organization · ${mode} · realtime`,
      build: () =>
        organizationDeployment(`organization · ${mode} · realtime`, { mode, realtime: true }),
    })),
    // Each member's findings imported into its own Security Hub, through the member role.
    {
      name: 'organization · deactivate · security-hub',
      build: () =>
        organizationDeployment('organization · deactivate · security-hub', {
          mode: 'deactivate',
          securityHub: true,
        }),
    },
    // A selection by OUs walks them instead of listing every account.
    {
      name: 'organization · report · OUs',
      build: () =>
        organizationDeployment('organization · report · OUs', {
          includeOus: 'ou-ab12-abcdefgh',
          excludeOus: 'ou-ab12-hgfedcba',
        }),
    },
    ...MODES.map((mode) => ({
      name: `member alone · ${mode}`,
      build: () => memberDeployment(`member alone · ${mode}`, { mode }),
    })),
  ];
}

const pseudo = (stackName: string, accountId = CENTRAL_ACCOUNT): Pseudo => ({
  accountId,
  region: REGION,
  partition: 'aws',
  stackName,
});

/** Synthesizes the single-account stack with this context (as `cdk synth -c …` would). */
export function accountDeployment(
  name: string,
  context: Record<string, unknown>,
  /** Changes the stack before it is synthesized (the proof's own tests break it on purpose). */
  customize?: (stack: AuditorStack) => void,
): Deployment {
  const app = createApp(context);
  const stack = new AuditorStack(app, 'SigningCertAudit');
  customize?.(stack);
  const central = side(app, stack);
  const fn = stack.auditor.function;
  const roleArn = central.template.resolve(stack.resolve(fn.role?.roleArn)) as string;
  const env = environmentOf(central.template, stack, fn);
  const rule = stack.auditor.configRule;
  const realtime = stack.auditor.realtime;
  // The real-time function runs with the scheduled function's settings (and the window guard's
  // two of its own): the same topic, archive and Security Hub region to bind.
  if (realtime) sameBindings(name, env, environmentOf(central.template, stack, realtime.function));
  return {
    name,
    kind: 'account',
    settings: settingsOf(
      stack.auditor.policy,
      stack.auditor.securityHubRegion !== undefined,
      DEFAULT_MEMBER_ROLE_NAME,
      {},
      realtime !== undefined,
    ),
    central,
    member: () => undefined,
    roleOf: {
      function: roleArn,
      ...(rule
        ? {
            'config-rule': central.template.resolve(stack.resolve(rule.role.roleArn)) as string,
          }
        : {}),
      ...(realtime
        ? { realtime: central.template.resolve(stack.resolve(realtime.role.roleArn)) as string }
        : {}),
    },
    bindings: bindingsOf(env),
    paths: resolvedPaths(stack, central.template),
  };
}

/** Synthesizes the organization stack, and the member template its StackSet deploys. */
export function organizationDeployment(name: string, context: Record<string, unknown>): Deployment {
  const app = createApp({
    deployment: 'organization',
    organizationId: ORGANIZATION_ID,
    memberTargets: 'r-ab12',
    ...context,
  });
  const stack = new OrgAuditorStack(app, 'SigningCertAuditOrg');
  const central = side(app, stack);
  const org = stack.auditor;
  const arnOf = (fn: typeof org.worker) =>
    central.template.resolve(stack.resolve(fn.role?.roleArn)) as string;
  const workerEnv = environmentOf(central.template, stack, org.worker);
  const summarizeEnv = environmentOf(central.template, stack, org.summarize);
  const realtime = org.realtime;
  // The organization's real-time function runs with the worker's settings: the same archive,
  // member role and Security Hub region.
  if (realtime) {
    sameBindings(name, workerEnv, environmentOf(central.template, stack, realtime.function));
  }
  const stackSetId = stack.resolve(org.stackSet.logicalId) as string;
  const body = JSON.parse(
    central.template.property(stackSetId, 'TemplateBody') as string,
  ) as Record<string, unknown>;
  const parameters = Object.fromEntries(
    (
      central.template.property(stackSetId, 'Parameters') as {
        ParameterKey: string;
        ParameterValue: string;
      }[]
    ).map((p) => [p.ParameterKey, p.ParameterValue]),
  );
  const members = new Map<string, DeployedSide>();
  return {
    name,
    kind: 'organization',
    settings: settingsOf(
      org.policy,
      context.securityHub === true,
      String(context.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME),
      context,
      realtime !== undefined,
    ),
    central,
    member: (accountId) => {
      if (!members.has(accountId)) {
        const template = new ResolvedTemplate(
          body,
          pseudo('StackSet-member-roles', accountId),
          parameters,
        );
        members.set(accountId, { template, policies: gatherPolicies(template) });
      }
      return members.get(accountId);
    },
    roleOf: {
      worker: arnOf(org.worker),
      enumerate: arnOf(org.enumerate),
      summarize: arnOf(org.summarize),
      ...(realtime
        ? {
            'org-realtime': central.template.resolve(
              stack.resolve(realtime.role.roleArn),
            ) as string,
          }
        : {}),
    },
    bindings: {
      ...(summarizeEnv.TOPIC_ARN ? { topicArn: summarizeEnv.TOPIC_ARN } : {}),
      ...(workerEnv.ARCHIVE_BUCKET ? { archiveBucket: workerEnv.ARCHIVE_BUCKET } : {}),
      ...(workerEnv.SECURITY_HUB_REGION
        ? { securityHubRegion: workerEnv.SECURITY_HUB_REGION }
        : {}),
    },
    paths: resolvedPaths(stack, central.template),
    organizationId: ORGANIZATION_ID,
  };
}

/**
 * The member template alone (`-c deployment=member`), deployed trusting the CLI's operator, as
 * the README advises for `--accounts` from a terminal.
 */
export function memberDeployment(name: string, context: Record<string, unknown>): Deployment {
  const app = createApp({ deployment: 'member', ...context });
  const stack = new StandaloneMemberStack(app, 'SigningCertAuditMember');
  const body = app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
  const parameters = { TrustedRoleArn: OPERATOR_ROLE_ARN, OrganizationId: ORGANIZATION_ID };
  const members = new Map<string, DeployedSide>();
  const policy = policyFromContext(app.node, 'member');
  return {
    name,
    kind: 'member',
    settings: settingsOf(policy, false, String(context.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME)),
    central: undefined,
    member: (accountId) => {
      if (!members.has(accountId)) {
        const template = new ResolvedTemplate(body, pseudo(stack.stackName, accountId), parameters);
        members.set(accountId, { template, policies: gatherPolicies(template) });
      }
      return members.get(accountId);
    },
    roleOf: { trusted: OPERATOR_ROLE_ARN },
    bindings: {},
    paths: [],
    organizationId: ORGANIZATION_ID,
  };
}

/**
 * A single-account deployment synthesized elsewhere (a consumer's own app, from the packed
 * package), read back from its cloud assembly: the template, and the service paths the
 * constructs declared (construct metadata, which the assembly keeps).
 */
export function assemblyDeployment(
  name: string,
  cdkOut: string,
  stackName: string,
  settings: DeploymentSettings,
): Deployment {
  const body = JSON.parse(readFileSync(join(cdkOut, `${stackName}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
  const template = new ResolvedTemplate(body as Record<string, unknown>, pseudo(stackName));
  const central = { template, policies: gatherPolicies(template) };
  // The audit function: the one function whose environment carries the policy.
  const [functionId] =
    Object.entries(body.Resources).find(
      ([, resource]) =>
        resource.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(resource.Properties?.Environment ?? {}).includes('"MODE"'),
    ) ?? [];
  if (functionId === undefined) throw new Error(`${stackName}: no audit function in the template`);
  const roleArn = template.resolve(template.property(functionId, 'Role')) as string;
  const env =
    (template.property(functionId, 'Environment') as { Variables?: Record<string, string> })
      .Variables ?? {};
  const paths = assemblyMetadata(cdkOut, stackName)
    .filter((entry) => entry.type === SERVICE_PATH_METADATA)
    .map((entry) => ({
      ...(template.resolve(entry.data) as ServicePath),
      declaredBy: entry.path,
    }));
  return {
    name,
    kind: 'account',
    settings,
    central,
    member: () => undefined,
    roleOf: { function: roleArn },
    bindings: bindingsOf(env),
    paths,
  };
}

/** A stack's construct metadata as the assembly holds it (its manifest, or `<stack>.metadata.json`). */
function assemblyMetadata(
  cdkOut: string,
  stackName: string,
): { path: string; type: string; data: unknown }[] {
  const file = join(cdkOut, `${stackName}.metadata.json`);
  const byPath = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, { type: string; data: unknown }[]>)
    : ((
        JSON.parse(readFileSync(join(cdkOut, 'manifest.json'), 'utf8')) as {
          artifacts: Record<
            string,
            { metadata?: Record<string, { type: string; data: unknown }[]> }
          >;
        }
      ).artifacts[stackName]?.metadata ?? {});
  return Object.entries(byPath).flatMap(([path, entries]) =>
    entries.map((entry) => ({ path, ...entry })),
  );
}

function side(app: App, stack: Stack): DeployedSide {
  const template = new ResolvedTemplate(
    app.synth().getStackByName(stack.stackName).template as Record<string, unknown>,
    pseudo(stack.stackName),
  );
  return { template, policies: gatherPolicies(template) };
}

function settingsOf(
  policy: KindSettings & { mode: Mode; scanStrategy: ScanStrategy; userPathPrefix: string },
  securityHub: boolean,
  memberRoleName: string = DEFAULT_MEMBER_ROLE_NAME,
  context: Record<string, unknown> = {},
  realtime = false,
): DeploymentSettings {
  return {
    mode: policy.mode,
    scanStrategy: policy.scanStrategy,
    userPathPrefix: policy.userPathPrefix,
    credentialKinds: policy.credentialKinds,
    remediateKinds: policy.remediateKinds,
    deleteServiceCredentials: policy.deleteServiceCredentials,
    securityHub,
    memberRoleName,
    selection: { includeOus: !!context.includeOus, excludeOus: !!context.excludeOus },
    realtime,
  };
}

/**
 * Checks that a second function of the deployment (the real-time one) names the same topic,
 * archive and Security Hub region as the one the bindings are read from: the proof binds every
 * session of the deployment to one set of resources.
 */
function sameBindings(
  deployment: string,
  env: Readonly<Record<string, string>>,
  other: Readonly<Record<string, string>>,
): void {
  for (const name of ['TOPIC_ARN', 'ARCHIVE_BUCKET', 'SECURITY_HUB_REGION']) {
    if (other[name] !== undefined && other[name] !== env[name]) {
      throw new Error(
        `${deployment}: the real-time function's ${name} (${other[name]}) is not the one its bindings name (${env[name]})`,
      );
    }
  }
}

/** The resources a function's environment names: its topic, its archive, Security Hub's region. */
function bindingsOf(env: Readonly<Record<string, string>>): Deployment['bindings'] {
  return {
    ...(env.TOPIC_ARN ? { topicArn: env.TOPIC_ARN } : {}),
    ...(env.ARCHIVE_BUCKET ? { archiveBucket: env.ARCHIVE_BUCKET } : {}),
    ...(env.SECURITY_HUB_REGION ? { securityHubRegion: env.SECURITY_HUB_REGION } : {}),
  };
}

/** A function's environment variables in the template, resolved. */
function environmentOf(
  template: ResolvedTemplate,
  stack: Stack,
  fn: IConstruct,
): Record<string, string> {
  const logicalId = stack.resolve((fn.node.defaultChild as CfnResource).logicalId) as string;
  const environment = template.property(logicalId, 'Environment') as
    | { Variables?: Record<string, string> }
    | undefined;
  return environment?.Variables ?? {};
}

/** The stack's declared service paths, every token resolved to the template's concrete values. */
function resolvedPaths(stack: Stack, template: ResolvedTemplate): ResolvedPath[] {
  return servicePathsOf(stack).map(({ scope, path }) => ({
    ...(template.resolve(Stack.of(scope).resolve(path)) as ServicePath),
    declaredBy: scope.node.path,
  }));
}
