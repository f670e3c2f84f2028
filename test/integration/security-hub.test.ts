import { DeleteSigningCertificateCommand, DeleteUserCommand } from '@aws-sdk/client-iam';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createMailbox,
  EMULATOR_ENV,
  type Mailbox,
  type SeededCertificate,
  seedUsers,
} from '../../tools/emulator/emulator';
import { startFaultProxy } from '../../tools/emulator/fault-proxy';
import { resetMoto } from '../../tools/emulator/moto';
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

/** Our findings as Security Hub holds them, by certificate: record state and compliance. */
async function held(): Promise<Record<string, string>> {
  const { Findings = [] } = await hub.send(new GetFindingsCommand({ MaxResults: 100 }));
  return Object.fromEntries(
    Findings.filter((f) => f.Id?.startsWith('signing-cert-audit/')).map((f) => [
      f.Id?.split('/')[2] ?? '',
      `${f.RecordState} ${f.Compliance?.Status}`,
    ]),
  );
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
