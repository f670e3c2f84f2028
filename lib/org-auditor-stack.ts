import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ORG_SETTINGS, type Setting } from '../lambda/core/settings';
import { fromContext, policyFromContext, runtimeFromContext } from './context';
import { DEPLOY_SETTINGS } from './deploy-settings';
import { MemberRoleStack } from './member-role';
import { SigningCertOrgAuditor } from './signing-cert-org-auditor';

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
    const context = <T extends Setting & { readonly context: string }>(row: T) =>
      fromContext(this.node, row);
    const memberRoleName: unknown = this.node.tryGetContext('memberRoleName');
    const securityHubRegion: unknown = this.node.tryGetContext('securityHubRegion');
    const exemptionsFile = fromContext(this.node, DEPLOY_SETTINGS.exemptionsFile, true);
    this.auditor = new SigningCertOrgAuditor(this, 'OrgAuditor', {
      ...policy,
      organizationId: String(this.node.tryGetContext('organizationId') ?? ''),
      memberTargets: context(DEPLOY_SETTINGS.memberTargets),
      ...(memberRoleName ? { memberRoleName: String(memberRoleName) } : {}),
      maxConcurrency: context(ORG_SETTINGS.accountConcurrency),
      includeOus: context(ORG_SETTINGS.includeOus),
      excludeOus: context(ORG_SETTINGS.excludeOus),
      includeAccounts: context(ORG_SETTINGS.includeAccounts),
      excludeAccounts: context(ORG_SETTINGS.excludeAccounts),
      schedule: this.node.tryGetContext('schedule'),
      timeZone: this.node.tryGetContext('timeZone'),
      runtime: runtimeFromContext(this.node),
      notificationEmails: context(DEPLOY_SETTINGS.notificationEmails),
      reportRetentionDays: this.node.tryGetContext('reportRetentionDays'),
      securityHub: {
        enabled: context(DEPLOY_SETTINGS.securityHub),
        ...(securityHubRegion ? { region: String(securityHubRegion) } : {}),
      },
      // By its table row: a value other than the two is refused, never read as SELF.
      callAs: context(DEPLOY_SETTINGS.callAs),
      realtime: context(DEPLOY_SETTINGS.realtime),
      realtimeWindowMaxActions: fromContext(
        this.node,
        DEPLOY_SETTINGS.realtimeWindowMaxActions,
        true,
      ),
      realtimeWindowMinutes: fromContext(this.node, DEPLOY_SETTINGS.realtimeWindowMinutes, true),
      ...(exemptionsFile === undefined ? {} : { exemptions: exemptionsFile }),
    });
    new CfnOutput(this, 'StateMachineArn', { value: this.auditor.stateMachine.stateMachineArn });
    new CfnOutput(this, 'TopicArn', { value: this.auditor.topic.topicArn });
    new CfnOutput(this, 'ArchiveBucketName', { value: this.auditor.archive.bucket.bucketName });
    if (this.auditor.realtimeBus) {
      new CfnOutput(this, 'RealtimeBusArn', {
        value: this.auditor.realtimeBus.eventBusArn,
        description: "The bus the members' forwarders send IAM events to (CentralBusArn)",
      });
    }
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
