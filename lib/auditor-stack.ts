import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as config from 'aws-cdk-lib/aws-config';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { parseConfig } from '../lambda/core/settings';
import {
  checkBoolean,
  checkBucketName,
  checkConfigRuleFrequency,
  checkEmails,
  policyFromContext,
  readList,
  runtimeFromContext,
} from './deploy-settings';
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

    const topicArn: unknown = this.node.tryGetContext('topicArn');
    const existingTopic =
      topicArn === undefined || topicArn === ''
        ? undefined
        : sns.Topic.fromTopicArn(
            this,
            'ExistingTopic',
            parseConfig({ topicArn }, 'context').topicArn,
          );

    const archiveBucketName = emptyAsAbsent(this.node.tryGetContext('archiveBucketName'));
    this.auditor = new SigningCertAuditor(this, 'Auditor', {
      ...policy,
      schedule: this.node.tryGetContext('schedule'),
      fullScanSchedule: emptyAsAbsent(this.node.tryGetContext('fullScanSchedule')),
      reportRetentionDays: this.node.tryGetContext('reportRetentionDays'),
      securityHub: {
        enabled: checkBoolean(this.node.tryGetContext('securityHub') ?? false, 'securityHub'),
        ...(emptyAsAbsent(this.node.tryGetContext('securityHubRegion')) === undefined
          ? {}
          : { region: emptyAsAbsent(this.node.tryGetContext('securityHubRegion')) as string }),
      },
      configRule: {
        enabled: checkBoolean(this.node.tryGetContext('configRule') ?? false, 'configRule'),
        ...(emptyAsAbsent(this.node.tryGetContext('configRuleFrequency')) === undefined
          ? {}
          : {
              frequency: checkConfigRuleFrequency(
                this.node.tryGetContext('configRuleFrequency'),
              ) as config.MaximumExecutionFrequency,
            }),
      },
      objectLockDays: emptyAsAbsent(this.node.tryGetContext('objectLockDays')) as
        | number
        | undefined,
      ...(archiveBucketName === undefined
        ? {}
        : {
            existingArchiveBucket: s3.Bucket.fromBucketName(
              this,
              'ExistingArchiveBucket',
              checkBucketName(archiveBucketName),
            ),
          }),
      timeZone: this.node.tryGetContext('timeZone'),
      runtime: runtimeFromContext(this.node.tryGetContext('lambdaRuntime')),
      notificationEmails: checkEmails(readList(this.node.tryGetContext('notificationEmails'))),
      existingTopic,
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
function emptyAsAbsent(value: unknown): string | undefined {
  // A non-string is passed on, so the construct's check names it.
  return value === '' || value === null ? undefined : (value as string);
}
