import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { beforeEach, describe, expect, it } from 'vitest';
import { PROGRESS_PREFIX } from '../../cli/progress';
import type { Report } from '../../lambda/core/report';
import {
  createMailbox,
  EMULATOR_ENV,
  readStatuses,
  reassemble,
  receiveAll,
  type SeededCertificate,
  seedUsers,
} from '../../tools/emulator/emulator';
import { startFaultProxy } from '../../tools/emulator/fault-proxy';
import { resetMoto } from '../../tools/emulator/moto';
import { loadOcsfSchema, validateOcsfRecord } from '../unit/render/ocsf-schema';
import {
  CLI,
  type CliRun,
  operatorEnv,
  runCli as runProcess,
  startCli as startProcess,
} from './cli-process';
import { clients, endpoint } from './harness';

/** The real command with `env` on top of the emulator's. */
const runCli = (args: readonly string[], env: Record<string, string> = {}) =>
  runProcess(args, { env });
/** The real command started without waiting, with `env` on top of the emulator's. */
const startCli = (args: readonly string[], env: Record<string, string> = {}) =>
  startProcess(args, { env });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

let seeded: SeededCertificate[];

beforeEach(async () => {
  await resetMoto(endpoint);
  seeded = await seedUsers(clients.iam, endpoint, [
    { userName: 'alice', certificates: [{ ageDays: 400 }] },
    { userName: 'bob', certificates: [{ ageDays: 10 }] },
    { userName: 'carol', certificates: [{ ageDays: 80 }] },
  ]);
});

describe('signing-cert-audit output', () => {
  it('prints the report schema as JSON on stdout and the summary on stderr, exit 1', async () => {
    const run = await runCli([]);

    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({
      schemaVersion: '1',
      source: 'signing-cert-audit',
      accountId: '123456789012',
      part: { index: 1, count: 1 },
      policy: { mode: 'report', maxAgeDays: 90 },
      summary: { usersScanned: 3, certificatesScanned: 3, nonCompliant: 1, expiringSoon: 1 },
    });
    expect(report.findings.map((f) => [f.userName, f.verdict, f.ageDays])).toEqual([
      ['alice', 'NON_COMPLIANT', 400],
      ['carol', 'EXPIRING_SOON', 80],
    ]);
    expect(run.stderr).toContain('usersScanned=3');
    // The last line, for a person: the counts acted on and the status the shell gets.
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(
      '1 non-compliant, 1 expiring soon — exit 1',
    );
  });

  it('prints a table', async () => {
    const run = await runCli(['--format', 'table']);

    expect(run.status).toBe(1);
    const lines = run.stdout.split('\n');
    // Every kind is read by default: each row names its kind, then the credential's id.
    expect(lines[0]).toMatch(
      /^severity\s+user\s+kind\s+credential\s+status\s+age\s+verdict\s+plan\s+action\s+detail$/,
    );
    expect(lines[2]).toMatch(
      /^HIGH\s+alice\s+certificate\s+\w+\s+Active\s+400\s+NON_COMPLIANT\s+-\s+NONE$/,
    );
    expect(lines[3]).toMatch(
      /^LOW\s+carol\s+certificate\s+\w+\s+Active\s+80\s+EXPIRING_SOON\s+-\s+NONE$/,
    );
  });

  it('writes CSV to --output, one row per finding', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cli-')), 'findings.csv');

    const run = await runCli(['--format', 'csv', '--output', file]);

    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const rows = readFileSync(file, 'utf8').trimEnd().split('\r\n');
    expect(rows[0]).toMatch(/^userName,userArn,certificateId,/);
    expect(rows.slice(1).map((row) => row.split(',').slice(0, 1)[0])).toEqual(['alice', 'carol']);
    expect(rows[1]).toContain(`,${seeded[0]?.certificateId},Active,`);
  });
});

describe('signing-cert-audit --format ocsf (the real CLI)', () => {
  it('prints one OCSF Compliance Finding a line for each failing certificate, each valid against the schema', async () => {
    const run = await runCli(['--format', 'ocsf']);

    const records = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { class_uid: number; finding_info: { uid: string } });
    expect(run.status).toBe(1);
    // alice's certificate is over age; carol's is only expiring (not failing): one record.
    expect(records.map((r) => [r.class_uid, r.finding_info.uid])).toEqual([
      [2003, `signing-cert-audit/123456789012/${seeded[0]?.certificateId}/age`],
    ]);
    const schema = loadOcsfSchema();
    for (const record of records) {
      expect(validateOcsfRecord(schema, 'compliance_finding', record)).toEqual([]);
    }
  });
});

describe('signing-cert-audit exit statuses', () => {
  it('exits 0 when nothing is non-compliant', async () => {
    const run = await runCli(['--path-prefix', '/nobody/']);

    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as Report).summary.usersScanned).toBe(0);
  });

  it('exits 0 on non-compliant certificates with --fail-on none', async () => {
    expect((await runCli(['--fail-on', 'none'])).status).toBe(0);
  });

  it('exits 2 on a bad flag, naming it', async () => {
    const run = await runCli(['--mode', 'purge']);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--mode="purge" is not allowed');
    expect(run.stdout).toBe('');
  });

  it('exits 3 against an endpoint that accepts connections and never answers', async () => {
    // Prepare: a peer that holds every connection open in silence. One attempt per call
    // (AWS_MAX_ATTEMPTS) keeps the test short: without the timeouts it would hang forever.
    const held: import('node:net').Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as import('node:net').AddressInfo;
    const started = Date.now();

    try {
      // Act
      const run = await runCli([], {
        AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
        AWS_MAX_ATTEMPTS: '1',
      });

      // Assess
      expect(run.status).toBe(3);
      expect(run.stderr).toMatch(/GetCallerIdentity .* failed: TimeoutError/);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('exits 2 with a hint when no region is set anywhere', async () => {
    const run = await runCli([], { AWS_REGION: '' });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no AWS region is set: pass --region (or set AWS_REGION');
  });

  it('ends quietly when its reader closes the pipe early (`| head -1`)', async () => {
    const run = await new Promise<CliRun>((resolve) => {
      execFile(
        'bash',
        ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" --fail-on none | true`],
        {
          env: operatorEnv(['--fail-on', 'none'], {
            PATH: process.env.PATH ?? '',
            ...EMULATOR_ENV,
            AWS_ENDPOINT_URL: endpoint,
          }),
        },
        (error, stdout, stderr) =>
          resolve({ status: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

    expect(run.stderr).not.toMatch(/EPIPE|Error:/);
    expect(run.status).toBe(0);
  });

  it('exits 3 when AWS cannot be reached, saying which call failed and why', async () => {
    const port = await closedPort();

    const run = await runCli([], { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` });

    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/GetCallerIdentity .* failed: .*ECONNREFUSED/);
  });
});

describe('signing-cert-audit changes', () => {
  it('prints the plan and changes nothing without --apply', async () => {
    const before = await readStatuses(clients.iam);

    const run = await runCli(['--mode', 'deactivate']);

    expect(await readStatuses(clients.iam)).toEqual(before);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Plan: deactivate 1, delete 0. Nothing was changed');
    const report = JSON.parse(run.stdout) as Report;
    expect(report.findings[0]).toMatchObject({
      userName: 'alice',
      plannedAction: 'DEACTIVATE',
      action: 'NONE',
    });
  });

  it('carries out the plan with --apply', async () => {
    const run = await runCli(['--mode', 'deactivate', '--apply']);

    const statuses = await readStatuses(clients.iam);
    expect(run.status).toBe(1);
    expect(seeded.map((c) => statuses.get(c.certificateId))).toEqual([
      'Inactive',
      'Active',
      'Active',
    ]);
    expect((JSON.parse(run.stdout) as Report).summary.deactivated).toBe(1);
  });

  it('--as-of moves a certificate from expiring to non-compliant, changing nothing', async () => {
    const inThirtyDays = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

    const now = JSON.parse((await runCli(['--fail-on', 'none'])).stdout) as Report;
    const later = await runCli(['--as-of', inThirtyDays, '--mode', 'deactivate']);

    const carol = (report: Report) => report.findings.find((f) => f.userName === 'carol');
    expect(carol(now)).toMatchObject({ verdict: 'EXPIRING_SOON', ageDays: 80 });
    expect(carol(JSON.parse(later.stdout) as Report)).toMatchObject({
      verdict: 'NON_COMPLIANT',
      plannedAction: 'DEACTIVATE',
      action: 'NONE',
    });
    expect(later.stderr).toContain('a forecast never changes anything');
    expect([...(await readStatuses(clients.iam)).values()]).toEqual(['Active', 'Active', 'Active']);
  });

  it('--publish delivers the report to a subscribed queue', async () => {
    const mailbox = await createMailbox(clients);

    const run = await runCli(['--publish', '--topic-arn', mailbox.topicArn]);

    expect(run.status).toBe(1);
    const delivered = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
    const printed = JSON.parse(run.stdout) as Report;
    expect(delivered.findings).toEqual(printed.findings);
    expect(delivered.runId).toBe(printed.runId);
  });
});

describe('signing-cert-audit interrupted', () => {
  it('on SIGINT during --apply, starts no new change and writes what was really done, exit 130', async () => {
    // Prepare: 30 stale certificates; the proxy signals the CLI as the 8th change passes.
    await resetMoto(endpoint);
    const stale = await seedUsers(
      clients.iam,
      endpoint,
      Array.from({ length: 30 }, (_, i) => ({
        userName: `stale-${String(i).padStart(2, '0')}`,
        certificates: [{ ageDays: 200 }],
      })),
    );
    const output = join(mkdtempSync(join(tmpdir(), 'cli-')), 'report.json');
    let changes = 0;
    let cli: ReturnType<typeof startCli> | undefined;
    const proxy = await startFaultProxy(endpoint, {
      onRequest: async (request) => {
        if (request.action !== 'UpdateSigningCertificate') return;
        changes += 1;
        if (changes === 8) {
          cli?.child.kill('SIGINT');
          // Let the signal land before this change is answered.
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      },
    });

    try {
      // Act
      cli = startCli(
        [
          '--mode',
          'deactivate',
          '--apply',
          '--max-actions',
          '100',
          '--concurrency',
          '1',
          '--output',
          output,
        ],
        { AWS_ENDPOINT_URL: proxy.endpoint },
      );
      const run = await cli.done;

      // Assess: the exit, the record, and IAM agree on exactly what was done.
      expect(run.status).toBe(130);
      expect(run.stderr).toContain('SIGINT');
      const report = JSON.parse(readFileSync(output, 'utf8')) as Report;
      expect(report.complete).toBe(false);
      expect(report.incompleteReason).toMatch(/SIGINT/);
      const statuses = await readStatuses(clients.iam);
      const inactive = stale
        .filter((c) => statuses.get(c.certificateId) === 'Inactive')
        .map((c) => c.certificateId)
        .sort();
      const deactivated = report.findings
        .filter((f) => f.action === 'DEACTIVATED')
        .map((f) => f.certificateId)
        .sort();
      expect(deactivated).toEqual(inactive);
      expect(inactive.length).toBeGreaterThanOrEqual(8);
      expect(inactive.length).toBeLessThan(30);
      const notAttempted = report.findings.filter((f) => f.action === 'NONE');
      expect(notAttempted.length).toBe(30 - inactive.length);
      for (const finding of notAttempted) {
        expect(finding).toMatchObject({
          plannedAction: 'DEACTIVATE',
          detail: expect.stringContaining('not attempted: the run was stopped first'),
        });
      }
    } finally {
      cli?.child.kill('SIGKILL');
      await proxy.close();
    }
  });
});

describe('signing-cert-audit --as-of is a forecast: it sends nothing anywhere', () => {
  const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const hub = new SecurityHubClient({
    endpoint,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });

  it.each([
    [['--security-hub'], '--security-hub'],
    [['--archive-bucket', 'forecast-evidence'], '--archive-bucket'],
    [['--security-hub', '--archive-bucket', 'forecast-evidence'], '--security-hub'],
    [['--publish', '--topic-arn', 'TOPIC'], '--publish'],
    [['--accounts', '111111111111', '--archive-bucket', 'forecast-evidence'], '--archive-bucket'],
  ])(
    'refuses --as-of with %j (exit 2), importing, archiving and publishing nothing',
    async (flags, named) => {
      await clients.s3.send(new CreateBucketCommand({ Bucket: 'forecast-evidence' }));
      const mailbox = await createMailbox(clients);
      const args = flags.map((flag) => (flag === 'TOPIC' ? mailbox.topicArn : flag));

      const run = await runCli(['--as-of', inAYear, ...args]);

      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`--as-of cannot be combined with ${named}`);
      expect(run.stdout).toBe('');
      const { Findings = [] } = await hub.send(new GetFindingsCommand({}));
      expect(Findings).toEqual([]);
      const { Contents = [] } = await clients.s3.send(
        new ListObjectsV2Command({ Bucket: 'forecast-evidence' }),
      );
      expect(Contents).toEqual([]);
      expect(await receiveAll(clients.sqs, mailbox.queueUrl)).toEqual([]);
    },
  );
});

describe('signing-cert-audit says what happened', () => {
  it('refuses --apply in report mode (exit 2): there is nothing to apply', async () => {
    const run = await runCli(['--apply']);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--apply is not allowed in report mode');
    expect(run.stdout).toBe('');
  });

  it('report mode is not a dry run: the report and the page say report mode, dryRun false', async () => {
    const json = JSON.parse((await runCli(['--fail-on', 'none'])).stdout) as Report;
    const html = (await runCli(['--fail-on', 'none', '--format', 'html'])).stdout;

    expect(json.policy).toMatchObject({ mode: 'report', dryRun: false });
    expect(html).toContain('report mode');
    expect(html).not.toContain('dry run');
  });

  it('a plan made without --apply is a dry run, and says so', async () => {
    const json = JSON.parse((await runCli(['--mode', 'deactivate'])).stdout) as Report;

    expect(json.policy).toMatchObject({ mode: 'deactivate', dryRun: true });
  });

  it('a plan the guard withheld says what to do, not to run again with --apply', async () => {
    const run = await runCli(['--mode', 'deactivate', '--max-actions', '0']);

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Plan: deactivate 1, delete 0. Nothing was changed');
    expect(run.stderr).not.toContain('run again with --apply');
    expect(run.stderr).toContain(
      'the blast-radius guard withheld 1 change(s), more than --max-actions 0 allows: review them, then raise --max-actions or narrow the run (--path-prefix)',
    );
  });
});

describe('signing-cert-audit --archive-bucket is checked before an --apply run', () => {
  it('refuses a bucket it cannot reach (exit 2) before any change', async () => {
    const before = await readStatuses(clients.iam);

    const run = await runCli([
      '--mode',
      'deactivate',
      '--apply',
      '--archive-bucket',
      'no-such-evidence-bucket',
    ]);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      '--archive-bucket="no-such-evidence-bucket" cannot be written: HeadBucket answered NotFound',
    );
    expect(run.stderr).toContain('nothing was changed');
    expect(await readStatuses(clients.iam)).toEqual(before);
    expect(run.stdout).toBe('');
  });

  it('archives an --apply run to a bucket it can reach', async () => {
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'apply-evidence' }));

    const run = await runCli([
      '--mode',
      'deactivate',
      '--apply',
      '--archive-bucket',
      'apply-evidence',
    ]);

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Archived the report at s3:\/\/apply-evidence\/reports\//);
    const { Contents = [] } = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: 'apply-evidence' }),
    );
    const keys = Contents.map((o) => o.Key ?? '');
    // The report, its findings, its OCSF findings and its page; and the record of alice's
    // deactivation, ahead of it, after the run's own entry.
    expect(keys.filter((key) => !key.startsWith('changes/'))).toHaveLength(4);
    expect(keys.filter((key) => key.endsWith('.ocsf.jsonl'))).toHaveLength(1);
    expect(
      keys
        .filter((key) => key.startsWith('changes/'))
        .map((key) => (key.split('/').at(-1) ?? '').replace(/^\w+\.(?=DEACTIVATE)/, ''))
        .sort(),
    ).toEqual(['DEACTIVATE.intent.json', 'DEACTIVATE.outcome.json', 'run-entry.json']);
    expect(run.stderr).toMatch(
      /To undo this run: signing-cert-audit restore --run [\w-]+ --archive-bucket apply-evidence/,
    );
  });
});

describe('signing-cert-audit piped (CI, a pipe): progress on standard error only', () => {
  /** A run of about 4 s: every request to moto waits 400 ms, one user at a time. */
  async function slowRun(flags: readonly string[]): Promise<CliRun> {
    const proxy = await startFaultProxy(endpoint, { latencyMs: 400 });
    try {
      return await runProcess(['--format', 'json', '--concurrency', '1', ...flags], {
        endpoint: proxy.endpoint,
      });
    } finally {
      await proxy.close();
    }
  }
  const progressLines = (text: string) =>
    text.split('\n').filter((line) => line.startsWith(PROGRESS_PREFIX));

  it('writes a progress line to standard error every --progress-interval, and standard output holds the report alone', async () => {
    const run = await slowRun(['--progress-interval', '1']);

    expect(run.status).toBe(1);
    expect(progressLines(run.stderr).length).toBeGreaterThanOrEqual(2);
    expect(progressLines(run.stderr)[0]).toMatch(
      /^signing-cert-audit: progress: (listing users|\d+ of \d+\+? users scanned), \ds elapsed$/,
    );
    expect(run.stdout).not.toContain('progress');
    expect((JSON.parse(run.stdout) as Report).summary.usersScanned).toBe(3);
  });

  it('writes none with --quiet (the control: the same slow run)', async () => {
    const run = await slowRun(['--quiet']);

    expect(run.status).toBe(1);
    expect(progressLines(run.stderr)).toEqual([]);
    expect(run.stderr).toContain('— exit 1');
  });
});
