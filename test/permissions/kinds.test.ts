import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it, vi } from 'vitest';
import { KIND_INDEX } from '../../lambda/kinds';
import type { CallLine, RecordLine, SessionLine } from '../../tools/emulator/call-record';
import { TEST_KEY, TEST_TOKEN } from '../unit/kinds/test-kinds';
import { accountDeployment, CENTRAL_ACCOUNT } from './deployments';
import { type DeploymentProof, proveDeployment } from './proof';
import { loadCallRecord } from './record';

// The kind table with two test-only kinds added, as a new kind's lines would add them (its type,
// its words, its module in the index): a per-user kind (as SSH public keys are) and an
// account-wide one whose deletion is final (as service-specific credentials are). Their actions
// are real IAM actions nothing else of this tool takes, so whatever the proof says of them, it
// says from the kind table. Their words are the dashboard's (a chart line per kind).
vi.mock('../../lambda/core/credential', async (original) =>
  (await import('../unit/kinds/test-kinds')).addTestKinds.credential(original),
);
vi.mock('../../lambda/core/credential-wording', async (original) =>
  (await import('../unit/kinds/test-kinds')).addTestKinds.wording(original),
);
vi.mock('../../lambda/kinds/index', async (original) =>
  (await import('../unit/kinds/test-kinds')).addTestKinds.index(original),
);

/**
 * The proof's controls for the kinds: fixture records of runs reading and changing the test
 * kinds, proven against deployments of each mode and kinds. A call of a kind is expected only of
 * a deployment whose settings make it, and refused by the others; a report-mode deployment is
 * refused every kind's write; a grant of a kind's action the settings rule out is named.
 */
const TOPIC = `arn:aws:sns:us-east-1:${CENTRAL_ACCOUNT}:findings`;
const ALICE = `arn:aws:iam::${CENTRAL_ACCOUNT}:user/alice`;
const EVERY_KIND = ['signing-certificate', TEST_KEY, TEST_TOKEN].join(',');

function call(key: string, action: string, resource: string): CallLine {
  const [service = '', operation = ''] = action.split(':');
  return {
    kind: 'call',
    accessKeyId: key,
    fromCode: true,
    service,
    operation,
    action,
    resource,
    region: 'us-east-1',
    account: CENTRAL_ACCOUNT,
    status: 200,
    answeredBy: 'emulator',
    params: {},
  };
}

function session(key: string, env: Record<string, string>): SessionLine {
  return {
    kind: 'session',
    accessKeyId: key,
    principal: 'function',
    env: { TOPIC_ARN: TOPIC, ARCHIVE_BUCKET: 'evidence', ...env },
    label: `fixture ${key}`,
  };
}

/** A run reading every kind (the account-wide one by a call naming no user). */
const reads = (key: string) => [
  call(key, 'iam:GetAccountSummary', '*'),
  call(key, 'iam:ListUsers', '*'),
  call(key, 'iam:ListSigningCertificates', ALICE),
  call(key, 'iam:ListAccessKeys', ALICE),
  call(key, 'iam:ListMFADevices', '*'),
  call(key, 'iam:ListUserTags', ALICE),
  call(key, 's3:PutObject', 'arn:aws:s3:::evidence/reports/account=123456789012/r.json'),
  call(key, 's3:PutObject', 'arn:aws:s3:::evidence/findings/account=123456789012/r.jsonl'),
  call(key, 'sns:Publish', TOPIC),
];

/** A report-mode run of every kind, and a deactivate run changing every kind. */
const RECORD: readonly RecordLine[] = [
  session('ASCAKINDS00000000001', { MODE: 'report', CREDENTIAL_KINDS: EVERY_KIND }),
  ...reads('ASCAKINDS00000000001'),
  session('ASCAKINDS00000000002', {
    MODE: 'deactivate',
    CREDENTIAL_KINDS: EVERY_KIND,
    REMEDIATE_KINDS: EVERY_KIND,
  }),
  ...reads('ASCAKINDS00000000002'),
  call('ASCAKINDS00000000002', 'iam:GetUser', ALICE),
  call('ASCAKINDS00000000002', 's3:PutObject', 'arn:aws:s3:::evidence/changes/r/alice.json'),
  call('ASCAKINDS00000000002', 'iam:UpdateSigningCertificate', ALICE),
  call('ASCAKINDS00000000002', 'iam:UpdateAccessKey', ALICE),
  call('ASCAKINDS00000000002', 'iam:DeactivateMFADevice', ALICE),
];

function recordOf(lines: readonly RecordLine[]) {
  const dir = mkdtempSync(join(tmpdir(), 'calls-kinds-'));
  writeFileSync(
    join(dir, 'fixture-1.jsonl'),
    lines.map((line) => `${JSON.stringify(line)}\n`).join(''),
  );
  return loadCallRecord(dir);
}

const record = recordOf(RECORD);
/** What a proof says of an action: expected (and allowed or not), refused (and held or not). */
const verdicts = (proof: DeploymentProof, action: string) => [
  ...new Set([
    ...proof.expected.filter((v) => v.request.action === action).map((v) => `expected ${v.result}`),
    ...proof.refusals.filter((v) => v.request.action === action).map((v) => `refused ${v.result}`),
  ]),
];
const writesOf = (types: readonly string[]) =>
  KIND_INDEX.filter((kind) => types.includes(kind.type)).flatMap((kind) => [
    ...kind.actions.deactivate,
    ...kind.actions.delete,
    ...kind.actions.restore,
  ]);

describe('the record of a run reading every kind', () => {
  it('gives each session the kinds its code parsed', () => {
    expect(record.sessions.map((s) => s.settings)).toMatchObject([
      { mode: 'report', credentialKinds: ['signing-certificate', TEST_KEY, TEST_TOKEN] },
      { mode: 'deactivate', remediateKinds: ['signing-certificate', TEST_KEY, TEST_TOKEN] },
    ]);
  });
});

describe('a deployment reading and changing every kind (deactivate)', () => {
  it('allows every call of both runs, and uses every grant of a kind', async () => {
    const proof = await proveDeployment(
      record,
      accountDeployment('all kinds', {
        mode: 'deactivate',
        credentialKinds: EVERY_KIND,
        remediateKinds: EVERY_KIND,
      }),
    );

    expect(proof.expected.filter((v) => v.result !== 'Allowed')).toEqual([]);
    expect(verdicts(proof, 'iam:UpdateAccessKey')).toEqual(['expected Allowed']);
    expect(verdicts(proof, 'iam:ListMFADevices')).toEqual(['expected Allowed']);
    expect(proof.unexercised.map((g) => g.action)).toEqual([]);
    expect(proof.ruledOutByKinds).toEqual([]);
    // What it still must not do: delete (delete mode's), restore (the operator's).
    expect(verdicts(proof, 'iam:DeleteAccessKey')).toEqual(['refused ImplicitlyDenied']);
    expect(verdicts(proof, 'iam:CreateAccessKey')).toEqual(['refused ImplicitlyDenied']);
    expect(verdicts(proof, 'iam:EnableMFADevice')).toEqual(['refused ImplicitlyDenied']);
  });
});

describe('a deployment reading every kind, changing signing certificates only', () => {
  it('expects the reads of every kind and the certificate change, and refuses the other kinds’ changes', async () => {
    const proof = await proveDeployment(
      record,
      accountDeployment('all kinds read', { mode: 'deactivate', credentialKinds: EVERY_KIND }),
    );

    expect(proof.expected.filter((v) => v.result !== 'Allowed')).toEqual([]);
    expect(verdicts(proof, 'iam:UpdateSigningCertificate')).toEqual(['expected Allowed']);
    expect(verdicts(proof, 'iam:ListAccessKeys')).toEqual(['expected Allowed']);
    // The deactivate run changed the test kinds: not this deployment's calls, and refused.
    expect(verdicts(proof, 'iam:UpdateAccessKey')).toEqual(['refused ImplicitlyDenied']);
    expect(verdicts(proof, 'iam:DeactivateMFADevice')).toEqual(['refused ImplicitlyDenied']);
  });
});

describe('a report-mode deployment of every kind', () => {
  const build = (leak?: string) =>
    accountDeployment(
      'report, all kinds',
      { mode: 'report', credentialKinds: EVERY_KIND, remediateKinds: EVERY_KIND },
      leak === undefined
        ? undefined
        : (stack) =>
            stack.auditor.function.addToRolePolicy(
              new iam.PolicyStatement({ actions: [leak], resources: ['*'] }),
            ),
    );

  it('is refused every write action of every kind, and holds none', async () => {
    const proof = await proveDeployment(record, build());

    const everyWrite = writesOf(['signing-certificate', TEST_KEY, TEST_TOKEN]);
    expect(everyWrite).toEqual(
      expect.arrayContaining(['iam:DeleteSigningCertificate', 'iam:DeleteLoginProfile']),
    );
    for (const action of everyWrite) {
      expect(verdicts(proof, action), action).toEqual(['refused ImplicitlyDenied']);
    }
    expect(proof.ruledOutByKinds).toEqual([]);
    expect(proof.expected.filter((v) => v.result !== 'Allowed')).toEqual([]);
    expect(verdicts(proof, 'iam:ListMFADevices')).toEqual(['expected Allowed']);
  });

  it('control: a write of a kind granted by hand is named, and its refusal fails', async () => {
    const proof = await proveDeployment(record, build('iam:UpdateAccessKey'));

    expect(proof.ruledOutByKinds.map((g) => g.action)).toEqual(['iam:UpdateAccessKey']);
    expect(verdicts(proof, 'iam:UpdateAccessKey')).toEqual(['refused Allowed']);
  });

  it('control: a wildcard covering a kind’s writes is named too', async () => {
    const proof = await proveDeployment(record, build('iam:Delete*'));

    expect(proof.ruledOutByKinds.map((g) => g.action)).toEqual(['iam:Delete*']);
  });
});

describe('delete mode and a kind whose deletion is final', () => {
  it('is refused its deletion without deleteServiceCredentials, and granted it with (the control)', async () => {
    const context = { mode: 'delete', credentialKinds: EVERY_KIND, remediateKinds: EVERY_KIND };

    const off = await proveDeployment(record, accountDeployment('off', context));
    const on = await proveDeployment(
      record,
      accountDeployment('on', { ...context, deleteServiceCredentials: true }),
    );

    expect(verdicts(off, 'iam:DeleteLoginProfile')).toEqual(['refused ImplicitlyDenied']);
    expect(verdicts(off, 'iam:DeleteAccessKey')).toEqual([]);
    expect(verdicts(on, 'iam:DeleteLoginProfile')).toEqual([]);
    expect(on.grants.map((g) => g.action)).toContain('iam:DeleteLoginProfile');
  });
});
