import { fileURLToPath } from 'node:url';
import {
  Aws,
  type CfnResource,
  CfnStackSet,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DEFAULT_MEMBER_ROLE_NAME } from '../lambda/aws/sts';
import { ConfigError } from '../lambda/core/errors';
import { POLICY_KEYS, type Policy, parsePolicy, toEnvironment } from '../lambda/core/settings';
import { createAuditFunction } from './audit-function';
import { AuditDashboard, RunMetricFactory } from './audit-monitoring';
import { createAuditSchedules } from './audit-schedule';
import { createAuditTopic } from './audit-topic';
import { AuditArchive } from './auditor-archive';
import {
  checkDays,
  checkEmails,
  checkRoleName,
  checkSchedule,
  checkTimeZone,
  DEPLOY_DEFAULTS,
  DEPLOY_SETTINGS_ALLOWED,
} from './deploy-settings';
import { memberTemplateBody } from './member-role';
import {
  createOrgAuditAlarms,
  type OrgAuditorAlarms,
  orgDashboardGraphs,
} from './org-auditor-alarms';
import { asRole, declareAssumedBy, declareServicePath } from './service-paths';
import type { SigningCertAuditorProps } from './signing-cert-auditor';

/** Where the organization functions start. */
const ENTRY = (name: string) =>
  fileURLToPath(new URL(`../lambda/handlers/${name}.ts`, import.meta.url));
/** Where the run's working files go in the archive: the account list and the map's results. */
export const ORG_RUNS_PREFIX = 'org-runs/';
/** Where organization reports go. */
export const ORG_REPORTS_PREFIX = 'org-reports/';

/**
 * Refuses a selection list with an id of the wrong form, naming it: a typo would otherwise
 * select nothing, or fail every run at enumerate.
 */
function checkIds(
  name: 'includeOus' | 'excludeOus' | 'includeAccounts' | 'excludeAccounts',
  ids: readonly string[] | undefined,
  form: RegExp,
): void {
  const bad = (ids ?? []).find((id) => typeof id !== 'string' || !form.test(id));
  if (bad !== undefined) {
    throw new ConfigError(
      `${name}=${JSON.stringify(bad).slice(0, 80)} is not allowed: expected ${DEPLOY_SETTINGS_ALLOWED[name]}`,
    );
  }
}

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
    | 'maxActionsPerRun'
    | 'concurrency'
    | 'scanStrategy'
    | 'schedule'
    | 'timeZone'
    | 'notificationEmails'
    | 'reportRetentionDays'
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
  public readonly worker: NodejsFunction;
  /** Lists the accounts of a run. */
  public readonly enumerate: NodejsFunction;
  /** Builds the organization report. */
  public readonly summarize: NodejsFunction;
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

  constructor(scope: Construct, id: string, props: SigningCertOrgAuditorProps) {
    super(scope, id);
    this.policy = parsePolicy(
      Object.fromEntries(POLICY_KEYS.map((key) => [key, props[key]])),
      'context',
    );
    if (!/^o-[a-z0-9]{10,32}$/.test(props.organizationId)) {
      throw new ConfigError(
        `organizationId=${JSON.stringify(props.organizationId)} is not allowed: expected an organization id such as o-a1b2c3d4e5`,
      );
    }
    const badTarget = props.memberTargets.find(
      (t) => !/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(t),
    );
    if (props.memberTargets.length === 0 || badTarget !== undefined) {
      throw new ConfigError(
        `memberTargets=${JSON.stringify(badTarget ?? [])} is not allowed: expected the organization's root id (r-…) or OU ids (ou-…)`,
      );
    }
    checkIds(
      'includeOus',
      props.includeOus,
      /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
    );
    checkIds('excludeOus', props.excludeOus, /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/);
    checkIds('includeAccounts', props.includeAccounts, /^\d{12}$/);
    checkIds('excludeAccounts', props.excludeAccounts, /^\d{12}$/);
    const maxConcurrency = props.maxConcurrency ?? 20;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 1000) {
      throw new ConfigError(
        `maxConcurrency=${JSON.stringify(props.maxConcurrency)} is not allowed: expected a whole number from 1 to 1000`,
      );
    }
    // Checked: the worker's grant is sts:AssumeRole on this name in every account.
    const memberRoleName = checkRoleName(props.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME);
    const schedule = checkSchedule(props.schedule ?? DEPLOY_DEFAULTS.schedule);
    const timeZone = checkTimeZone(props.timeZone ?? DEPLOY_DEFAULTS.timeZone);
    const retentionDays = checkDays(
      props.reportRetentionDays ?? DEPLOY_DEFAULTS.reportRetentionDays,
      'reportRetentionDays',
    );

    // The organization layout: the findings table sees every member account the workers archive.
    this.archive = new AuditArchive(this, 'Archive', { retentionDays, layout: 'organization' });
    const notifications = createAuditTopic(this, {
      displayName: 'Signing certificate audit (organization)',
      keyDescription: 'Encrypts the organization audit topic',
    });
    this.topic = notifications.topic;
    for (const email of checkEmails(props.notificationEmails ?? [])) {
      this.topic.addSubscription(new EmailSubscription(email));
    }

    const environment = {
      ...toEnvironment(this.policy, {
        topicArn: this.topic.topicArn,
        archiveBucket: this.archive.bucket.bucketName,
      }),
      MEMBER_ROLE_NAME: memberRoleName,
      INCLUDE_OUS: (props.includeOus ?? []).join(','),
      EXCLUDE_OUS: (props.excludeOus ?? []).join(','),
      INCLUDE_ACCOUNTS: (props.includeAccounts ?? []).join(','),
      EXCLUDE_ACCOUNTS: (props.excludeAccounts ?? []).join(','),
    };
    const fn = (name: string, entry: string, description: string, timeout: Duration) => {
      const built = createAuditFunction(this, name, {
        name: `the ${name.toLowerCase()} function`,
        description,
        entry: ENTRY(entry),
        environment,
        timeout,
        logRetention: logs.RetentionDays.ONE_YEAR,
      });
      return { handler: built.function, role: built.role };
    };
    const worker = fn(
      'Worker',
      'org-worker',
      'Audits one member account through its role',
      Duration.minutes(15),
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

    // The worker: assume the member role (by name, in the organization only), write reports.
    worker.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeMemberRoles',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${Aws.PARTITION}:iam::*:role/${memberRoleName}`],
        conditions: { StringEquals: { 'aws:ResourceOrgID': props.organizationId } },
      }),
    );
    this.archive.grantWriteReports(worker.role);
    // Enumerate: read the organization, write the run's account list.
    // ListAccounts when the selection starts from every account; the OU walk (accounts and child
    // OUs of each parent, nested OUs too) only when the selection names OUs, and on this
    // organization's roots and OUs only (their ARNs name the management account: any).
    if (!props.includeOus?.length) {
      enumerate.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ListOrganizationAccounts',
          // No resource type: `*` (Service Authorization Reference, AWS Organizations).
          actions: ['organizations:ListAccounts'],
          resources: ['*'],
        }),
      );
    }
    if (props.includeOus?.length || props.excludeOus?.length) {
      enumerate.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'WalkTheSelectedOus',
          actions: [
            'organizations:ListAccountsForParent',
            'organizations:ListOrganizationalUnitsForParent',
          ],
          resources: [
            `arn:${Aws.PARTITION}:organizations::*:root/${props.organizationId}/*`,
            `arn:${Aws.PARTITION}:organizations::*:ou/${props.organizationId}/*`,
          ],
        }),
      );
    }
    this.archive.grantObjects(enumerate.role, ORG_RUNS_PREFIX, { write: true });
    // Summarize: read the map's results, write the organization report, publish it.
    this.archive.grantObjects(summarize.role, ORG_RUNS_PREFIX, { read: true });
    this.archive.grantObjects(summarize.role, ORG_REPORTS_PREFIX, { write: true });
    this.topic.grantPublish(summarize.role);

    // The state machine (JSONPath).
    const listAccounts = new tasks.LambdaInvoke(this, 'ListAccounts', {
      lambdaFunction: enumerate.handler,
      // The execution's input goes to enumerate, which refuses anything but a run or a dry run.
      payload: sfn.TaskInput.fromObject({
        runId: sfn.JsonPath.executionName,
        input: sfn.JsonPath.executionInput,
      }),
      payloadResponseOnly: true,
      resultPath: '$.enumerated',
    });
    const auditOne = new tasks.LambdaInvoke(this, 'AuditAccount', {
      lambdaFunction: worker.handler,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
    // Lambda's own throttling and transient faults are retried; the audit's own failures are not
    // (they would fail the same way), and anything left becomes this account's FAILED status.
    auditOne.addRetry({
      errors: [
        'Lambda.TooManyRequestsException',
        'Lambda.ServiceException',
        'Lambda.SdkClientException',
        'Lambda.AWSLambdaException',
      ],
      interval: Duration.seconds(2),
      maxAttempts: 6,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const failed = new sfn.Pass(this, 'AccountFailed', {
      parameters: {
        'accountId.$': '$.accountId',
        status: 'FAILED',
        summary: null,
        severity: null,
        'error.$': "States.Format('{}: {}', $.failure.Error, $.failure.Cause)",
        reportLocation: null,
      },
    });
    auditOne.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.failure' });
    this.map = new sfn.DistributedMap(this, 'AuditAccounts', {
      itemReader: new sfn.S3JsonItemReader({
        bucketNamePath: sfn.JsonPath.stringAt('$.enumerated.bucket'),
        key: sfn.JsonPath.stringAt('$.enumerated.key'),
      }),
      resultWriterV2: new sfn.ResultWriterV2({
        bucket: this.archive.bucket,
        prefix: `${ORG_RUNS_PREFIX}map-results`,
      }),
      maxConcurrency,
      label: 'AuditAccounts',
      // One account's failure is its status (the catch); the map itself never fails the run.
      toleratedFailurePercentage: 100,
      // Standard child executions: a worker may run 15 minutes, past an Express child's 5.
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultPath: '$.map',
    });
    this.map.itemProcessor(auditOne);
    const report = new tasks.LambdaInvoke(this, 'SummarizeRun', {
      lambdaFunction: summarize.handler,
      payload: sfn.TaskInput.fromObject({
        'runId.$': '$.enumerated.runId',
        'resultWriterDetails.$': '$.map.ResultWriterDetails',
      }),
      payloadResponseOnly: true,
    });
    const machineLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(listAccounts.next(this.map).next(report)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      // Every state transition, without execution data (no account data in the logs): one run a day.
      logs: { destination: machineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.hours(24),
    });
    this.archive.key?.grant(this.stateMachine, 'kms:Decrypt', 'kms:GenerateDataKey');
    this.declareStateMachinePaths([enumerate.handler, worker.handler, summarize.handler]);

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
    this.stackSet = new CfnStackSet(this, 'MemberRoles', {
      stackSetName: `${Stack.of(this).stackName}-member-roles`,
      description: 'The signing-certificate auditor member role, in every member account',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      managedExecution: { Active: true },
      callAs: props.callAs ?? 'SELF',
      capabilities: ['CAPABILITY_NAMED_IAM'],
      operationPreferences: {
        failureTolerancePercentage: 10,
        maxConcurrentPercentage: 25,
        regionConcurrencyType: 'PARALLEL',
      },
      templateBody: memberTemplateBody({
        ...(props.memberRoleName ? { roleName: props.memberRoleName } : {}),
        policy: this.policy,
      }),
      parameters: [
        { parameterKey: 'TrustedRoleArn', parameterValue: worker.role.roleArn },
        { parameterKey: 'OrganizationId', parameterValue: props.organizationId },
      ],
      // IAM is global: the role is deployed once per account, in this stack's region.
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: [...props.memberTargets] },
          regions: [Aws.REGION],
        },
      ],
    });

    this.acknowledge(
      props,
      { worker: worker.role, enumerate: enumerate.role, summarize: summarize.role },
      memberRoleName,
      { worker: worker.handler, enumerate: enumerate.handler, summarize: summarize.handler },
    );
  }

  /**
   * What a run relies on Step Functions for, with the state machine's role (Step Functions
   * Developer Guide: "IAM policies for using Distributed Map states", "ItemReader", "ResultWriter",
   * "Logging using CloudWatch Logs" and "AWS X-Ray and Step Functions").
   */
  private declareStateMachinePaths(functions: readonly NodejsFunction[]): void {
    const role = this.stateMachine.role;
    const sm = this.stateMachine.stateMachineArn;
    const path = (description: string, action: string, resource: string) =>
      declareServicePath(this, { description, principal: asRole(role), action, resource });
    declareAssumedBy(
      this,
      role,
      'states.amazonaws.com',
      'Step Functions runs the state machine as its role',
      {
        'aws:SourceAccount': Aws.ACCOUNT_ID,
        'aws:SourceArn': sm,
      },
    );
    for (const fn of functions) {
      path(`the state machine invokes ${fn.node.id}`, 'lambda:InvokeFunction', fn.functionArn);
    }
    path(
      "the map's item reader reads the run's account list",
      's3:GetObject',
      this.archive.bucket.arnForObjects(`${ORG_RUNS_PREFIX}run-1/accounts.json`),
    );
    // The result writer writes the manifest and result files, in parts when they are large.
    const results = `${ORG_RUNS_PREFIX}map-results/run-1/00000000-0000-0000-0000-000000000000`;
    for (const action of [
      's3:PutObject',
      's3:GetObject',
      's3:ListMultipartUploadParts',
      's3:AbortMultipartUpload',
    ]) {
      path(
        "the map's result writer writes the run's results",
        action,
        this.archive.bucket.arnForObjects(`${results}/SUCCEEDED_0.json`),
      );
    }
    // The Distributed Map runs each account as a child execution, and stops or redrives them.
    path('the map starts a child execution per account', 'states:StartExecution', sm);
    const smName = Fn.select(6, Fn.split(':', sm));
    // In the forms the guide's Distributed Map policy grants them: executions of this state
    // machine to follow and stop, and the map run's labelled child executions to redrive.
    const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${smName}`;
    for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
      path(
        'the map follows and stops its child executions',
        action,
        `${executions}:00000000-0000-0000-0000-000000000000`,
      );
    }
    path(
      'a redriven map run redrives its child executions',
      'states:RedriveExecution',
      `${executions}/AuditAccounts:00000000-0000-0000-0000-000000000000`,
    );
    for (const action of [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]) {
      path(
        "Step Functions delivers the execution history to the state machine's log group",
        action,
        '*',
      );
    }
    for (const action of [
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ]) {
      path('Step Functions sends the traces of a run to X-Ray', action, '*');
    }
  }

  /** Every cdk-nag finding the roles raise, each acknowledged with its reason. */
  private acknowledge(
    props: SigningCertOrgAuditorProps,
    roles: { worker: iam.Role; enumerate: iam.Role; summarize: iam.Role },
    memberRoleName: string,
    fns: { worker: NodejsFunction; enumerate: NodejsFunction; summarize: NodejsFunction },
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
