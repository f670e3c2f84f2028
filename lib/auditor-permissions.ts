import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { ORG_REPORTS_PREFIX, ORG_RUNS_PREFIX } from '../lambda/core/archive-layout';
import { ConfigError } from '../lambda/core/errors';
import { type Mode, POLICY_DEFAULTS, type Policy, SETTINGS } from '../lambda/core/settings';
import { KIND_INDEX } from '../lambda/kinds';
import { type CredentialKind, listsAccountWide } from '../lambda/kinds/kind';
import type { AuditArchive } from './auditor-archive';

/**
 * The settings an audit role's IAM permissions follow: its mode, the path its users are under,
 * how it scans, and the kinds of credential it reads and changes (each defaulting as the
 * settings table says).
 */
export type AuditGrantPolicy = Pick<Policy, 'mode' | 'userPathPrefix' | 'scanStrategy'> &
  Partial<Pick<Policy, 'credentialKinds' | 'remediateKinds' | 'deleteServiceCredentials'>>;

/** The settings that choose which kinds' actions a role holds. */
export type KindGrantPolicy = Pick<AuditGrantPolicy, 'mode'> &
  Partial<Pick<Policy, 'credentialKinds' | 'remediateKinds' | 'deleteServiceCredentials'>>;

/** The IAM actions of the credential kinds a policy reads and changes, from the kind table. */
export interface KindActions {
  /** Read actions of the kinds listed user by user: granted on the users under the path. */
  readonly readUsers: readonly string[];
  /**
   * Read actions of the kinds listed account-wide, whose listing names no user (granted on
   * `*`, see {@link grantAuditAccess}).
   */
  readonly readAccount: readonly string[];
  /** Deactivate and delete actions, as the mode allows: granted on the users under the path. */
  readonly write: readonly string[];
}

/**
 * What a policy's kinds take, by the kind table (lambda/kinds/index.ts): the read actions of
 * every kind in `credentialKinds`; in deactivate and delete mode the deactivate actions of every
 * kind in `remediateKinds` (that is also read: a kind never listed is never changed); in delete
 * mode their delete actions too, except a kind whose deletion cannot be undone (its restore is
 * `reactivate-only`: a service-specific credential, whose secret IAM never returns again) unless
 * `deleteServiceCredentials` opts in, as the engine decides (lambda/engine/settle.ts). Never a
 * kind's restore actions: only the operator restores (an upload), never a deployed role.
 */
export function kindActions(policy: KindGrantPolicy): KindActions {
  const read = policy.credentialKinds ?? POLICY_DEFAULTS.credentialKinds;
  const remediate = policy.remediateKinds ?? POLICY_DEFAULTS.remediateKinds;
  const deleteFinal = policy.deleteServiceCredentials ?? POLICY_DEFAULTS.deleteServiceCredentials;
  const reads = KIND_INDEX.filter((kind) => read.includes(kind.type));
  const changed = policy.mode === 'report' ? [] : reads.filter((k) => remediate.includes(k.type));
  const deletes = (kind: CredentialKind) =>
    policy.mode === 'delete' && (kind.restore !== 'reactivate-only' || deleteFinal);
  return {
    readUsers: unique(reads.filter((k) => k.listing === 'per-user').flatMap((k) => k.actions.read)),
    readAccount: unique(
      reads.filter((k) => k.listing === 'account-wide').flatMap((k) => k.actions.read),
    ),
    write: unique(
      changed.flatMap((kind) => [
        ...kind.actions.deactivate,
        ...(deletes(kind) ? kind.actions.delete : []),
      ]),
    ),
  };
}

function unique(actions: readonly string[]): string[] {
  return [...new Set(actions)];
}

/**
 * Which users a role's runs cover (lambda/core/scope.ts): `account`, every user under the path,
 * listed (the scheduled function, the member role); `users`, the users an event names, each
 * read by name (the real-time function).
 */
export type AuditGrantScope = 'account' | 'users';

/**
 * Grants the audit role the IAM permissions its mode, its kinds of credential and its scope
 * need, and not one more (see {@link kindActions}). A users-scoped run (lambda/engine/scan.ts
 * `scanNamedUsers`) reads each named user with GetUser and lists every kind user by user: it
 * never calls ListUsers, the credential report or an account-wide listing, so its role has none
 * of them.
 */
export function grantAuditAccess(
  role: iam.Role,
  policy: AuditGrantPolicy,
  scope: AuditGrantScope = 'account',
): void {
  const users = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:user${policy.userPathPrefix}*`;
  const actions = kindActions(policy);
  // Under a path narrower than `/` the engine lists an account-wide kind user by user
  // (listsAccountWide): its reads are then granted on the users under the path, as a per-user
  // kind's are, never on every user of the account. A users-scoped run always does.
  const kinds =
    scope === 'account' && listsAccountWide(policy)
      ? actions
      : {
          ...actions,
          readUsers: unique([...actions.readUsers, ...actions.readAccount]),
          readAccount: [],
        };
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: scope === 'account' ? 'ListUsersAndAccountSummary' : 'AccountSummary',
      // Neither action supports resource-level permissions. GetAccountSummary detects the
      // root user's certificates, which ListUsers cannot see.
      actions:
        scope === 'account'
          ? ['iam:ListUsers', 'iam:GetAccountSummary']
          : ['iam:GetAccountSummary'],
      resources: ['*'],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadUsersUnderThePath',
      // Each kind's listing of one user's credentials (its `user` resource type: Service
      // Authorization Reference, "Actions, resources, and condition keys for AWS Identity and
      // Access Management"); ListUserTags reads the exemption and per-user maximum-age tags, only
      // for users with a credential to act on or report. A users-scoped run reads each named
      // user first (GetUser: its path, and whether IAM still knows it).
      actions: [
        ...(scope === 'users' ? ['iam:GetUser'] : []),
        ...kinds.readUsers,
        'iam:ListUserTags',
      ],
      resources: [users],
    }),
  );
  if (kinds.readAccount.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListCredentialsOfEveryUser',
        // An account-wide kind is listed by one paged call over every user
        // (ListServiceSpecificCredentials with AllUsers=true, which may not name a UserName),
        // for a deployment of every user (path `/`) only. The Service Authorization Reference
        // gives the action one resource type, `user`, and no ARN for a request that names none:
        // `*` is the only resource sure to match it. The call reads metadata only (IAM never
        // returns a secret again), and every change stays scoped to the users under the path.
        actions: [...kinds.readAccount],
        resources: ['*'],
      }),
    );
  }
  const credentialReport = scope === 'account' && policy.scanStrategy === 'credential-report';
  const everyResource = [
    ...(scope === 'account' ? ['iam:ListUsers'] : []),
    'iam:GetAccountSummary',
    ...kinds.readAccount,
    ...(credentialReport ? ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'] : []),
  ];
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: `Only ${everyResource.join(', ')} use Resource "*": none supports resource-level permissions, or (an account-wide listing) its request names no user, and all only read.`,
  });
  try {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user${policy.userPathPrefix}*]`,
      reason:
        'The audit covers every user under the configured IAM path, whose names are not known at deploy time; the wildcard is scoped to that path in this account.',
    });
  } catch (error: unknown) {
    // CDK parses the id and rejects unbalanced brackets, which IAM allows in a path.
    throw new ConfigError(
      `userPathPrefix=${JSON.stringify(policy.userPathPrefix)} is not allowed: expected ${SETTINGS.userPathPrefix.allowed}, without unbalanced brackets or parentheses`,
      { cause: error },
    );
  }
  if (credentialReport) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CredentialReport',
        // The prefilter's report: neither action supports resource-level permissions.
        actions: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
        resources: ['*'],
      }),
    );
  }
  const writes = remediationActions(policy);
  if (writes.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ChangeCredentialsUnderThePath',
        actions: writes,
        resources: [users],
      }),
    );
  }
}

/**
 * iam:GetUser on the users under the path: what a users-scoped run adds to an account-scoped
 * role's reads (the member role, when the real-time function assumes it too), whatever the mode.
 */
export function grantNamedUserReads(role: iam.Role, policy: Pick<Policy, 'userPathPrefix'>): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadNamedUsersUnderThePath',
      actions: ['iam:GetUser'],
      resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:user${policy.userPathPrefix}*`],
    }),
  );
}

/**
 * The IAM write actions a policy needs: none in report mode; in deactivate and delete mode
 * GetUser and the changes of the kinds it remediates ({@link kindActions}).
 */
export function remediationActions(policy: KindGrantPolicy): string[] {
  if (policy.mode === 'report') return [];
  // GetUser reads the user's IAM id just before a change, for the change record: restore then
  // never gives a credential to another user created under the same name. Delete mode
  // deactivates too (inside the grace period, and what is Active when listed).
  return ['iam:GetUser', ...kindActions(policy).write];
}

/**
 * Security Hub in its home region: BatchImportFindings on the account's own product (the
 * action's resource type is `product`), GetFindings on the hub (its resource type is `hub`);
 * see the Service Authorization Reference, "Actions, resources, and condition keys for AWS
 * Security Hub" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecurityhub.html).
 */
export function grantSecurityHub(role: iam.Role, region: string): void {
  const base = `arn:${Aws.PARTITION}:securityhub:${region}:${Aws.ACCOUNT_ID}`;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ImportOwnFindings',
      actions: ['securityhub:BatchImportFindings'],
      resources: [`${base}:product/${Aws.ACCOUNT_ID}/default`],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadOwnFindingsToResolveThem',
      actions: ['securityhub:GetFindings'],
      resources: [`${base}:hub/default`],
    }),
  );
}

/** The organization's functions' roles, and what their grants are scoped to. */
export interface OrgFunctionGrants {
  readonly worker: iam.Role;
  readonly enumerate: iam.Role;
  readonly summarize: iam.Role;
  readonly archive: AuditArchive;
  readonly topic: sns.ITopic;
  readonly memberRoleName: string;
  readonly organizationId: string;
  /** The members' mode: outside report mode the worker writes the change record. */
  readonly mode: Mode;
  /** Whether the account selection names OUs to include or exclude. */
  readonly selectsOus: { readonly include: boolean; readonly exclude: boolean };
}

/** sts:AssumeRole on the member role, by name, in any account of the organization and no other. */
export function grantAssumeMemberRole(
  role: iam.Role,
  memberRoleName: string,
  organizationId: string,
): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'AssumeMemberRoles',
      actions: ['sts:AssumeRole'],
      resources: [`arn:${Aws.PARTITION}:iam::*:role/${memberRoleName}`],
      conditions: { StringEquals: { 'aws:ResourceOrgID': organizationId } },
    }),
  );
}

/**
 * The organization's functions get what each does and no more: the worker assumes the member
 * role (by name, inside the organization) and writes reports; enumerate reads the organization
 * and writes the run's account list; summarize reads the map's results, writes the organization
 * report and publishes it.
 */
export function grantOrgFunctions(grants: OrgFunctionGrants): void {
  const { archive } = grants;
  grantAssumeMemberRole(grants.worker, grants.memberRoleName, grants.organizationId);
  archive.grantWriteReports(grants.worker);
  // The record of every change in a member account, written before the change is made.
  if (grants.mode !== 'report') archive.grantWriteChanges(grants.worker);
  // ListAccounts when the selection starts from every account; the OU walk (accounts and child
  // OUs of each parent, nested OUs too) only when the selection names OUs, and on this
  // organization's roots and OUs only (their ARNs name the management account: any).
  if (!grants.selectsOus.include) {
    grants.enumerate.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListOrganizationAccounts',
        // No resource type: `*` (Service Authorization Reference, AWS Organizations).
        actions: ['organizations:ListAccounts'],
        resources: ['*'],
      }),
    );
  }
  if (grants.selectsOus.include || grants.selectsOus.exclude) {
    grants.enumerate.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WalkTheSelectedOus',
        actions: [
          'organizations:ListAccountsForParent',
          'organizations:ListOrganizationalUnitsForParent',
        ],
        resources: ['root', 'ou'].map(
          (type) => `arn:${Aws.PARTITION}:organizations::*:${type}/${grants.organizationId}/*`,
        ),
      }),
    );
  }
  archive.grantObjects(grants.enumerate, ORG_RUNS_PREFIX, { write: true });
  archive.grantObjects(grants.summarize, ORG_RUNS_PREFIX, { read: true });
  archive.grantObjects(grants.summarize, ORG_REPORTS_PREFIX, { write: true });
  grants.topic.grantPublish(grants.summarize);
}
