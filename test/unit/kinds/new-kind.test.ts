import { IAMClient } from '@aws-sdk/client-iam';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseCliArgs } from '../../../cli/args';
import { type CliIo, main } from '../../../cli/main';
import { type ChangeIntent, parseChangeEntry } from '../../../lambda/core/change-record';
import type { Policy } from '../../../lambda/core/settings';
import { runAudit } from '../../../lambda/engine/audit';
import { SigningCertAuditor } from '../../../lib/signing-cert-auditor';
import { functionPermissions } from '../../cdk/helpers';
import { mockedAccount } from '../accounts';
import { ACCOUNT_ID, daysAgo, memoryRecorder, NOW, policyWith, recordingLogger } from '../fixtures';
import { calls, store, TEST_KEY } from './test-kinds';

// What a new kind adds, and nothing else: its type in CREDENTIAL_TYPES, its words in KIND_WORDING
// (the outputs', kept in the pure core) and its module in the kind index. The scan, the checks,
// the act phase, the change record, the constructs' grants, the dashboard and the CLI's flags
// below reach the test-only kinds through them alone.
vi.mock('../../../lambda/core/credential', async (original) =>
  (await import('./test-kinds')).addTestKinds.credential(original),
);
vi.mock('../../../lambda/core/credential-wording', async (original) =>
  (await import('./test-kinds')).addTestKinds.wording(original),
);
vi.mock('../../../lambda/kinds/index', async (original) =>
  (await import('./test-kinds')).addTestKinds.index(original),
);

const account = mockedAccount();
const KINDS = ['signing-certificate', TEST_KEY] as Policy['credentialKinds'];

// alice holds no signing certificate, and three test keys: over age and Active, over age and
// Inactive for longer than deleteAfterDays, and young.
beforeEach(() => {
  account.answer({ alice: [] });
  calls.length = 0;
  store.clear();
  store.set('alice', [
    {
      credentialId: 'TESTKEYOLDACTIVE0000001',
      status: 'Active',
      uploadDate: daysAgo(200),
      body: 'key-body-1',
    },
    {
      credentialId: 'TESTKEYOLDINACTIVE00002',
      status: 'Inactive',
      uploadDate: daysAgo(300),
      body: 'key-body-2',
    },
    {
      credentialId: 'TESTKEYYOUNG00000000003',
      status: 'Active',
      uploadDate: daysAgo(5),
      body: 'key-body-3',
    },
  ]);
});

async function audit(overrides: Partial<Policy>) {
  const recorder = memoryRecorder();
  const report = await runAudit(
    {
      iam: new IAMClient({ region: 'us-east-1' }),
      logger: recordingLogger(),
      now: NOW,
      runId: 'run-1',
      accountId: ACCOUNT_ID,
      changeRecord: recorder,
    },
    policyWith({ credentialKinds: KINDS, ...overrides }),
  );
  return { report, entries: recorder.entries };
}

describe('a kind added by its module and its two lines', () => {
  it('is listed by the scan and judged by the checks that declare every kind (report mode)', async () => {
    const { report } = await audit({});

    expect(report.findings).toEqual([
      expect.objectContaining({
        userName: 'alice',
        credentialType: TEST_KEY,
        credentialId: 'TESTKEYOLDACTIVE0000001',
        certificateId: null,
        verdict: 'NON_COMPLIANT',
        ageDays: 200,
        action: 'NONE',
      }),
      expect.objectContaining({
        credentialId: 'TESTKEYOLDINACTIVE00002',
        verdict: 'NON_COMPLIANT',
      }),
    ]);
    expect(calls).toEqual([]);
  });

  it('is not read when credentialKinds leaves it out (the control)', async () => {
    const { report } = await audit({ credentialKinds: ['signing-certificate'] });

    expect(report.findings).toEqual([]);
  });

  it('is changed by the act phase, by its own functions, when remediateKinds names it, and recorded first', async () => {
    const { report, entries } = await audit({ mode: 'deactivate', remediateKinds: [TEST_KEY] });

    expect(calls).toEqual(['setStatus alice TESTKEYOLDACTIVE0000001 Inactive']);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ credentialId: 'TESTKEYOLDACTIVE0000001', action: 'DEACTIVATED' }),
    );
    const intent = entries.find((e): e is ChangeIntent => e.entry === 'intent');
    expect(intent).toMatchObject({
      certificateId: 'TESTKEYOLDACTIVE0000001',
      credentialType: TEST_KEY,
      change: 'DEACTIVATE',
      body: 'key-body-1',
      fingerprint256: expect.stringMatching(/^text:[0-9a-f]{64}$/),
    });
    // The record's reader knows the kind too (restore reads it back).
    expect(parseChangeEntry(JSON.parse(JSON.stringify(intent)), 'memory')).toMatchObject({
      credentialType: TEST_KEY,
    });
  });

  it('is only reported when remediateKinds does not name it (the control)', async () => {
    const { report } = await audit({ mode: 'deactivate' });

    expect(calls).toEqual([]);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        credentialId: 'TESTKEYOLDACTIVE0000001',
        action: 'NONE',
        detail: expect.stringContaining('remediateKinds does not name test-key'),
      }),
    );
  });

  it('is deleted in delete mode when Inactive past deleteAfterDays, its body in the record', async () => {
    const { report, entries } = await audit({ mode: 'delete', remediateKinds: [TEST_KEY] });

    expect(calls).toEqual([
      'setStatus alice TESTKEYOLDACTIVE0000001 Inactive',
      'remove alice TESTKEYOLDINACTIVE00002',
    ]);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ credentialId: 'TESTKEYOLDINACTIVE00002', action: 'DELETED' }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ change: 'DELETE', credentialType: TEST_KEY, body: 'key-body-2' }),
    );
  });

  it('gets its grants in the construct: its reads, and its writes only in a mode that changes it', () => {
    const permissions = (mode: Policy['mode']) => {
      const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Host');
      new SigningCertAuditor(stack, 'Auditor', {
        mode,
        credentialKinds: KINDS,
        remediateKinds: [TEST_KEY],
      });
      return functionPermissions(Template.fromStack(stack));
    };

    const report = permissions('report');
    const deactivate = permissions('deactivate');

    const users = 'arn:{AWS::Partition}:iam::{AWS::AccountId}:user/*';
    expect(report['iam:ListAccessKeys']).toEqual([users]);
    expect(report).not.toHaveProperty('iam:UpdateAccessKey');
    expect(deactivate['iam:UpdateAccessKey']).toEqual([users]);
    expect(deactivate).not.toHaveProperty('iam:UpdateSigningCertificate');
    // Synthesizing loads the CDK: slower than the unit tests' default allows.
  }, 60_000);

  it('is named by the CLI’s --credential-kinds and --remediate-kinds, and an unknown kind is refused', async () => {
    const env = { AWS_REGION: 'us-east-1' };
    const options = parseCliArgs(
      ['--credential-kinds', `signing-certificate,${TEST_KEY}`, '--remediate-kinds', TEST_KEY],
      { env, stdoutIsTTY: false },
    );
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: { write: (text: string) => out.push(text), isTTY: false },
      stderr: { write: (text: string) => err.push(text), isTTY: false },
      env,
    };

    expect(options.policy).toMatchObject({ credentialKinds: KINDS, remediateKinds: [TEST_KEY] });
    expect(
      await main(['--format', 'json', '--credential-kinds', `signing-certificate,${TEST_KEY}`], io),
    ).toBe(1);
    expect(
      (JSON.parse(out.join('')) as { findings: { credentialType: string }[] }).findings,
    ).toEqual([
      expect.objectContaining({ credentialType: TEST_KEY }),
      expect.objectContaining({ credentialType: TEST_KEY }),
    ]);
    // Control: a kind no line names is refused where it enters, with the flag's name.
    expect(await main(['--credential-kinds', 'test-nope'], io)).toBe(2);
    expect(err.join('')).toContain('--credential-kinds');
  });
});
