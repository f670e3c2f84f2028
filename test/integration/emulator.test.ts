import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IAMClient, ListSigningCertificatesCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { PublishCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMailbox, memberClients, seedUsers } from '../../tools/emulator/emulator';
import { type FaultSettings, startFaultProxy } from '../../tools/emulator/fault-proxy';
import { resetMoto, setIamClock, startMoto } from '../../tools/emulator/moto';
import { clients, endpoint } from './harness';

const DAY_MS = 86_400_000;

beforeEach(async () => {
  await resetMoto(endpoint);
});

describe('the moto launcher', () => {
  it('backdates an upload by the IAM clock offset, to the millisecond', async () => {
    const before = Date.now();
    const [seeded] = await seedUsers(clients.iam, endpoint, [
      { userName: 'old', certificates: [{ ageDays: 90.5 }] },
    ]);
    const after = Date.now();

    const { Certificates = [] } = await clients.iam.send(
      new ListSigningCertificatesCommand({ UserName: 'old' }),
    );

    expect(Certificates.map((c) => c.CertificateId)).toEqual([seeded?.certificateId]);
    const uploaded = Certificates[0]?.UploadDate?.getTime() ?? 0;
    // The upload happened between `before` and `after`, 90.5 days earlier on IAM's clock.
    expect(uploaded).toBeGreaterThanOrEqual(before - 90.5 * DAY_MS - 1);
    expect(uploaded).toBeLessThanOrEqual(after - 90.5 * DAY_MS + 1);
  });

  it('puts the clock back after seeding, and moves only IAM', async () => {
    await setIamClock(endpoint, 400);
    const mailbox = await createMailbox(clients, 'clock-check');
    const published = Date.now();
    await clients.sns.send(new PublishCommand({ TopicArn: mailbox.topicArn, Message: 'tick' }));
    await setIamClock(endpoint, 0);
    await seedUsers(clients.iam, endpoint, [{ userName: 'now', certificates: [{ ageDays: 0 }] }]);

    const { Certificates = [] } = await clients.iam.send(
      new ListSigningCertificatesCommand({ UserName: 'now' }),
    );
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: mailbox.queueUrl,
        MessageSystemAttributeNames: ['SentTimestamp'],
        WaitTimeSeconds: 0,
      }),
    );

    expect(Math.abs(Date.now() - (Certificates[0]?.UploadDate?.getTime() ?? 0))).toBeLessThan(
      60_000,
    );
    const sent = Number(Messages[0]?.Attributes?.SentTimestamp);
    expect(Math.abs(sent - published)).toBeLessThan(60_000);
  });

  it('refuses an offset that is not a number', async () => {
    const response = await fetch(`${endpoint}/_signing-cert-audit/iam-clock`, {
      method: 'POST',
      body: 'ninety days',
    });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('not a number of seconds');
  });

  it('leaves no server behind once stopped', async () => {
    const moto = await startMoto();
    await expect(fetch(`${moto.endpoint}/moto-api/data.json`)).resolves.toHaveProperty('ok', true);

    await moto.stop();

    await expect(fetch(`${moto.endpoint}/moto-api/data.json`)).rejects.toThrow();
  });
});

describe('the fault proxy', () => {
  /** ListUsers twice from each of two accounts, through a proxy allowing one request a bucket. */
  async function twiceFromTwoAccounts(settings: FaultSettings): Promise<string[]> {
    const proxy = await startFaultProxy(endpoint, { ratePerSecond: 0.001, burst: 1, ...settings });
    try {
      const outcomes: string[] = [];
      for (const account of ['111111111111', '222222222222']) {
        const { iam } = await memberClients(endpoint, account);
        const throughProxy = new IAMClient({
          endpoint: proxy.endpoint,
          region: 'us-east-1',
          credentials: await iam.config.credentials(),
          maxAttempts: 1,
        });
        for (let call = 0; call < 2; call += 1) {
          outcomes.push(
            await throughProxy.send(new ListUsersCommand({})).then(
              () => 'ok',
              (error: Error) => error.name,
            ),
          );
        }
      }
      return outcomes;
    } finally {
      await proxy.close();
    }
  }

  it('limits each caller on its own with rateScope caller, as IAM limits each account', async () => {
    expect(await twiceFromTwoAccounts({ rateScope: 'caller' })).toEqual([
      'ok',
      'Throttling',
      'ok',
      'Throttling',
    ]);
  });

  it('limits everything together by default', async () => {
    expect(await twiceFromTwoAccounts({})).toEqual([
      'ok',
      'Throttling',
      'Throttling',
      'Throttling',
    ]);
  });
});

describe('npm run emulator', () => {
  it('seeds the demo account in an organization, prints the exports the CLI runs with, and leaves nothing behind on Ctrl-C', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/emulator.ts'], {
      cwd: join(import.meta.dirname, '../..'),
      env: {
        PATH: process.env.PATH ?? '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...(process.env.MOTO_PYTHON ? { MOTO_PYTHON: process.env.MOTO_PYTHON } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await vi.waitFor(() => expect(stdout).toContain('export EMULATOR_MEMBER_ACCOUNTS='), {
        timeout: 60_000,
        interval: 200,
      });
      const exports = Object.fromEntries(
        [...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
      );
      // The AWS CLI v1 reads the region from AWS_DEFAULT_REGION only.
      expect(exports).toMatchObject({ AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' });
      const scratch = exports.EMULATOR_DIR ?? '';
      expect(statSync(scratch).isDirectory()).toBe(true);
      const members = (exports.EMULATOR_MEMBER_ACCOUNTS ?? '').split(',');
      expect(members).toHaveLength(3);

      /** The CLI, as the docs run it, against the emulator. */
      const cli = (...args: string[]) => {
        const run = spawnSync(
          process.execPath,
          [join(import.meta.dirname, '../../dist/bin/cli.js'), '--format', 'json', ...args],
          { env: { PATH: process.env.PATH ?? '', ...exports }, encoding: 'utf8', timeout: 60_000 },
        );
        return { status: run.status, report: JSON.parse(run.stdout) as Record<string, unknown> };
      };

      const account = cli();
      expect(account.status).toBe(1);
      // The exempt vendor's certificate and SSH key: every kind is read by default.
      expect(account.report.summary).toMatchObject({ usersScanned: 32, exempt: 2 });

      // --organization: every ACTIVE account ListAccounts names, each through its member role.
      const organization = cli('--organization');
      expect(organization.status).toBe(1);
      expect(organization.report.counts).toMatchObject({ accounts: 4, audited: 4, failed: 0 });
      expect(
        (organization.report.accounts as { accountId: string }[]).map((a) => a.accountId),
      ).toEqual(['123456789012', ...members].sort());
      // An account outside the organization: AccessDenied, as without the member role.
      const outside = cli('--accounts', '111111111111');
      expect(outside.status).toBe(3);
      expect(JSON.stringify(outside.report.accounts)).toContain('AccessDenied');

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      await expect(fetch(`${exports.AWS_ENDPOINT_URL}/moto-api/data.json`)).rejects.toThrow();
      expect(existsSync(scratch)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
