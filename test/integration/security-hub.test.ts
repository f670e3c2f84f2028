import { DeleteSigningCertificateCommand, DeleteUserCommand } from '@aws-sdk/client-iam';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Finding } from '../../lambda/core/report';
import { securityHubSink } from '../../lambda/sinks/security-hub';
import {
  createMailbox,
  EMULATOR_ENV,
  type Mailbox,
  MOTO_ACCOUNT_ID,
  type SeededCertificate,
  seedUsers,
} from '../../tools/emulator/emulator';
import { iamErrorXml, startFaultProxy } from '../../tools/emulator/fault-proxy';
import { resetMoto } from '../../tools/emulator/moto';
import { findingOf, reportOf } from '../unit/fixtures';
import { bedrockKeyFinding, everyKindPolicy, sshKeyFinding } from '../unit/kind-findings';
import { clients, endpoint, invokeHandler } from './harness';

const hub = new SecurityHubClient({
  endpoint,
  region: EMULATOR_ENV.AWS_REGION,
  credentials: {
    accessKeyId: EMULATOR_ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: EMULATOR_ENV.AWS_SECRET_ACCESS_KEY,
  },
});

let mailbox: Mailbox;
let seeded: SeededCertificate[];

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  seeded = await seedUsers(clients.iam, endpoint, [
    { userName: 'alice', certificates: [{ ageDays: 200 }] },
    { userName: 'bob', certificates: [{ ageDays: 300 }] },
    { userName: 'carol', certificates: [{ ageDays: 5 }] },
  ]);
});

const audit = (env: Record<string, string> = {}) =>
  invokeHandler({
    TOPIC_ARN: mailbox.topicArn,
    SECURITY_HUB_REGION: EMULATOR_ENV.AWS_REGION,
    ...env,
  });

/** Our findings as Security Hub holds them, by Id. */
async function ours() {
  const { Findings = [] } = await hub.send(new GetFindingsCommand({ MaxResults: 100 }));
  return Findings.filter((f) => f.Id?.startsWith('signing-cert-audit/'));
}

/** Our findings as Security Hub holds them, by certificate: record state and compliance. */
async function held(): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await ours()).map((f) => [
      f.Id?.split('/')[2] ?? '',
      `${f.RecordState} ${f.Compliance?.Status}`,
    ]),
  );
}

/** GetAccountSummary's answer when the root user holds a signing certificate. */
const ROOT_CERTIFICATE_SUMMARY = `<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountSummaryResult><SummaryMap><entry><key>AccountSigningCertificatesPresent</key><value>1</value></entry></SummaryMap></GetAccountSummaryResult><ResponseMetadata><RequestId>root</RequestId></ResponseMetadata></GetAccountSummaryResponse>`;

/** Runs the real handler with its EMF metrics on, and returns the summary and the metrics. */
async function auditWithMetrics(env: Record<string, string>) {
  const printed: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    const summary = await audit({ ...env, POWERTOOLS_METRICS_DISABLED: 'false' });
    const emf = printed
      .join('')
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // The account-wide document: a run listing more kinds also prints one a kind and count.
    return { summary, metrics: emf.find((doc) => !('credentialType' in doc)) ?? {} };
  } finally {
    spy.mockRestore();
  }
}

const idOf = (userName: string) =>
  seeded.find((certificate) => certificate.userName === userName)?.certificateId ?? '';

describe('Security Hub (through the real handler, on moto)', () => {
  it('imports a finding per over-age certificate, then resolves them once remediated', async () => {
    await audit({ MODE: 'report' });

    expect(await held()).toEqual({
      [idOf('alice')]: 'ACTIVE FAILED',
      [idOf('bob')]: 'ACTIVE FAILED',
    });

    await audit({ MODE: 'deactivate' });
    await audit({ MODE: 'deactivate' });

    expect(await held()).toEqual({
      [idOf('alice')]: 'ARCHIVED PASSED',
      [idOf('bob')]: 'ARCHIVED PASSED',
    });
  });

  it('archives the findings of a user deleted between runs', async () => {
    await audit();
    await clients.iam.send(
      new DeleteSigningCertificateCommand({ UserName: 'bob', CertificateId: idOf('bob') }),
    );
    await clients.iam.send(new DeleteUserCommand({ UserName: 'bob' }));

    await audit();

    expect(await held()).toEqual({
      [idOf('alice')]: 'ACTIVE FAILED',
      [idOf('bob')]: 'ARCHIVED PASSED',
    });
  });

  it('archives nothing after a partial run', async () => {
    await audit();
    await clients.iam.send(
      new DeleteSigningCertificateCommand({ UserName: 'bob', CertificateId: idOf('bob') }),
    );
    await clients.iam.send(new DeleteUserCommand({ UserName: 'bob' }));
    const proxy = await startFaultProxy(endpoint, { failActions: ['ListUsers'] });

    try {
      await expect(audit({ AWS_ENDPOINT_URL: proxy.endpoint })).rejects.toThrow(/Audit incomplete/);
    } finally {
      await proxy.close();
    }

    // bob's certificate is gone, but a run that could not list users proves nothing about it.
    expect(await held()).toEqual({
      [idOf('alice')]: 'ACTIVE FAILED',
      [idOf('bob')]: 'ACTIVE FAILED',
    });
  });
});

describe('what a run could not read is never resolved (real handler, moto)', () => {
  it('keeps the findings of a user and a root it could not read, and its metrics say unknown, not 0', async () => {
    // Run 1 reads everything: alice, bob and the root user's certificate.
    const proxy = await startFaultProxy(endpoint, {
      respond: (request) =>
        request.action === 'GetAccountSummary'
          ? { status: 200, xml: ROOT_CERTIFICATE_SUMMARY }
          : undefined,
    });
    try {
      const first = await auditWithMetrics({ AWS_ENDPOINT_URL: proxy.endpoint });
      expect(first.metrics).toMatchObject({ RootSigningCertificate: 1, NonCompliant: 2 });
      expect(await held()).toEqual({
        [idOf('alice')]: 'ACTIVE FAILED',
        [idOf('bob')]: 'ACTIVE FAILED',
        root: 'ACTIVE FAILED',
      });

      // Run 2: AccessDenied on bob's certificates and on GetAccountSummary.
      proxy.configure({
        respond: (request) =>
          (request.action === 'ListSigningCertificates' &&
            request.params.get('UserName') === 'bob') ||
          request.action === 'GetAccountSummary'
            ? { status: 403, xml: iamErrorXml('AccessDenied', 'not authorized') }
            : undefined,
      });
      const second = await auditWithMetrics({ AWS_ENDPOINT_URL: proxy.endpoint });

      expect(await held()).toEqual({
        [idOf('alice')]: 'ACTIVE FAILED',
        [idOf('bob')]: 'ACTIVE FAILED',
        root: 'ACTIVE FAILED',
      });
      expect(second.summary).toMatchObject({ errors: 2, unread: 2, nonCompliant: 1 });
      // Unknown is no data point, never a 0 that reads as fixed; what was read still counts.
      expect(second.metrics).not.toHaveProperty('RootSigningCertificate');
      expect(second.metrics).toMatchObject({ Unread: 2, NonCompliant: 1, Errors: 2 });
    } finally {
      await proxy.close();
    }
  });
});

describe('CreatedAt is the first time a finding was seen (real handler, moto)', () => {
  it('is kept for a finding already resolved, run after run', async () => {
    await audit({ MODE: 'report' });
    const createdAt = async () =>
      Object.fromEntries((await ours()).map((f) => [f.Id ?? '', f.CreatedAt]));
    const first = await createdAt();

    await audit({ MODE: 'deactivate' });
    await audit({ MODE: 'deactivate' });
    await audit({ MODE: 'deactivate' });

    expect(await held()).toEqual({
      [idOf('alice')]: 'ARCHIVED PASSED',
      [idOf('bob')]: 'ARCHIVED PASSED',
    });
    expect(await createdAt()).toEqual(first);
  });
});

describe('every kind of credential in Security Hub (the sink, on moto)', () => {
  it('imports an SSH key and a Bedrock key beside a certificate, then resolves by credential', async () => {
    // Prepare: findings of every kind in moto's account (the fixtures' account).
    const sink = securityHubSink(hub, { region: EMULATOR_ENV.AWS_REGION, partition: 'aws' });
    const kinds = (findings: Finding[]) =>
      reportOf(findings, { accountId: MOTO_ACCOUNT_ID, policy: everyKindPolicy() });
    const arn = (name: string) => `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/${name}`;
    const certificate = findingOf({ userName: 'alice', userArn: arn('alice') });
    const ssh = sshKeyFinding({ userName: 'bob', userArn: arn('bob') });
    const bedrock = bedrockKeyFinding({ userName: 'carol', userArn: arn('carol') });

    // Act: a run that finds all three, then one where bob's key was switched off and carol's
    // is gone.
    await sink.deliver(kinds([certificate, ssh, bedrock]));
    const first = await heldById();
    await sink.deliver(kinds([certificate, { ...ssh, status: 'Inactive' }]));
    const second = await heldById();

    // Assess
    const id = (subject: string) => `signing-cert-audit/${MOTO_ACCOUNT_ID}/${subject}/age`;
    expect(first).toEqual({
      [id('CERTALICE0000000000000001')]: 'ACTIVE FAILED',
      [id('ssh-public-key/APKAALICE000000000001')]: 'ACTIVE FAILED',
      [id('service-specific-credential/ACCAALICE000000000001')]: 'ACTIVE FAILED',
    });
    expect(second).toEqual({
      [id('CERTALICE0000000000000001')]: 'ACTIVE FAILED',
      [id('ssh-public-key/APKAALICE000000000001')]: 'ARCHIVED PASSED',
      [id('service-specific-credential/ACCAALICE000000000001')]: 'ARCHIVED PASSED',
    });
    const stored = (await ours()).find(
      (f) => f.Id === id('service-specific-credential/ACCAALICE000000000001'),
    );
    expect(stored?.Resources?.[1]?.Details?.Other).toMatchObject({
      CredentialType: 'service-specific-credential',
      ServiceName: 'bedrock.amazonaws.com',
    });
  });
});

/** Our findings as Security Hub holds them, by whole Id: record state and compliance. */
async function heldById(): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await ours()).map((f) => [f.Id ?? '', `${f.RecordState} ${f.Compliance?.Status}`]),
  );
}
