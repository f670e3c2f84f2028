import { Aws, type CfnResource, type CfnStackSet, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ORG_REPORTS_PREFIX, ORG_RUNS_PREFIX } from '../lambda/core/archive-layout';
import {
  ORG_SETTINGS,
  POLICY_KEYS,
  type Policy,
  parsePolicy,
  parseSetting,
  parseSettings,
  SETTINGS,
  toEnvironment,
} from '../lambda/core/settings';
import { METRIC_NAMES, SCOPE_DIMENSION } from '../lambda/handlers/metrics';
import { createAuditFunction } from './audit-function';
import { AuditDashboard, RunMetricFactory } from './audit-monitoring';
import { RealtimeAudit, realtimeWindow } from './audit-realtime';
import { createAuditSchedules } from './audit-schedule';
import { createAuditTopic } from './audit-topic';
import { AuditArchive } from './auditor-archive';
import { grantAssumeMemberRole, grantOrgFunctions } from './auditor-permissions';
import { DEPLOY_SETTINGS } from './deploy-settings';
import { AuditExemptions } from './exemptions';
import type { HandlerAsset } from './handler-assets';
import { createMemberForwarderStackSet, createMemberStackSet } from './member-role';
import {
  createOrgAuditAlarms,
  type OrgAuditorAlarms,
  orgDashboardGraphs,
} from './org-auditor-alarms';
import { createOrgStateMachine } from './org-state-machine';
import { chooseRuntime } from './runtime';
import type { SigningCertAuditorProps } from './signing-cert-auditor';

export { ORG_REPORTS_PREFIX, ORG_RUNS_PREFIX };

/** Properties of {@link SigningCertOrgAuditor}. */
export interface SigningCertOrgAuditorProps
  extends Pick<
    SigningCertAuditorProps,
    | 'maxAgeDays'
    | 'mode'
    | 'deleteAfterDays'
    | 'warnBeforeDays'
    | 'userPathPrefix'
    | 'exemptTagKey'
    | 'maxOverrideDays'
    | 'maxExemptionDays'
    | 'exemptions'
    | 'maxActionsPerRun'
    | 'concurrency'
    | 'scanStrategy'
    | 'credentialKinds'
    | 'remediateKinds'
    | 'deleteServiceCredentials'
    | 'sshKeyMaxAgeDays'
    | 'serviceCredentialMaxAgeDays'
    | 'includeCompliant'
    | 'schedule'
    | 'timeZone'
    | 'notificationEmails'
    | 'reportRetentionDays'
    | 'securityHub'
    | 'runtime'
  > {
  /** The organization's id (`o-…`): member roles trust the worker only from inside it. */
  readonly organizationId: string;
  /**
   * Where the StackSet deploys the member role: the organization's root id (`r-…`) or OU ids
   * (`ou-…`). StackSets never deploy to the management account (see README).
   */
  readonly memberTargets: readonly string[];
  /**
   * The member role's name in every account.
   * @default 'SigningCertAuditMember'
   */
  readonly memberRoleName?: string;
  /**
   * Accounts audited at once by the Distributed Map.
   * @default 20
   */
  readonly maxConcurrency?: number;
  /** Audit only accounts under these OUs or roots. @default - every account */
  readonly includeOus?: readonly string[];
  /** Never audit accounts under these OUs. @default - none */
  readonly excludeOus?: readonly string[];
  /** Audit only these accounts. @default - every account */
  readonly includeAccounts?: readonly string[];
  /** Never audit these accounts. @default - none */
  readonly excludeAccounts?: readonly string[];
  /**
   * How the StackSet is managed: from the management account (`SELF`) or a delegated
   * administrator account (`DELEGATED_ADMIN`).
   * @default 'SELF'
   */
  readonly callAs?: 'SELF' | 'DELEGATED_ADMIN';
  /**
   * Also audits a member's user as soon as IAM records a change to one of its credentials or to
   * its tags (docs/realtime.md): an event bus here that the organization's principals may send
   * to, a rule on it, an SQS queue and a function that audits the named users through the member
   * role; a second StackSet puts in each member account, in us-east-1 (the one region IAM's
   * events reach), a rule forwarding them to that bus. The events exist only while a CloudTrail
   * trail records each member's management events (an organization trail does).
   * @default false
   */
  readonly realtime?: boolean;
  /**
   * With realtime, the real-time runs of one account together make no more changes than this
   * within realtimeWindowMinutes.
   * @default - maxActionsPerRun
   */
  readonly realtimeWindowMaxActions?: number;
  /**
   * With realtime, the window guard's window, in minutes.
   * @default 60
   */
  readonly realtimeWindowMinutes?: number;
}

/**
 * Every account of an organization, on AWS's distributed engine: an EventBridge Scheduler
 * schedule starts a Standard state machine that enumerates the ACTIVE accounts (written to
 * S3), fans out with a Distributed Map (S3 item reader, ResultWriterV2, bounded concurrency) to
 * a worker Lambda that audits one account through its member role, with retries on Lambda
 * throttling and a catch that turns any failure into that account's FAILED status, then
 * summarizes one organization report. The member role is deployed into every member account
 * by a service-managed StackSet. The execution's input, and each worker's event, are read by the
 * single-account function's strict event rule (a dry run in its one exact form or refused, no
 * unknown key), and the execution's name is the run id: a name outside `A-Z a-z 0-9 . _ -` (1 to
 * 80) fails the run rather than share another execution's archive prefix.
 */
export class SigningCertOrgAuditor extends Construct {
  /** The validated policy every account is audited with. */
  public readonly policy: Policy;
  /** The archive of every account's report and of the organization reports. */
  public readonly archive: AuditArchive;
  /** Where organization reports and alarms are published. */
  public readonly topic: sns.ITopic;
  /** The audit of one account. */
  public readonly worker: lambda.Function;
  /** Lists the accounts of a run. */
  public readonly enumerate: lambda.Function;
  /** Builds the organization report. */
  public readonly summarize: lambda.Function;
  /** The run: enumerate → map → summarize. */
  public readonly stateMachine: sfn.StateMachine;
  /** The Distributed Map state. */
  public readonly map: sfn.DistributedMap;
  /** Deploys the member role into the member accounts. */
  public readonly stackSet: CfnStackSet;
  /** The schedule that starts a run. */
  public readonly schedule: scheduler.Schedule;
  /** The alarms, each notifying the topic. */
  public readonly alarms: OrgAuditorAlarms;
  /** The CloudWatch dashboard of the runs and alarms. */
  public readonly dashboard: AuditDashboard;
  /** The real-time audit (rule on {@link realtimeBus}, queues, function, alarms), when realtime is on. */
  public readonly realtime?: RealtimeAudit;
  /** The exemptions file, when the `exemptions` prop gave one: each account applies its entries. */
  public readonly exemptions?: AuditExemptions;
  /** The bus the members' forwarders send IAM's events to, when realtime is on. */
  public readonly realtimeBus?: events.EventBus;
  /** Deploys each member's forwarder in us-east-1, when realtime is on. */
  public readonly forwarderStackSet?: CfnStackSet;

  constructor(scope: Construct, id: string, props: SigningCertOrgAuditorProps) {
    super(scope, id);
    this.policy = parsePolicy(
      Object.fromEntries(POLICY_KEYS.map((key) => [key, props[key]])),
      'prop',
    );
    const runtime = chooseRuntime(props.runtime);
    // Every id by the settings tables' patterns, naming the setting and the bad id: a typo would
    // otherwise select nothing, or fail every run at enumerate.
    const { organizationId, memberTargets, schedule, timeZone, reportRetentionDays } =
      parseSettings(
        DEPLOY_SETTINGS,
        ['organizationId', 'memberTargets', 'schedule', 'timeZone', 'reportRetentionDays'],
        'prop',
        props,
      );
    // The member role is checked too: the worker's grant is sts:AssumeRole on this name in every account.
    const { memberRoleName, ...selection } = parseSettings(
      ORG_SETTINGS,
      ['memberRoleName', 'includeOus', 'excludeOus', 'includeAccounts', 'excludeAccounts'],
      'prop',
      props,
    );
    const maxConcurrency = parseSetting(
      ORG_SETTINGS.accountConcurrency,
      'prop',
      props.maxConcurrency,
    );

    // The organization layout: the findings table sees every member account the workers archive.
    this.archive = new AuditArchive(this, 'Archive', {
      retentionDays: reportRetentionDays,
      layout: 'organization',
    });
    const notifications = createAuditTopic(this, {
      displayName: 'Signing certificate audit (organization)',
      keyDescription: 'Encrypts the organization audit topic',
    });
    this.topic = notifications.topic;
    for (const email of parseSetting(
      DEPLOY_SETTINGS.notificationEmails,
      'prop',
      props.notificationEmails,
    )) {
      this.topic.addSubscription(new EmailSubscription(email));
    }

    // Each member's findings go to that member's own Security Hub (BatchImportFindings is called
    // by the account the findings belong to), through its role: the worker needs no grant for it.
    const securityHubRegion = props.securityHub?.enabled
      ? parseSetting(SETTINGS.securityHubRegion, 'prop', props.securityHub.region)
      : undefined;
    // The policy, where reports go and the organization's settings, by their tables.
    const settings = {
      ...this.policy,
      topicArn: this.topic.topicArn,
      archiveBucket: this.archive.bucket.bucketName,
      memberRoleName,
      ...selection,
    };
    const environment = toEnvironment(settings);
    const fn = (
      name: string,
      entry: HandlerAsset,
      description: string,
      timeout: Duration,
      extra: Record<string, string> = {},
    ) => {
      const built = createAuditFunction(this, name, {
        name: `the ${name.toLowerCase()} function`,
        description,
        asset: entry,
        environment: { ...environment, ...extra },
        timeout,
        logRetention: logs.RetentionDays.ONE_YEAR,
        runtime,
      });
      return { handler: built.function, role: built.role };
    };
    const workerEnvironment = props.securityHub?.enabled
      ? toEnvironment({ ...settings, securityHubRegion: securityHubRegion ?? Aws.REGION })
      : {};
    const window = realtimeWindow(props, this.policy.maxActionsPerRun);
    const worker = fn(
      'Worker',
      props.securityHub?.enabled ? 'org-worker-security-hub' : 'org-worker',
      'Audits one member account through its role',
      Duration.minutes(15),
      workerEnvironment,
    );
    const enumerate = fn(
      'Enumerate',
      'org-enumerate',
      'Lists the organization accounts of a run',
      Duration.minutes(5),
    );
    const summarize = fn(
      'Summarize',
      'org-summarize',
      'Builds the organization report of a run',
      Duration.minutes(5),
    );
    this.worker = worker.handler;
    this.enumerate = enumerate.handler;
    this.summarize = summarize.handler;

    grantOrgFunctions({
      worker: worker.role,
      enumerate: enumerate.role,
      summarize: summarize.role,
      archive: this.archive,
      topic: this.topic,
      memberRoleName,
      organizationId,
      mode: this.policy.mode,
      selectsOus: {
        include: selection.includeOus.length > 0,
        exclude: selection.excludeOus.length > 0,
      },
    });

    const run = createOrgStateMachine(this, {
      enumerate: enumerate.handler,
      worker: worker.handler,
      summarize: summarize.handler,
      archive: this.archive,
      maxConcurrency,
    });
    this.stateMachine = run.stateMachine;
    this.map = run.map;

    this.schedule = createAuditSchedules(this, {
      what: 'the organization signing-certificate audit',
      expression: schedule,
      timeZone,
      // The input enumerate reads by the single-account rules.
      target: (role, input) => new StepFunctionsStartExecution(this.stateMachine, { role, input }),
      action: 'states:StartExecution',
      targetArn: this.stateMachine.stateMachineArn,
    }).schedule;

    const metrics = new RunMetricFactory();
    this.alarms = createOrgAuditAlarms(
      this,
      metrics,
      this.stateMachine,
      this.topic,
      notifications.alarmNamePrefix,
    );
    this.dashboard = new AuditDashboard(this, 'Dashboard', {
      graphs: orgDashboardGraphs(metrics, this.stateMachine),
      alarms: Object.values(this.alarms),
    });
    if (parseSetting(DEPLOY_SETTINGS.realtime, 'prop', props.realtime)) {
      const bus = new events.EventBus(this, 'RealtimeBus', {
        description: "IAM credential events forwarded from the organization's member accounts",
      });
      // Any principal of the organization, and no one else: each member's forwarder sends with
      // its role (a rule sending to a bus whose policy admits an organization must give a
      // RoleArn: EventBridge API Reference, PutPermission,
      // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutPermission.html).
      bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OrganizationMembersForwardIamEvents',
          principals: [new iam.AnyPrincipal()],
          actions: ['events:PutEvents'],
          resources: [bus.eventBusArn],
          conditions: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
        }),
      );
      this.realtimeBus = bus;
      this.realtime = new RealtimeAudit(this, 'Realtime', {
        eventBus: bus,
        asset: props.securityHub?.enabled ? 'org-realtime-security-hub' : 'org-realtime',
        name: 'the organization real-time audit function',
        description: 'Audits the member users named by IAM events as they happen',
        // The worker's settings (lambda/handlers/org-environment.ts): the policy, the archive,
        // the member role, Security Hub's region.
        environment: { ...environment, ...workerEnvironment },
        window,
        mode: this.policy.mode,
        archive: this.archive,
        logRetention: logs.RetentionDays.ONE_YEAR,
        runtime,
        topic: this.topic,
        alarmNamePrefix: notifications.alarmNamePrefix,
        extraAlarms: {
          withheld: {
            id: 'WithheldAlarm',
            suffix: 'realtime-withheld',
            description:
              'A guard withheld the changes of a real-time audit run in a member account (more than maxActionsPerRun in the run, or than realtimeWindowMaxActions in the window). Review the WITHHELD findings in its report.',
            // Each member account's users-scoped run emits its metrics with scope=users
            // (lambda/handlers/org-realtime-handler.ts, lambda/handlers/metrics.ts).
            metric: new RunMetricFactory().metric(METRIC_NAMES.withheld, undefined, 'Maximum', {
              [SCOPE_DIMENSION]: 'users',
            }),
          },
        },
      });
      // As the worker: the member role, by name, inside the organization; the reports, and the
      // change record outside report mode.
      grantAssumeMemberRole(this.realtime.role, memberRoleName, organizationId);
      this.archive.grantWriteReports(this.realtime.role, 'users');
      if (this.policy.mode !== 'report') this.archive.grantWriteChanges(this.realtime.role);
      Validations.of(this.realtime.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${memberRoleName}]`,
        reason:
          'The member role, by its name, in whichever account an event comes from; the aws:ResourceOrgID condition keeps it inside the organization.',
      });
      this.forwarderStackSet = createMemberForwarderStackSet(this, {
        centralBusArn: bus.eventBusArn,
        targets: memberTargets,
        callAs: props.callAs ?? 'SELF',
      });
    }
    this.stackSet = createMemberStackSet(this, {
      ...(this.realtime ? { realtimeRoleArn: this.realtime.role.roleArn } : {}),
      ...(props.memberRoleName ? { roleName: props.memberRoleName } : {}),
      policy: this.policy,
      trustedRoleArn: worker.role.roleArn,
      organizationId,
      targets: memberTargets,
      callAs: props.callAs ?? 'SELF',
      ...(props.securityHub?.enabled ? { securityHubRegion: securityHubRegion ?? 'stack' } : {}),
    });

    if (props.exemptions !== undefined) {
      this.exemptions = new AuditExemptions(this, 'Exemptions', {
        exemptions: props.exemptions,
        maxExemptionDays: this.policy.maxExemptionDays,
      });
      // The functions that judge credentials: the worker (every member account) and the real-time one.
      this.exemptions.bind(worker.handler);
      if (this.realtime) this.exemptions.bind(this.realtime.function);
    }

    this.acknowledge(
      props,
      { worker: worker.role, enumerate: enumerate.role, summarize: summarize.role },
      memberRoleName,
      { worker: worker.handler, enumerate: enumerate.handler, summarize: summarize.handler },
    );
  }

  /** Every cdk-nag finding the roles raise, each acknowledged with its reason. */
  private acknowledge(
    props: SigningCertOrgAuditorProps,
    roles: { worker: iam.Role; enumerate: iam.Role; summarize: iam.Role },
    memberRoleName: string,
    fns: { worker: lambda.Function; enumerate: lambda.Function; summarize: lambda.Function },
  ): void {
    const id = (construct: Construct) =>
      Stack.of(this).resolve((construct.node.defaultChild as CfnResource).logicalId) as string;
    const bucketId = id(this.archive.bucket as unknown as Construct);
    const bucket = `<${bucketId}.Arn>`;
    const ack = (scope: Construct, finding: string, reason: string) =>
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    ack(
      roles.worker,
      `Resource::arn:<AWS::Partition>:iam::*:role/${memberRoleName}`,
      'The member role, by its name, in whichever account the run audits; the aws:ResourceOrgID condition keeps it inside the organization.',
    );
    if (!props.includeOus?.length) {
      ack(
        roles.enumerate,
        'Resource::*',
        'Organizations ListAccounts: read-only listing of the organization; the action has no resource type.',
      );
    }
    if (props.includeOus?.length || props.excludeOus?.length) {
      for (const type of ['root', 'ou']) {
        ack(
          roles.enumerate,
          `Resource::arn:<AWS::Partition>:organizations::*:${type}/${props.organizationId}/*`,
          "Organizations ListAccountsForParent and ListOrganizationalUnitsForParent on this organization's roots and OUs: the walk finds nested OUs at run time.",
        );
      }
    }
    ack(
      roles.enumerate,
      `Resource::${bucket}/${ORG_RUNS_PREFIX}*`,
      "The run's account list: one object per run, named by the execution, under one archive prefix.",
    );
    ack(
      roles.summarize,
      `Resource::${bucket}/${ORG_RUNS_PREFIX}*`,
      "The Distributed Map's result files, named by the map run, under one archive prefix.",
    );
    ack(
      roles.summarize,
      `Resource::${bucket}/${ORG_REPORTS_PREFIX}*`,
      'One organization report per run, named by the run, under one archive prefix.',
    );
    ack(
      roles.summarize,
      'Action::kms:GenerateDataKey*',
      'Added by topic.grantPublish to publish to the KMS-encrypted topic; on that one key only.',
    );
    // Granted by CDK for the Distributed Map and its Lambda tasks.
    const execution = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${id(this.stateMachine)}"}]}]}`;
    const reason =
      "Granted by CDK for the Distributed Map and its tasks: invoking the run's three functions and their versions, its own child executions, and the archive's objects (the account list it reads, the results it writes).";
    for (const finding of [
      'Resource::*',
      `Resource::<${id(fns.worker)}.Arn>:*`,
      `Resource::<${id(fns.enumerate)}.Arn>:*`,
      `Resource::<${id(fns.summarize)}.Arn>:*`,
      `Resource::arn:<AWS::Partition>:s3:::<${bucketId}>/*`,
      `Resource::${execution}:*`,
      `Resource::${execution}/AuditAccounts:*`,
    ]) {
      ack(this.stateMachine, finding, reason);
    }
  }
}
