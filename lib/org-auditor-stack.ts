import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  checkAccountConcurrency,
  checkBoolean,
  checkEmails,
  parseDeploySetting,
  policyFromContext,
  readList,
  runtimeFromContext,
} from './deploy-settings';
import { MemberRoleStack } from './member-role';
import { SigningCertOrgAuditor } from './signing-cert-org-auditor';

/** Reads a context list of strings (a JSON array in cdk.json, or comma-separated with `-c`). */
function list(stack: Stack, key: NonNullable<Parameters<typeof readList>[1]>): string[] {
  return readList(stack.node.tryGetContext(key), key).map(String);
}

/**
 * The organization auditor's stack, in the management account or a delegated administrator
 * account, configured from CDK context like the single-account stack.
 */
export class OrgAuditorStack extends Stack {
  /** The organization auditor. */
  public readonly auditor: SigningCertOrgAuditor;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const policy = policyFromContext(this.node, 'organization');
    const concurrency = this.node.tryGetContext('accountConcurrency');
    this.auditor = new SigningCertOrgAuditor(this, 'OrgAuditor', {
      ...policy,
      organizationId: String(this.node.tryGetContext('organizationId') ?? ''),
      memberTargets: list(this, 'memberTargets'),
      ...(this.node.tryGetContext('memberRoleName')
        ? { memberRoleName: String(this.node.tryGetContext('memberRoleName')) }
        : {}),
      ...(concurrency === undefined
        ? {}
        : { maxConcurrency: checkAccountConcurrency(concurrency) }),
      includeOus: list(this, 'includeOus'),
      excludeOus: list(this, 'excludeOus'),
      includeAccounts: list(this, 'includeAccounts'),
      excludeAccounts: list(this, 'excludeAccounts'),
      schedule: this.node.tryGetContext('schedule'),
      timeZone: this.node.tryGetContext('timeZone'),
      runtime: runtimeFromContext(this.node.tryGetContext('lambdaRuntime')),
      notificationEmails: checkEmails(readList(this.node.tryGetContext('notificationEmails'))),
      reportRetentionDays: this.node.tryGetContext('reportRetentionDays'),
      securityHub: {
        enabled: checkBoolean(this.node.tryGetContext('securityHub') ?? false, 'securityHub'),
        ...(this.node.tryGetContext('securityHubRegion')
          ? { region: String(this.node.tryGetContext('securityHubRegion')) }
          : {}),
      },
      // By its table row: a value other than the two is refused, never read as SELF.
      callAs: parseDeploySetting('callAs', this.node.tryGetContext('callAs')),
    });
    new CfnOutput(this, 'StateMachineArn', { value: this.auditor.stateMachine.stateMachineArn });
    new CfnOutput(this, 'TopicArn', { value: this.auditor.topic.topicArn });
    new CfnOutput(this, 'ArchiveBucketName', { value: this.auditor.archive.bucket.bucketName });
    new CfnOutput(this, 'WorkerRoleArn', {
      value: this.auditor.worker.role?.roleArn ?? '',
      description: 'The principal member roles trust (a parameter of the member template)',
    });
  }
}

/** The member role template alone, for organizations that deploy roles their own way. */
export class StandaloneMemberStack extends MemberRoleStack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    const policy = policyFromContext(scope.node, 'member');
    const roleName: unknown = scope.node.tryGetContext('memberRoleName');
    super(scope, id, {
      ...props,
      policy,
      ...(roleName ? { roleName: String(roleName) } : {}),
    });
  }
}
