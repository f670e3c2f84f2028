import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganizationsClient } from '../../lambda/aws/organizations';
import { createS3Client } from '../../lambda/aws/s3';
import { createSnsClient } from '../../lambda/aws/sns';
import { createStsClient } from '../../lambda/aws/sts';
import type { AccountResult, OrgReport } from '../../lambda/core/org-report';
import { loadPolicyFromEnv } from '../../lambda/core/settings';
import type { WorkerEvent } from '../../lambda/handlers/event';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambda/handlers/metrics';
import { createEnumerateHandler } from '../../lambda/handlers/org-enumerate-handler';
import { createSummarizeHandler } from '../../lambda/handlers/org-summarize-handler';
import { createWorkerHandler } from '../../lambda/handlers/org-worker-handler';

import { OrgAuditorStack } from '../../lib/org-auditor-stack';
import { clientCredentials } from '../../tools/emulator/call-record';
import {
  createMailbox,
  EMULATOR_ENV,
  MOTO_ACCOUNT_ID,
  memberClients,
  readStatuses,
  receiveAll,
  seedUsers,
} from '../../tools/emulator/emulator';
import { type FaultProxy, iamErrorXml, startFaultProxy } from '../../tools/emulator/fault-proxy';
import { lambdaContext } from '../../tools/emulator/lambda-context';
import { resetMoto } from '../../tools/emulator/moto';
import { createOrgApp, definitionOf } from '../cdk/helpers';
import { clients, endpoint, sessionFor } from './harness';

// aws-local-stepfunctions is written for Node 22, which has Promise.withResolvers; Node 20 does not.
const withResolvers = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
};
(Promise as unknown as { withResolvers?: unknown }).withResolvers ??= withResolvers;

const BUCKET = 'org-archive';
let proxy: FaultProxy;
let accounts: string[];
/** The test's own Organizations client, for fixtures. */
let organizations: OrganizationsClient;

/**
 * The synthesized definition, with exactly what the local executor lacks swapped out:
 * - the Distributed Map's S3 ItemReader becomes `ItemsPath: $.enumerated.items` over the same
 *   account list (the ListAccounts handler's output gains the list it wrote to S3);
 * - ResultWriterV2, ToleratedFailurePercentage and Label are removed, and the processor runs
 *   INLINE (the executor runs Map states, not distributed ones);
 * - SummarizeRun gets the map's results inline (`$.map`), which the test writes to S3 in the
 *   ResultWriterV2 layout (a manifest and a SUCCEEDED file) before calling the real handler.
 * Everything else (the states, their order, the retry, the catch and its Pass state) is as
 * synthesized.
 */
function localDefinition(): Record<string, unknown> {
  const definition = definitionOf(
    Template.fromStack(new OrgAuditorStack(createOrgApp(), 'Org')),
  ) as {
    States: Record<string, Record<string, unknown>>;
  };
  const map = definition.States.AuditAccounts as Record<string, unknown>;
  delete map.ItemReader;
  delete map.ResultWriter;
  delete map.ToleratedFailurePercentage;
  delete map.Label;
  map.ItemsPath = '$.enumerated.items';
  (map.ItemProcessor as { ProcessorConfig: unknown }).ProcessorConfig = { Mode: 'INLINE' };
  (definition.States.SummarizeRun as Record<string, unknown>).Parameters = {
    'runId.$': '$.enumerated.runId',
    'results.$': '$.map',
  };
  return definition;
}

beforeAll(async () => {
  await resetMoto(endpoint);
  // The test's own client (not the code's factory): creating the organization is a fixture.
  organizations = new OrganizationsClient({
    endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  accounts = [];
  for (const name of ['stale', 'clean', 'denied', 'crashing']) {
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
    );
    accounts.push(CreateAccountStatus?.AccountId ?? '');
  }
  const [stale, clean, denied] = accounts as [string, string, string, string];
  await seedUsers((await memberClients(endpoint, stale)).iam, endpoint, [
    { userName: 'old', certificates: [{ ageDays: 300 }] },
  ]);
  await seedUsers((await memberClients(endpoint, clean)).iam, endpoint, [
    { userName: 'new', certificates: [{ ageDays: 1 }] },
  ]);
  proxy = await startFaultProxy(endpoint, {
    respond: (request) =>
      request.action === 'AssumeRole' && request.params.get('RoleArn')?.includes(`::${denied}:`)
        ? {
            status: 403,
            xml: iamErrorXml('AccessDenied', 'not authorized to perform sts:AssumeRole'),
          }
        : undefined,
  });
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  await proxy.close();
});

/**
 * The real enumerate and worker handlers, through the fault proxy, in deactivate mode; the
 * management account (moto's own) is skipped on purpose, as README advises.
 */
function orgHandlers() {
  /** Each function's clients, with the credentials of its own session in the record of calls. */
  const configOf = (
    principal: 'enumerate' | 'worker' | 'summarize',
    env: Record<string, string>,
  ) => ({
    endpoint: proxy.endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: clientCredentials(sessionFor(principal, { ARCHIVE_BUCKET: BUCKET, ...env })),
  });
  const s3Of = (config: ReturnType<typeof configOf>) =>
    createS3Client(config, { AWS_ENDPOINT_URL: proxy.endpoint });
  const enumerateConfig = configOf('enumerate', { EXCLUDE_ACCOUNTS: MOTO_ACCOUNT_ID });
  const enumerate = createEnumerateHandler({
    s3: s3Of(enumerateConfig),
    organizations: createOrganizationsClient(enumerateConfig),
    archiveBucket: BUCKET,
    env: { EXCLUDE_ACCOUNTS: MOTO_ACCOUNT_ID },
  });
  const workerConfig = configOf('worker', { MODE: 'deactivate' });
  const worker = createWorkerHandler({
    env: {
      policy: loadPolicyFromEnv({ MODE: 'deactivate' }),
      archiveBucket: BUCKET,
      roleName: 'SigningCertAuditMember',
    },
    sts: createStsClient(workerConfig),
    s3: s3Of(workerConfig),
    logger: new Logger({ serviceName: 'test', logLevel: 'ERROR' }),
    now: () => new Date(),
    iamConfig: workerConfig,
  });
  /** The summarize step, publishing to `topicArn`. */
  const summarizeTo = (topicArn: string) => {
    const config = configOf('summarize', { TOPIC_ARN: topicArn });
    return createSummarizeHandler({
      s3: s3Of(config),
      sns: createSnsClient(topicArn, config),
      topicArn,
      archiveBucket: BUCKET,
      now: () => new Date(),
      metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    });
  };
  return { enumerate, worker, summarizeTo };
}

describe('the organization state machine, run locally over moto accounts', () => {
  it('honours {"dryRun": true} in the execution input in every account, and refuses a typo', async () => {
    const { enumerate, worker } = orgHandlers();
    const [stale] = accounts as [string];

    // A typo of dryRun fails the run at the first step: nothing listed, nothing written.
    await expect(enumerate({ runId: 'typo-run', input: { dryrun: true } })).rejects.toThrow(
      /"dryrun": an event that mentions a dry run must be exactly \{"dryRun": true\}/,
    );
    await expect(
      clients.s3.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: 'org-runs/typo-run/accounts.json' }),
      ),
    ).rejects.toThrow();

    const listed = await enumerate({ runId: 'dry-run', input: { dryRun: true } });
    const { Body } = await clients.s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: listed.key }),
    );
    const items = JSON.parse((await Body?.transformToString()) ?? '[]') as WorkerEvent[];
    expect(items.every((item) => item.dryRun === true)).toBe(true);
    const staleItem = items.find((item) => item.accountId === stale);
    const result = await worker(
      staleItem as WorkerEvent,
      lambdaContext('w', 'arn:aws:lambda:us-east-1:123456789012:function:w'),
    );

    // Planned, reported, not done: the over-age certificate is still Active.
    expect(result).toMatchObject({
      status: 'AUDITED',
      summary: { nonCompliant: 1, deactivated: 0 },
    });
    expect([...(await readStatuses((await memberClients(endpoint, stale)).iam)).values()]).toEqual([
      'Active',
    ]);
  });

  it('enumerates, audits each account (one refused, one crashing into the catch), and sums them', async () => {
    const { StateMachine } = await import('aws-local-stepfunctions');
    const mailbox = await createMailbox(clients, 'org-run');
    const { enumerate, worker, summarizeTo } = orgHandlers();
    const summarize = summarizeTo(mailbox.topicArn);
    const crashing = accounts[3];
    const payloads: unknown[] = [];
    let listedCount = 0;
    const mapOutput: AccountResult[] = [];
    const machine = new StateMachine(localDefinition() as never, {
      validationOptions: { checkArn: false, checkPaths: false },
    });

    const run = machine.run(
      {},
      {
        // The execution's name is the run id (ListAccounts passes $$.Execution.Name).
        context: { Execution: { Name: 'local-run-1', Input: {} } } as never,
        overrides: {
          retryIntervalOverrides: { AuditAccount: 0, ListAccounts: 0, SummarizeRun: 0 },
          taskResourceLocalHandlers: {
            ListAccounts: async (input) => {
              // The execution's input reaches enumerate, which reads it as a run or a dry run.
              payloads.push(input);
              const listed = await enumerate(input as { runId: string });
              const { Body } = await clients.s3.send(
                new GetObjectCommand({ Bucket: BUCKET, Key: listed.key }),
              );
              listedCount = listed.count;
              return { ...listed, items: JSON.parse((await Body?.transformToString()) ?? '[]') };
            },
            AuditAccount: async (input) => {
              const item = input as { accountId: string; runId: string };
              // The fourth account's invocation fails as a Lambda timeout would.
              if (item.accountId === crashing)
                throw Object.assign(new Error('Task timed out after 900.00 seconds'), {
                  name: 'States.Timeout',
                });
              return (await worker(
                item,
                lambdaContext('w', 'arn:aws:lambda:us-east-1:123456789012:function:w'),
              )) as never;
            },
            SummarizeRun: async (input) => {
              const { runId, results } = input as unknown as {
                runId: string;
                results: AccountResult[];
              };
              mapOutput.push(...results);
              const file = `org-runs/map-results/local/SUCCEEDED_0.json`;
              await clients.s3.send(
                new PutObjectCommand({
                  Bucket: BUCKET,
                  Key: file,
                  Body: JSON.stringify(
                    results.map((output) => ({
                      Status: 'SUCCEEDED',
                      Input: JSON.stringify({ accountId: output.accountId, runId }),
                      Output: JSON.stringify(output),
                    })),
                  ),
                }),
              );
              await clients.s3.send(
                new PutObjectCommand({
                  Bucket: BUCKET,
                  Key: 'org-runs/map-results/local/manifest.json',
                  Body: JSON.stringify({
                    ResultFiles: { SUCCEEDED: [{ Key: file, Size: 1 }], FAILED: [], PENDING: [] },
                  }),
                }),
              );
              return (await summarize({
                runId,
                resultWriterDetails: {
                  Bucket: BUCKET,
                  Key: 'org-runs/map-results/local/manifest.json',
                },
              })) as never;
            },
          },
        },
      },
    );
    const final = (await run.result) as unknown as {
      reportKey: string;
      counts: OrgReport['counts'];
    };
    const output = { map: mapOutput, enumerated: { count: listedCount } };
    expect(final).toMatchObject({
      reportKey: `org-reports/date=${new Date().toISOString().slice(0, 10)}/local-run-1.json`,
    });

    expect(payloads).toEqual([{ runId: 'local-run-1', input: {} }]);
    // Every ACTIVE member account was listed; the management account was excluded, and says so.
    expect(output.enumerated.count).toBe(4);
    const byAccount = Object.fromEntries(output.map.map((r) => [r.accountId, r]));
    const [stale, clean, denied] = accounts as [string, string, string, string];
    expect(byAccount[stale]).toMatchObject({ status: 'AUDITED', summary: { deactivated: 1 } });
    expect(byAccount[clean]).toMatchObject({ status: 'AUDITED', summary: { nonCompliant: 0 } });
    expect(byAccount[denied]).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('AccessDenied'),
    });
    expect(byAccount[crashing ?? '']).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('States.Timeout'),
    });
    // The change landed in the stale account only.
    expect([...(await readStatuses((await memberClients(endpoint, stale)).iam)).values()]).toEqual([
      'Inactive',
    ]);
    expect([...(await readStatuses((await memberClients(endpoint, clean)).iam)).values()]).toEqual([
      'Active',
    ]);
    // One organization report, its totals the sum of the accounts'.
    const [message] = await receiveAll(clients.sqs, mailbox.queueUrl);
    const report = JSON.parse(message?.body ?? '{}') as OrgReport;
    expect(report.counts).toMatchObject({ accounts: 4, failed: 2 });
    expect(report.scope).toEqual({
      selection: {
        includeOus: [],
        excludeOus: [],
        includeAccounts: [],
        excludeAccounts: [MOTO_ACCOUNT_ID],
      },
      excluded: [
        { accountId: MOTO_ACCOUNT_ID, name: expect.any(String), reason: 'excludeAccounts' },
      ],
    });
    expect(report.accounts.map((a) => a.accountId)).not.toContain(MOTO_ACCOUNT_ID);
    expect(report.totals.deactivated).toBe(
      output.map.reduce((n, r) => n + (r.summary?.deactivated ?? 0), 0),
    );
    expect(report.totals.usersScanned).toBe(
      output.map.reduce((n, r) => n + (r.summary?.usersScanned ?? 0), 0),
    );
  });
});

describe('the enumerate step over an organization of OUs (on moto)', () => {
  it('walks includeOus with their nested OUs, leaves excludeOus out, and names every account it left out', async () => {
    // Prepare: root → team (stale) → nested (clean); root → elsewhere (denied).
    const [stale, clean, denied] = accounts as [string, string, string, string];
    const { Roots } = await organizations.send(new ListRootsCommand({}));
    const root = Roots?.[0]?.Id as string;
    const ou = async (parent: string, name: string) =>
      (
        await organizations.send(
          new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name }),
        )
      ).OrganizationalUnit?.Id as string;
    const team = await ou(root, 'team');
    const nested = await ou(team, 'nested');
    const elsewhere = await ou(root, 'elsewhere');
    for (const [account, target] of [
      [stale, team],
      [clean, nested],
      [denied, elsewhere],
    ] as const) {
      await organizations.send(
        new MoveAccountCommand({
          AccountId: account,
          SourceParentId: root,
          DestinationParentId: target,
        }),
      );
    }
    const env = { INCLUDE_OUS: team, EXCLUDE_OUS: elsewhere };
    const config = {
      endpoint: proxy.endpoint,
      region: EMULATOR_ENV.AWS_REGION,
      credentials: clientCredentials(sessionFor('enumerate', { ARCHIVE_BUCKET: BUCKET, ...env })),
    };
    const enumerate = createEnumerateHandler({
      s3: createS3Client(config, { AWS_ENDPOINT_URL: proxy.endpoint }),
      organizations: createOrganizationsClient(config),
      archiveBucket: BUCKET,
      env,
    });

    // Act
    const listed = await enumerate({ runId: 'ou-run', input: {} });

    // Assess: the team OU and its nested OU, nothing from elsewhere or the root.
    const { Body } = await clients.s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: listed.key }),
    );
    const items = JSON.parse((await Body?.transformToString()) ?? '[]') as WorkerEvent[];
    expect(items.map((item) => item.accountId).sort()).toEqual([stale, clean].sort());
    // A second selection that excludes the nested OU it walks into: that account is named as left out.
    const excluding = createEnumerateHandler({
      s3: createS3Client(config, { AWS_ENDPOINT_URL: proxy.endpoint }),
      organizations: createOrganizationsClient(config),
      archiveBucket: BUCKET,
      env: { INCLUDE_OUS: team, EXCLUDE_OUS: nested },
    });
    const narrowed = await excluding({ runId: 'ou-run-2', input: {} });
    expect(narrowed.count).toBe(1);
    const scope = JSON.parse(
      (await (
        await clients.s3.send(
          new GetObjectCommand({ Bucket: BUCKET, Key: 'org-runs/ou-run-2/scope.json' }),
        )
      ).Body?.transformToString()) ?? '{}',
    ) as OrgReport['scope'];
    expect(scope?.excluded).toEqual([{ accountId: clean, name: 'clean', reason: 'excludeOus' }]);
  });
});
