import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SigningCertificate } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fingerprintOf } from '../../lambda/core/change-record';
import type { RestoreReport } from '../../lambda/core/restore-report';
import { generateTestCertificate } from '../../tools/emulator/certs';
import {
  createMailbox,
  type Mailbox,
  readCertificates,
  type SeedUser,
  seedUsers,
} from '../../tools/emulator/emulator';
import { startFaultProxy } from '../../tools/emulator/fault-proxy';
import { resetMoto } from '../../tools/emulator/moto';
import { runCli, startCli } from './cli-process';
import { clients, endpoint, invokeHandler } from './harness';

const BUCKET = 'signing-cert-audit-evidence';
let mailbox: Mailbox;

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

/** A certificate with a body of its own: IAM refuses a second copy of a body in an account. */
const own = (name: string, ageDays: number, status: 'Active' | 'Inactive' = 'Active') => ({
  ageDays,
  status,
  body: generateTestCertificate({ commonName: name }),
});

/** An account with certificates over age, Active and Inactive, and one young. */
const ACCOUNT: SeedUser[] = [
  { userName: 'alice', certificates: [own('alice', 400)] },
  { userName: 'bob', certificates: [own('bob', 200), own('bob-young', 10)] },
  { userName: 'heidi', certificates: [own('heidi', 1000, 'Inactive')] },
];

/** IAM's whole state: every certificate with its id, status, upload date and body. */
async function state(): Promise<SigningCertificate[]> {
  return [...(await readCertificates(clients.iam)).values()].sort((a, b) =>
    (a.CertificateId ?? '').localeCompare(b.CertificateId ?? ''),
  );
}

/** What a restore can give back after a deletion: each user's certificates by fingerprint and status. */
async function byFingerprint(): Promise<string[]> {
  return (await state())
    .map((c) => `${c.UserName} ${fingerprintOf(c.CertificateBody ?? '')} ${c.Status}`)
    .sort();
}

/** The runs that recorded changes in the archive, in the order given by the handler's runs. */
async function recordedRuns(): Promise<string[]> {
  const { Contents = [] } = await clients.s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'changes/' }),
  );
  return [...new Set(Contents.map((o) => /\/run=([^/]+)\//.exec(o.Key ?? '')?.[1] ?? ''))];
}

/** The run id of the handler's last archived report. */
async function lastReportRun(): Promise<string> {
  const { Contents = [] } = await clients.s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/' }),
  );
  const latest = Contents.filter((o) => o.Key?.endsWith('.json')).sort(
    (a, b) => (a.LastModified?.getTime() ?? 0) - (b.LastModified?.getTime() ?? 0),
  );
  return /([^/]+)\.json$/.exec(latest.at(-1)?.Key ?? '')?.[1] ?? '';
}

/** The scheduled function, as deployed, with the archive: the record goes there. */
const scheduled = (mode: 'deactivate' | 'delete' | 'report') =>
  invokeHandler({ TOPIC_ARN: mailbox.topicArn, ARCHIVE_BUCKET: BUCKET, MODE: mode });

async function restore(args: readonly string[]) {
  const run = await runCli(['restore', '--format', 'json', ...args]);
  return { ...run, report: run.stdout ? (JSON.parse(run.stdout) as RestoreReport) : undefined };
}

describe('restore after the scheduled function (the real handler, then the real CLI)', () => {
  it('undoes a deactivate run: IAM exactly as before, ids, statuses, dates and bodies', async () => {
    await seedUsers(clients.iam, endpoint, ACCOUNT);
    const before = await state();

    const summary = await scheduled('deactivate');
    const afterRun = await state();
    const [runId = ''] = await recordedRuns();
    const plan = await restore(['--run', runId, '--archive-bucket', BUCKET]);
    const applied = await restore(['--run', runId, '--archive-bucket', BUCKET, '--apply']);

    expect(summary.deactivated).toBe(2);
    expect(afterRun).not.toEqual(before);
    // The plan changes nothing; --apply restores exactly what the run changed.
    expect(plan.status).toBe(0);
    expect(plan.report?.summary).toMatchObject({ recorded: 2, restorable: 2, restored: 0 });
    expect(plan.stderr).toContain('Plan: reactivate 2, upload 0. Nothing was changed');
    expect(applied.status).toBe(0);
    expect(applied.report?.summary).toMatchObject({ restored: 2, refused: 0, failed: 0 });
    expect(await state()).toEqual(before);
  });

  it('undoes a two-step delete: the same fingerprints back, with the statuses they had', async () => {
    await seedUsers(clients.iam, endpoint, ACCOUNT);
    const before = await byFingerprint();

    const first = await scheduled('delete');
    const second = await scheduled('delete');
    const left = (await state()).map((c) => c.UserName);
    const runs = await recordedRuns();
    const run = await restore([
      ...runs.flatMap((id) => ['--run', id]),
      '--archive-bucket',
      BUCKET,
      '--apply',
    ]);

    // Run 1 deactivated alice's and bob's and deleted heidi's; run 2 deleted the two it deactivated.
    expect([first.deactivated, first.deleted, second.deleted]).toEqual([2, 1, 2]);
    expect(left).toEqual(['bob']);
    expect(run.status).toBe(0);
    expect(run.report?.steps.map((s) => [s.userName, s.change, s.action]).sort()).toEqual(
      [
        ['alice', 'DEACTIVATE', 'REACTIVATED'],
        ['alice', 'DELETE', 'UPLOADED'],
        ['bob', 'DEACTIVATE', 'REACTIVATED'],
        ['bob', 'DELETE', 'UPLOADED'],
        ['heidi', 'DELETE', 'UPLOADED'],
      ].sort(),
    );
    expect(await byFingerprint()).toEqual(before);
    // The restore recorded its own changes first, under its own run id: its run entry, then an
    // intent and an outcome each.
    const own = await recordedRuns();
    expect(own).toContain(run.report?.runId);
    const { Contents = [] } = await clients.s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: `changes/account=123456789012/run=${run.report?.runId}/`,
      }),
    );
    expect(Contents).toHaveLength(11);
    expect(Contents.filter((o) => o.Key?.endsWith('/run-entry.json'))).toHaveLength(1);
  });

  it('withholds every restore when more are planned than --max-actions, and writes the report to --output', async () => {
    await seedUsers(clients.iam, endpoint, ACCOUNT);
    await scheduled('deactivate');
    const afterRun = await state();
    const [runId = ''] = await recordedRuns();
    const output = join(mkdtempSync(join(tmpdir(), 'restore-out-')), 'restore.csv');

    const run = await runCli([
      'restore',
      '--run',
      runId,
      '--archive-bucket',
      BUCKET,
      '--apply',
      '--max-actions',
      '1',
      '--format',
      'csv',
      '--output',
      output,
    ]);

    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'the blast-radius guard withheld 2 restore(s), more than --max-actions 1',
    );
    const rows = readFileSync(output, 'utf8').trimEnd().split('\r\n');
    expect(rows[0]).toMatch(/^accountId,runId,userName,certificateId,fingerprint256,change,/);
    expect(rows.slice(1).map((row) => row.split(',')[10])).toEqual(['WITHHELD', 'WITHHELD']);
    expect(await state()).toEqual(afterRun);
  });

  it('stops starting steps on Ctrl-C, finishes the one in flight, and says what was done (exit 130)', async () => {
    await seedUsers(clients.iam, endpoint, ACCOUNT);
    await scheduled('deactivate');
    const [runId = ''] = await recordedRuns();
    let cli: ReturnType<typeof startCli> | undefined;
    const proxy = await startFaultProxy(
      endpoint,
      {
        onRequest: async (request) => {
          if (request.action !== 'UpdateSigningCertificate' || cli === undefined) return;
          // Ctrl-C while the first reactivation is in flight; it goes on once the signal is in.
          cli.child.kill('SIGINT');
          await new Promise((resolve) => setTimeout(resolve, 500));
        },
      },
      { record: false },
    );
    cli = startCli(
      ['restore', '--run', runId, '--archive-bucket', BUCKET, '--apply', '--format', 'json'],
      { endpoint: proxy.endpoint },
    );
    const run = await cli.done;
    await proxy.close();

    const report = JSON.parse(run.stdout) as RestoreReport;
    expect(run.status).toBe(130);
    expect(report.complete).toBe(false);
    expect(report.steps.map((s) => s.action)).toEqual(['REACTIVATED', 'NONE']);
    expect(report.steps[1]?.detail).toContain('not attempted: the run was stopped first');
    // heidi's, Inactive before the run, and the one not attempted.
    expect((await state()).filter((c) => c.Status === 'Inactive')).toHaveLength(2);
  });

  it('changes nothing the second time', async () => {
    await seedUsers(clients.iam, endpoint, ACCOUNT);
    await scheduled('delete');
    const [runId = ''] = await recordedRuns();
    await restore(['--run', runId, '--archive-bucket', BUCKET, '--apply']);
    const once = await state();
    // Counting only: the suite's own proxy behind it records the calls.
    const proxy = await startFaultProxy(endpoint, {}, { record: false });

    const again = await runCli(
      ['restore', '--run', runId, '--archive-bucket', BUCKET, '--apply', '--format', 'json'],
      { endpoint: proxy.endpoint },
    );
    await proxy.close();

    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).summary).toMatchObject({ restored: 0, alreadyRestored: 3 });
    expect(again.stderr).toContain('Nothing to restore');
    for (const write of ['UpdateSigningCertificate', 'UploadSigningCertificate']) {
      expect(proxy.counts.received.get(write) ?? 0).toBe(0);
    }
    expect(await state()).toEqual(once);
  });

  it('restores nothing after a run that changed nothing, and says so', async () => {
    await seedUsers(clients.iam, endpoint, [{ userName: 'young', certificates: [own('y', 5)] }]);
    await scheduled('deactivate');
    const runId = await lastReportRun();

    const run = await restore(['--run', runId, '--archive-bucket', BUCKET, '--apply']);

    expect(runId).not.toBe('');
    expect(run.status).toBe(0);
    expect(run.report?.summary.recorded).toBe(0);
    expect(run.stderr).toContain(`Run ${runId}: no change recorded in s3://${BUCKET}/changes/`);
    expect(run.stderr).toContain('Nothing to restore.');
  });
});

describe('the body is kept in the record only', () => {
  it('appears in no log line, message, digest, report or HTML page, and in the record', async () => {
    await seedUsers(clients.iam, endpoint, ACCOUNT);
    const bodyLines = ACCOUNT.flatMap((user) => user.certificates ?? []).map(
      (certificate) => certificate.body?.split('\n')[2] ?? 'unreachable',
    );
    const logged: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      logged.push(String(chunk));
      return true;
    });
    // Every Publish as sent: its Message holds the report for SQS and the digest for email.
    const published: string[] = [];
    const proxy = await startFaultProxy(endpoint, {
      onRequest: (request) => {
        if (request.action === 'Publish') published.push(request.params.get('Message') ?? '');
      },
    });
    try {
      await invokeHandler({
        TOPIC_ARN: mailbox.topicArn,
        ARCHIVE_BUCKET: BUCKET,
        MODE: 'delete',
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
        AWS_ENDPOINT_URL: proxy.endpoint,
      });
    } finally {
      spy.mockRestore();
      await proxy.close();
    }
    const messages = published.flatMap((message) => {
      const { default: report, email } = JSON.parse(message) as { default: string; email: string };
      return [report, email];
    });
    // The digest is among them (a run of every kind, the default, is an IAM credential audit).
    expect(messages.some((m) => m.includes('IAM credential audit of account'))).toBe(true);
    const objects = async (prefix: string) => {
      const { Contents = [] } = await clients.s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }),
      );
      return Promise.all(
        Contents.map(async (o) => {
          const { Body } = await clients.s3.send(
            new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }),
          );
          return (await Body?.transformToString()) ?? '';
        }),
      );
    };
    const evidence = [...(await objects('reports/')), ...(await objects('findings/'))];
    const record = (await objects('changes/')).join('\n');

    expect(logged.length).toBeGreaterThan(0);
    expect(messages.length).toBeGreaterThan(0);
    // The report, its page, its OCSF findings (reports/) and its findings (findings/).
    expect(evidence.length).toBe(4);
    for (const line of bodyLines) {
      for (const text of [...logged, ...messages, ...evidence]) expect(text).not.toContain(line);
    }
    // The control: the record holds the body of each certificate changed (alice, bob and heidi).
    expect(bodyLines.filter((line) => record.includes(line))).toHaveLength(3);
  });
});

describe('the record cannot be skipped', () => {
  it('makes no change when the archive cannot be written (the real handler)', async () => {
    await seedUsers(clients.iam, endpoint, ACCOUNT);
    const before = await state();

    await expect(
      invokeHandler({
        TOPIC_ARN: mailbox.topicArn,
        ARCHIVE_BUCKET: 'no-such-bucket',
        MODE: 'delete',
      }),
    ).rejects.toThrow(/Delivering the report failed/);

    expect(await state()).toEqual(before);
  });

  it('refuses delete mode without a place for the record: the function at start-up, the CLI before any call', async () => {
    await expect(invokeHandler({ TOPIC_ARN: mailbox.topicArn, MODE: 'delete' })).rejects.toThrow(
      /^MODE=delete needs ARCHIVE_BUCKET/,
    );
    const cli = await runCli(['--mode', 'delete', '--apply']);

    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain(
      '--mode=delete needs --change-record FILE or --archive-bucket BUCKET',
    );
  });
});

describe('a process killed between its record and its change', () => {
  /**
   * Runs `--mode deactivate --apply --change-record FILE` and kills it (SIGKILL: no handler runs)
   * while IAM holds its UpdateSigningCertificate call: before the call reaches IAM, or after.
   */
  async function killedAt(moment: 'before the change' | 'after the change') {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    const file = join(mkdtempSync(join(tmpdir(), 'killed-')), 'changes.jsonl');
    let cli: ReturnType<typeof startCli> | undefined;
    const proxy = await startFaultProxy(endpoint, {
      onRequest: async (request) => {
        if (request.action !== 'UpdateSigningCertificate' || cli === undefined) return;
        cli.child.kill('SIGKILL');
        await cli.done;
        // Thrown: the proxy answers 502 and IAM never sees the call. Returned: it is forwarded.
        if (moment === 'before the change') throw new Error('held, never forwarded');
      },
    });
    cli = startCli(['--mode', 'deactivate', '--apply', '--change-record', file], {
      endpoint: proxy.endpoint,
    });
    const killed = await cli.done;
    // A forwarded call completes in moto after the client is gone: wait for it.
    for (let i = 0; i < 100 && moment === 'after the change'; i += 1) {
      if ((proxy.counts.forwarded.get('UpdateSigningCertificate') ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await proxy.close();
    const runId = (
      JSON.parse(readFileSync(file, 'utf8').split('\n')[0] ?? '{}') as { runId: string }
    ).runId;
    return { killed, file, runId };
  }

  it('left the record of a change IAM never saw: restore reads IAM and restores nothing', async () => {
    const { killed, file, runId } = await killedAt('before the change');

    const run = await restore(['--run', runId, '--change-record', file, '--apply']);

    expect(killed.status).toBe(128);
    // The run's own entry, then the intent of the change it was killed in.
    expect(
      readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { entry: string }).entry),
    ).toEqual(['run', 'intent']);
    expect(run.status).toBe(0);
    expect(run.report?.steps[0]).toMatchObject({
      recordedOutcome: null,
      verdict: 'NOTHING_TO_RESTORE',
      action: 'NONE',
    });
    expect(run.report?.steps[0]?.detail).toMatch(/no outcome .*IAM shows the certificate Active/);
    expect((await state()).map((c) => c.Status)).toEqual(['Active']);
  });

  it('left the record of a change IAM made: restore names what IAM shows, and undoes it when told', async () => {
    const { file, runId } = await killedAt('after the change');

    const refused = await restore(['--run', runId, '--change-record', file, '--apply']);
    const included = await restore([
      '--run',
      runId,
      '--change-record',
      file,
      '--apply',
      '--include-incomplete',
    ]);

    expect(refused.status).toBe(1);
    expect(refused.report?.steps[0]?.verdict).toBe('REFUSED');
    expect(refused.report?.steps[0]?.detail).toMatch(/IAM shows it Inactive .*probably made/);
    expect(included.status).toBe(0);
    expect(included.report?.steps[0]).toMatchObject({
      verdict: 'RESTORABLE',
      action: 'REACTIVATED',
    });
    expect((await state()).map((c) => c.Status)).toEqual(['Active']);
  });
});
