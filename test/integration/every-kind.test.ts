import { Logger } from '@aws-lambda-powertools/logger';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { createS3Client } from '../../lambda/aws/s3';
import { createStsClient } from '../../lambda/aws/sts';
import { CREDENTIAL_TYPES } from '../../lambda/core/credential';
import type { AccountResult } from '../../lambda/core/org-report';
import { type Finding, type Report, ROOT_USER_NAME } from '../../lambda/core/report';
import { loadPolicyFromEnv, type Mode } from '../../lambda/core/settings';
import { createWorkerHandler } from '../../lambda/handlers/org-worker-handler';
import { KIND_INDEX } from '../../lambda/kinds';
import { invokeBundle, runsBundles } from '../../tools/emulator/bundles';
import { clientCredentials } from '../../tools/emulator/call-record';
import {
  createMailbox,
  EMULATOR_ENV,
  type EmulatorClients,
  type Mailbox,
  memberClients,
  reassemble,
  receiveAll,
  seedUserCredentials,
  seedUsers,
} from '../../tools/emulator/emulator';
import { lambdaContext } from '../../tools/emulator/lambda-context';
import { resetMoto } from '../../tools/emulator/moto';
import { clients, endpoint, invokeHandler, sessionFor } from './harness';

/**
 * Every kind of credential of the kind table, read and changed in every mode through the real
 * handler (the account's function) and the real organization worker (through the member role),
 * with every kind read, remediated and, in delete mode, deleted for good where it cannot be
 * restored (deleteServiceCredentials): the runs whose calls the permissions proof's `all kinds`
 * deployments are proven against (test/permissions/deployments.ts). Generic over KIND_INDEX: a
 * kind added to the table is judged and changed here without a line more, once the account holds
 * credentials of its type (seeded below for every type CREDENTIAL_TYPES names).
 */
const EVIDENCE = 'every-kind-evidence';
const MEMBER = '444444444444';
const EVERY_KIND = CREDENTIAL_TYPES.join(',');
/** Every kind read, changed and (where final) deleted: the `all kinds` deployments' settings. */
const ALL_KINDS = {
  CREDENTIAL_KINDS: EVERY_KIND,
  REMEDIATE_KINDS: EVERY_KIND,
  DELETE_SERVICE_CREDENTIALS: 'true',
};
const MODES: readonly Mode[] = ['report', 'deactivate', 'delete'];

let mailbox: Mailbox;

/**
 * One user holding over-age credentials of every type, one Active (deactivated in deactivate and
 * delete mode) and one Inactive and past deleteAfterDays (deleted in delete mode), and a user
 * whose credentials are all young.
 */
async function seedEveryType(iam: EmulatorClients['iam']): Promise<void> {
  await seedUsers(iam, endpoint, [
    {
      userName: 'stale',
      certificates: [{ ageDays: 200 }, { ageDays: 300, status: 'Inactive' }],
    },
    { userName: 'fresh', certificates: [{ ageDays: 5 }] },
  ]);
  await seedUserCredentials(iam, endpoint, [
    {
      userName: 'stale',
      sshPublicKeys: [{ ageDays: 200 }, { ageDays: 300, status: 'Inactive' }],
      serviceCredentials: [
        { serviceName: 'codecommit.amazonaws.com', ageDays: 200 },
        { serviceName: 'cassandra.amazonaws.com', ageDays: 300, status: 'Inactive' },
      ],
    },
    {
      userName: 'fresh',
      sshPublicKeys: [{ ageDays: 5 }],
      serviceCredentials: [{ serviceName: 'codecommit.amazonaws.com', ageDays: 5 }],
    },
  ]);
}

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients, 'every-kind');
  await clients.s3.send(new CreateBucketCommand({ Bucket: EVIDENCE }));
});

/** What each kind's findings say was done to its credentials, by kind (sorted). */
function actionsByKind(findings: readonly Finding[]): Record<string, string[]> {
  return Object.fromEntries(
    KIND_INDEX.map((kind) => [
      kind.type,
      findings
        .filter(
          (f) =>
            (f.credentialType ?? 'signing-certificate') === kind.type &&
            f.userName !== ROOT_USER_NAME,
        )
        .map((f) => f.action)
        .sort(),
    ]),
  );
}

/** What a mode does to the stale user's two over-age credentials of each kind. */
const EXPECTED: Readonly<Record<Mode, string[]>> = {
  report: ['NONE', 'NONE'],
  deactivate: ['DEACTIVATED', 'NONE'],
  delete: ['DEACTIVATED', 'DELETED'],
};

describe('every kind in every mode, through the real handler', () => {
  it.each(MODES)(
    '%s mode: every kind the table holds is read, and changed as the mode says',
    async (mode) => {
      await seedEveryType(clients.iam);

      await invokeHandler({
        TOPIC_ARN: mailbox.topicArn,
        ARCHIVE_BUCKET: EVIDENCE,
        MODE: mode,
        ...ALL_KINDS,
      });

      const report = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
      expect(report.complete).toBe(true);
      expect(actionsByKind(report.findings)).toEqual(
        Object.fromEntries(KIND_INDEX.map((kind) => [kind.type, EXPECTED[mode]])),
      );
    },
  );
});

/** The organization worker with every kind, as the Distributed Map runs it. */
function workerOf(env: Record<string, string>) {
  const session = sessionFor('worker', { ARCHIVE_BUCKET: EVIDENCE, ...env });
  if (runsBundles()) {
    return async (event: unknown, context: Context) =>
      (await invokeBundle({
        asset: 'org-worker',
        env: {
          PATH: process.env.PATH ?? '',
          ...EMULATOR_ENV,
          AWS_ENDPOINT_URL: endpoint,
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          POWERTOOLS_METRICS_DISABLED: 'true',
          ARCHIVE_BUCKET: EVIDENCE,
          MEMBER_ROLE_NAME: 'SigningCertAuditMember',
          ...env,
          ...session,
        },
        event,
        awsRequestId: context.awsRequestId,
        invokedFunctionArn: context.invokedFunctionArn,
        timeoutMs: context.getRemainingTimeInMillis(),
      })) as AccountResult;
  }
  const config = {
    endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: clientCredentials(session),
  };
  return createWorkerHandler({
    env: {
      policy: loadPolicyFromEnv(env),
      archiveBucket: EVIDENCE,
      roleName: 'SigningCertAuditMember',
    },
    sts: createStsClient(config),
    s3: createS3Client(config, { AWS_ENDPOINT_URL: endpoint }),
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    now: () => new Date(),
    iamConfig: config,
  });
}

describe('every kind in every mode, through the organization worker and the member role', () => {
  it.each(MODES)(
    '%s mode: every kind the table holds is read, and changed as the mode says',
    async (mode) => {
      await seedEveryType((await memberClients(endpoint, MEMBER)).iam);
      const worker = workerOf({ MODE: mode, ...ALL_KINDS });

      const result = await worker(
        { accountId: MEMBER, runId: `every-kind-${mode}` },
        lambdaContext('worker', 'arn:aws:lambda:us-east-1:123456789012:function:worker'),
      );

      expect(result).toMatchObject({ accountId: MEMBER, status: 'AUDITED' });
      const archived = await clients.s3.send(
        new GetObjectCommand({
          Bucket: EVIDENCE,
          Key: result.reportLocation?.replace(`s3://${EVIDENCE}/`, ''),
        }),
      );
      const report = JSON.parse((await archived.Body?.transformToString()) ?? '{}') as Report;
      expect(actionsByKind(report.findings)).toEqual(
        Object.fromEntries(KIND_INDEX.map((kind) => [kind.type, EXPECTED[mode]])),
      );
    },
  );
});
