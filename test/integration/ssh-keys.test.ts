import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSSHPublicKeyCommand,
  paginateListSSHPublicKeys,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChangeEntry, ChangeIntent } from '../../lambda/core/change-record';
import type { Finding, Report } from '../../lambda/core/report';
import type { RestoreReport } from '../../lambda/core/restore-report';
import { sshKeyFingerprint } from '../../lambda/core/ssh-key';
import { seedDemoAccount, seedDemoCredentials } from '../../tools/emulator/demo-emulator';
import {
  createMailbox,
  type Mailbox,
  readStatuses,
  reassemble,
  receiveAll,
  type SeededSshPublicKey,
  type SeedUser,
  type SeedUserCredentials,
  seedUserCredentials,
  seedUsers,
} from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { generateSshPublicKey } from '../../tools/emulator/ssh-keys';
import { runCli } from './cli-process';
import { clients, endpoint, invokeHandler } from './harness';

/**
 * SSH public keys on the same engine as signing certificates, through the real scheduled
 * function and the real command on moto: listed and reported by kind, switched off only when
 * remediateKinds names them, deleted in two steps behind the change record, and uploaded again
 * by restore with the fingerprint they had. credentialKinds is given in every run but the test
 * of its default (every kind).
 */

const BUCKET = 'signing-cert-audit-evidence';
const KINDS = 'signing-certificate,ssh-public-key';

/** Certificates: alice's over age, bob's young. Neither heidi nor carol holds one. */
const ACCOUNT: SeedUser[] = [
  { userName: 'alice', certificates: [{ ageDays: 400 }] },
  { userName: 'bob', certificates: [{ ageDays: 10 }] },
  { userName: 'carol' },
  { userName: 'heidi' },
];

/**
 * SSH keys: alice an over-age and a young one, bob an over-age one in PEM, heidi an old one
 * already Inactive, carol a young 1024-bit one (IAM would refuse it; moto takes it, as an IAM
 * that ever returned one would show it).
 */
const KEYS: SeedUserCredentials[] = [
  { userName: 'alice', sshPublicKeys: [{ ageDays: 400 }, { ageDays: 10 }] },
  {
    userName: 'bob',
    sshPublicKeys: [{ ageDays: 300, body: generateSshPublicKey({ encoding: 'pem' }) }],
  },
  { userName: 'heidi', sshPublicKeys: [{ ageDays: 700, status: 'Inactive' }] },
  {
    userName: 'carol',
    sshPublicKeys: [{ ageDays: 5, body: generateSshPublicKey({ bits: 1024 }) }],
  },
];

let mailbox: Mailbox;
let keys: SeededSshPublicKey[];

beforeEach(async () => {
  await resetMoto(endpoint);
  mailbox = await createMailbox(clients);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await seedUsers(clients.iam, endpoint, ACCOUNT);
  ({ sshPublicKeys: keys } = await seedUserCredentials(clients.iam, endpoint, KEYS));
});

/** Every SSH key moto holds: its user, id, status and fingerprint (from GetSSHPublicKey's body). */
async function sshKeys(): Promise<{ user: string; id: string; status: string; fp: string }[]> {
  const held = [];
  for await (const page of paginateListUsers({ client: clients.iam }, {})) {
    for (const { UserName } of page.Users ?? []) {
      const pages = paginateListSSHPublicKeys({ client: clients.iam }, { UserName });
      for await (const keyPage of pages) {
        for (const key of keyPage.SSHPublicKeys ?? []) {
          const { SSHPublicKey } = await clients.iam.send(
            new GetSSHPublicKeyCommand({
              UserName,
              SSHPublicKeyId: key.SSHPublicKeyId,
              Encoding: 'SSH',
            }),
          );
          held.push({
            user: UserName ?? '',
            id: key.SSHPublicKeyId ?? '',
            status: key.Status ?? '',
            fp: sshKeyFingerprint(SSHPublicKey?.SSHPublicKeyBody ?? ''),
          });
        }
      }
    }
  }
  return held.sort((a, b) => `${a.user}${a.id}`.localeCompare(`${b.user}${b.id}`));
}

/** What a restore after a deletion can give back: each user's keys by fingerprint and status. */
async function byFingerprint(): Promise<string[]> {
  return (await sshKeys()).map((k) => `${k.user} ${k.fp} ${k.status}`).sort();
}

/** The id moto gave the seeded key of `user` uploaded `ageDays` ago. */
function keyId(user: string, ageDays: number): string {
  return keys.find((k) => k.userName === user && k.ageDays === ageDays)?.sshPublicKeyId ?? '';
}

/** The scheduled function as deployed, with the archive (its change record goes there), reading SSH keys too. */
async function scheduled(env: Record<string, string>): Promise<Report> {
  await invokeHandler({
    TOPIC_ARN: mailbox.topicArn,
    ARCHIVE_BUCKET: BUCKET,
    CREDENTIAL_KINDS: KINDS,
    ...env,
  });
  return reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
}

const sshFindings = (report: Report): Finding[] =>
  report.findings.filter((f) => f.credentialType === 'ssh-public-key');

/** The runs that recorded changes in the archive. */
async function recordedRuns(): Promise<string[]> {
  const { Contents = [] } = await clients.s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'changes/' }),
  );
  return [...new Set(Contents.map((o) => /\/run=([^/]+)\//.exec(o.Key ?? '')?.[1] ?? ''))];
}

async function restore(args: readonly string[]) {
  const run = await runCli(['restore', '--format', 'json', ...args]);
  return { ...run, report: run.stdout ? (JSON.parse(run.stdout) as RestoreReport) : undefined };
}

describe('SSH public keys in the report (the real function, then the real command)', () => {
  it('lists each over-age or weak key by credentialType and credentialId, beside the certificates, and changes nothing', async () => {
    const before = await sshKeys();

    const report = await scheduled({ MODE: 'report' });
    const cli = await runCli(['--format', 'json', '--credential-kinds', KINDS]);
    const fromCli = JSON.parse(cli.stdout) as Report;

    const expected = [
      ['alice', keyId('alice', 400), 'Active', 400, 'NON_COMPLIANT'],
      ['bob', keyId('bob', 300), 'Active', 300, 'NON_COMPLIANT'],
      ['carol', keyId('carol', 5), 'Active', null, 'SSH_KEY_WEAK'],
      ['heidi', keyId('heidi', 700), 'Inactive', 700, 'NON_COMPLIANT'],
    ];
    for (const run of [report, fromCli]) {
      expect(
        sshFindings(run).map((f) => [f.userName, f.credentialId, f.status, f.ageDays, f.verdict]),
      ).toEqual(expected);
      // An SSH key is no certificate: named by kind and id only.
      expect(sshFindings(run).every((f) => f.certificateId === null)).toBe(true);
      expect(run.findings.filter((f) => f.credentialType === 'signing-certificate')).toMatchObject([
        { userName: 'alice', verdict: 'NON_COMPLIANT' },
      ]);
      expect(run.summary).toMatchObject({ sshKeyIssues: 1, nonCompliant: 4 });
    }
    expect(sshFindings(report).find((f) => f.userName === 'carol')?.detail).toBe(
      'RSA key of 1024 bits; at least 2048 required',
    );
    expect(cli.status).toBe(1);
    expect(await sshKeys()).toEqual(before);
  });

  it('reads SSH keys by default (every kind is read), and none when credentialKinds names signing certificates alone', async () => {
    await invokeHandler({ TOPIC_ARN: mailbox.topicArn, MODE: 'report' });
    const byDefault = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
    await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      MODE: 'report',
      CREDENTIAL_KINDS: 'signing-certificate',
    });
    const certificatesOnly = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));

    expect(sshFindings(byDefault).map((f) => [f.userName, f.credentialId, f.verdict])).toEqual([
      ['alice', keyId('alice', 400), 'NON_COMPLIANT'],
      ['bob', keyId('bob', 300), 'NON_COMPLIANT'],
      ['carol', keyId('carol', 5), 'SSH_KEY_WEAK'],
      ['heidi', keyId('heidi', 700), 'NON_COMPLIANT'],
    ]);
    expect(byDefault.summary.sshKeyIssues).toBe(1);
    // The control: signing certificates alone.
    expect(certificatesOnly.findings.map((f) => f.credentialType)).toEqual(['signing-certificate']);
    expect(certificatesOnly.summary.sshKeyIssues).toBe(0);
  });

  it('reports the demo account’s SSH keys: its old, PEM, Inactive and exempt ones', async () => {
    await resetMoto(endpoint);
    await seedDemoAccount(endpoint, clients.iam);
    const seeded = await seedDemoCredentials(endpoint, clients.iam);

    const run = await runCli(['--format', 'json', '--credential-kinds', KINDS]);
    const report = JSON.parse(run.stdout) as Report;

    const byId = new Map(seeded.sshPublicKeys.map((k) => [k.sshPublicKeyId, k]));
    expect(
      sshFindings(report).map((f) => [
        f.userName,
        byId.get(f.credentialId ?? '')?.ageDays,
        f.verdict,
      ]),
    ).toEqual([
      ['alice', 400, 'NON_COMPLIANT'],
      ['frank', 500, 'NON_COMPLIANT'],
      ['heidi', 700, 'NON_COMPLIANT'],
      ['vendor-acme', 300, 'EXEMPT'],
    ]);
  });
});

describe('changing SSH keys, only when remediateKinds names them', () => {
  it('deactivate mode with --remediate-kinds ssh-public-key switches off exactly the over-age Active keys and no certificate; restore switches them on again', async () => {
    const before = await sshKeys();
    const certificates = await readStatuses(clients.iam);
    const record = join(mkdtempSync(join(tmpdir(), 'ssh-keys-')), 'changes.jsonl');

    const run = await runCli([
      '--format',
      'json',
      '--mode',
      'deactivate',
      '--apply',
      '--credential-kinds',
      KINDS,
      '--remediate-kinds',
      'ssh-public-key',
      '--change-record',
      record,
    ]);
    const report = JSON.parse(run.stdout) as Report;
    const after = await sshKeys();

    const switchedOff = after.filter(
      (k) => k.status === 'Inactive' && before.find((b) => b.id === k.id)?.status === 'Active',
    );
    expect(switchedOff.map((k) => k.id).sort()).toEqual(
      [keyId('alice', 400), keyId('bob', 300)].sort(),
    );
    expect(after.filter((k) => !switchedOff.includes(k))).toEqual(
      before.filter((k) => !switchedOff.some((s) => s.id === k.id)),
    );
    expect(await readStatuses(clients.iam)).toEqual(certificates);
    expect(report.summary.deactivated).toBe(2);
    expect(report.findings.find((f) => f.credentialType === 'signing-certificate')).toMatchObject({
      action: 'NONE',
      detail: 'not changed: remediateKinds does not name signing-certificate',
    });
    // The record names each change's kind, with the key's body and its fingerprint.
    const intents = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ChangeEntry)
      .filter((e): e is ChangeIntent => e.entry === 'intent');
    expect(intents.map((i) => [i.credentialType, i.certificateId]).sort()).toEqual(
      [
        ['ssh-public-key', keyId('alice', 400)],
        ['ssh-public-key', keyId('bob', 300)],
      ].sort(),
    );
    for (const intent of intents) {
      expect(intent.fingerprint256).toBe(after.find((k) => k.id === intent.certificateId)?.fp);
    }

    const undone = await restore(['--run', report.runId, '--change-record', record, '--apply']);

    expect(undone.status).toBe(0);
    expect(undone.report?.steps.map((s) => [s.credentialType, s.action])).toEqual([
      ['ssh-public-key', 'REACTIVATED'],
      ['ssh-public-key', 'REACTIVATED'],
    ]);
    expect(await sshKeys()).toEqual(before);
  });

  it('the default remediateKinds changes no SSH key: each over-age one is reported, not changed, saying why', async () => {
    const before = await sshKeys();

    const report = await scheduled({ MODE: 'delete' });

    expect(await sshKeys()).toEqual(before);
    const overAge = sshFindings(report).filter((f) => f.verdict === 'NON_COMPLIANT');
    expect(overAge).toHaveLength(3);
    for (const finding of overAge) {
      expect(finding).toMatchObject({ action: 'NONE', plannedAction: null });
      expect(finding.detail).toMatch(/not changed: remediateKinds does not name ssh-public-key$/);
    }
    // The certificate, of the default kind, is changed as before.
    expect(report.summary.deactivated).toBe(1);
  });

  it('the blast-radius guard counts SSH key changes with certificate changes', async () => {
    const before = { keys: await sshKeys(), certificates: await readStatuses(clients.iam) };
    const both = { MODE: 'deactivate', MAX_ACTIONS_PER_RUN: '2' };

    // Alice's certificate and two keys: three changes, more than two.
    const held = await scheduled({ ...both, REMEDIATE_KINDS: KINDS });
    const keysOnly = await scheduled({ ...both, REMEDIATE_KINDS: 'ssh-public-key' });

    expect(held.summary).toMatchObject({ withheld: 3, deactivated: 0 });
    expect(
      held.findings
        .filter((f) => f.action === 'WITHHELD')
        .map((f) => f.credentialType)
        .sort(),
    ).toEqual(['signing-certificate', 'ssh-public-key', 'ssh-public-key']);
    // The control: the same limit holds the two key changes alone.
    expect(keysOnly.summary).toMatchObject({ withheld: 0, deactivated: 2 });
    expect(await readStatuses(clients.iam)).toEqual(before.certificates);
  });
});

describe('deleting SSH keys and restoring them', () => {
  it('delete mode, in two runs with a change record, deletes the old keys; restore --apply uploads each again with its fingerprint and the status it had', async () => {
    const before = await byFingerprint();
    const delete1 = { MODE: 'delete', REMEDIATE_KINDS: 'ssh-public-key' };

    const first = await scheduled(delete1);
    const second = await scheduled(delete1);
    const left = await sshKeys();
    const runs = await recordedRuns();
    const plan = await restore([
      ...runs.flatMap((id) => ['--run', id]),
      '--archive-bucket',
      BUCKET,
    ]);
    const applied = await restore([
      ...runs.flatMap((id) => ['--run', id]),
      '--archive-bucket',
      BUCKET,
      '--apply',
    ]);

    // Run 1 deactivated alice's and bob's old keys and deleted heidi's (Inactive already);
    // run 2 deleted the two it had deactivated. Only the young keys are left.
    expect([first.summary.deactivated, first.summary.deleted, second.summary.deleted]).toEqual([
      2, 1, 2,
    ]);
    expect(left.map((k) => k.id).sort()).toEqual([keyId('alice', 10), keyId('carol', 5)].sort());
    expect(plan.status).toBe(0);
    expect(plan.stderr).toContain('Plan: reactivate 2, upload 3. Nothing was changed');
    expect(applied.status).toBe(0);
    expect(
      applied.report?.steps.map((s) => [s.userName, s.credentialType, s.change, s.action]).sort(),
    ).toEqual(
      [
        ['alice', 'ssh-public-key', 'DEACTIVATE', 'REACTIVATED'],
        ['alice', 'ssh-public-key', 'DELETE', 'UPLOADED'],
        ['bob', 'ssh-public-key', 'DEACTIVATE', 'REACTIVATED'],
        ['bob', 'ssh-public-key', 'DELETE', 'UPLOADED'],
        ['heidi', 'ssh-public-key', 'DELETE', 'UPLOADED'],
      ].sort(),
    );
    // The same keys (by fingerprint, under new ids), with the statuses they had: heidi's Inactive.
    expect(await byFingerprint()).toEqual(before);
    const heidi = (await sshKeys()).find((k) => k.user === 'heidi');
    expect(heidi?.id).not.toBe(keyId('heidi', 700));
  });
});
