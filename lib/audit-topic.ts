import { Aws, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** What {@link createAuditTopic} builds with. */
export interface AuditTopicProps {
  /** The topic's display name (the sender name of its emails). */
  readonly displayName: string;
  /** What the key encrypts, for its description. */
  readonly keyDescription: string;
  /** A topic you already have, used instead of creating one (its key and policy stay yours). */
  readonly existingTopic?: sns.ITopic;
}

/** The topic of a deployment, its key, and the name prefix of the alarms it admits. */
export interface AuditTopic {
  readonly topic: sns.ITopic;
  /** The created topic's key; undefined for an existing topic. */
  readonly key?: kms.Key;
  /** Every alarm that notifies this topic is named `<alarmNamePrefix>-…`. */
  readonly alarmNamePrefix: string;
}

/**
 * The topic findings and alarms go to, shared by both deployments (created in `scope`, with the
 * ids `Topic` and `TopicKey`): a new topic is encrypted with its own customer-managed key and
 * admits the deployment's alarms, and only them, to publish.
 *
 * Alarms notify as `cloudwatch.amazonaws.com`. `enforceSSL` replaces SNS's default access policy,
 * which was what let CloudWatch publish, so the topic's policy must allow it; and the key must
 * let CloudWatch encrypt (alias/aws/sns cannot: alarms on a topic encrypted with it deploy
 * cleanly and deliver nothing). Both statements admit only alarms named `<alarmNamePrefix>-…`
 * of this account (`aws:SourceArn`, `aws:SourceAccount`).
 */
export function createAuditTopic(scope: Construct, props: AuditTopicProps): AuditTopic {
  const alarmNamePrefix = Names.uniqueResourceName(scope, { maxLength: 200 });
  if (props.existingTopic) return { topic: props.existingTopic, alarmNamePrefix };
  const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
  const fromOurAlarms = {
    StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    ArnLike: {
      'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${alarmNamePrefix}-*`,
    },
  };
  const key = new kms.Key(scope, 'TopicKey', {
    description: props.keyDescription,
    enableKeyRotation: true,
    // Nothing is stored under this key (SNS only holds messages until delivery), so deleting
    // the stack schedules it for deletion after KMS's waiting period rather than orphaning it.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowAuditAlarmsToUseTheKey',
      principals: [cloudWatch],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: fromOurAlarms,
    }),
  );
  const topic = new sns.Topic(scope, 'Topic', {
    displayName: props.displayName,
    masterKey: key,
    enforceSSL: true,
    // SHA256 signatures for subscribers that verify messages.
    signatureVersion: '2',
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowAuditAlarmsToPublish',
      principals: [cloudWatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromOurAlarms,
    }),
  );
  return { topic, key, alarmNamePrefix };
}
