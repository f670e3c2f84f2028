import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paginateListSSHPublicKeys } from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listServiceSpecificCredentials } from '../../lambda/aws/service-credentials';
import type { ChangeEntry } from '../../lambda/core/change-record';
import { CREDENTIAL_SERVICES } from '../../lambda/core/credential-services';
import type { Finding, Report } from '../../lambda/core/report';
import { demoAccount, demoUserCredentials } from '../../tools/emulator/demo-account';
import { seedDemoAccount, seedDemoCredentials } from '../../tools/emulator/demo-emulator';
import {
  createMailbox,
  type Mailbox,
  readStatuses,
  reassemble,
  receiveAll,
  type SeededServiceCredential,
  type SeedUserCredentials,
  seedUserCredentials,
} from '../../tools/emulator/emulator';
import { type FaultProxy, iamErrorXml, startFaultProxy } from '../../tools/emulator/fault-proxy';
import { resetMoto } from '../../tools/emulator/moto';
import { runCli } from './cli-process';
import { clients, endpoint, invokeHandler } from './harness';

/**
 * Service-specific credentials through the real handler and the real command, on the emulator's
 * demo account (its never-expiring Bedrock key, one expiring in 20 days, one Expired, a CloudWatch
 * Logs key, CodeCommit and Keyspaces credentials) and two more: an over-age Bedrock key already
 * Expired, and an over-age CodeCommit password switched off by a human. The kinds are named
 * explicitly, but in the test of the default (every kind is read by default).
 */
const KINDS = 'signing-certificate,service-specific-credential';
const SSC = 'service-specific-credential';
const MAX_AGE_DAYS = 90;
const EXTRA: readonly SeedUserCredentials[] = [
  {
    userName: 'legacy-signer',
    serviceCredentials: [
      { serviceName: 'bedrock.amazonaws.com', ageDays: 200, credentialAgeDays: 30 },
    ],
  },
  {
    userName: 'uma',
    serviceCredentials: [
      { serviceName: 'codecommit.amazonaws.com', ageDays: 300, status: 'Inactive' },
    ],
  },
];
// Made once: the demo account's certificates and SSH keys are generated, not read from disk.
const DEMO_USERS = demoAccount();
const DEMO_CREDENTIALS = demoUserCredentials();

let seeded: SeededServiceCredential[];
let mailbox: Mailbox;
let proxy: FaultProxy | undefined;
let scratch: string | undefined;

beforeEach(async () => {
  await resetMoto(endpoint);
  await seedDemoAccount(endpoint, clients.iam, DEMO_USERS);
  const demo = await seedDemoCredentials(endpoint, clients.iam, DEMO_CREDENTIALS);
  const extra = await seedUserCredentials(clients.iam, endpoint, EXTRA);
  seeded = [...demo.serviceCredentials, ...extra.serviceCredentials];
  mailbox = await createMailbox(clients);
}, 60_000);

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** Whether a seeded credential has expired by now: created with an expiry that has passed. */
const expired = (c: SeededServiceCredential) =>
  c.credentialAgeDays !== undefined && c.credentialAgeDays < c.ageDays;
const overAge = (c: SeededServiceCredential) => c.ageDays > MAX_AGE_DAYS;
const seededId = (userName: string, serviceName: string, ageDays?: number) => {
  const found = seeded.find(
    (c) =>
      c.userName === userName &&
      c.serviceName === serviceName &&
      (ageDays === undefined || c.ageDays === ageDays),
  );
  if (!found) throw new Error(`nothing seeded for ${userName} ${serviceName}`);
  return found.serviceSpecificCredentialId;
};

/** Every service-specific credential's status in the account, by id (as IAM lists them). */
async function credentialStatuses(): Promise<Map<string, string>> {
  const listed = await listServiceSpecificCredentials(clients.iam, { allUsers: true });
  return new Map(listed.map((c) => [c.credentialId, c.status]));
}

/** Every SSH public key's status, by id: no run here may touch one. */
async function sshKeyStatuses(): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  for (const { userName } of DEMO_CREDENTIALS) {
    for await (const page of paginateListSSHPublicKeys(
      { client: clients.iam },
      { UserName: userName },
    )) {
      for (const key of page.SSHPublicKeys ?? []) {
        statuses.set(key.SSHPublicKeyId ?? '', key.Status ?? '');
      }
    }
  }
  return statuses;
}

/** The report's findings about service-specific credentials: id → its verdicts, sorted. */
function verdictsById(findings: readonly Finding[]): Record<string, string[]> {
  const byId: Record<string, string[]> = {};
  for (const f of findings.filter((f) => f.credentialType === SSC)) {
    const id = f.credentialId ?? '(none)';
    byId[id] = [...(byId[id] ?? []), f.verdict].sort();
  }
  return byId;
}

/** What the demo account and the two extras must be reported as, at a maximum age of 90 days. */
function expectedVerdicts(): Record<string, string[]> {
  return {
    [seededId('alice', 'codecommit.amazonaws.com')]: ['NON_COMPLIANT'],
    [seededId('scanner', 'bedrock.amazonaws.com')]: ['NEVER_EXPIRES', 'NON_COMPLIANT'],
    [seededId('build-bot', 'codecommit.amazonaws.com', 95)]: ['NON_COMPLIANT'],
    [seededId('niaj', 'bedrock.amazonaws.com')]: ['CREDENTIAL_EXPIRED'],
    [seededId('legacy-signer', 'bedrock.amazonaws.com')]: ['CREDENTIAL_EXPIRED', 'NON_COMPLIANT'],
    [seededId('uma', 'codecommit.amazonaws.com')]: ['NON_COMPLIANT'],
  };
}

async function handlerRun(env: Record<string, string>, event: unknown = {}) {
  const summary = await invokeHandler(
    { TOPIC_ARN: mailbox.topicArn, MAX_AGE_DAYS: String(MAX_AGE_DAYS), ...env },
    event,
  );
  return { summary, report: reassemble(await receiveAll(clients.sqs, mailbox.queueUrl)) };
}

describe('the report, with --credential-kinds naming service-specific credentials', () => {
  it('lists each through the real handler with credentialType, credentialId and serviceName', async () => {
    const { report } = await handlerRun({ MODE: 'report', CREDENTIAL_KINDS: KINDS });

    expect(verdictsById(report.findings)).toEqual(expectedVerdicts());
    const scanner = report.findings.find(
      (f) =>
        f.credentialId === seededId('scanner', 'bedrock.amazonaws.com') &&
        f.verdict === 'NEVER_EXPIRES',
    );
    expect(scanner).toMatchObject({
      userName: 'scanner',
      userArn: 'arn:aws:iam::123456789012:user/contractors/scanner',
      credentialType: SSC,
      serviceName: 'bedrock.amazonaws.com',
      certificateId: null,
      certificate: null,
      status: 'Active',
      ageDays: 150,
      severity: 'HIGH',
      action: 'NONE',
    });
    expect(
      report.findings.filter((f) => f.credentialType === SSC).map((f) => f.serviceName),
    ).not.toContain(null);
    // The certificates are reported as they always were.
    expect(report.summary).toMatchObject({ usersScanned: 32, certificatesScanned: 31 });
    expect(report.complete).toBe(true);
  });

  it('judges them by their own maximum age (SERVICE_CREDENTIAL_MAX_AGE_DAYS), the certificates by the account’s', async () => {
    const { report } = await handlerRun({
      MODE: 'report',
      CREDENTIAL_KINDS: KINDS,
      SERVICE_CREDENTIAL_MAX_AGE_DAYS: '30',
    });

    const verdicts = verdictsById(report.findings);
    // A CloudWatch Logs key 20 days old that expires 90 days after its creation.
    expect(verdicts[seededId('metrics-bot', 'logs.amazonaws.com')]).toEqual([
      'EXPIRES_TOO_LATE',
      'EXPIRING_SOON',
    ]);
    expect(verdicts[seededId('vendor-globex', 'cassandra.amazonaws.com')]).toEqual([
      'NON_COMPLIANT',
    ]);
    // One that expires 30 days after its creation is within it.
    expect(verdicts[seededId('trent', 'bedrock.amazonaws.com')]).toBeUndefined();
    expect(report.findings.find((f) => f.userName === 'dave')).toMatchObject({
      credentialType: 'signing-certificate',
      verdict: 'EXPIRING_SOON',
      ageDays: 80,
    });
  });

  it('lists the same through the real command (--format json)', async () => {
    const run = await runCli(['--credential-kinds', KINDS, '--format', 'json']);

    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(verdictsById(report.findings)).toEqual(expectedVerdicts());
    expect(report.policy).toMatchObject({ credentialKinds: ['signing-certificate', SSC] });
  });

  it('lists them by default too (every kind is read), and none when --credential-kinds names signing certificates alone', async () => {
    const byDefault = await runCli(['--format', 'json']);
    const certificatesOnly = await runCli([
      '--credential-kinds',
      'signing-certificate',
      '--format',
      'json',
    ]);

    const report = JSON.parse(byDefault.stdout) as Report;
    expect(report.policy.credentialKinds).toEqual(['signing-certificate', 'ssh-public-key', SSC]);
    expect(verdictsById(report.findings)).toEqual(expectedVerdicts());
    const control = JSON.parse(certificatesOnly.stdout) as Report;
    expect(control.findings.filter((f) => f.credentialType === SSC)).toEqual([]);
  });

  it('lists them in a few calls for the whole account, not one a user', async () => {
    proxy = await startFaultProxy(endpoint);

    const run = await runCli(['--credential-kinds', KINDS, '--format', 'json'], {
      endpoint: proxy.endpoint,
    });

    const report = JSON.parse(run.stdout) as Report;
    expect(report.summary.usersScanned).toBe(32);
    // One AllUsers listing for each service IAM documents, and one for any other.
    expect(proxy.counts.forwarded.get('ListServiceSpecificCredentials')).toBe(
      Object.keys(CREDENTIAL_SERVICES).length + 1,
    );
    // The control: signing certificates are listed user by user.
    expect(proxy.counts.forwarded.get('ListSigningCertificates')).toBe(32);
  });

  it('is incomplete, saying which kind could not be read, when the listing is refused', async () => {
    proxy = await startFaultProxy(endpoint, {
      respond: (request) =>
        request.action === 'ListServiceSpecificCredentials'
          ? { status: 403, xml: iamErrorXml('AccessDenied', 'not authorized') }
          : undefined,
    });

    const run = await runCli(['--credential-kinds', KINDS, '--format', 'json'], {
      endpoint: proxy.endpoint,
    });

    // Exit 3: what could not be read is never reported as fixed.
    expect(run.status).toBe(3);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.complete).toBe(false);
    expect(report.incompleteReason).toBe(
      'iam:ListServiceSpecificCredentials failed (AccessDenied: not authorized): no service-specific credential was read, so the report holds none',
    );
    expect(run.stderr).toContain('iam:ListServiceSpecificCredentials failed (AccessDenied');
    expect(report.findings.filter((f) => f.credentialType === SSC)).toEqual([]);
  });
});

describe('deactivate mode', () => {
  it('with REMEDIATE_KINDS service-specific-credential switches off exactly the over-age ones, and no certificate or SSH key', async () => {
    const certificates = await readStatuses(clients.iam);
    const sshKeys = await sshKeyStatuses();

    const { summary, report } = await handlerRun({
      MODE: 'deactivate',
      CREDENTIAL_KINDS: KINDS,
      REMEDIATE_KINDS: SSC,
    });

    const statuses = await credentialStatuses();
    for (const credential of seeded) {
      const listed = expired(credential) ? 'Expired' : credential.status;
      const expected = overAge(credential) && listed === 'Active' ? 'Inactive' : listed;
      expect({
        id: credential.serviceSpecificCredentialId,
        status: statuses.get(credential.serviceSpecificCredentialId),
      }).toEqual({
        id: credential.serviceSpecificCredentialId,
        status: expected,
      });
    }
    expect(
      report.findings
        .filter((f) => f.action === 'DEACTIVATED')
        .map((f) => f.credentialId)
        .sort(),
    ).toEqual(
      [
        seededId('alice', 'codecommit.amazonaws.com'),
        seededId('scanner', 'bedrock.amazonaws.com'),
        seededId('build-bot', 'codecommit.amazonaws.com', 95),
      ].sort(),
    );
    expect(summary.deactivated).toBe(3);
    expect(await readStatuses(clients.iam)).toEqual(certificates);
    expect(await sshKeyStatuses()).toEqual(sshKeys);
  });

  it('changes none with the default remediateKinds: only the certificates are switched off', async () => {
    const before = await credentialStatuses();

    const { report } = await handlerRun({ MODE: 'deactivate', CREDENTIAL_KINDS: KINDS });

    expect(await credentialStatuses()).toEqual(before);
    const scanner = report.findings.find(
      (f) =>
        f.credentialId === seededId('scanner', 'bedrock.amazonaws.com') &&
        f.verdict === 'NON_COMPLIANT',
    );
    expect(scanner).toMatchObject({
      action: 'NONE',
      plannedAction: null,
      detail: 'not changed: remediateKinds does not name service-specific-credential',
    });
    expect(report.summary.deactivated).toBeGreaterThan(0);
    expect(
      report.findings
        .filter((f) => f.action === 'DEACTIVATED')
        .every((f) => f.credentialType === 'signing-certificate'),
    ).toBe(true);
  });
});

describe('delete mode (the real command)', () => {
  const deleteRun = (...more: string[]) => {
    scratch = mkdtempSync(join(tmpdir(), 'ssc-delete-'));
    const record = join(scratch, 'changes.jsonl');
    const args = [
      '--mode',
      'delete',
      '--apply',
      '--credential-kinds',
      KINDS,
      '--remediate-kinds',
      SSC,
      '--change-record',
      record,
      '--format',
      'json',
      ...more,
    ];
    return { record, done: runCli(args) };
  };

  it('deletes none without --delete-service-credentials: the deletion could never be undone', async () => {
    const { done } = deleteRun();
    const run = await done;

    const statuses = await credentialStatuses();
    const uma = seededId('uma', 'codecommit.amazonaws.com');
    expect(statuses.get(uma)).toBe('Inactive');
    const report = JSON.parse(run.stdout) as Report;
    expect(report.findings.find((f) => f.credentialId === uma)).toMatchObject({
      verdict: 'NON_COMPLIANT',
      action: 'NONE',
      detail:
        'not deleted: a service-specific credential can never be restored, and deleteServiceCredentials is off',
    });
    expect(report.summary).toMatchObject({ deleted: 0, deactivated: 3 });
  });

  it('deletes one with --delete-service-credentials, recorded as a change restore cannot undo; an Expired one is reported, never changed', async () => {
    const { record, done } = deleteRun('--delete-service-credentials');
    const run = await done;

    const uma = seededId('uma', 'codecommit.amazonaws.com');
    const legacy = seededId('legacy-signer', 'bedrock.amazonaws.com');
    const statuses = await credentialStatuses();
    expect(statuses.has(uma)).toBe(false);
    expect(statuses.get(legacy)).toBe('Expired');
    const report = JSON.parse(run.stdout) as Report;
    expect(report.summary).toMatchObject({ deleted: 1, deactivated: 3, errors: 0 });
    expect(report.findings.find((f) => f.credentialId === uma)).toMatchObject({
      action: 'DELETED',
    });
    expect(
      report.findings
        .filter((f) => f.credentialId === legacy)
        .map((f) => [f.verdict, f.plannedAction, f.action])
        .sort(),
    ).toEqual([
      ['CREDENTIAL_EXPIRED', null, 'NONE'],
      ['NON_COMPLIANT', null, 'NONE'],
    ]);
    const entries = readFileSync(record, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ChangeEntry);
    expect(entries).toContainEqual(
      expect.objectContaining({
        entry: 'intent',
        change: 'DELETE',
        credentialType: SSC,
        certificateId: uma,
        userName: 'uma',
        body: '',
        fingerprint256: 'none',
      }),
    );
    // Nothing about the Expired one was recorded: no change was about to be made to it.
    expect(entries.filter((e) => 'certificateId' in e && e.certificateId === legacy)).toEqual([]);
  });
});
