import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  it('seeds the demo account, prints the exports the CLI runs with, and leaves nothing behind on Ctrl-C', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/emulator.ts'], {
      cwd: join(import.meta.dirname, '../..'),
      env: {
        PATH: process.env.PATH ?? '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await vi.waitFor(() => expect(stdout).toContain('export EMULATOR_BUCKET='), {
        timeout: 60_000,
        interval: 200,
      });
      const exports = Object.fromEntries(
        [...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
      );

      // The CLI, as the docs run it, against the emulator.
      const run = spawnSync(
        process.execPath,
        [join(import.meta.dirname, '../../dist/bin/cli.js'), '--format', 'json'],
        { env: { PATH: process.env.PATH ?? '', ...exports }, encoding: 'utf8', timeout: 60_000 },
      );
      const report = JSON.parse(run.stdout) as {
        summary: { usersScanned: number; exempt: number };
      };

      expect(run.status).toBe(1);
      expect(report.summary).toMatchObject({ usersScanned: 32, exempt: 1 });

      // The CLI page's examples, as written, each against the emulator.
      const page = readFileSync(join(import.meta.dirname, '../../docs/cli.md'), 'utf8');
      const block = /```bash emulator-examples\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
      const examples = block.split('\n').filter((line) => line.trim() !== '');
      expect(examples.length).toBeGreaterThanOrEqual(5);
      for (const example of examples) {
        const ran = spawnSync('bash', ['-c', `set -o pipefail; ${example}`], {
          cwd: join(import.meta.dirname, '../..'),
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...exports },
          encoding: 'utf8',
          timeout: 60_000,
        });
        // 1: the emulated account holds failing findings on purpose.
        expect({
          example,
          status: ran.status,
          stderr: (ran.status ?? 2) > 1 ? ran.stderr : '',
        }).toEqual({
          example,
          status: expect.toBeOneOf([0, 1]),
          stderr: '',
        });
      }

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      await expect(fetch(`${exports.AWS_ENDPOINT_URL}/moto-api/data.json`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
