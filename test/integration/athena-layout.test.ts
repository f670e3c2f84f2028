import { Logger } from '@aws-lambda-powertools/logger';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeEach, describe, expect, it } from 'vitest';
import { createS3Client } from '../../lambda/aws/s3';
import { createStsClient } from '../../lambda/aws/sts';
import { CREDENTIAL_TYPES } from '../../lambda/core/credential';
import { loadPolicyFromEnv } from '../../lambda/core/settings';
import { createWorkerHandler } from '../../lambda/handlers/org-worker-handler';
import { AuditorStack } from '../../lib/auditor-stack';
import { OrgAuditorStack } from '../../lib/org-auditor-stack';
import {
  createMailbox,
  MOTO_ACCOUNT_ID,
  memberClients,
  seedUserCredentials,
  seedUsers,
} from '../../tools/emulator/emulator';
import { lambdaContext } from '../../tools/emulator/lambda-context';
import { resetMoto } from '../../tools/emulator/moto';
import { createApp, createOrgApp } from '../cdk/helpers';
import { clients, endpoint, invokeHandler, sessionConfig } from './harness';

// Athena cannot run here, but what it reads is decided before any SQL runs: partition projection
// computes each partition's S3 location from the table's parameters, and Athena reads the
// objects under those locations only. So the synthesized table's projection, evaluated as the
// Athena User Guide describes it ("Supported types for partition projection", "Set up partition
// projection": enum values, date ranges relative to NOW, the storage.location.template), is
// proven against the objects the real worker and function archived.

const BUCKET = 'athena-layout';
const MEMBERS = ['111111111111', '222222222222'];
const DAY_MS = 86_400_000;

beforeEach(async () => {
  await resetMoto(endpoint);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

interface GlueTable {
  readonly location: string;
  readonly partitionKeys: readonly string[];
  readonly parameters: Readonly<Record<string, string>>;
}

/** The findings table of a synthesized stack, its tokens resolved as deployed in moto's account. */
function findingsTable(template: Template): GlueTable {
  const [table] = Object.values(template.findResources('AWS::Glue::Table'));
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const node = value as Record<string, unknown>;
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(separator);
    }
    if ('Ref' in node) return node.Ref === 'AWS::AccountId' ? MOTO_ACCOUNT_ID : BUCKET;
    throw new Error(`unexpected token ${JSON.stringify(value)}`);
  };
  const input = table?.Properties.TableInput as {
    PartitionKeys: { Name: string }[];
    Parameters: Record<string, unknown>;
    StorageDescriptor: { Location: unknown };
  };
  return {
    location: resolve(input.StorageDescriptor.Location),
    partitionKeys: input.PartitionKeys.map((key) => key.Name),
    parameters: Object.fromEntries(
      Object.entries(input.Parameters).map(([name, value]) => [name, resolve(value)]),
    ),
  };
}

/** The values partition projection gives one partition column, within `sinceDays` for dates. */
function projectedValues(table: GlueTable, column: string, now: Date, sinceDays?: number) {
  const p = (name: string) => table.parameters[`projection.${column}.${name}`];
  const type = p('type');
  if (type === 'enum') return (p('values') ?? '').split(',');
  if (type === 'date') {
    expect(p('format')).toBe('yyyy-MM-dd');
    expect(`${p('interval')} ${p('interval.unit')}`).toBe('1 DAYS');
    const [from, to] = (p('range') ?? '').split(',');
    const years = /^NOW-(\d+)YEARS$/.exec(from ?? '')?.[1];
    expect({ years: years !== undefined, to }).toEqual({ years: true, to: 'NOW' });
    const start = new Date(now.getTime() - Number(years) * 365 * DAY_MS);
    const first = sinceDays === undefined ? start : new Date(now.getTime() - sinceDays * DAY_MS);
    const days: string[] = [];
    for (let t = first.getTime(); t <= now.getTime(); t += DAY_MS) {
      days.push(new Date(t).toISOString().slice(0, 10));
    }
    return days;
  }
  throw new Error(`projection type ${String(type)} of ${column} is not modelled here`);
}

/**
 * Every account whose findings a query over the table sees: the partitions projection yields
 * (dates within `sinceDays` when the query filters them, as the README's first query does), each
 * partition's location from the template, and the JSON Lines archived under it.
 */
async function accountsSeen(table: GlueTable, sinceDays?: number): Promise<string[]> {
  expect(table.parameters['projection.enabled']).toBe('true');
  const template = table.parameters['storage.location.template'] ?? '';
  let locations = [template];
  for (const column of table.partitionKeys) {
    const values = projectedValues(
      table,
      column,
      new Date(),
      column === 'date' ? sinceDays : undefined,
    );
    locations = locations.flatMap((location) =>
      values.map((value) => location.replace(`\${${column}}`, value)),
    );
  }
  const seen = new Set<string>();
  for (const location of locations) {
    const prefix = location.replace(`s3://${BUCKET}/`, '');
    const { Contents = [] } = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }),
    );
    for (const object of Contents) {
      const { Body } = await clients.s3.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: object.Key }),
      );
      for (const line of ((await Body?.transformToString()) ?? '').split('\n')) {
        if (line.trim() !== '') seen.add((JSON.parse(line) as { accountId: string }).accountId);
      }
    }
  }
  return [...seen].sort();
}

describe("the README's Athena queries see every account they should (archived by the real code, moto)", () => {
  it('the organization table: every member account the worker archived', async () => {
    for (const account of MEMBERS) {
      await seedUsers((await memberClients(endpoint, account)).iam, endpoint, [
        { userName: `stale-${account}`, certificates: [{ ageDays: 200 }] },
      ]);
    }
    const config = sessionConfig('worker', { ARCHIVE_BUCKET: BUCKET });
    const worker = createWorkerHandler({
      env: {
        policy: loadPolicyFromEnv({}),
        archiveBucket: BUCKET,
        roleName: 'SigningCertAuditMember',
      },
      sts: createStsClient(config),
      s3: createS3Client(config, { AWS_ENDPOINT_URL: endpoint }),
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      now: () => new Date(),
      iamConfig: config,
    });
    for (const accountId of MEMBERS) {
      await worker(
        { accountId, runId: 'athena-run' },
        lambdaContext('w', 'arn:aws:lambda:us-east-1:123456789012:function:w'),
      );
    }
    const table = findingsTable(Template.fromStack(new OrgAuditorStack(createOrgApp(), 'Org')));

    // Act and assess: the last 30 days (the first query), and every date (the second).
    expect(await accountsSeen(table, 30)).toEqual(MEMBERS);
    expect(await accountsSeen(table)).toEqual(MEMBERS);
  });

  it('the single-account table: the account the function archived', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'stale', certificates: [{ ageDays: 200 }] },
    ]);
    const mailbox = await createMailbox(clients);
    await invokeHandler({ TOPIC_ARN: mailbox.topicArn, ARCHIVE_BUCKET: BUCKET });
    const table = findingsTable(Template.fromStack(new AuditorStack(createApp(), 'Account')));

    expect(await accountsSeen(table, 30)).toEqual([MOTO_ACCOUNT_ID]);
    expect(await accountsSeen(table)).toEqual([MOTO_ACCOUNT_ID]);
  });

  it('every key of every line the function archived is a column of the table (every kind listed)', async () => {
    // Prepare: a user with an over-age certificate, SSH key and Bedrock API key, audited with
    // every kind of credential listed (what the engine lists of them, it archives).
    await seedUsers(clients.iam, endpoint, [
      { userName: 'stale', certificates: [{ ageDays: 200 }] },
    ]);
    await seedUserCredentials(clients.iam, endpoint, [
      {
        userName: 'stale',
        sshPublicKeys: [{ ageDays: 200 }],
        serviceCredentials: [{ serviceName: 'bedrock.amazonaws.com', ageDays: 200 }],
      },
    ]);
    const mailbox = await createMailbox(clients);
    await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      ARCHIVE_BUCKET: BUCKET,
      CREDENTIAL_KINDS: CREDENTIAL_TYPES.join(','),
    });
    const template = Template.fromStack(new AuditorStack(createApp(), 'Account'));
    const [table] = Object.values(template.findResources('AWS::Glue::Table'));
    const input = table?.Properties.TableInput as {
      StorageDescriptor: { Columns: { Name: string }[] };
    };
    const columns = input.StorageDescriptor.Columns.map((column) => column.Name);

    // Act: every line under the table's location.
    const { Contents = [] } = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'findings/' }),
    );
    const lines: Record<string, unknown>[] = [];
    for (const object of Contents) {
      const { Body } = await clients.s3.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: object.Key }),
      );
      for (const line of ((await Body?.transformToString()) ?? '').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    }

    // Assess: Athena reads a key by its lower-case column (case.insensitive); none is lost.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.map((line) => line.credentialType)).toContain('signing-certificate');
    const keys = new Set(lines.flatMap((line) => Object.keys(line).map((k) => k.toLowerCase())));
    expect([...keys].filter((key) => !columns.includes(key))).toEqual([]);
    expect(['credentialtype', 'credentialid', 'servicename'].every((c) => keys.has(c))).toBe(true);
  });
});
