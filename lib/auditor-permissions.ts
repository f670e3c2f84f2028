import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { ORG_REPORTS_PREFIX, ORG_RUNS_PREFIX } from '../lambda/core/archive-layout';
import { ConfigError } from '../lambda/core/errors';
import { type Mode, type Policy, SETTINGS } from '../lambda/core/settings';
import type { AuditArchive } from './auditor-archive';

/** Grants the audit role the IAM permissions its mode needs, and not one more. */
export function grantAuditAccess(
  role: iam.Role,
  policy: Pick<Policy, 'mode' | 'userPathPrefix' | 'scanStrategy'>,
): void {
  const users = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:user${policy.userPathPrefix}*`;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ListUsersAndAccountSummary',
      // Neither action supports resource-level permissions. GetAccountSummary detects the
      // root user's certificates, which ListUsers cannot see.
      actions: ['iam:ListUsers', 'iam:GetAccountSummary'],
      resources: ['*'],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadUsersUnderThePath',
      // ListUserTags reads the exemption and per-user maximum-age tags, only for users with a
      // certificate to act on or report.
      actions: ['iam:ListSigningCertificates', 'iam:ListUserTags'],
      resources: [users],
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only iam:ListUsers, iam:GetAccountSummary and (with the credential-report scan strategy) iam:GenerateCredentialReport and iam:GetCredentialReport use Resource "*": none supports resource-level permissions, and all only read.',
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
  if (policy.scanStrategy === 'credential-report') {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CredentialReport',
        // The prefilter's report: neither action supports resource-level permissions.
        actions: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
        resources: ['*'],
      }),
    );
  }
  const writes = remediationActions(policy.mode);
  if (writes.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RemediateCertificatesUnderThePath',
        actions: writes,
        resources: [users],
      }),
    );
  }
}

/** The IAM write actions a mode needs: none in report mode. */
export function remediationActions(mode: Mode): string[] {
  if (mode === 'report') return [];
  // GetUser reads the user's IAM id just before a change, for the change record: restore then
  // never gives a certificate to another user created under the same name.
  // UpdateSigningCertificate deactivates; delete mode deactivates inside the grace period too.
  if (mode === 'deactivate') return ['iam:GetUser', 'iam:UpdateSigningCertificate'];
  return ['iam:GetUser', 'iam:UpdateSigningCertificate', 'iam:DeleteSigningCertificate'];
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

/**
 * The organization's functions get what each does and no more: the worker assumes the member
 * role (by name, inside the organization) and writes reports; enumerate reads the organization
 * and writes the run's account list; summarize reads the map's results, writes the organization
 * report and publishes it.
 */
export function grantOrgFunctions(grants: OrgFunctionGrants): void {
  const { archive } = grants;
  grants.worker.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'AssumeMemberRoles',
      actions: ['sts:AssumeRole'],
      resources: [`arn:${Aws.PARTITION}:iam::*:role/${grants.memberRoleName}`],
      conditions: { StringEquals: { 'aws:ResourceOrgID': grants.organizationId } },
    }),
  );
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
