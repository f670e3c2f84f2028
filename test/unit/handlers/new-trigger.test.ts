import { Logger } from '@aws-lambda-powertools/logger';
import { ConfigServiceClient, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import {
  GetAccountSummaryCommand,
  GetUserCommand,
  IAMClient,
  ListSigningCertificatesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../../lambda/core/report';
import { usersScope } from '../../../lambda/core/scope';
import { loadPolicyFromEnv } from '../../../lambda/core/settings';
import { productionAuditDeps } from '../../../lambda/handlers/audit-deps';
import {
  CONFIG_RULE_TRIGGER,
  createConfigRuleHandler,
} from '../../../lambda/handlers/config-rule-handler';
import { createAuditHandler } from '../../../lambda/handlers/lambda-handler';
import {
  CREDENTIAL_TYPE_DIMENSION,
  SCOPE_DIMENSION,
  SERVICE_NAME,
} from '../../../lambda/handlers/metrics';
import { SCHEDULED_TRIGGER } from '../../../lambda/handlers/scheduled-handler';
import { asffId, productArn } from '../../../lambda/sinks/asff';
import { periodicRuleEvent } from '../../../tools/emulator/config-rule-event';
import { lambdaContext } from '../../../tools/emulator/lambda-context';
import { capturedOutput } from '../accounts';
import {
  ACCOUNT_ID,
  answerNoOtherCredentials,
  daysAgo,
  getUserAnswer,
  iamCert,
  iamUser,
  NOW,
  TOPIC_ARN,
} from '../fixtures';
import { usersTrigger } from './users-trigger';

// The seam of a trigger, as new-check.test.ts proves a check's: a trigger is its event parser,
// its run scope and its output (./users-trigger.ts), wired by the one wrapper with the
// production dependencies. Nothing in lambda/ names it; the handler, the archive, the metrics,
// the Security Hub sweep and the Config rule's evaluations follow its scope all the same.

const iamMock = mockClient(IAMClient);
const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const hubMock = mockClient(SecurityHubClient);
const configMock = mockClient(ConfigServiceClient);
const captured = capturedOutput();
const context = lambdaContext('req-seam', `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:f`);
const ENV = {
  TOPIC_ARN,
  ARCHIVE_BUCKET: 'evidence',
  SECURITY_HUB_REGION: 'us-east-1',
  AWS_REGION: 'us-east-1',
};
const TARGET = { region: 'us-east-1', partition: 'aws' };

/** A finding Security Hub holds from an earlier run, about a certificate since replaced. */
const held = (userName: string, subject: string): AwsSecurityFinding =>
  ({
    SchemaVersion: '2018-10-08',
    Id: asffId(ACCOUNT_ID, subject, 'age'),
    ProductArn: productArn(TARGET, ACCOUNT_ID),
    GeneratorId: 'signing-cert-audit/age',
    AwsAccountId: ACCOUNT_ID,
    CreatedAt: '2026-01-01T00:00:00.000Z',
    UpdatedAt: '2026-11-01T00:00:00.000Z',
    RecordState: 'ACTIVE',
    Resources: [
      {
        Type: 'AwsIamUser',
        Id: iamUser(userName).Arn,
        Details: { AwsIamUser: { UserName: userName } },
      },
    ],
  }) as AwsSecurityFinding;

/** What Security Hub was sent: each finding's certificate and record state. */
const imported = () =>
  hubMock
    .commandCalls(BatchImportFindingsCommand)
    .flatMap((call) => call.args[0].input.Findings ?? [])
    .map((f) => `${f.Id?.split('/')[2]} ${f.RecordState}`);

/** The objects the archive wrote, by key. */
const archived = () =>
  new Map(
    s3Mock
      .commandCalls(PutObjectCommand)
      .map((call) => [call.args[0].input.Key ?? '', String(call.args[0].input.Body)]),
  );

beforeEach(() => {
  for (const mock of [iamMock, s3Mock, snsMock, hubMock, configMock]) mock.reset();
  answerNoOtherCredentials(iamMock);
  // alice and bob each hold an over-age certificate; Security Hub holds each one's old one.
  iamMock.on(ListUsersCommand).resolves({ Users: [iamUser('alice'), iamUser('bob')] });
  iamMock.on(GetUserCommand).callsFake(getUserAnswer);
  iamMock
    .on(ListSigningCertificatesCommand, { UserName: 'alice' })
    .resolves({ Certificates: [iamCert('alice', 'CERTALICENEW0000000000001', daysAgo(200))] })
    .on(ListSigningCertificatesCommand, { UserName: 'bob' })
    .resolves({ Certificates: [iamCert('bob', 'CERTBOBNEW00000000000001', daysAgo(300))] });
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [] });
  iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  s3Mock.on(PutObjectCommand).resolves({});
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  hubMock.on(GetFindingsCommand).resolves({
    Findings: [held('alice', 'CERTALICEOLD0000000000001'), held('bob', 'CERTBOBOLD00000000000001')],
  });
  hubMock.on(BatchImportFindingsCommand).callsFake(({ Findings = [] }) => ({
    SuccessCount: Findings.length,
    FailedCount: 0,
    FailedFindings: [],
  }));
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
  captured.start();
});

afterEach(() => captured.stop());

describe('a trigger added as its event parser, its run scope and its output', () => {
  const handler = () =>
    createAuditHandler(usersTrigger, { ...productionAuditDeps(ENV), now: () => NOW });

  it('reaches the handler: its event is read, and its run covers only the named user', async () => {
    const summary = await handler()({ userNames: ['alice'] }, context);

    expect(summary).toMatchObject({ usersScanned: 1, certificatesScanned: 1, nonCompliant: 1 });
    expect(iamMock).not.toReceiveCommand(ListUsersCommand);
    expect(iamMock).not.toReceiveCommand(GetAccountSummaryCommand);
    expect(iamMock).not.toReceiveCommandWith(ListSigningCertificatesCommand, { UserName: 'bob' });
    await expect(handler()({ userNames: ['alice'], dryRun: true }, context)).rejects.toThrow(
      /Invalid users event/,
    );
    await expect(handler()({ userNames: ['a/b'] }, context)).rejects.toThrow(
      /not an IAM user name/,
    );
  });

  it('reaches the archive: its report says its scope, its findings stay out of the findings table', async () => {
    await handler()({ userNames: ['alice'] }, context);

    const objects = archived();
    const prefix = `reports/account=${ACCOUNT_ID}/date=2026-11-23/req-seam`;
    expect([...objects.keys()].sort()).toEqual(
      [
        `${prefix}.findings.jsonl`,
        `${prefix}.html`,
        `${prefix}.json`,
        `${prefix}.ocsf.jsonl`,
      ].sort(),
    );
    const report = JSON.parse(objects.get(`${prefix}.json`) ?? '{}') as Report;
    expect(report.scope).toEqual({ kind: 'users', userNames: ['alice'] });
    expect(objects.get(`${prefix}.findings.jsonl`)).toContain('CERTALICENEW0000000000001');
  });

  it('reaches the metrics: emitted with its scope, apart from the account’s', async () => {
    await handler()({ userNames: ['alice'] }, context);

    // The run's counts, and those of each kind it listed (every kind, by default), all scoped.
    const documents = captured.jsonLines().filter((line) => '_aws' in line);
    const emf = documents.find((line) => !(CREDENTIAL_TYPE_DIMENSION in line));
    expect(emf).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Dimensions: [['service', SCOPE_DIMENSION]] }] },
      service: SERVICE_NAME,
      [SCOPE_DIMENSION]: 'users',
      NonCompliant: 1,
      UsersScanned: 1,
    });
    expect(documents.length).toBeGreaterThan(1);
    for (const document of documents) expect(document[SCOPE_DIMENSION]).toBe('users');
  });

  it('reaches the Security Hub sweep: it resolves alice’s stale finding, never bob’s', async () => {
    await handler()({ userNames: ['alice'] }, context);

    expect(imported()).toEqual([
      'CERTALICENEW0000000000001 ACTIVE',
      'CERTALICEOLD0000000000001 ARCHIVED',
    ]);
  });

  it('the control: an account-scoped trigger through the same wrapper resolves bob’s too', async () => {
    const scheduled = createAuditHandler(SCHEDULED_TRIGGER, {
      ...productionAuditDeps(ENV),
      now: () => NOW,
    });

    await scheduled({}, context);

    expect(imported()).toEqual([
      'CERTALICENEW0000000000001 ACTIVE',
      'CERTBOBNEW00000000000001 ACTIVE',
      'CERTALICEOLD0000000000001 ARCHIVED',
      'CERTBOBOLD00000000000001 ARCHIVED',
    ]);
    expect(archived().has(`findings/account=${ACCOUNT_ID}/date=2026-11-23/req-seam.jsonl`)).toBe(
      true,
    );
    const emf = captured.jsonLines().find((line) => '_aws' in line);
    expect(emf).not.toHaveProperty(SCOPE_DIMENSION);
  });

  it('reaches the Config rule’s evaluations: a users-scoped rule evaluates only those users', async () => {
    const rule = (trigger = CONFIG_RULE_TRIGGER) =>
      createConfigRuleHandler(
        {
          policy: loadPolicyFromEnv({}),
          iam: new IAMClient({ region: 'us-east-1' }),
          config: new ConfigServiceClient({ region: 'us-east-1' }),
          logger: new Logger({ serviceName: SERVICE_NAME }),
          now: () => NOW,
        },
        trigger,
      );
    const evaluated = () =>
      configMock
        .commandCalls(PutEvaluationsCommand)
        .flatMap((call) => call.args[0].input.Evaluations ?? [])
        .map((e) => e.ComplianceResourceId);

    await rule({ ...CONFIG_RULE_TRIGGER, scope: () => usersScope(['alice']) })(
      periodicRuleEvent(),
      context,
    );
    const scoped = evaluated();
    configMock.resetHistory();
    await rule()(periodicRuleEvent(), context);

    expect(scoped).toEqual([iamUser('alice').UserId]);
    // The control: the rule's own trigger evaluates the account.
    expect(evaluated()).toEqual([iamUser('alice').UserId, iamUser('bob').UserId]);
  });
});
