import {
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  IAMClient,
  paginateListSigningCertificates,
  paginateListUsers,
  type SigningCertificate,
  type Tag,
  UpdateServiceSpecificCredentialCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import type { Finding, Report } from '../../lambda/core/report';
import { generateTestCertificate } from './certs';
import { setIamClock } from './moto';
import { generateSshPublicKey } from './ssh-keys';

/** moto's default account id: every ARN it hands out names it. */
export const MOTO_ACCOUNT_ID = '123456789012';
/** A Lambda function ARN in moto's account, so the handler reads the account id from it. */
export const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${MOTO_ACCOUNT_ID}:function:signing-cert-audit`;

/** Any credentials do for moto; explicit so nothing real is ever picked up. */
export const EMULATOR_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
} as const;

/** Real SDK clients pointed at the emulator. */
export interface EmulatorClients {
  readonly iam: IAMClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
}

/** Builds real SDK clients for the emulator at `endpoint`, in `region`. */
export function emulatorClients(
  endpoint: string,
  region: string = EMULATOR_ENV.AWS_REGION,
): EmulatorClients {
  const config = {
    endpoint,
    region,
    credentials: {
      accessKeyId: EMULATOR_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: EMULATOR_ENV.AWS_SECRET_ACCESS_KEY,
    },
  };
  return {
    iam: new IAMClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
}

/**
 * Clients acting in another account of the emulator: moto answers AssumeRole into any
 * `arn:aws:iam::<id>:role/<name>` with credentials whose calls land in that account only.
 */
export async function memberClients(
  endpoint: string,
  accountId: string,
  roleName = 'SigningCertAuditMember',
): Promise<EmulatorClients> {
  const sts = new STSClient({
    endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: {
      accessKeyId: EMULATOR_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: EMULATOR_ENV.AWS_SECRET_ACCESS_KEY,
    },
  });
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
      RoleSessionName: 'seeding',
    }),
  );
  const config = {
    endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    },
  };
  return {
    iam: new IAMClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
}

/** One certificate to seed: its age at upload and, optionally, a status to leave it in. */
export interface SeedCertificate {
  readonly ageDays: number;
  readonly status?: 'Active' | 'Inactive';
  /** A specific PEM; by default a shared valid one (moto, unlike IAM, accepts duplicates). */
  readonly body?: string;
}

/** One user to seed. */
export interface SeedUser {
  readonly userName: string;
  readonly path?: string;
  readonly tags?: readonly Tag[];
  readonly certificates?: readonly SeedCertificate[];
}

/** A certificate as seeded: its id as moto assigned it. */
export interface SeededCertificate {
  readonly userName: string;
  readonly certificateId: string;
  readonly ageDays: number;
  readonly status: 'Active' | 'Inactive';
}

/** Requests in flight while seeding. */
const SEED_CONCURRENCY = 8;

let sharedBody: string | undefined;

/** A valid PEM certificate, generated once per process. */
export function sharedCertificateBody(): string {
  sharedBody ??= generateTestCertificate();
  return sharedBody;
}

/**
 * Creates the users and uploads their certificates, each backdated by moving moto's IAM clock
 * (the launcher's route, see moto_launcher.py) for the upload, then puts the clock back. Uploads of one age share one clock
 * setting and run a few at a time, so seeding thousands of users takes seconds. With
 * `concurrency: 1` every request is sent in the order given, so a seeded moto hands out the same
 * ids on every run (see seedMotoRandom).
 */
export async function seedUsers(
  iam: IAMClient,
  endpoint: string,
  users: readonly SeedUser[],
  { concurrency = SEED_CONCURRENCY }: { readonly concurrency?: number } = {},
): Promise<SeededCertificate[]> {
  const limit = pLimit(concurrency);
  await Promise.all(
    users.map((user) =>
      limit(() =>
        iam.send(
          new CreateUserCommand({
            UserName: user.userName,
            Path: user.path ?? '/',
            Tags: user.tags ? [...user.tags] : undefined,
          }),
        ),
      ),
    ),
  );
  const uploads = users.flatMap((user) =>
    (user.certificates ?? []).map((certificate) => ({ userName: user.userName, certificate })),
  );
  const ids = new Map<(typeof uploads)[number], string>();
  const ages = [...new Set(uploads.map((upload) => upload.certificate.ageDays))];
  try {
    for (const age of ages) {
      await setIamClock(endpoint, age);
      const batch = uploads.filter((upload) => upload.certificate.ageDays === age);
      await Promise.all(
        batch.map((upload) =>
          limit(async () => {
            const { Certificate } = await iam.send(
              new UploadSigningCertificateCommand({
                UserName: upload.userName,
                CertificateBody: upload.certificate.body ?? sharedCertificateBody(),
              }),
            );
            ids.set(upload, Certificate?.CertificateId ?? '');
          }),
        ),
      );
    }
  } finally {
    await setIamClock(endpoint, 0);
  }
  const seeded = uploads.map(({ userName, certificate }, index) => ({
    userName,
    certificateId: ids.get(uploads[index] as (typeof uploads)[number]) ?? '',
    ageDays: certificate.ageDays,
    status: certificate.status ?? 'Active',
  }));
  await Promise.all(
    seeded
      .filter((certificate) => certificate.status === 'Inactive')
      .map((certificate) =>
        limit(() =>
          iam.send(
            new UpdateSigningCertificateCommand({
              UserName: certificate.userName,
              CertificateId: certificate.certificateId,
              Status: 'Inactive',
            }),
          ),
        ),
      ),
  );
  return seeded;
}

/** One SSH public key to seed: its age at upload and, optionally, a status to leave it in. */
export interface SeedSshPublicKey {
  readonly ageDays: number;
  readonly status?: 'Active' | 'Inactive';
  /** A specific body (ssh-rsa or PEM); by default a new 2048-bit ssh-rsa key (IAM refuses duplicates). */
  readonly body?: string;
}

/** One service-specific credential to seed (the launcher serves these APIs; moto has none). */
export interface SeedServiceCredential {
  /** e.g. `bedrock.amazonaws.com`, `logs.amazonaws.com`, `codecommit.amazonaws.com`, `cassandra.amazonaws.com`. */
  readonly serviceName: string;
  /** Its age at creation: CreateDate is this many days ago. */
  readonly ageDays: number;
  /** CredentialAgeDays (API keys only): it expires this many days after creation; without it, never. */
  readonly credentialAgeDays?: number;
  readonly status?: 'Active' | 'Inactive';
}

/** The SSH keys and service-specific credentials to seed for one existing user. */
export interface SeedUserCredentials {
  readonly userName: string;
  readonly sshPublicKeys?: readonly SeedSshPublicKey[];
  readonly serviceCredentials?: readonly SeedServiceCredential[];
}

/** An SSH public key as seeded: its id as moto assigned it. */
export interface SeededSshPublicKey {
  readonly userName: string;
  readonly sshPublicKeyId: string;
  readonly body: string;
  readonly ageDays: number;
  readonly status: 'Active' | 'Inactive';
}

/** A service-specific credential as seeded: its id as the launcher assigned it. */
export interface SeededServiceCredential {
  readonly userName: string;
  readonly serviceSpecificCredentialId: string;
  readonly serviceName: string;
  readonly ageDays: number;
  readonly credentialAgeDays: number | undefined;
  readonly status: 'Active' | 'Inactive';
}

/** What seedUserCredentials made, in the order given. */
export interface SeededUserCredentials {
  readonly sshPublicKeys: SeededSshPublicKey[];
  readonly serviceCredentials: SeededServiceCredential[];
}

/**
 * Uploads SSH public keys and creates service-specific credentials for users that already
 * exist, each backdated as certificates are (seedUsers): moto's IAM clock is moved to each age
 * in turn, then put back; then the ones to leave Inactive are switched off. With
 * `concurrency: 1` every request is sent in the order given, so a seeded moto hands out the
 * same ids on every run. Secrets are not kept: IAM shows them once, and nothing here needs them.
 */
export async function seedUserCredentials(
  iam: IAMClient,
  endpoint: string,
  holders: readonly SeedUserCredentials[],
  { concurrency = SEED_CONCURRENCY }: { readonly concurrency?: number } = {},
): Promise<SeededUserCredentials> {
  const limit = pLimit(concurrency);
  const keys = holders.flatMap(({ userName, sshPublicKeys = [] }) =>
    sshPublicKeys.map((key) => ({ userName, key, body: key.body ?? generateSshPublicKey() })),
  );
  const credentials = holders.flatMap(({ userName, serviceCredentials = [] }) =>
    serviceCredentials.map((credential) => ({ userName, credential })),
  );
  const keyIds = new Map<(typeof keys)[number], string>();
  const credentialIds = new Map<(typeof credentials)[number], string>();
  const ages = [
    ...new Set([
      ...keys.map(({ key }) => key.ageDays),
      ...credentials.map(({ credential }) => credential.ageDays),
    ]),
  ];
  try {
    for (const age of ages) {
      await setIamClock(endpoint, age);
      await Promise.all([
        ...keys
          .filter(({ key }) => key.ageDays === age)
          .map((entry) =>
            limit(async () => {
              const { SSHPublicKey } = await iam.send(
                new UploadSSHPublicKeyCommand({
                  UserName: entry.userName,
                  SSHPublicKeyBody: entry.body,
                }),
              );
              keyIds.set(entry, SSHPublicKey?.SSHPublicKeyId ?? '');
            }),
          ),
        ...credentials
          .filter(({ credential }) => credential.ageDays === age)
          .map((entry) =>
            limit(async () => {
              const { ServiceSpecificCredential } = await iam.send(
                new CreateServiceSpecificCredentialCommand({
                  UserName: entry.userName,
                  ServiceName: entry.credential.serviceName,
                  CredentialAgeDays: entry.credential.credentialAgeDays,
                }),
              );
              credentialIds.set(
                entry,
                ServiceSpecificCredential?.ServiceSpecificCredentialId ?? '',
              );
            }),
          ),
      ]);
    }
  } finally {
    await setIamClock(endpoint, 0);
  }
  const seeded: SeededUserCredentials = {
    sshPublicKeys: keys.map((entry) => ({
      userName: entry.userName,
      sshPublicKeyId: keyIds.get(entry) ?? '',
      body: entry.body,
      ageDays: entry.key.ageDays,
      status: entry.key.status ?? 'Active',
    })),
    serviceCredentials: credentials.map((entry) => ({
      userName: entry.userName,
      serviceSpecificCredentialId: credentialIds.get(entry) ?? '',
      serviceName: entry.credential.serviceName,
      ageDays: entry.credential.ageDays,
      credentialAgeDays: entry.credential.credentialAgeDays,
      status: entry.credential.status ?? 'Active',
    })),
  };
  await Promise.all([
    ...seeded.sshPublicKeys
      .filter((key) => key.status === 'Inactive')
      .map((key) =>
        limit(() =>
          iam.send(
            new UpdateSSHPublicKeyCommand({
              UserName: key.userName,
              SSHPublicKeyId: key.sshPublicKeyId,
              Status: 'Inactive',
            }),
          ),
        ),
      ),
    ...seeded.serviceCredentials
      .filter((credential) => credential.status === 'Inactive')
      .map((credential) =>
        limit(() =>
          iam.send(
            new UpdateServiceSpecificCredentialCommand({
              UserName: credential.userName,
              ServiceSpecificCredentialId: credential.serviceSpecificCredentialId,
              Status: 'Inactive',
            }),
          ),
        ),
      ),
  ]);
  return seeded;
}

/** Every user's certificates as moto holds them now, keyed by certificate id. */
export async function readCertificates(iam: IAMClient): Promise<Map<string, SigningCertificate>> {
  const certificates = new Map<string, SigningCertificate>();
  for await (const page of paginateListUsers({ client: iam }, {})) {
    for (const user of page.Users ?? []) {
      const pages = paginateListSigningCertificates({ client: iam }, { UserName: user.UserName });
      for await (const certPage of pages) {
        for (const certificate of certPage.Certificates ?? []) {
          certificates.set(certificate.CertificateId ?? '', certificate);
        }
      }
    }
  }
  return certificates;
}

/** Certificate id → status, for comparing moto's state before and after a run. */
export async function readStatuses(iam: IAMClient): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  for (const [id, certificate] of await readCertificates(iam)) {
    statuses.set(id, certificate.Status ?? '');
  }
  return statuses;
}

/** A topic with an SQS queue subscribed to it (raw delivery), as a human's mailbox stand-in. */
export interface Mailbox {
  readonly topicArn: string;
  readonly queueUrl: string;
}

/** Creates a topic and a queue subscribed to it with raw message delivery. */
export async function createMailbox(clients: EmulatorClients, name = 'findings'): Promise<Mailbox> {
  const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: name }));
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { topicArn: TopicArn ?? '', queueUrl: QueueUrl ?? '' };
}

/** A message as the subscribed queue received it. */
export interface ReceivedMessage {
  readonly body: string;
  readonly attributes: Record<string, { DataType?: string; StringValue?: string }>;
}

/** Drains the queue: every message delivered so far, in no particular order. */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) return received;
    for (const message of Messages) {
      received.push({ body: message.Body ?? '', attributes: message.MessageAttributes ?? {} });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
}

/** Parses the parts of one report and puts them back together: one summary, all findings. */
export function reassemble(messages: readonly ReceivedMessage[]): Report {
  const parts = messages
    .map((message) => JSON.parse(message.body) as Report)
    .sort((a, b) => a.part.index - b.part.index);
  const [first] = parts;
  if (!first) throw new Error('no report was delivered');
  const counts = new Set(parts.map((part) => `${part.runId}/${part.part.count}`));
  if (counts.size !== 1 || first.part.count !== parts.length) {
    throw new Error(
      `expected ${first.part.count} parts of one report, got ${[...counts].join(', ')}`,
    );
  }
  const findings: Finding[] = parts.flatMap((part) => part.findings);
  return { ...first, part: { index: 1, count: 1 }, findings };
}
