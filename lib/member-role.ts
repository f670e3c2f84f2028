import {
  App,
  Aws,
  CfnParameter,
  CfnStackSet,
  DefaultStackSynthesizer,
  Duration,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { ORGANIZATION_ID, ROLE_ARN } from '../lambda/core/patterns';
import { ORG_SETTINGS, parseSetting } from '../lambda/core/settings';
import {
  type AuditGrantPolicy,
  grantAuditAccess,
  grantNamedUserReads,
  grantSecurityHub,
} from './auditor-permissions';
import { IAM_EVENTS_REGION } from './realtime-events';
import { memberForwarderTemplateBody } from './realtime-forwarder';

/** Properties of {@link MemberRole}. */
export interface MemberRoleProps {
  /**
   * The role's name, the same in every account (the worker assumes it by name).
   * @default 'SigningCertAuditMember'
   */
  readonly roleName?: string;
  /** The ARN of the central worker's role: the only principal the role trusts. */
  readonly trustedRoleArn: string;
  /** The organization's id (`o-…`): the trust also requires `aws:PrincipalOrgID` to match. */
  readonly organizationId: string;
  /**
   * The policy whose mode, path prefix, scan strategy and kinds of credential (read, changed,
   * deleted for good: each defaulting as the settings table says) decide the role's permissions.
   */
  readonly policy: AuditGrantPolicy;
  /**
   * Security Hub's home region when the worker imports each member's findings into that
   * member's own Security Hub (the account a finding belongs to must import it); the role then
   * may import its own findings and read them back to resolve them, and nothing else there.
   * @default - no Security Hub permission
   */
  readonly securityHubRegion?: string;
  /**
   * The ARN of the central real-time function's role, when realtime is on: the role then trusts
   * it too (from inside the organization) and may read a user by name (iam:GetUser), as a
   * users-scoped run does, whatever the mode.
   * @default - no real-time audit
   */
  readonly realtimeRoleArn?: string;
}

/**
 * The role the organization worker assumes in a member account: trusted by the worker's role
 * only, from inside the organization, with exactly the permissions of the single-account
 * function in the same mode (read-only in report mode).
 */
export class MemberRole extends Construct {
  /** The member role. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MemberRoleProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      roleName: parseSetting(ORG_SETTINGS.memberRoleName, 'prop', props.roleName),
      description: 'Lets the central signing-certificate auditor audit this account',
      assumedBy: new iam.ArnPrincipal(props.trustedRoleArn).withConditions({
        StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
      }),
      // One account's audit takes minutes; the worker asks for an hour at most.
      maxSessionDuration: Duration.hours(1),
    });
    grantAuditAccess(this.role, props.policy);
    if (props.securityHubRegion !== undefined) grantSecurityHub(this.role, props.securityHubRegion);
    if (props.realtimeRoleArn !== undefined) {
      this.role.assumeRolePolicy?.addStatements(
        new iam.PolicyStatement({
          actions: ['sts:AssumeRole'],
          principals: [new iam.ArnPrincipal(props.realtimeRoleArn)],
          conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
        }),
      );
      grantNamedUserReads(this.role, props.policy);
    }
  }
}

/** Properties of {@link MemberRoleStack}. */
export interface MemberRoleStackProps extends StackProps {
  readonly roleName?: string;
  readonly policy: MemberRoleProps['policy'];
  /**
   * Security Hub's home region for the member's own findings; `stack` for the region the member
   * stack is deployed in (the StackSet deploys it in the organization stack's region).
   * @default - no Security Hub permission
   */
  readonly securityHubRegion?: string;
  /**
   * Whether the role also serves the central real-time function: its role ARN is then the
   * template's `RealtimeRoleArn` parameter.
   * @default false
   */
  readonly realtime?: boolean;
}

/**
 * The member account's template, on its own: deployed by the StackSet into every member
 * account, or by an organization that deploys roles its own way. The trusted role and the
 * organization are CloudFormation parameters, so one template serves every account; it needs
 * no CDK bootstrap in the member account.
 */
export class MemberRoleStack extends Stack {
  /** The member role construct. */
  public readonly member: MemberRole;

  constructor(scope: Construct, id: string, props: MemberRoleStackProps) {
    super(scope, id, {
      ...props,
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    const trustedRoleArn = new CfnParameter(this, 'TrustedRoleArn', {
      type: 'String',
      description: "The ARN of the central auditor's worker role",
      allowedPattern: ROLE_ARN.source,
    });
    const organizationId = new CfnParameter(this, 'OrganizationId', {
      type: 'String',
      description: 'The organization id, o-…',
      allowedPattern: ORGANIZATION_ID.source,
    });
    const realtimeRoleArn = props.realtime
      ? new CfnParameter(this, 'RealtimeRoleArn', {
          type: 'String',
          description: "The ARN of the central auditor's real-time function role",
          allowedPattern: ROLE_ARN.source,
        }).valueAsString
      : undefined;
    this.member = new MemberRole(this, 'Member', {
      ...(realtimeRoleArn === undefined ? {} : { realtimeRoleArn }),
      ...(props.roleName ? { roleName: props.roleName } : {}),
      trustedRoleArn: trustedRoleArn.valueAsString,
      organizationId: organizationId.valueAsString,
      policy: props.policy,
      ...(props.securityHubRegion === undefined
        ? {}
        : {
            securityHubRegion:
              props.securityHubRegion === 'stack' ? Aws.REGION : props.securityHubRegion,
          }),
    });
  }
}

/**
 * The member template as JSON, synthesized in an app of its own (with cdk-nag's checks, which
 * fail the synth on an unacknowledged finding), for the StackSet's TemplateBody.
 */
export function memberTemplateBody(props: MemberRoleStackProps): string {
  const app = new App();
  const stack = new MemberRoleStack(app, 'SigningCertAuditMember', props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return JSON.stringify(app.synth().getStackByName(stack.stackName).template);
}

/** What {@link createMemberStackSet} deploys, and where. */
export interface MemberStackSetProps {
  readonly roleName?: string;
  readonly policy: MemberRoleProps['policy'];
  /** The worker's role: the member roles' only trusted principal. */
  readonly trustedRoleArn: string;
  readonly organizationId: string;
  /** The organization's root id or OU ids. */
  readonly targets: readonly string[];
  readonly callAs: 'SELF' | 'DELEGATED_ADMIN';
  /** Security Hub's home region for each member's own findings (`stack`: the member stack's). */
  readonly securityHubRegion?: string;
  /** The central real-time function's role, which the member roles then trust too. */
  readonly realtimeRoleArn?: string;
}

/**
 * The member role in every member account: a service-managed StackSet (created in `scope` as
 * `MemberRoles`) of the member template, auto-deployed to accounts that join the targets and
 * removed from those that leave. StackSets never deploy to the management account (README).
 */
export function createMemberStackSet(scope: Construct, props: MemberStackSetProps): CfnStackSet {
  return new CfnStackSet(scope, 'MemberRoles', {
    stackSetName: `${Stack.of(scope).stackName}-member-roles`,
    description: 'The signing-certificate auditor member role, in every member account',
    permissionModel: 'SERVICE_MANAGED',
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    managedExecution: { Active: true },
    callAs: props.callAs,
    capabilities: ['CAPABILITY_NAMED_IAM'],
    operationPreferences: {
      failureTolerancePercentage: 10,
      maxConcurrentPercentage: 25,
      regionConcurrencyType: 'PARALLEL',
    },
    templateBody: memberTemplateBody({
      ...(props.roleName ? { roleName: props.roleName } : {}),
      policy: props.policy,
      ...(props.securityHubRegion ? { securityHubRegion: props.securityHubRegion } : {}),
      ...(props.realtimeRoleArn ? { realtime: true } : {}),
    }),
    parameters: [
      { parameterKey: 'TrustedRoleArn', parameterValue: props.trustedRoleArn },
      { parameterKey: 'OrganizationId', parameterValue: props.organizationId },
      ...(props.realtimeRoleArn
        ? [{ parameterKey: 'RealtimeRoleArn', parameterValue: props.realtimeRoleArn }]
        : []),
    ],
    // IAM is global: the role is deployed once per account, in this stack's region.
    stackInstancesGroup: [
      { deploymentTargets: { organizationalUnitIds: [...props.targets] }, regions: [Aws.REGION] },
    ],
  });
}

/** What {@link createMemberForwarderStackSet} deploys, and where. */
export interface MemberForwarderStackSetProps {
  /** The central real-time bus, whose resource policy admits the organization's principals. */
  readonly centralBusArn: string;
  /** The organization's root id or OU ids: the member role's targets. */
  readonly targets: readonly string[];
  readonly callAs: 'SELF' | 'DELEGATED_ADMIN';
}

/**
 * Each member account's real-time forwarder (lib/realtime-forwarder.ts): a second
 * service-managed StackSet (created in `scope` as `MemberRealtimeForwarders`) to the member
 * role's targets, in us-east-1 only, the one region IAM's events reach. A StackSet of its own,
 * rather than a second region of the member role's: that template creates a named IAM role,
 * which a second region would create twice (IAM is global), and a region condition in one
 * template would be the harder of the two to read.
 */
export function createMemberForwarderStackSet(
  scope: Construct,
  props: MemberForwarderStackSetProps,
): CfnStackSet {
  return new CfnStackSet(scope, 'MemberRealtimeForwarders', {
    stackSetName: `${Stack.of(scope).stackName}-member-realtime-forwarders`,
    description:
      'Forwards IAM credential events from each member account to the signing-certificate auditor',
    permissionModel: 'SERVICE_MANAGED',
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    managedExecution: { Active: true },
    callAs: props.callAs,
    capabilities: ['CAPABILITY_IAM'],
    operationPreferences: {
      failureTolerancePercentage: 10,
      maxConcurrentPercentage: 25,
      regionConcurrencyType: 'PARALLEL',
    },
    templateBody: memberForwarderTemplateBody(),
    parameters: [{ parameterKey: 'CentralBusArn', parameterValue: props.centralBusArn }],
    stackInstancesGroup: [
      {
        deploymentTargets: { organizationalUnitIds: [...props.targets] },
        regions: [IAM_EVENTS_REGION],
      },
    ],
  });
}
