import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { createOrganizationsClient } from '../../lambda/aws/organizations';
import { createS3Client } from '../../lambda/aws/s3';
import { createStsClient } from '../../lambda/aws/sts';
import { loadPolicyFromEnv } from '../../lambda/core/settings';
import { createEnumerateHandler } from '../../lambda/handlers/org-enumerate-handler';
import { createWorkerHandler } from '../../lambda/handlers/org-worker-handler';

import {
  createMailbox,
  EMULATOR_ENV,
  type Mailbox,
  memberClients,
  readStatuses,
  seedUsers,
} from '../../tools/emulator/emulator';
import { lambdaContext } from '../../tools/emulator/lambda-context';
import { resetMoto } from '../../tools/emulator/moto';
import { clients, endpoint, invokeHandler, sessionConfig } from './harness';

// What an operator might type by hand, or a hostile one might send: every one of these ran for
// real (or read and overwrote another run's archive) before the event rule was made strict.

const BUCKET = 'event-rules';

let mailbox: Mailbox;
let member: string;

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  await seedUsers(clients.iam, endpoint, [{ userName: 'stale', certificates: [{ ageDays: 200 }] }]);
  // A fixture: the test's own client, not the code's factory.
  const organizations = new OrganizationsClient({
    endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const { CreateAccountStatus } = await organizations.send(
    new CreateAccountCommand({ AccountName: 'member', Email: 'member@example.com' }),
  );
  member = CreateAccountStatus?.AccountId ?? '';
  await seedUsers((await memberClients(endpoint, member)).iam, endpoint, [
    { userName: 'member-stale', certificates: [{ ageDays: 300 }] },
  ]);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

const statuses = async (iam = clients.iam) => [...(await readStatuses(iam)).values()];
const archived = async (prefix: string) =>
  (
    (await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix })))
      .Contents ?? []
  ).map((object) => object.Key);

const SCHEDULED_LOOKING = [
  [{ source: 'aws.scheduler', isDryRun: true }, /unknown key "isDryRun"/],
  [{ 'detail-type': 'Scheduled Event', dryRunOnly: true }, /unknown key "dryRunOnly"/],
  [{ source: 'aws.events', mode: 'report' }, /unknown key "mode"/],
] as const;

describe('the scheduled function refuses scheduled-looking events that are not (real handler, moto)', () => {
  it.each(SCHEDULED_LOOKING)(
    'refuses %j in deactivate mode, naming the key, and changes nothing',
    async (event, message) => {
      await expect(
        invokeHandler({ TOPIC_ARN: mailbox.topicArn, MODE: 'deactivate' }, event),
      ).rejects.toThrow(message);

      expect(await statuses()).toEqual(['Active']);
    },
  );

  it('still runs the scheduled event EventBridge really sends', async () => {
    const summary = await invokeHandler(
      { TOPIC_ARN: mailbox.topicArn, MODE: 'deactivate' },
      {
        version: '0',
        id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '123456789012',
        time: '2026-12-01T06:00:00Z',
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:123456789012:rule/audit'],
        detail: {},
      },
    );

    expect(summary.deactivated).toBe(1);
    expect(await statuses()).toEqual(['Inactive']);
  });
});

describe('the organization run refuses what the single-account function refuses (real handlers, moto)', () => {
  const enumerate = () => {
    const config = sessionConfig('enumerate', { ARCHIVE_BUCKET: BUCKET });
    return createEnumerateHandler({
      s3: createS3Client(config, { AWS_ENDPOINT_URL: endpoint }),
      organizations: createOrganizationsClient(config),
      archiveBucket: BUCKET,
      env: {},
    });
  };
  const worker = () => {
    const config = sessionConfig('worker', { MODE: 'deactivate', ARCHIVE_BUCKET: BUCKET });
    return createWorkerHandler({
      env: {
        policy: loadPolicyFromEnv({ MODE: 'deactivate' }),
        archiveBucket: BUCKET,
        roleName: 'SigningCertAuditMember',
      },
      sts: createStsClient(config),
      s3: createS3Client(config, { AWS_ENDPOINT_URL: endpoint }),
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      now: () => new Date(),
      iamConfig: config,
    });
  };
  const context = lambdaContext('w', 'arn:aws:lambda:us-east-1:123456789012:function:w');

  it.each(SCHEDULED_LOOKING)(
    'the state machine input %j fails the run at enumerate, writing nothing',
    async (input, message) => {
      await expect(enumerate()({ runId: 'run-1', input })).rejects.toThrow(message);

      expect(await archived('org-runs/')).toEqual([]);
    },
  );

  it.each([
    [{ runId: 'typo', dryrun: true }, /"dryrun": an event that mentions a dry run must be exactly/],
    [{ runId: 'typo', DryRun: true }, /"DryRun": an event that mentions a dry run must be exactly/],
    [{ runId: 'typo', dryRun: false }, /"dryRun" is false/],
    [{ runId: 'typo', x: 1 }, /unknown key "x"/],
    [{ runId: 'typo', dryRun: true, x: 1 }, /unknown key "x"/],
  ])(
    'the worker refuses %j in deactivate mode and changes nothing in the member',
    async (fields, message) => {
      await expect(worker()({ accountId: member, ...fields } as never, context)).rejects.toThrow(
        message,
      );

      expect(await statuses((await memberClients(endpoint, member)).iam)).toEqual(['Active']);
      expect(await archived('reports/')).toEqual([]);
    },
  );

  it('the worker honours the dry run enumerate writes, and runs {accountId, runId} for real', async () => {
    const dry = await worker()({ accountId: member, runId: 'dry', dryRun: true }, context);
    expect(dry).toMatchObject({ status: 'AUDITED', summary: { nonCompliant: 1, deactivated: 0 } });
    expect(await statuses((await memberClients(endpoint, member)).iam)).toEqual(['Active']);

    const real = await worker()({ accountId: member, runId: 'real' }, context);
    expect(real).toMatchObject({ status: 'AUDITED', summary: { deactivated: 1 } });
    expect(await statuses((await memberClients(endpoint, member)).iam)).toEqual(['Inactive']);
  });

  it.each([['check+1'], ['check=1'], ['a b']])(
    'refuses the execution name %j rather than share a run id with another execution',
    async (name) => {
      await expect(enumerate()({ runId: name, input: { dryRun: true } })).rejects.toThrow(
        new RegExp(`execution name ${JSON.stringify(name).replace(/[+]/g, '\\+')} is not allowed`),
      );

      expect(await archived('org-runs/')).toEqual([]);
    },
  );

  it('keeps distinct executions apart: each run id names its own account list', async () => {
    const first = await enumerate()({ runId: 'check-1', input: { dryRun: true } });
    const second = await enumerate()({ runId: 'check_1', input: {} });

    expect(first.key).not.toBe(second.key);
    expect(await archived('org-runs/')).toEqual(
      expect.arrayContaining([first.key, second.key, 'org-runs/check-1/scope.json']),
    );
  });
});
