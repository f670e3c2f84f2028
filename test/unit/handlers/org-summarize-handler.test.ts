import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccountResult, emptySummary, failedAccount } from '../../../lambda/core/org-report';
import {
  METRICS_NAMESPACE,
  ORG_METRIC_NAMES,
  SERVICE_NAME,
} from '../../../lambda/handlers/metrics';
import { createSummarizeHandler } from '../../../lambda/handlers/org-summarize-handler';
import { capturedOutput } from '../accounts';
import { TOPIC_ARN } from '../fixtures';

const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const NOW = new Date('2026-12-01T06:00:00Z');

const audited = (accountId: string, counts: Partial<AccountResult['summary']>): AccountResult => ({
  accountId,
  status: 'AUDITED',
  summary: { ...emptySummary(), usersScanned: 3, ...counts },
  severity: 'HIGH',
  error: null,
  reportLocation: null,
});

/** The map's results as ResultWriterV2 writes them: a manifest and one file of children. */
function givenMapResults(results: readonly AccountResult[]): void {
  const files: Record<string, string> = {
    'results/manifest.json': JSON.stringify({
      ResultFiles: { SUCCEEDED: [{ Key: 'results/SUCCEEDED_0.json' }] },
    }),
    'results/SUCCEEDED_0.json': JSON.stringify(
      results.map((result) => ({ Status: 'SUCCEEDED', Output: JSON.stringify(result) })),
    ),
  };
  s3Mock.on(GetObjectCommand).callsFake(async ({ Key }: { Key: string }) => {
    const text = files[Key];
    if (text === undefined) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => text } };
  });
  s3Mock.on(PutObjectCommand).resolves({});
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
}

const captured = capturedOutput();

beforeEach(() => {
  s3Mock.reset();
  snsMock.reset();
  captured.start();
});
afterEach(() => captured.stop());

/** The EMF documents the Metrics buffer printed. */
const emfLines = () => captured.jsonLines().filter((line) => '_aws' in line);

function summarizeHandler() {
  return createSummarizeHandler({
    s3: new S3Client({ region: 'us-east-1' }),
    sns: new SNSClient({ region: 'us-east-1' }),
    topicArn: TOPIC_ARN,
    archiveBucket: 'evidence',
    now: () => NOW,
    logger: new Logger({ serviceName: SERVICE_NAME, logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
  });
}

const event = {
  runId: 'org-run-1',
  resultWriterDetails: { Bucket: 'evidence', Key: 'results/manifest.json' },
};

describe('the summarize step’s run metrics', () => {
  it('emits the accounts audited, failed and incomplete and the summed findings once per run, in the run metrics’ namespace', async () => {
    givenMapResults([
      audited('111111111111', { nonCompliant: 2, withheld: 1 }),
      audited('222222222222', { nonCompliant: 1, rootSigningCertificate: 1 }),
    ]);

    await summarizeHandler()(event);

    const emf = emfLines();
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'SigningCertAudit', Dimensions: [['service']] }] },
      service: 'signing-cert-audit',
      [ORG_METRIC_NAMES.accountsAudited]: 2,
      [ORG_METRIC_NAMES.accountsFailed]: 0,
      [ORG_METRIC_NAMES.accountsIncomplete]: 0,
      [ORG_METRIC_NAMES.nonCompliant]: 3,
      [ORG_METRIC_NAMES.withheld]: 1,
      [ORG_METRIC_NAMES.rootSigningCertificate]: 1,
    });
  });

  it('leaves out a posture total of zero while an account was not audited: unknown is not none', async () => {
    givenMapResults([
      audited('111111111111', {}),
      { ...failedAccount('222222222222', 'AssumeRole failed'), status: 'FAILED' },
    ]);

    await summarizeHandler()(event);

    const [emf] = emfLines();
    expect(emf).toMatchObject({
      [ORG_METRIC_NAMES.accountsAudited]: 1,
      [ORG_METRIC_NAMES.accountsFailed]: 1,
      [ORG_METRIC_NAMES.withheld]: 0,
    });
    expect(emf).not.toHaveProperty(ORG_METRIC_NAMES.nonCompliant);
    expect(emf).not.toHaveProperty(ORG_METRIC_NAMES.rootSigningCertificate);
  });

  it('still emits them when a delivery fails, and fails the step', async () => {
    givenMapResults([audited('111111111111', { nonCompliant: 1 })]);
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AuthorizationError' }));

    await expect(summarizeHandler()(event)).rejects.toThrow(
      /Delivering the organization report failed: sns/,
    );

    expect(emfLines()[0]).toMatchObject({ [ORG_METRIC_NAMES.nonCompliant]: 1 });
  });

  it('names every organization metric apart from the account run metrics', async () => {
    const { METRIC_NAMES } = await import('../../../lambda/handlers/metrics');
    const account = new Set<string>(Object.values(METRIC_NAMES));

    expect(Object.values(ORG_METRIC_NAMES).filter((name) => account.has(name))).toEqual([]);
  });
});
