import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  GetUserCommand,
  IAMClient,
  IAMServiceException,
  ListSigningCertificatesCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { loadPolicyFromEnv } from '../../../lambda/core/settings';
import { createOrgRealtimeHandler } from '../../../lambda/handlers/org-realtime-handler';
import { cloudTrailEvent, sqsBatch } from '../../../tools/emulator/cloudtrail-events';
import { lambdaContext } from '../../../tools/emulator/lambda-context';
import { answerNoOtherCredentials, daysAgo, getUserAnswer, iamCert, NOW } from '../fixtures';

const iamMock = mockClient(IAMClient);
const s3Mock = mockClient(S3Client);
const stsMock = mockClient(STSClient);
const MEMBER = '210987654321';
const context = lambdaContext('req-org-rt', 'arn:aws:lambda:us-east-1:111111111111:function:rt');

const upload = (userName: string) =>
  cloudTrailEvent({
    eventName: 'UploadSigningCertificate',
    requestParameters: { userName, certificateBody: '…' },
    accountId: MEMBER,
  });

function coldStart(metrics?: Metrics) {
  return createOrgRealtimeHandler({
    ...(metrics ? { metrics } : {}),
    env: {
      policy: loadPolicyFromEnv({ MODE: 'report', CREDENTIAL_KINDS: 'signing-certificate' }),
      archiveBucket: 'evidence',
      roleName: 'SigningCertAuditMember',
    },
    sts: new STSClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    now: () => NOW,
  });
}

beforeEach(() => {
  for (const mock of [iamMock, s3Mock, stsMock]) mock.reset();
  answerNoOtherCredentials(iamMock);
  stsMock.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: 'ASIAEXAMPLE',
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(NOW.getTime() + 3_600_000),
    },
  });
  iamMock.on(GetUserCommand).callsFake(getUserAnswer);
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [] });
  iamMock.on(ListSigningCertificatesCommand).callsFake((input: { UserName: string }) => ({
    Certificates: [iamCert(input.UserName, 'CERTOLD000000000000000001', daysAgo(400))],
  }));
  s3Mock.on(PutObjectCommand).resolves({});
});

describe("the organization's real-time handler", () => {
  it("audits a member account's users through its role, and is done with their messages", async () => {
    const batch = sqsBatch([upload('alice'), upload('bob')]);

    const output = await coldStart()(batch, context);

    expect(output).toEqual({ batchItemFailures: [] });
    expect(stsMock).toReceiveCommandWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${MEMBER}:role/SigningCertAuditMember`,
    });
    expect(iamMock).toReceiveCommandTimes(ListSigningCertificatesCommand, 2);
  });

  it('returns the messages of a member account whose users could not be read (INCOMPLETE)', async () => {
    iamMock.on(GetUserCommand, { UserName: 'bob' }).rejects(
      new IAMServiceException({
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    const batch = sqsBatch([upload('alice'), upload('bob')]);
    const ids = (batch.Records as { messageId: string }[]).map((r) => r.messageId);

    const output = await coldStart()(batch, context);

    expect(output).toEqual({
      batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })),
    });
    await expect(coldStart()(upload('bob'), context)).rejects.toThrow(
      /not fully audited: 1 subject\(s\) could not be read \(bob: Throttling\)/,
    );
  });

  it("emits each member account's run metrics with the users scope, which the Withheld alarm reads", async () => {
    const metrics = new Metrics({
      namespace: 'SigningCertAudit',
      serviceName: 'signing-cert-audit',
    });
    const added: [string, number][] = [];
    const dimensions: Record<string, string>[] = [];
    vi.spyOn(metrics, 'addMetric').mockImplementation((name, _unit, value) => {
      added.push([name, value]);
      return metrics;
    });
    vi.spyOn(metrics, 'addDimension').mockImplementation((name, value) => {
      dimensions.push({ [name]: value });
      return metrics;
    });
    const published = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);

    await coldStart(metrics)(sqsBatch([upload('alice')]), context);

    expect(added).toEqual(expect.arrayContaining([['NonCompliant', 1]]));
    expect(dimensions).toEqual(expect.arrayContaining([{ scope: 'users' }]));
    expect(published).toHaveBeenCalledTimes(1);
    // Control: without a metrics buffer (tests, the CLI), nothing is emitted and nothing fails.
    await expect(coldStart()(sqsBatch([upload('alice')]), context)).resolves.toEqual({
      batchItemFailures: [],
    });
  });
});
