import { Annotations, Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as config from 'aws-cdk-lib/aws-config';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CredentialType } from '../lambda/core/credential';
import { ConfigError } from '../lambda/core/errors';
import {
  type Mode,
  POLICY_KEYS,
  type Policy,
  parsePolicy,
  parseSetting,
  parseSettings,
  type ScanStrategy,
  SETTINGS,
  toEnvironment,
} from '../lambda/core/settings';
import { METRIC_NAMES, SCOPE_DIMENSION } from '../lambda/handlers/metrics';
import { type AuditConfigRule, createAuditConfigRule } from './audit-config-rule';
import { createAuditFunction } from './audit-function';
import { AuditDashboard, RunMetricFactory } from './audit-monitoring';
import { RealtimeAudit, realtimeWindow } from './audit-realtime';
import { createAuditSchedules, SCHEDULER_RETRY } from './audit-schedule';
import { createAuditTopic } from './audit-topic';
import {
  auditDashboardGraphs,
  createAuditAlarms,
  type SigningCertAuditorAlarms,
} from './auditor-alarms';
import { AuditArchive } from './auditor-archive';
import { type AuditGrantScope, grantAuditAccess } from './auditor-permissions';
import { DEPLOY_SETTINGS } from './deploy-settings';
import { AuditExemptions, type ExemptionEntry } from './exemptions';
import { chooseRuntime } from './runtime';
import { grantSinks } from './sink-grants';

/** Properties of {@link SigningCertAuditor}; policy values follow the settings table (lambda/core/settings.ts) and are validated at synth. */
export interface SigningCertAuditorProps {
  /**
   * A certificate uploaded more than this many days ago is NON_COMPLIANT.
   * @default 90
   */
  readonly maxAgeDays?: number;
  /**
   * What a run may change: `report` nothing; `deactivate` sets over-age Active certificates
   * Inactive; `delete` also deletes over-age Inactive ones older than deleteAfterDays. Delete
   * mode never deletes a certificate that was Active when listed: it deactivates it, and a later
   * run deletes it.
   * @default 'report'
   */
  readonly mode?: Mode;
  /**
   * In `delete` mode, an over-age Inactive certificate older than this is deleted.
   * @default - maxAgeDays
   */
  readonly deleteAfterDays?: number;
  /**
   * Certificates within this many days of maxAgeDays are reported EXPIRING_SOON.
   * @default 14
   */
  readonly warnBeforeDays?: number;
  /**
   * Audit only users under this IAM path; also scopes the function's IAM permissions, so `*`,
   * `?` and `$` are refused (in the `user<path>*` resource they would widen the grants).
   * @default '/'
   */
  readonly userPathPrefix?: string;
  /**
   * A user tagged with this key and the value `true` is reported EXEMPT and never changed.
   * @default 'signing-cert-audit:exempt'
   */
  readonly exemptTagKey?: string;
  /**
   * The longest maximum age a user's `signing-cert-audit:max-age-days` tag may set. A longer
   * one is refused (an ERROR finding) and the account policy applies, so a tag can never hide a
   * stale certificate indefinitely; every certificate a tag changed is listed.
   * @default 365
   */
  readonly maxOverrideDays?: number;
  /**
   * Require every exemption to end within this many days (`exemptTagKey` = `until YYYY-MM-DD`):
   * one without an end date, or ending later, is refused as an ERROR finding naming the tag, and
   * the account policy applies.
   * @default - none: an exemption may have no end date
   */
  readonly maxExemptionDays?: number;
  /**
   * Exemptions kept as reviewed code: the path of an exemptions file (YAML, or JSON when it ends
   * in `.json`) or its entries. Each entry exempts a user's credentials (or one credential, or
   * one kind) from the age policy until its `expires` day, with its reason, approver and ticket,
   * carried into every output. Checked at synth (a bad entry fails the synth, naming it) and
   * given to every function that audits as a layer: no grant is added. An entry in force wins
   * over the exempt tag.
   * @default - no exemptions file (the exempt tag still works)
   */
  readonly exemptions?: string | readonly ExemptionEntry[];
  /**
   * Blast-radius guard: a run that plans more changes than this makes none.
   * @default 25
   */
  readonly maxActionsPerRun?: number;
  /**
   * Users scanned at once.
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * How a run finds the users to list certificates for: `full` lists every user's;
   * `credential-report` only those whose credential-report row shows an Active certificate
   * (O(holders) calls; Inactive-only users, and a certificate reactivated after the report was
   * generated, up to four hours earlier, are seen by full sweeps only: set fullScanSchedule; a
   * report older than four hours is refused and the run scans in full).
   * @default 'full'
   */
  readonly scanStrategy?: ScanStrategy;
  /**
   * The kinds of IAM user credential read and reported (every kind is read by default; only
   * `remediateKinds` are ever changed).
   * @default ['signing-certificate', 'ssh-public-key', 'service-specific-credential']
   */
  readonly credentialKinds?: readonly CredentialType[];
  /**
   * The kinds deactivate or delete mode changes; the other kinds read are reported only, so an
   * upgrade never starts switching off credentials it never touched before.
   * @default ['signing-certificate']
   */
  readonly remediateKinds?: readonly CredentialType[];
  /**
   * Whether delete mode may delete service-specific credentials, which can never be restored.
   * @default false
   */
  readonly deleteServiceCredentials?: boolean;
  /**
   * The maximum age of an SSH public key.
   * @default - maxAgeDays
   */
  readonly sshKeyMaxAgeDays?: number;
  /**
   * The maximum age, and the longest expiry, of a service-specific credential.
   * @default - maxAgeDays
   */
  readonly serviceCredentialMaxAgeDays?: number;
  /**
   * List every credential read in the archived report (JSON, JSON Lines and HTML): a compliant
   * one as a finding of verdict `COMPLIANT` (severity INFO, never failing). The summary counts,
   * the metrics, Security Hub, the Config rule and the SNS digest are the same either way.
   * @default false
   */
  readonly includeCompliant?: boolean;
  /**
   * A second schedule whose runs scan in full whatever scanStrategy says, e.g. weekly. With
   * `credential-report`, these sweeps are what see Inactive-only users (and, in delete mode,
   * delete their certificates) and certificates reactivated after the report was generated.
   * @default - no full-scan schedule
   */
  readonly fullScanSchedule?: string;
  /**
   * When the audit runs: an EventBridge Scheduler `cron(...)` or `rate(...)` expression.
   * @default 'cron(0 6 * * ? *)' (daily at 06:00 in timeZone)
   */
  readonly schedule?: string;
  /**
   * IANA time zone the schedule is read in.
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * Email addresses subscribed to the topic; each must confirm the subscription email.
   * @default - no subscriptions
   */
  readonly notificationEmails?: readonly string[];
  /**
   * A topic you already have, used instead of creating one. If it is KMS-encrypted or has its own
   * access policy, that key and policy must let this function and CloudWatch alarms publish.
   * @default - a new topic encrypted with a new customer-managed key
   */
  readonly existingTopic?: sns.ITopic;
  /**
   * How long archived reports are kept, in days (a yearly audit plus margin).
   * @default 400
   */
  readonly reportRetentionDays?: number;
  /**
   * Object Lock retention (governance mode) for archived reports, in days: write-once evidence.
   * Object Lock can only be enabled on a new bucket.
   * @default - no Object Lock
   */
  readonly objectLockDays?: number;
  /**
   * A bucket you already have for the archive, used instead of creating one. The function gets
   * s3:PutObject under reports/ and findings/; if the bucket is KMS-encrypted, its key must let
   * the function's role generate data keys.
   * @default - a new versioned, KMS-encrypted bucket with access logs
   */
  readonly existingArchiveBucket?: s3.IBucket;
  /**
   * Sends every finding to AWS Security Hub (ASFF), in one home region, and resolves the ones no
   * longer true after each complete full scan. Security Hub must be enabled in that region.
   * @default - off
   */
  readonly securityHub?: {
    /** Whether findings go to Security Hub. */
    readonly enabled: boolean;
    /**
     * The home region: IAM is global, so findings go to one region only.
     * @default - the stack's region
     */
    readonly region?: string;
  };
  /**
   * Adds a periodic AWS Config custom rule that evaluates every IAM user: NON_COMPLIANT when it
   * holds a failing certificate (over age, expired, weak, unparseable), COMPLIANT when it holds
   * only sound ones, NOT_APPLICABLE without any. The rule runs a second function with the same
   * policy, in report mode whatever `mode` says, with read-only IAM permissions and
   * config:PutEvaluations. AWS Config must be recording in the account and region.
   * @default - no Config rule
   */
  readonly configRule?: {
    /** Whether the Config rule is created. */
    readonly enabled: boolean;
    /**
     * How often Config runs the rule.
     * @default config.MaximumExecutionFrequency.TWENTY_FOUR_HOURS
     */
    readonly frequency?: config.MaximumExecutionFrequency;
  };
  /**
   * Also audits a user as soon as IAM records a change to one of its credentials or to its tags
   * (docs/realtime.md): an EventBridge rule on the stack's region's default bus, an SQS queue
   * with a dead-letter queue, and a second function that audits the users the events name, with
   * the same policy and sinks as the scheduled function. IAM's events reach EventBridge only in
   * us-east-1, and only while a CloudTrail trail records management events: in another region,
   * deploy a `RealtimeForwarderStack` in us-east-1 too (the app does it for you).
   * @default false
   */
  readonly realtime?: boolean;
  /**
   * With realtime, the real-time runs together make no more changes than this within
   * realtimeWindowMinutes (the window guard; each run is also held to maxActionsPerRun).
   * @default - maxActionsPerRun
   */
  readonly realtimeWindowMaxActions?: number;
  /**
   * With realtime, the window guard's window, in minutes.
   * @default 60
   */
  readonly realtimeWindowMinutes?: number;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Pins the functions' Lambda runtime. A runtime the handlers are not tested on is taken with
   * a warning at synth.
   * @default - the newest Node.js runtime that both your aws-cdk-lib knows and the handlers are
   * tested on (TESTED_NODE_RUNTIMES: nodejs24.x, nodejs26.x)
   */
  readonly runtime?: lambda.Runtime;
}

/**
 * A scheduled Lambda that audits every IAM user's X.509 signing certificates against an age
 * policy, acts on them according to its mode, and publishes its findings to SNS.
 */
export class SigningCertAuditor extends Construct {
  /** The validated policy the function runs with, every default resolved. */
  public readonly policy: Policy;
  /** The audit function. */
  public readonly function: lambda.Function;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** Where findings and alarms are published. */
  public readonly topic: sns.ITopic;
  /** The customer-managed key of the created topic; undefined when existingTopic is given. */
  public readonly key?: kms.Key;
  /** The EventBridge Scheduler schedule that invokes the function. */
  public readonly schedule: scheduler.Schedule;
  /** The schedule of full sweeps, when fullScanSchedule is set. */
  public readonly fullScanSchedule?: scheduler.Schedule;
  /** Keeps the event of a run that failed after its retries, or that the scheduler could not deliver. */
  public readonly failureQueue: sqs.Queue;
  /** The alarms, each notifying the topic. */
  public readonly alarms: SigningCertAuditorAlarms;
  /** The evidence archive: bucket, key and the Glue findings table. */
  public readonly archive: AuditArchive;
  /** The CloudWatch dashboard of the runs and alarms. */
  public readonly dashboard: AuditDashboard;
  /** Security Hub's home region when findings go there (a token for the stack's region). */
  public readonly securityHubRegion?: string;
  /** The AWS Config rule, its function, role and log group, when configRule is enabled. */
  public readonly configRule?: AuditConfigRule;
  /** The real-time audit (rule, queues, function, alarms), when realtime is on. */
  public readonly realtime?: RealtimeAudit;
  /** The exemptions file, when the `exemptions` prop gave one. */
  public readonly exemptions?: AuditExemptions;

  constructor(scope: Construct, id: string, props: SigningCertAuditorProps = {}) {
    super(scope, id);

    // Indexing the props by every policy key makes a setting missing from the props a type error.
    this.policy = parsePolicy(
      Object.fromEntries(POLICY_KEYS.map((key) => [key, props[key]])),
      'prop',
    );
    const runtime = chooseRuntime(props.runtime);
    const {
      schedule: scheduleExpression,
      fullScanSchedule: fullScanExpression,
      timeZone,
      notificationEmails: emails,
      reportRetentionDays: retentionDays,
      objectLockDays,
    } = parseSettings(
      DEPLOY_SETTINGS,
      [
        'schedule',
        'fullScanSchedule',
        'timeZone',
        'notificationEmails',
        'reportRetentionDays',
        'objectLockDays',
      ],
      'prop',
      props,
    );
    if (objectLockDays !== undefined && objectLockDays > retentionDays) {
      throw new ConfigError(
        `objectLockDays=${objectLockDays} is not allowed: expected ${DEPLOY_SETTINGS.objectLockDays.allowed} (${retentionDays})`,
      );
    }
    if (objectLockDays !== undefined && props.existingArchiveBucket) {
      throw new ConfigError(
        'objectLockDays cannot be combined with an existing archive bucket: Object Lock is set when a bucket is created; set it on your bucket instead',
      );
    }
    if (props.securityHub?.enabled) {
      this.securityHubRegion =
        parseSetting(SETTINGS.securityHubRegion, 'prop', props.securityHub.region) ?? Aws.REGION;
    }
    this.archive = new AuditArchive(this, 'Archive', {
      retentionDays,
      ...(objectLockDays === undefined ? {} : { objectLockDays }),
      ...(props.existingArchiveBucket ? { existingBucket: props.existingArchiveBucket } : {}),
    });

    const notifications = createAuditTopic(this, {
      displayName: 'Signing certificate audit',
      keyDescription: 'Encrypts the signing-certificate audit topic',
      ...(props.existingTopic ? { existingTopic: props.existingTopic } : {}),
    });
    this.topic = notifications.topic;
    if (notifications.key) this.key = notifications.key;
    const alarmNamePrefix = notifications.alarmNamePrefix;
    for (const email of emails) {
      this.topic.addSubscription(new EmailSubscription(email));
    }

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      // SQS-managed encryption: the queue holds only invocation records, and it keeps the
      // function's and the scheduler's roles free of KMS permissions.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter store of failed audit runs (Lambda on-failure destination and scheduler DLQ); nothing consumes it, so it needs no DLQ of its own.',
    });

    // The scheduled function's settings; the real-time function runs with the same.
    const environment = toEnvironment({
      ...this.policy,
      topicArn: this.topic.topicArn,
      archiveBucket: this.archive.bucket.bucketName,
      securityHubRegion: this.securityHubRegion,
    });
    // Checked whether realtime is on or not, so a bad value never waits for the day it is.
    const window = realtimeWindow(props, this.policy.maxActionsPerRun);
    const built = createAuditFunction(this, 'Function', {
      name: 'the audit function',
      description: 'Audits IAM users’ X.509 signing certificates against an age policy',
      roleDescription: 'Signing-certificate audit function',
      asset: this.securityHubRegion !== undefined ? 'scheduled' : 'scheduled-without-security-hub',
      environment,
      // Lambda's maximum, so a large account (IAM allows 5000 users) is never cut short.
      timeout: Duration.minutes(15),
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      logGroupId: 'Logs',
      runtime,
      // The scheduler invokes asynchronously: a failed run's event is kept in the failure queue.
      failureQueue: this.failureQueue,
      // One run at a time: two overlapping runs would plan the same changes twice.
      reservedConcurrentExecutions: 1,
    });
    this.function = built.function;
    this.logGroup = built.logGroup;
    this.grantRun(built.role, 'account');

    const schedules = createAuditSchedules(this, {
      what: 'the signing-certificate audit',
      expression: scheduleExpression,
      ...(fullScanExpression === undefined ? {} : { fullScanExpression }),
      timeZone,
      target: (role, input) =>
        new LambdaInvoke(this.function, {
          role,
          input,
          ...SCHEDULER_RETRY,
          deadLetterQueue: this.failureQueue,
        }),
      action: 'lambda:InvokeFunction',
      targetArn: this.function.functionArn,
      deadLetterQueue: this.failureQueue,
    });
    this.schedule = schedules.schedule;
    if (schedules.fullScanSchedule) this.fullScanSchedule = schedules.fullScanSchedule;
    else if (this.policy.scanStrategy === 'credential-report') {
      Annotations.of(this).addWarningV2(
        'signing-cert-audit:no-full-scan-schedule',
        'scanStrategy is credential-report but there is no fullScanSchedule: users whose signing certificates are all Inactive are never seen (nor, in delete mode, deleted). Set fullScanSchedule, e.g. cron(0 5 ? * SUN *).',
      );
    }
    const schedulerRole = schedules.role;
    // cdk-nag names a finding by the resolved template value, so a token becomes <LogicalId.Arn>.
    const functionLogicalId = Stack.of(this).resolve(
      (this.function.node.defaultChild as CfnFunction).logicalId,
    );
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on this one function; the `:*` form, which grantInvoke adds, covers its versions and aliases.',
    });

    if (props.configRule?.enabled) {
      this.configRule = createAuditConfigRule(this, 'ConfigRule', {
        policy: this.policy,
        frequency: parseSetting(
          DEPLOY_SETTINGS.configRuleFrequency,
          'prop',
          props.configRule.frequency,
        ) as config.MaximumExecutionFrequency,
        logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        runtime,
      });
    }

    const metrics = new RunMetricFactory();
    if (parseSetting(DEPLOY_SETTINGS.realtime, 'prop', props.realtime)) {
      this.realtime = new RealtimeAudit(this, 'Realtime', {
        asset: this.securityHubRegion !== undefined ? 'realtime' : 'realtime-without-security-hub',
        name: 'the real-time audit function',
        description: 'Audits the IAM users named by IAM events as they happen',
        environment,
        window,
        mode: this.policy.mode,
        archive: this.archive,
        logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        runtime,
        topic: this.topic,
        alarmNamePrefix,
        extraAlarms: {
          withheld: {
            id: 'WithheldAlarm',
            suffix: 'realtime-withheld',
            description:
              'A guard withheld the changes of a real-time audit run (more than maxActionsPerRun in the run, or than realtimeWindowMaxActions in the window). Review the WITHHELD findings in its report.',
            // Users-scoped runs emit their metrics with scope=users (lambda/handlers/metrics.ts):
            // a series the scheduled function's Withheld alarm, on `service` alone, never reads.
            metric: metrics.metric(METRIC_NAMES.withheld, undefined, 'Maximum', {
              [SCOPE_DIMENSION]: 'users',
            }),
          },
        },
      });
      // What a users-scoped run of the deployment's mode reads and changes, and its sinks.
      this.grantRun(this.realtime.role, 'users');
    }
    this.alarms = createAuditAlarms(this, metrics, this.function, this.topic, alarmNamePrefix);
    if (props.exemptions !== undefined) {
      this.exemptions = new AuditExemptions(this, 'Exemptions', {
        exemptions: props.exemptions,
        maxExemptionDays: this.policy.maxExemptionDays,
      });
      // Every function that judges credentials: the scheduled one, the rule's, the real-time one.
      for (const fn of [this.function, this.configRule?.function, this.realtime?.function]) {
        if (fn) this.exemptions.bind(fn);
      }
    }
    this.dashboard = new AuditDashboard(this, 'Dashboard', {
      graphs: auditDashboardGraphs(metrics),
      alarms: Object.values(this.alarms),
    });
  }

  /**
   * A run's grants, the same for the scheduled and the real-time function but for the scope:
   * IAM by the mode, the kinds and the scope (lib/auditor-permissions.ts), the sinks its settings
   * turn on, and the change record outside report mode.
   */
  private grantRun(role: iam.Role, scope: AuditGrantScope): void {
    grantAuditAccess(role, this.policy, scope);
    // What its sinks deliver to: the grants of the sinks its settings turn on, by registry name.
    grantSinks(
      {
        role,
        archive: this.archive,
        topic: this.topic,
        scope,
        ...(this.securityHubRegion ? { securityHubRegion: this.securityHubRegion } : {}),
      },
      {
        archiveBucket: this.archive.bucket.bucketName,
        topicArn: this.topic.topicArn,
        ...(this.securityHubRegion ? { securityHubRegion: this.securityHubRegion } : {}),
      },
    );
    // The record of every change, written before the change is made (none in report mode).
    if (this.policy.mode !== 'report') this.archive.grantWriteChanges(role);
    if (this.key) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Added by topic.grantPublish to publish to the KMS-encrypted topic; the grant is on that one key only.',
      });
    }
  }
}
