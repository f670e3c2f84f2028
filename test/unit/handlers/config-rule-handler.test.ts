import { Logger } from '@aws-lambda-powertools/logger';
import {
  ConfigServiceClient,
  PutEvaluationsCommand,
  type PutEvaluationsCommandInput,
} from '@aws-sdk/client-config-service';
import {
  DeleteSigningCertificateCommand,
  GetAccountSummaryCommand,
  IAMClient,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  ServiceFailureException,
  type SigningCertificate,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lengthOf, MAX_ANNOTATION_LENGTH } from '../../../lambda/core/config-evaluations';
import { ConfigError } from '../../../lambda/core/errors';
import { loadPolicyFromEnv } from '../../../lambda/core/settings';
import {
  createConfigRuleHandler,
  productionDeps,
  RuleRunIncompleteError,
} from '../../../lambda/handlers/config-rule-handler';
import { SERVICE_NAME } from '../../../lambda/handlers/metrics';
import { periodicRuleEvent } from '../../../tools/emulator/config-rule-event';
import { lambdaContext } from '../../../tools/emulator/lambda-context';
import { problemsOf, validateRequests } from '../../../tools/emulator/service-model';
import { capturedOutput } from '../accounts';
import { answerNoOtherCredentials, daysAgo, iamCert, iamUser, NOW } from '../fixtures';

const iamMock = mockClient(IAMClient);
const configMock = mockClient(ConfigServiceClient);
const captured = capturedOutput();
const context = lambdaContext(
  'req-rule',
  'arn:aws:lambda:us-east-1:123456789012:function:signing-cert-audit-rule',
);
const TRIGGERED = '2026-12-01T06:00:16.261Z';

/** The handler as the deployed entry point builds it, with mocked clients and the fixed clock. */
function coldStart(env: Record<string, string> = {}) {
  return createConfigRuleHandler({
    policy: loadPolicyFromEnv({ MODE: 'report', ...env }),
    iam: new IAMClient({ region: 'us-east-1' }),
    config: new ConfigServiceClient({ region: 'us-east-1' }),
    logger: new Logger({ serviceName: SERVICE_NAME }),
    now: () => NOW,
  });
}

/** Serves ListUsers (in pages of 1000) and each user's certificates. */
function givenAccount(account: Record<string, SigningCertificate[]>) {
  const names = Object.keys(account);
  iamMock.on(ListUsersCommand).callsFake((input: { Marker?: string }) => {
    const start = Number(input.Marker ?? 0);
    const end = start + 1000;
    return {
      Users: names.slice(start, end).map((name) => iamUser(name)),
      IsTruncated: end < names.length,
      Marker: end < names.length ? String(end) : undefined,
    };
  });
  iamMock.on(ListSigningCertificatesCommand).callsFake((input: { UserName: string }) => ({
    Certificates: account[input.UserName] ?? [],
    IsTruncated: false,
  }));
}

/** Every PutEvaluations request the handler sent, as sent. */
const sent = (): PutEvaluationsCommandInput[] =>
  configMock.commandCalls(PutEvaluationsCommand).map((call) => call.args[0].input);
const evaluationsSent = () => sent().flatMap((input) => input.Evaluations ?? []);
const idOf = (name: string) => iamUser(name).UserId;

beforeEach(() => {
  iamMock.reset();
  answerNoOtherCredentials(iamMock);
  configMock.reset();
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
  iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
  captured.start();
});

afterEach(() => captured.stop());

describe('the Config rule handler', () => {
  it('names the kinds of credential the run lists in a NOT_APPLICABLE user’s annotation', async () => {
    // Prepare: SSH keys listed too; nobody holds one (the kind's own tests list real ones).
    givenAccount({ bob: [iamCert('bob', 'CERTBOBYOUNG00000000000001', daysAgo(5))], carol: [] });
    iamMock.on(ListSSHPublicKeysCommand).resolves({ SSHPublicKeys: [], IsTruncated: false });

    // Act
    await coldStart({ CREDENTIAL_KINDS: 'signing-certificate,ssh-public-key' })(
      periodicRuleEvent({ notificationCreationTime: TRIGGERED, resultToken: 'token-k' }),
      context,
    );

    // Assess
    expect(evaluationsSent().map((e) => [e.ComplianceType, e.Annotation])).toEqual([
      ['COMPLIANT', '1 signing certificate, none failing'],
      ['NOT_APPLICABLE', 'no signing certificate or SSH public key'],
    ]);
  });

  it('evaluates each user once: NON_COMPLIANT, COMPLIANT, NOT_APPLICABLE, stamped with the token and trigger time', async () => {
    // Prepare
    givenAccount({
      alice: [iamCert('alice', 'CERTALICEOLD00000000000001', daysAgo(200))],
      bob: [iamCert('bob', 'CERTBOBYOUNG00000000000001', daysAgo(5))],
      carol: [],
    });

    // Act
    const summary = await coldStart()(
      periodicRuleEvent({ notificationCreationTime: TRIGGERED, resultToken: 'token-1' }),
      context,
    );

    // Assess
    expect(sent()).toEqual([
      {
        ResultToken: 'token-1',
        Evaluations: [
          {
            ComplianceResourceType: 'AWS::IAM::User',
            ComplianceResourceId: idOf('alice'),
            ComplianceType: 'NON_COMPLIANT',
            Annotation:
              '1 failing signing certificate: CERTALICEOLD00000000000001 NON_COMPLIANT, 200 days old',
            OrderingTimestamp: new Date(TRIGGERED),
          },
          {
            ComplianceResourceType: 'AWS::IAM::User',
            ComplianceResourceId: idOf('bob'),
            ComplianceType: 'COMPLIANT',
            Annotation: '1 signing certificate, none failing',
            OrderingTimestamp: new Date(TRIGGERED),
          },
          {
            ComplianceResourceType: 'AWS::IAM::User',
            ComplianceResourceId: idOf('carol'),
            ComplianceType: 'NOT_APPLICABLE',
            // Every kind is listed by default: carol holds none of any.
            Annotation: 'no signing certificate, SSH public key or service-specific credential',
            OrderingTimestamp: new Date(TRIGGERED),
          },
        ],
      },
    ]);
    expect(problemsOf(validateRequests('config', 'PutEvaluations', sent()))).toEqual([]);
    expect(summary).toEqual({
      evaluations: { COMPLIANT: 1, NON_COMPLIANT: 1, NOT_APPLICABLE: 1 },
      omitted: 0,
      requests: 1,
      complete: true,
    });
  });

  it('sends 250 users in 3 requests of at most 100, each one valid by the service model', async () => {
    // Prepare: every fifth user over age, every fifth without certificates.
    const account: Record<string, SigningCertificate[]> = {};
    for (let i = 0; i < 250; i += 1) {
      const name = `user${String(i).padStart(3, '0')}`;
      account[name] =
        i % 5 === 0
          ? [iamCert(name, `CERTOLD${String(i).padStart(19, '0')}`, daysAgo(200))]
          : i % 5 === 1
            ? []
            : [iamCert(name, `CERTNEW${String(i).padStart(19, '0')}`, daysAgo(10))];
    }
    givenAccount(account);

    // Act
    const summary = await coldStart()(periodicRuleEvent(), context);

    // Assess
    expect(sent().map((input) => input.Evaluations?.length)).toEqual([100, 100, 50]);
    expect(new Set(evaluationsSent().map((e) => e.ComplianceResourceId)).size).toBe(250);
    expect(sent().every((input) => input.ResultToken === 'result-token')).toBe(true);
    expect(problemsOf(validateRequests('config', 'PutEvaluations', sent()))).toEqual([]);
    expect(summary).toMatchObject({
      evaluations: { NON_COMPLIANT: 50, NOT_APPLICABLE: 50, COMPLIANT: 150 },
      requests: 3,
    });
  });

  it('keeps the annotation of a user with many failing certificates within 256 characters', async () => {
    const certificates = Array.from({ length: 40 }, (_, i) =>
      iamCert('alice', `CERTALICE${String(i).padStart(17, '0')}`, daysAgo(300 + i)),
    );
    givenAccount({ alice: certificates });

    await coldStart()(periodicRuleEvent(), context);

    const [evaluation] = evaluationsSent();
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(lengthOf(evaluation?.Annotation ?? '')).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    expect(evaluation?.Annotation).toMatch(/^40 failing signing certificates: CERTALICE0+ /);
    expect(evaluation?.Annotation).toMatch(/; …and \d+ more$/);
    expect(problemsOf(validateRequests('config', 'PutEvaluations', sent()))).toEqual([]);
  });

  it('only reports, whatever MODE the environment says: no IAM write is ever sent', async () => {
    givenAccount({ alice: [iamCert('alice', 'CERTALICEOLD00000000000001', daysAgo(400))] });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});
    iamMock.on(DeleteSigningCertificateCommand).resolves({});

    await coldStart({ MODE: 'delete', MAX_ACTIONS_PER_RUN: '100' })(periodicRuleEvent(), context);

    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
    expect(evaluationsSent()).toMatchObject([{ ComplianceType: 'NON_COMPLIANT' }]);
  });

  it('leaves out a user it could not read, and says so in the logs', async () => {
    givenAccount({
      alice: [iamCert('alice', 'CERTALICEOLD00000000000001', daysAgo(200))],
      bob: [iamCert('bob', 'CERTBOBYOUNG00000000000001', daysAgo(5))],
    });
    iamMock
      .on(ListSigningCertificatesCommand, { UserName: 'bob' })
      .rejects(new ServiceFailureException({ message: 'Internal failure', $metadata: {} }));

    const summary = await coldStart()(periodicRuleEvent(), context);

    expect(evaluationsSent().map((e) => e.ComplianceResourceId)).toEqual([idOf('alice')]);
    expect(summary).toMatchObject({ omitted: 1, complete: true });
    expect(captured.jsonLines()).toContainEqual(
      expect.objectContaining({
        message: 'User not evaluated; Config keeps its previous evaluation',
        userName: 'bob',
        reason: 'unread',
      }),
    );
  });

  it('evaluates the users an incomplete run reached, claims nothing of the others, then fails', async () => {
    // Prepare: the second page of users cannot be listed.
    iamMock
      .on(ListUsersCommand, { Marker: undefined })
      .resolves({ Users: [iamUser('alice')], IsTruncated: true, Marker: 'p2' })
      .on(ListUsersCommand, { Marker: 'p2' })
      .rejects(new ServiceFailureException({ message: 'Internal failure', $metadata: {} }));
    iamMock.on(ListSigningCertificatesCommand).resolves({ Certificates: [], IsTruncated: false });

    // Act
    const failure = await coldStart()(periodicRuleEvent(), context).catch(
      (error: unknown) => error,
    );

    // Assess
    expect(failure).toBeInstanceOf(RuleRunIncompleteError);
    expect((failure as Error).message).toMatch(
      /^Audit incomplete: ListUsers failed after 1 users .*; the users it reached were evaluated, the others keep their previous evaluation$/,
    );
    expect(evaluationsSent()).toMatchObject([
      { ComplianceResourceId: idOf('alice'), ComplianceType: 'NOT_APPLICABLE' },
    ]);
  });

  it('fails, naming them, when Config does not accept some evaluations', async () => {
    givenAccount({ alice: [] });
    configMock.on(PutEvaluationsCommand).resolves({
      FailedEvaluations: [
        {
          ComplianceResourceType: 'AWS::IAM::User',
          ComplianceResourceId: idOf('alice'),
          ComplianceType: 'NOT_APPLICABLE',
          OrderingTimestamp: new Date(TRIGGERED),
        },
      ],
    });

    await expect(coldStart()(periodicRuleEvent(), context)).rejects.toThrow(
      `AWS Config did not accept 1 of 1 evaluations: ${idOf('alice')} (NOT_APPLICABLE)`,
    );
  });

  it('refuses an event that is not a periodic evaluation before reading anything', async () => {
    const event = periodicRuleEvent({
      invoking: { messageType: 'ConfigurationItemChangeNotification' },
    });

    await expect(coldStart()(event, context)).rejects.toThrow(/"messageType" is/);
    expect(iamMock.calls()).toEqual([]);
    expect(configMock.calls()).toEqual([]);
  });

  it('refuses an event about another account than its own (its ARN’s) before reading anything', async () => {
    givenAccount({ alice: [] });
    const other = periodicRuleEvent({ accountId: '210987654321' });

    await expect(coldStart()(other, context)).rejects.toThrow(
      /"accountId" "210987654321" is not the account of this function, 123456789012/,
    );
    expect(iamMock.calls()).toEqual([]);
    expect(configMock.calls()).toEqual([]);
    // The control: the same event reaches a function deployed in that account.
    const theirs = lambdaContext(
      'req-theirs',
      'arn:aws:lambda:us-east-1:210987654321:function:signing-cert-audit-rule',
    );
    await expect(coldStart()(other, theirs)).resolves.toMatchObject({ requests: 1 });
  });

  it('fails its cold start on a bad setting, naming the variable', () => {
    expect(() => productionDeps({ MAX_AGE_DAYS: 'ninety' })).toThrow(ConfigError);
    expect(() => productionDeps({ MAX_AGE_DAYS: 'ninety' })).toThrow(/^MAX_AGE_DAYS="ninety"/);
  });
});

describe('validating PutEvaluations with botocore’s service model (the control)', () => {
  const valid = {
    ComplianceResourceType: 'AWS::IAM::User',
    ComplianceResourceId: 'AIDAEXAMPLE',
    ComplianceType: 'COMPLIANT',
    Annotation: 'fine',
    OrderingTimestamp: new Date(TRIGGERED),
  };

  it('passes a valid request and finds each bad one: a long annotation, 101 evaluations, a bad compliance type', () => {
    const results = validateRequests('config', 'PutEvaluations', [
      { ResultToken: 't', Evaluations: [valid] },
      { ResultToken: 't', Evaluations: [{ ...valid, Annotation: 'x'.repeat(257) }] },
      { ResultToken: 't', Evaluations: Array.from({ length: 101 }, () => valid) },
      { ResultToken: 't', Evaluations: [{ ...valid, ComplianceType: 'MOSTLY_COMPLIANT' }] },
      { Evaluations: [{ ...valid, ComplianceResourceId: '' }] },
    ]);

    expect(problemsOf(results.slice(0, 1))).toEqual([]);
    expect(results[1]?.modelConstraints).toEqual([
      'PutEvaluations.Evaluations[0].Annotation: length 257, more than the maximum of 256',
    ]);
    expect(results[2]?.modelConstraints).toEqual([
      'PutEvaluations.Evaluations: 101 items, more than the maximum of 100',
    ]);
    expect(results[3]?.modelConstraints).toEqual([
      'PutEvaluations.Evaluations[0].ComplianceType: "MOSTLY_COMPLIANT" is not one of COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, INSUFFICIENT_DATA',
    ]);
    expect(results[4]?.paramValidator).toEqual([
      'Missing required parameter in input: "ResultToken"',
      'Invalid length for parameter Evaluations[0].ComplianceResourceId, value: 0, valid min length: 1',
    ]);
  });

  it('needs the model walk: botocore’s ParamValidator alone checks no maximum and no enum', () => {
    const results = validateRequests('config', 'PutEvaluations', [
      { ResultToken: 't', Evaluations: [{ ...valid, Annotation: 'x'.repeat(257) }] },
      { ResultToken: 't', Evaluations: [{ ...valid, ComplianceType: 'MOSTLY_COMPLIANT' }] },
    ]);

    expect(results.map((r) => r.paramValidator)).toEqual([[], []]);
  });
});
