import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as config from 'aws-cdk-lib/aws-config';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { parseSetting, SETTINGS } from '../lambda/core/settings';
import { fromContext, policyFromContext, runtimeFromContext } from './context';
import { DEPLOY_SETTINGS } from './deploy-settings';
import { SigningCertAuditor } from './signing-cert-auditor';

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

    const policy = policyFromContext(this.node, 'account');
    // Read by their rows; a value left empty (`-c topicArn=`) means "not set".
    const givenTopic = emptyAsAbsent(this.node.tryGetContext('topicArn'));
    const topicArn =
      givenTopic === undefined ? undefined : parseSetting(SETTINGS.topicArn, 'context', givenTopic);
    const archiveBucketName = fromContext(this.node, DEPLOY_SETTINGS.archiveBucketName, true);
    // Checked by the construct, and only when Security Hub is on.
    const securityHubRegion = emptyAsAbsent(this.node.tryGetContext('securityHubRegion'));
    const exemptionsFile = fromContext(this.node, DEPLOY_SETTINGS.exemptionsFile, true);
    this.auditor = new SigningCertAuditor(this, 'Auditor', {
      ...policy,
      schedule: this.node.tryGetContext('schedule'),
      fullScanSchedule: fromContext(this.node, DEPLOY_SETTINGS.fullScanSchedule, true),
      reportRetentionDays: this.node.tryGetContext('reportRetentionDays'),
      securityHub: {
        enabled: fromContext(this.node, DEPLOY_SETTINGS.securityHub),
        ...(securityHubRegion === undefined ? {} : { region: securityHubRegion as string }),
      },
      configRule: {
        enabled: fromContext(this.node, DEPLOY_SETTINGS.configRule),
        frequency: fromContext(
          this.node,
          DEPLOY_SETTINGS.configRuleFrequency,
          true,
        ) as config.MaximumExecutionFrequency,
      },
      objectLockDays: fromContext(this.node, DEPLOY_SETTINGS.objectLockDays, true),
      realtime: fromContext(this.node, DEPLOY_SETTINGS.realtime),
      realtimeWindowMaxActions: fromContext(
        this.node,
        DEPLOY_SETTINGS.realtimeWindowMaxActions,
        true,
      ),
      realtimeWindowMinutes: fromContext(this.node, DEPLOY_SETTINGS.realtimeWindowMinutes, true),
      ...(exemptionsFile === undefined ? {} : { exemptions: exemptionsFile }),
      ...(archiveBucketName === undefined
        ? {}
        : {
            existingArchiveBucket: s3.Bucket.fromBucketName(
              this,
              'ExistingArchiveBucket',
              archiveBucketName,
            ),
          }),
      timeZone: this.node.tryGetContext('timeZone'),
      runtime: runtimeFromContext(this.node),
      notificationEmails: fromContext(this.node, DEPLOY_SETTINGS.notificationEmails),
      ...(topicArn === undefined
        ? {}
        : { existingTopic: sns.Topic.fromTopicArn(this, 'ExistingTopic', topicArn) }),
    });

    // What an operator needs after deploying: where to subscribe, what to invoke, where failures go.
    new CfnOutput(this, 'TopicArn', { value: this.auditor.topic.topicArn });
    new CfnOutput(this, 'FunctionName', { value: this.auditor.function.functionName });
    new CfnOutput(this, 'FailureQueueUrl', { value: this.auditor.failureQueue.queueUrl });
    new CfnOutput(this, 'LogGroupName', { value: this.auditor.logGroup.logGroupName });
    new CfnOutput(this, 'ArchiveBucketName', { value: this.auditor.archive.bucket.bucketName });
    new CfnOutput(this, 'FindingsTable', {
      value: `${this.auditor.archive.database.ref}.findings`,
      description: 'The Athena table over every archived finding',
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.auditor.dashboard.dashboard.dashboardName,
    });
    if (this.auditor.realtime) {
      new CfnOutput(this, 'RealtimeQueueUrl', {
        value: this.auditor.realtime.queue.queueUrl,
        description: 'The IAM events waiting for the real-time audit',
      });
      new CfnOutput(this, 'RealtimeDeadLetterQueueUrl', {
        value: this.auditor.realtime.deadLetterQueue.queueUrl,
        description: 'The IAM events the real-time audit failed on five times',
      });
    }
    if (this.auditor.configRule) {
      new CfnOutput(this, 'ConfigRuleName', {
        value: this.auditor.configRule.rule.configRuleName,
        description: 'The AWS Config rule that evaluates each IAM user',
      });
      new CfnOutput(this, 'ConfigRuleFunctionArn', {
        value: this.auditor.configRule.function.functionArn,
        description: 'The rule’s function, for a conformance pack’s rule (docs/deploy-account.md)',
      });
    }
  }
}

/** A context value left empty (`-c fullScanSchedule=`) means "not set". */
function emptyAsAbsent(value: unknown): unknown {
  return value === '' ? undefined : value;
}
