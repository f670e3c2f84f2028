import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { demoAccount, demoMemberAccounts, demoUserCredentials } from './demo-account';
import {
  EMULATOR_ENV,
  emulatorClients,
  MOTO_ACCOUNT_ID,
  memberClients,
  type SeededCertificate,
  type SeededUserCredentials,
  type SeedUser,
  type SeedUserCredentials,
  seedUserCredentials,
  seedUsers,
} from './emulator';
import { type FaultSettings, iamErrorXml } from './fault-proxy';
import { type Moto, seedMotoRandom, startMoto } from './moto';

/**
 * The seed of moto's random generator for the demo account: with the account seeded in order,
 * every run of the same moto version hands out the same certificate and account ids, so the
 * docs' samples (tools/docs-samples.ts) show the ids a reader's own run prints.
 */
export const DEMO_RANDOM_SEED = 2026;

/** The evidence bucket the examples archive to. */
export const EMULATOR_BUCKET = 'signing-cert-audit-evidence';

/** The prefix of the emulator's scratch folder (`$EMULATOR_DIR`), under the system's temporary folder. */
export const EMULATOR_DIR_PREFIX = 'signing-cert-audit-emulator-';

/**
 * Seeds the demo account (demoAccount) after seeding moto's random generator, one request at a
 * time, so its ids are the same on every run.
 */
export async function seedDemoAccount(
  endpoint: string,
  iam: IAMClient,
  users: readonly SeedUser[] = demoAccount(),
): Promise<SeededCertificate[]> {
  await seedMotoRandom(endpoint, DEMO_RANDOM_SEED);
  return seedUsers(iam, endpoint, users, { concurrency: 1 });
}

/**
 * Seeds the demo account's SSH public keys and service-specific credentials
 * (demoUserCredentials), one request at a time. Called after everything else is seeded: the ids
 * moto hands out before (certificates, member accounts) stay those the docs show.
 */
export async function seedDemoCredentials(
  endpoint: string,
  iam: IAMClient,
  holders: readonly SeedUserCredentials[] = demoUserCredentials(),
): Promise<SeededUserCredentials> {
  return seedUserCredentials(iam, endpoint, holders, { concurrency: 1 });
}

/** A member account of the emulated organization, as created. */
export interface EmulatedMember {
  readonly name: string;
  readonly accountId: string;
}

/** A running `npm run emulator`: moto, what it holds, and the variables that point a shell at it. */
export interface DemoEmulator {
  readonly moto: Moto;
  /** The demo account's certificates, as seeded. */
  readonly seeded: readonly SeededCertificate[];
  /** The demo account's SSH public keys and service-specific credentials, as seeded. */
  readonly credentials: SeededUserCredentials;
  /** The organization's member accounts (the demo account is its management account). */
  readonly members: readonly EmulatedMember[];
  /** The `export` lines' names and values, in the order they are printed. */
  readonly exports: Readonly<Record<string, string>>;
  /** Stops moto and removes the scratch folder; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * STS's answer to AssumeRole into an account outside the emulated organization: AccessDenied, as
 * an account with no member role trusting the caller answers. moto itself grants any AssumeRole.
 */
export function refuseOutside(
  accounts: ReadonlySet<string>,
): NonNullable<FaultSettings['respond']> {
  return (request) => {
    if (request.action !== 'AssumeRole') return undefined;
    const roleArn = request.params.get('RoleArn') ?? '';
    const accountId = /^arn:[\w-]+:iam::(\d{12}):/.exec(roleArn)?.[1];
    if (accountId !== undefined && accounts.has(accountId)) return undefined;
    return {
      status: 403,
      xml: iamErrorXml(
        'AccessDenied',
        `not authorized to perform: sts:AssumeRole on resource: ${roleArn} (the emulated organization has no account ${accountId ?? '?'})`,
      ),
    };
  };
}

/**
 * Starts `npm run emulator`'s world: moto on a free loopback port, the demo account (the
 * management account of an organization of three more accounts, each reached through
 * AssumeRole as the CLI's `--organization` does) with its SSH keys and service-specific
 * credentials, a topic, an evidence bucket, and a scratch
 * folder for the examples' files, removed on stop. Every id is the same on every run.
 */
export async function startDemoEmulator(): Promise<DemoEmulator> {
  const organization = new Set<string>([MOTO_ACCOUNT_ID]);
  // Your own calls to it are not a suite's: they are not recorded for the permissions proof.
  const moto = await startMoto({ record: false, faults: { respond: refuseOutside(organization) } });
  const dir = mkdtempSync(join(tmpdir(), EMULATOR_DIR_PREFIX));
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= moto.stop().finally(() => rmSync(dir, { recursive: true, force: true }));
    return stopped;
  };
  try {
    const clients = emulatorClients(moto.endpoint);
    const seeded = await seedDemoAccount(moto.endpoint, clients.iam);
    const { TopicArn = '' } = await clients.sns.send(new CreateTopicCommand({ Name: 'findings' }));
    await clients.s3.send(new CreateBucketCommand({ Bucket: EMULATOR_BUCKET }));
    const members = await createOrganization(moto.endpoint, organization);
    const credentials = await seedDemoCredentials(moto.endpoint, clients.iam);
    const exports = {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: EMULATOR_ENV.AWS_REGION,
      // The AWS CLI v1 reads only AWS_DEFAULT_REGION; the SDKs and the AWS CLI v2 read AWS_REGION.
      AWS_DEFAULT_REGION: EMULATOR_ENV.AWS_REGION,
      AWS_ACCESS_KEY_ID: EMULATOR_ENV.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: EMULATOR_ENV.AWS_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN: EMULATOR_ENV.AWS_SESSION_TOKEN,
      AWS_EC2_METADATA_DISABLED: 'true',
      // The examples' --topic-arn, --archive-bucket, files and --accounts.
      EMULATOR_TOPIC_ARN: TopicArn,
      EMULATOR_BUCKET,
      EMULATOR_DIR: dir,
      EMULATOR_MEMBER_ACCOUNTS: members.map((m) => m.accountId).join(','),
    };
    return { moto, seeded, credentials, members, exports, stop };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}

/**
 * Makes the demo account the management account of an organization and creates its member
 * accounts (demoMemberAccounts), each seeded through AssumeRole into it; adds each to
 * `organization` first, so the refusal lets the seeding in.
 */
async function createOrganization(
  endpoint: string,
  organization: Set<string>,
): Promise<EmulatedMember[]> {
  const organizations = new OrganizationsClient({
    endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: {
      accessKeyId: EMULATOR_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: EMULATOR_ENV.AWS_SECRET_ACCESS_KEY,
    },
  });
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const members: EmulatedMember[] = [];
  for (const member of demoMemberAccounts()) {
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({ AccountName: member.name, Email: `${member.name}@example.com` }),
    );
    const accountId = CreateAccountStatus?.AccountId;
    if (!accountId) throw new Error(`moto created no account for ${member.name}`);
    organization.add(accountId);
    const { iam } = await memberClients(endpoint, accountId);
    await seedUsers(iam, endpoint, member.users, { concurrency: 1 });
    members.push({ name: member.name, accountId });
  }
  return members;
}
