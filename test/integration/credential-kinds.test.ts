import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSSHPublicKeyCommand, paginateListSSHPublicKeys } from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listServiceSpecificCredentials } from '../../lambda/aws/service-credentials';
import { CREDENTIAL_TYPES } from '../../lambda/core/credential';
import { type Report, ROOT_USER_NAME } from '../../lambda/core/report';
import type { RestoreReport } from '../../lambda/core/restore-report';
import { sshKeyFingerprint } from '../../lambda/core/ssh-key';
import { demoAccount, demoUserCredentials } from '../../tools/emulator/demo-account';
import { seedDemoAccount, seedDemoCredentials } from '../../tools/emulator/demo-emulator';
import {
  createMailbox,
  readStatuses,
  reassemble,
  receiveAll,
  type SeededUserCredentials,
} from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { runCli } from './cli-process';
import { clients, endpoint, invokeHandler } from './harness';

/**
 * Every kind of credential on the demo account (certificates, SSH public keys, service-specific
 * credentials, a Bedrock API key that never expires among them), through the real function and
 * the real command with the settings as a user leaves them: every kind read by default, changes
 * made only to the kinds named, and restore giving back what can be given back. What must
 * change is worked out from the demo account's own description (ages, statuses, the exempt
 * user), not from the report the run wrote.
 */
const MAX_AGE_DAYS = 90;
const OTHER_KINDS = 'ssh-public-key,service-specific-credential';
const USERS = demoAccount();
const EXEMPT = new Set(
  USERS.filter((u) => (u.tags ?? []).some((t) => t.Key === 'signing-cert-audit:exempt')).map(
    (u) => u.userName,
  ),
);

let seeded: SeededUserCredentials;
let scratch: string;

beforeEach(async () => {
  await resetMoto(endpoint);
  await seedDemoAccount(endpoint, clients.iam, USERS);
  seeded = await seedDemoCredentials(endpoint, clients.iam, demoUserCredentials());
  scratch = mkdtempSync(join(tmpdir(), 'credential-kinds-'));
}, 60_000);

afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** The SSH keys and service-specific credentials the account holds: `kind user id` → status. */
async function otherKinds(): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  for (const userName of new Set(seeded.sshPublicKeys.map((k) => k.userName))) {
    const pages = paginateListSSHPublicKeys({ client: clients.iam }, { UserName: userName });
    for await (const page of pages) {
      for (const key of page.SSHPublicKeys ?? []) {
        held.set(`ssh-public-key ${userName} ${key.SSHPublicKeyId}`, key.Status ?? '');
      }
    }
  }
  for (const c of await listServiceSpecificCredentials(clients.iam, { allUsers: true })) {
    held.set(`service-specific-credential ${c.userName} ${c.credentialId}`, c.status);
  }
  return held;
}

/** Each user's SSH keys by fingerprint and status: what survives a deletion and an upload. */
async function sshKeysByFingerprint(): Promise<string[]> {
  const held: string[] = [];
  for (const userName of new Set(seeded.sshPublicKeys.map((k) => k.userName))) {
    const pages = paginateListSSHPublicKeys({ client: clients.iam }, { UserName: userName });
    for await (const page of pages) {
      for (const key of page.SSHPublicKeys ?? []) {
        const { SSHPublicKey } = await clients.iam.send(
          new GetSSHPublicKeyCommand({
            UserName: userName,
            SSHPublicKeyId: key.SSHPublicKeyId,
            Encoding: 'SSH',
          }),
        );
        held.push(
          `${userName} ${sshKeyFingerprint(SSHPublicKey?.SSHPublicKeyBody ?? '')} ${key.Status}`,
        );
      }
    }
  }
  return held.sort();
}

/**
 * The over-age credentials of the other kinds a deactivation may switch off, from the seed: Active,
 * older than the maximum age, of a user not exempt, and (a service credential) not Expired.
 */
function overAgeActive(): string[] {
  const usable = (c: { userName: string; ageDays: number; status: string }) =>
    c.status === 'Active' && c.ageDays > MAX_AGE_DAYS && !EXEMPT.has(c.userName);
  return [
    ...seeded.sshPublicKeys
      .filter(usable)
      .map((k) => `ssh-public-key ${k.userName} ${k.sshPublicKeyId}`),
    ...seeded.serviceCredentials
      .filter(
        (c) => usable(c) && !(c.credentialAgeDays !== undefined && c.credentialAgeDays < c.ageDays),
      )
      .map((c) => `service-specific-credential ${c.userName} ${c.serviceSpecificCredentialId}`),
  ].sort();
}

/** What changed from Active to Inactive between two readings. */
function switchedOff(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after]
    .filter(([key, status]) => status === 'Inactive' && before.get(key) === 'Active')
    .map(([key]) => key)
    .sort();
}

async function audit(...args: string[]) {
  const run = await runCli(['--format', 'json', ...args]);
  return { ...run, report: JSON.parse(run.stdout) as Report };
}

async function restore(...args: string[]) {
  const run = await runCli(['restore', '--format', 'json', ...args]);
  return { ...run, report: JSON.parse(run.stdout) as RestoreReport };
}

describe('every kind, by default', () => {
  it('is listed by the real function and the real command, each finding naming its credentialType', async () => {
    const mailbox = await createMailbox(clients);

    await invokeHandler({ TOPIC_ARN: mailbox.topicArn });
    const published = reassemble(await receiveAll(clients.sqs, mailbox.queueUrl));
    const { report } = await audit();

    for (const found of [published, report]) {
      expect(new Set(found.findings.map((f) => f.credentialType))).toEqual(
        new Set(CREDENTIAL_TYPES),
      );
      expect(found.policy.credentialKinds).toEqual([...CREDENTIAL_TYPES]);
      for (const f of found.findings.filter((f) => f.userName !== ROOT_USER_NAME)) {
        expect(f.credentialId).toEqual(expect.any(String));
      }
      expect(
        found.findings.filter((f) => f.credentialType === 'service-specific-credential'),
      ).toContainEqual(
        expect.objectContaining({ serviceName: 'bedrock.amazonaws.com', verdict: 'NEVER_EXPIRES' }),
      );
    }
  });

  it('the default remediateKinds changes no SSH key or service-specific credential, only certificates', async () => {
    const before = { others: await otherKinds(), certificates: await readStatuses(clients.iam) };

    const { report } = await audit('--mode', 'deactivate', '--apply');

    expect(await otherKinds()).toEqual(before.others);
    // The control: certificates, the kind remediateKinds names by default, were switched off.
    const certificates = await readStatuses(clients.iam);
    expect([...certificates].filter(([id, s]) => s !== before.certificates.get(id))).not.toEqual(
      [],
    );
    expect(report.summary.deactivated).toBeGreaterThan(0);
    expect(
      report.findings.filter(
        (f) => f.credentialType !== 'signing-certificate' && f.action !== 'NONE',
      ),
    ).toEqual([]);
  });
});

describe('--remediate-kinds ssh-public-key,service-specific-credential', () => {
  it('deactivate mode switches off exactly the over-age credentials of those kinds and no certificate; restore switches each on again', async () => {
    const before = { others: await otherKinds(), certificates: await readStatuses(clients.iam) };
    const record = join(scratch, 'changes.jsonl');

    const { status, report } = await audit(
      '--mode',
      'deactivate',
      '--apply',
      '--remediate-kinds',
      OTHER_KINDS,
      '--change-record',
      record,
    );
    const after = await otherKinds();

    expect(status).toBe(1);
    expect(overAgeActive().length).toBeGreaterThanOrEqual(4);
    expect(switchedOff(before.others, after)).toEqual(overAgeActive());
    expect(await readStatuses(clients.iam)).toEqual(before.certificates);
    expect(report.summary.deactivated).toBe(overAgeActive().length);

    const undone = await restore('--run', report.runId, '--change-record', record, '--apply');

    expect(undone.status).toBe(0);
    expect(new Set(undone.report.steps.map((s) => s.action))).toEqual(new Set(['REACTIVATED']));
    expect(await otherKinds()).toEqual(before.others);
  });

  it('delete mode deletes them in two runs; restore uploads each SSH key again with its fingerprint, and refuses each deleted service-specific credential as irreversible', async () => {
    const before = { keys: await sshKeysByFingerprint(), others: await otherKinds() };
    const record = join(scratch, 'changes.jsonl');
    const deleteRun = () =>
      audit(
        '--mode',
        'delete',
        '--apply',
        '--remediate-kinds',
        OTHER_KINDS,
        '--delete-service-credentials',
        '--change-record',
        record,
      );

    const first = await deleteRun();
    const second = await deleteRun();
    const left = await otherKinds();
    const deletedCredentials = overAgeActive().filter(
      (k) => k.startsWith('service-specific-credential') && !left.has(k),
    );

    // Every over-age one switched off by the first run is gone after the second.
    for (const key of overAgeActive()) expect(left.has(key)).toBe(false);
    expect(deletedCredentials.length).toBeGreaterThanOrEqual(2);
    expect(second.report.summary.deleted).toBeGreaterThanOrEqual(overAgeActive().length);

    const undone = await restore(
      '--run',
      first.report.runId,
      '--run',
      second.report.runId,
      '--change-record',
      record,
      '--apply',
    );

    // Some changes cannot be undone: exit 1, each named.
    expect(undone.status).toBe(1);
    const steps = undone.report.steps;
    const sshDeletions = steps.filter(
      (s) => s.credentialType === 'ssh-public-key' && s.change === 'DELETE',
    );
    expect(sshDeletions.length).toBeGreaterThan(0);
    expect(new Set(sshDeletions.map((s) => s.action))).toEqual(new Set(['UPLOADED']));
    const refused = steps.filter(
      (s) => s.credentialType === 'service-specific-credential' && s.change === 'DELETE',
    );
    expect(
      refused.map((s) => `service-specific-credential ${s.userName} ${s.certificateId}`).sort(),
    ).toEqual(deletedCredentials);
    for (const step of refused) {
      expect(step).toMatchObject({ verdict: 'REFUSED' });
      expect(step.detail).toMatch(/cannot be restored: its secret is never readable again/);
    }
    // The SSH keys are back, by fingerprint (new ids) and with the status each had.
    expect(await sshKeysByFingerprint()).toEqual(before.keys);
    // The deleted service credentials stay deleted; every other one is as it was.
    const now = await otherKinds();
    for (const key of deletedCredentials) expect(now.has(key)).toBe(false);
    for (const [key, status] of before.others) {
      if (key.startsWith('service-specific-credential') && !deletedCredentials.includes(key)) {
        expect(now.get(key)).toBe(status);
      }
    }
  });
});
