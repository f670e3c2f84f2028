import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateUserCommand,
  DeleteUserCommand,
  GetUserCommand,
  type SigningCertificate,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type ChangeEntry,
  type ChangeIntent,
  changeEntryKey,
  fingerprintOf,
} from '../../lambda/core/change-record';
import type { RestoreReport } from '../../lambda/core/restore-report';
import { generateTestCertificate } from '../../tools/emulator/certs';
import {
  createMailbox,
  EMULATOR_ENV,
  memberClients,
  readCertificates,
  seedUsers,
} from '../../tools/emulator/emulator';
import { startFaultProxy } from '../../tools/emulator/fault-proxy';
import { resetMoto } from '../../tools/emulator/moto';
import { CLI, operatorEnv, runCli, startCli } from './cli-process';
import { clients, endpoint, invokeHandler } from './harness';

/**
 * The attacks on the change record and `restore` that a careless or hostile operator would make,
 * each through the real CLI (or the real handler, then the real CLI) on the emulator.
 */

const BUCKET = 'signing-cert-audit-attacks';

beforeEach(async () => {
  await resetMoto(endpoint);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

/** A certificate with a body of its own (IAM refuses a second copy of a body). */
const own = (name: string, ageDays: number, status: 'Active' | 'Inactive' = 'Active') => ({
  ageDays,
  status,
  body: generateTestCertificate({ commonName: name }),
});

const dir = () => mkdtempSync(join(tmpdir(), 'restore-attack-'));

async function state(iam = clients.iam): Promise<SigningCertificate[]> {
  return [...(await readCertificates(iam)).values()].sort((a, b) =>
    `${a.UserName}${a.CertificateId}`.localeCompare(`${b.UserName}${b.CertificateId}`),
  );
}

/** Each user's certificates by fingerprint and status. */
async function byFingerprint(iam = clients.iam): Promise<string[]> {
  return (await state(iam))
    .map((c) => `${c.UserName} ${fingerprintOf(c.CertificateBody ?? '')} ${c.Status}`)
    .sort();
}

/** The whole lines of a local record, parsed (a torn line is passed over). */
function entriesOf(file: string): ChangeEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as ChangeEntry];
      } catch {
        return [];
      }
    });
}

/** The run ids a local record holds, in the order they first appear. */
function runsOf(file: string): string[] {
  return [...new Set(entriesOf(file).map((e) => e.runId))];
}

async function restore(args: readonly string[]) {
  const run = await runCli(['restore', '--format', 'json', ...args]);
  let report: RestoreReport | undefined;
  try {
    report = run.stdout ? (JSON.parse(run.stdout) as RestoreReport) : undefined;
  } catch {
    report = undefined;
  }
  return { ...run, report };
}

/** An --apply audit with a local record. */
const audit = (mode: 'deactivate' | 'delete', record: string, more: readonly string[] = []) =>
  runCli(['--mode', mode, '--apply', '--change-record', record, '--format', 'json', ...more]);

describe('1. a record is never written over by the command that keeps it', () => {
  it('refuses --output naming the record, by the same path, another spelling, a symbolic or a hard link', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    const folder = dir();
    const record = join(folder, 'changes.jsonl');
    mkdirSync(join(folder, 'sub'));
    const before = await state();

    const same = await audit('deactivate', record, ['--output', record]);
    const spelled = await audit('deactivate', record, [
      '--output',
      join(folder, 'sub', '..', 'changes.jsonl'),
    ]);
    symlinkSync(record, join(folder, 'link.json'));
    const linked = await audit('deactivate', record, ['--output', join(folder, 'link.json')]);

    for (const run of [same, spelled, linked]) {
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('--output and --change-record name the same file');
    }
    expect(await state()).toEqual(before);

    // A hard link to a record that holds a run.
    const made = await audit('deactivate', record);
    expect(made.status).toBe(1);
    const kept = readFileSync(record, 'utf8');
    linkSync(record, join(folder, 'hard.json'));
    const hard = await audit('deactivate', join(folder, 'hard.json'), ['--output', record]);
    expect(hard.status).toBe(2);
    expect(readFileSync(record, 'utf8')).toBe(kept);
  });

  it('refuses a restore plan whose --output is its record, and never writes the record', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400, 'Inactive')] },
    ]);
    const record = join(dir(), 'changes.jsonl');
    await audit('delete', record);
    const kept = readFileSync(record, 'utf8');
    const [runId = ''] = runsOf(record);

    const plan = await restore(['--run', runId, '--change-record', record, '--output', record]);
    const elsewhere = await restore(['--run', runId, '--change-record', record]);

    expect(plan.status).toBe(2);
    expect(plan.stderr).toContain('--change-record and --output name the same file');
    expect(elsewhere.status).toBe(0);
    expect(elsewhere.report?.summary.restorable).toBe(1);
    // The only copy of the deleted certificate's body is where it was, byte for byte.
    expect(readFileSync(record, 'utf8')).toBe(kept);
  });

  it('refuses an --output that holds a change record, whichever command writes it', async () => {
    const record = join(dir(), 'changes.jsonl');
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    await audit('deactivate', record);
    const kept = readFileSync(record, 'utf8');

    const report = await runCli(['--format', 'json', '--output', record]);

    expect(report.status).toBe(2);
    expect(report.stderr).toContain('holds a change record');
    expect(readFileSync(record, 'utf8')).toBe(kept);
  });
});

describe('2. a certificate is never given to another user of the same name', () => {
  it('refuses a user deleted and created again, naming both ids, and uploads nothing', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    const record = join(dir(), 'changes.jsonl');
    const oldId = (await clients.iam.send(new GetUserCommand({ UserName: 'alice' }))).User?.UserId;
    // Two runs: the first deactivates, the second deletes.
    await audit('delete', record);
    await audit('delete', record);
    expect(await state()).toEqual([]);
    await clients.iam.send(new DeleteUserCommand({ UserName: 'alice' }));
    await clients.iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const newId = (await clients.iam.send(new GetUserCommand({ UserName: 'alice' }))).User?.UserId;

    const run = await restore([
      ...runsOf(record).flatMap((id) => ['--run', id]),
      '--change-record',
      record,
      '--apply',
    ]);

    expect(oldId).not.toBe(newId);
    expect(run.status).toBe(1);
    expect(run.report?.steps.map((s) => s.verdict)).toEqual(['REFUSED', 'REFUSED']);
    expect(run.report?.steps[0]?.detail).toContain(`is now ${newId}, not ${oldId}`);
    expect(await state()).toEqual([]);
    // The record holds the id of the user each change was made to.
    const intents = entriesOf(record).filter((e): e is ChangeIntent => e.entry === 'intent');
    expect(intents.map((e) => e.userId)).toEqual([oldId, oldId]);
  });
});

describe('3. a torn line poisons nothing', () => {
  it('starts the next run on a line of its own, and restores every whole entry around the fragment', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    const before = await state();
    const record = join(dir(), 'changes.jsonl');
    await audit('deactivate', record);
    // The first run's process was killed in the middle of a line.
    appendFileSync(record, '{"recordVersion":"2","entry":"intent","runId":"x","acc');
    await seedUsers(clients.iam, endpoint, [{ userName: 'bob', certificates: [own('bob', 300)] }]);
    const second = await audit('deactivate', record);
    const after = await state();
    const runs = runsOf(record);

    const run = await restore([
      ...runs.flatMap((id) => ['--run', id]),
      '--change-record',
      record,
      '--apply',
    ]);

    expect(second.status).toBe(1);
    expect(after.filter((c) => c.Status === 'Inactive').map((c) => c.UserName)).toEqual([
      'alice',
      'bob',
    ]);
    expect(runs).toHaveLength(2);
    expect(run.status).toBe(0);
    expect(run.report?.summary).toMatchObject({ recorded: 2, restored: 2 });
    expect(run.report?.recordProblems).toEqual([
      `${record}:4: a torn line (a write cut short) skipped: not a whole entry`,
    ]);
    expect(run.stderr).toContain(`${record}:4: a torn line`);
    expect((await state()).filter((c) => c.UserName === 'alice')).toEqual(before);
  });
});

describe('4. restored means the fingerprint and the status', () => {
  it('finishes an upload that was cut before the certificate was set Inactive again', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'heidi', certificates: [own('heidi', 1000, 'Inactive')] },
    ]);
    const before = await byFingerprint();
    const record = join(dir(), 'changes.jsonl');
    await audit('delete', record);
    const [runId = ''] = runsOf(record);
    let cli: ReturnType<typeof startCli> | undefined;
    const proxy = await startFaultProxy(
      endpoint,
      {
        onRequest: async (request) => {
          if (request.action !== 'UpdateSigningCertificate' || cli === undefined) return;
          // Killed between the upload (IAM leaves the copy Active) and setting it Inactive.
          cli.child.kill('SIGKILL');
          await cli.done;
          throw new Error('never forwarded');
        },
      },
      // The suite's own proxy behind it records the calls.
      { record: false },
    );
    cli = startCli(['restore', '--run', runId, '--change-record', record, '--apply'], {
      endpoint: proxy.endpoint,
    });
    await cli.done;
    await proxy.close();
    const cut = await byFingerprint();

    const again = await restore(['--run', runId, '--change-record', record, '--apply']);

    expect(cut.map((line) => line.split(' ')[2])).toEqual(['Active']);
    expect(again.status).toBe(0);
    expect(again.report?.steps[0]).toMatchObject({
      verdict: 'RESTORABLE',
      plannedAction: 'DEACTIVATE',
      action: 'DEACTIVATED',
    });
    expect(await byFingerprint()).toEqual(before);
    const third = await restore(['--run', runId, '--change-record', record, '--apply']);
    expect(third.report?.steps[0]?.verdict).toBe('ALREADY_RESTORED');
  });
});

describe('5. an entry its own run could not have made is not believed', () => {
  it('refuses a forged deletion appended to a deactivate-mode run, and restores the run', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    const before = await state();
    const record = join(dir(), 'changes.jsonl');
    await audit('deactivate', record);
    const genuine = entriesOf(record).find((e): e is ChangeIntent => e.entry === 'intent');
    const body = generateTestCertificate({ commonName: 'mallory' });
    const forged = {
      ...(genuine as ChangeIntent),
      certificateId: 'FORGEDFORGEDFORGEDFORGED01',
      change: 'DELETE',
      status: 'Active',
      fingerprint256: fingerprintOf(body),
      body,
      recordedAt: new Date().toISOString(),
    };
    appendFileSync(
      record,
      `${JSON.stringify(forged)}\n${JSON.stringify({
        recordVersion: '2',
        entry: 'outcome',
        runId: forged.runId,
        accountId: forged.accountId,
        certificateId: forged.certificateId,
        change: 'DELETE',
        recordedAt: forged.recordedAt,
        outcome: 'DELETED',
        error: null,
      })}\n`,
    );

    const run = await restore(['--run', forged.runId, '--change-record', record, '--apply']);

    expect(run.status).toBe(1);
    const steps = run.report?.steps ?? [];
    expect(steps.map((s) => [s.certificateId, s.verdict, s.action])).toEqual([
      ['FORGEDFORGEDFORGEDFORGED01', 'REFUSED', 'NONE'],
      [genuine?.certificateId, 'RESTORABLE', 'REACTIVATED'],
    ]);
    expect(steps[0]?.detail).toContain('was a deactivate-mode run, and only delete mode deletes');
    expect(await state()).toEqual(before);
  });

  it("refuses a deletion the run's archived report does not list (the real handler, then the real CLI)", async () => {
    const mailbox = await createMailbox(clients);
    await seedUsers(clients.iam, endpoint, [
      { userName: 'heidi', certificates: [own('heidi', 1000, 'Inactive')] },
      { userName: 'mallory', certificates: [] },
    ]);
    await invokeHandler({ TOPIC_ARN: mailbox.topicArn, ARCHIVE_BUCKET: BUCKET, MODE: 'delete' });
    const run = (await readCertificates(clients.iam)).size === 0 ? await lastRun() : '';
    const malloryId = (await clients.iam.send(new GetUserCommand({ UserName: 'mallory' }))).User
      ?.UserId;
    const body = generateTestCertificate({ commonName: 'mallory' });
    const forged: ChangeIntent = {
      recordVersion: '2',
      entry: 'intent',
      runId: run,
      accountId: '123456789012',
      certificateId: 'FORGEDFORGEDFORGEDFORGED02',
      change: 'DELETE',
      recordedAt: new Date().toISOString(),
      userName: 'mallory',
      userArn: 'arn:aws:iam::123456789012:user/mallory',
      userId: malloryId ?? '',
      status: 'Inactive',
      uploadDate: null,
      fingerprint256: fingerprintOf(body),
      body,
    };
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: changeEntryKey(forged),
        Body: JSON.stringify(forged),
      }),
    );

    const restored = await restore(['--run', run, '--archive-bucket', BUCKET, '--apply']);

    expect(run).not.toBe('');
    expect(restored.status).toBe(1);
    const forgedStep = restored.report?.steps.find((s) => s.userName === 'mallory');
    expect(forgedStep?.verdict).toBe('REFUSED');
    expect(forgedStep?.detail).toContain('does not list this change');
    expect(restored.report?.steps.find((s) => s.userName === 'heidi')?.action).toBe('UPLOADED');
    expect((await state()).map((c) => c.UserName)).toEqual(['heidi']);
  });
});

/** The run id of the only run recorded in the archive. */
async function lastRun(): Promise<string> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const { Contents = [] } = await clients.s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'changes/' }),
  );
  return /\/run=([^/]+)\//.exec(Contents[0]?.Key ?? '')?.[1] ?? '';
}

describe('6. a mistyped run id is not "nothing to restore"', () => {
  it('refuses a run the local record never held (exit 2, naming the runs it holds), and passes a run that changed nothing (exit 0)', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    const record = join(dir(), 'changes.jsonl');
    await audit('deactivate', record);
    // A second --apply run that finds nothing to change still leaves its line.
    await audit('deactivate', record);
    const [changed = '', quiet = ''] = runsOf(record);

    const typo = await restore(['--run', `${changed.slice(0, -1)}x`, '--change-record', record]);
    const nothing = await restore(['--run', quiet, '--change-record', record]);

    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('is not in');
    expect(typo.stderr).toContain(`The most recent runs it holds: ${quiet}, ${changed}`);
    expect(nothing.status).toBe(0);
    expect(nothing.stderr).toContain('no change recorded');
  });

  it('refuses a run the archive never saw, naming its recent runs', async () => {
    const mailbox = await createMailbox(clients);
    await seedUsers(clients.iam, endpoint, [
      { userName: 'young', certificates: [own('young', 5)] },
    ]);
    await invokeHandler({ TOPIC_ARN: mailbox.topicArn, ARCHIVE_BUCKET: BUCKET, MODE: 'report' });

    const typo = await restore(['--run', 'no-such-run', '--archive-bucket', BUCKET]);

    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/run no-such-run is not in s3:\/\/signing-cert-audit-attacks/);
    expect(typo.stderr).toMatch(/The most recent runs it holds: integration-\d+/);
  });
});

describe('7. the guard counts the whole restore', () => {
  it('withholds every restore across accounts when together they exceed --max-actions', async () => {
    const accounts = ['111111111111', '222222222222'];
    for (const [index, account] of accounts.entries()) {
      const member = await memberClients(endpoint, account);
      await seedUsers(member.iam, endpoint, [
        { userName: `a${index}`, certificates: [own(`a${index}`, 400)] },
        ...(index === 0 ? [{ userName: 'b0', certificates: [own('b0', 300)] }] : []),
      ]);
    }
    const record = join(dir(), 'changes.jsonl');
    const audited = await audit('deactivate', record, ['--accounts', accounts.join(',')]);
    const orgRun = JSON.parse(audited.stdout).runId as string;
    const before = await Promise.all(
      accounts.map(async (a) => state((await memberClients(endpoint, a)).iam)),
    );

    const run = await restore([
      '--run',
      orgRun,
      '--change-record',
      record,
      '--accounts',
      accounts.join(','),
      '--max-actions',
      '2',
      '--apply',
    ]);

    expect(audited.status).toBe(1);
    expect(run.status).toBe(1);
    expect(run.report?.summary).toMatchObject({ restorable: 3, restored: 0, withheld: 3 });
    expect(run.stderr).toContain('withheld 3 restore(s), more than --max-actions 2');
    const after = await Promise.all(
      accounts.map(async (a) => state((await memberClients(endpoint, a)).iam)),
    );
    expect(after).toEqual(before);
  });
});

describe('11. the undo command can be pasted into a shell', () => {
  it('quotes a record path with a space and a semicolon, and the pasted command runs the restore', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    const folder = join(dir(), 'my dir');
    mkdirSync(folder);
    const record = join(folder, 'x;y.jsonl');

    const run = await audit('deactivate', record);
    const command = /To undo this run: (.*)$/m.exec(run.stderr)?.[1] ?? '';
    // `signing-cert-audit` on the PATH: the compiled CLI, as npm links it.
    const bin = dir();
    writeFileSync(
      join(bin, 'signing-cert-audit'),
      `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`,
    );
    chmodSync(join(bin, 'signing-cert-audit'), 0o755);
    const pasted = execFileSync('/bin/sh', ['-c', `${command} --format json`], {
      // The operator's session in the record of calls, as every run of the CLI here.
      env: operatorEnv(command.split(' ').slice(1), {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        ...EMULATOR_ENV,
        AWS_ENDPOINT_URL: endpoint,
      }),
    }).toString();

    expect(command).toContain(`--change-record '${record}'`);
    expect((JSON.parse(pasted) as RestoreReport).summary.restorable).toBe(1);
  });
});

describe('12. what failed is named as what it is', () => {
  it('says a change was not made because the record could not be written, not that an AWS call failed', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    const before = await state();

    // /dev/full takes every open and refuses every write (ENOSPC).
    const run = await audit('deactivate', '/dev/full');

    expect(run.status).toBe(3);
    expect(run.stderr).toContain(
      '1 change(s) not made: the change record could not be written to /dev/full (ENOSPC',
    );
    expect(run.stderr).not.toContain('AWS call(s) failed');
    expect(await state()).toEqual(before);
  });
});

describe('13. a second Ctrl-C still says how to undo', () => {
  it('prints the run id, the record and the undo command on the way out', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
      { userName: 'bob', certificates: [own('bob', 300)] },
    ]);
    const record = join(dir(), 'changes.jsonl');
    let cli: ReturnType<typeof startCli> | undefined;
    const proxy = await startFaultProxy(
      endpoint,
      {
        onRequest: async (request) => {
          if (request.action !== 'UpdateSigningCertificate' || cli === undefined) return;
          cli.child.kill('SIGINT');
          await new Promise((resolve) => setTimeout(resolve, 300));
          cli.child.kill('SIGINT');
          await new Promise((resolve) => setTimeout(resolve, 300));
        },
      },
      { record: false },
    );
    cli = startCli(['--mode', 'deactivate', '--apply', '--change-record', record], {
      endpoint: proxy.endpoint,
    });
    const run = await cli.done;
    await proxy.close();
    const [runId = ''] = runsOf(record);

    expect(run.status).toBe(130);
    expect(runId).not.toBe('');
    expect(run.stderr).toContain(`run ${runId} may have made changes that no report shows`);
    expect(run.stderr).toContain(
      `signing-cert-audit restore --run ${runId} --change-record ${record}`,
    );
  });
});

describe('14. two restores never act on one record at once', () => {
  it('refuses a restore while another holds the local record, and takes over a lock left by a dead process', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    const record = join(dir(), 'changes.jsonl');
    await audit('deactivate', record);
    const [runId = ''] = runsOf(record);
    const afterRun = await state();
    const host = (await import('node:os')).hostname();
    // This test's own process is alive: a restore it holds the lock for.
    writeFileSync(
      `${record}.lock`,
      JSON.stringify({ pid: process.pid, host, runId: 'other', since: 'now' }),
    );

    const locked = await restore(['--run', runId, '--change-record', record, '--apply']);
    const plan = await restore(['--run', runId, '--change-record', record]);
    writeFileSync(
      `${record}.lock`,
      JSON.stringify({ pid: 2 ** 22 + 1, host, runId: 'dead', since: 'then' }),
    );
    const takenOver = await restore(['--run', runId, '--change-record', record, '--apply']);

    expect(locked.status).toBe(2);
    expect(locked.stderr).toContain(`is locked by restore other (process ${process.pid}`);
    // A plan writes nothing, and takes no lock.
    expect(plan.status).toBe(0);
    expect(takenOver.stderr).toContain('which no longer runs: taking it over');
    expect(takenOver.status).toBe(0);
    expect(afterRun).not.toEqual(await state());
  });

  it('refuses a restore while another holds the archive', async () => {
    const mailbox = await createMailbox(clients);
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [own('alice', 400)] },
    ]);
    await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      ARCHIVE_BUCKET: BUCKET,
      MODE: 'deactivate',
    });
    const runId = await lastRun();
    let second: Awaited<ReturnType<typeof restore>> | undefined;
    const proxy = await startFaultProxy(
      endpoint,
      {
        onRequest: async (request) => {
          // While the first restore is about to reactivate, a second one starts.
          if (request.action !== 'UpdateSigningCertificate' || second !== undefined) return;
          second = await restore(['--run', runId, '--archive-bucket', BUCKET, '--apply']);
        },
      },
      { record: false },
    );
    const first = await runCli(
      ['restore', '--run', runId, '--archive-bucket', BUCKET, '--apply', '--format', 'json'],
      { endpoint: proxy.endpoint },
    );
    await proxy.close();
    const third = await restore(['--run', runId, '--archive-bucket', BUCKET, '--apply']);

    expect(second?.status).toBe(2);
    expect(second?.stderr).toContain('changes/restore.lock is held by restore');
    expect(first.status).toBe(0);
    // Released at the end: the next restore runs (and finds nothing left to do).
    expect(third.status).toBe(0);
    expect(third.report?.summary.alreadyRestored).toBe(1);
  });
});
