import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ChangeIntent,
  type ChangeKind,
  type ChangeOutcome,
  fingerprintOf,
  type RecordedChange,
} from '../../../lambda/core/change-record';
import {
  type CurrentCertificate,
  planRestore,
  type RestoreOptions,
  stateKey,
  TO_BE_UPLOADED,
  type UserState,
} from '../../../lambda/core/restore-plan';
import { generateTestCertificate } from '../../../tools/emulator/certs';
import { ACCOUNT_ID, CERT_BODY, NOW } from '../fixtures';

const BODY = CERT_BODY;
const FINGERPRINT = fingerprintOf(BODY);
const OPTIONS: RestoreOptions = { activate: false, includeIncomplete: false, now: NOW };
/** Alice's IAM id, as GetUser gives it. */
const ALICE_ID = 'AIDAALICE0000000000001';

/** A recorded change of alice's certificate: its intent and, unless `null`, its outcome. */
function change(
  kind: ChangeKind,
  outcome: ChangeOutcome | null,
  overrides: Partial<ChangeIntent> = {},
): RecordedChange {
  const intent: ChangeIntent = {
    recordVersion: '1',
    entry: 'intent',
    runId: 'run-1',
    accountId: ACCOUNT_ID,
    certificateId: 'CERTALICE0000000000000001',
    change: kind,
    recordedAt: '2026-12-01T06:00:00.000Z',
    userName: 'alice',
    userArn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
    status: kind === 'DELETE' ? 'Inactive' : 'Active',
    uploadDate: '2025-01-01T00:00:00.000Z',
    fingerprint256: fingerprintOf(overrides.body ?? BODY),
    body: BODY,
    ...overrides,
  };
  return {
    intent,
    outcome:
      outcome === null
        ? undefined
        : {
            recordVersion: '1',
            entry: 'outcome',
            runId: intent.runId,
            accountId: intent.accountId,
            certificateId: intent.certificateId,
            change: kind,
            recordedAt: '2026-12-01T06:00:01.000Z',
            outcome,
            error: outcome === 'FAILED' ? { code: 'ServiceFailure', message: 'boom' } : null,
          },
  };
}

/** Alice as IAM holds her now. */
function alice(state: UserState): Map<string, UserState> {
  return new Map([[stateKey(ACCOUNT_ID, 'alice'), state]]);
}

function holding(...certificates: Partial<CurrentCertificate>[]): UserState {
  return {
    userId: ALICE_ID,
    certificates: certificates.map((c, index) => ({
      certificateId: `CERTALICE000000000000000${index + 1}`,
      status: 'Active',
      fingerprint256: FINGERPRINT,
      ...c,
    })),
  };
}

describe('planRestore: a deactivation', () => {
  it('plans setting a certificate still Inactive Active again', () => {
    const [step] = planRestore(
      [change('DEACTIVATE', 'DEACTIVATED')],
      alice(holding({ status: 'Inactive' })),
      OPTIONS,
    );

    expect(step).toMatchObject({
      verdict: 'RESTORABLE',
      plannedAction: 'REACTIVATE',
      targetStatus: 'Active',
      currentCertificateId: 'CERTALICE0000000000000001',
    });
  });

  it('finds the certificate by fingerprint when its id has changed (uploaded again since)', () => {
    const [step] = planRestore(
      [change('DEACTIVATE', 'DEACTIVATED')],
      alice(holding({ certificateId: 'CERTALICENEWID00000000001', status: 'Inactive' })),
      OPTIONS,
    );

    expect(step).toMatchObject({
      verdict: 'RESTORABLE',
      currentCertificateId: 'CERTALICENEWID00000000001',
    });
  });

  it('has nothing to do for a certificate already Active', () => {
    const [step] = planRestore([change('DEACTIVATE', 'DEACTIVATED')], alice(holding({})), OPTIONS);

    expect(step).toMatchObject({ verdict: 'ALREADY_RESTORED', plannedAction: null });
  });

  it('refuses one deleted since, pointing at the run that deleted it', () => {
    const [step] = planRestore(
      [change('DEACTIVATE', 'DEACTIVATED')],
      alice({ userId: ALICE_ID, certificates: [] }),
      OPTIONS,
    );

    expect(step).toMatchObject({ verdict: 'REFUSED' });
    expect(step?.detail).toMatch(/deleted since .*restore that run too/);
  });
});

describe('planRestore: a deletion', () => {
  it('plans uploading the body again, left Inactive as it was, or Active with --activate', () => {
    const recorded = [change('DELETE', 'DELETED')];

    const [inactive] = planRestore(
      recorded,
      alice({ userId: ALICE_ID, certificates: [] }),
      OPTIONS,
    );
    const [active] = planRestore(recorded, alice({ userId: ALICE_ID, certificates: [] }), {
      ...OPTIONS,
      activate: true,
    });

    expect(inactive).toMatchObject({
      verdict: 'RESTORABLE',
      plannedAction: 'UPLOAD',
      targetStatus: 'Inactive',
    });
    expect(inactive?.detail).toContain('first uploaded 2025-01-01T00:00:00.000Z');
    expect(active).toMatchObject({ plannedAction: 'UPLOAD', targetStatus: 'Active' });
  });

  it('has nothing to do when a certificate with its fingerprint is back', () => {
    const [step] = planRestore(
      [change('DELETE', 'DELETED')],
      alice(holding({ certificateId: 'CERTALICENEWID00000000001', status: 'Inactive' })),
      OPTIONS,
    );

    expect(step).toMatchObject({
      verdict: 'ALREADY_RESTORED',
      currentCertificateId: 'CERTALICENEWID00000000001',
    });
  });

  it("refuses when the user already holds IAM's two certificates", () => {
    const other = (n: number) => ({
      certificateId: `CERTOTHER00000000000000${n}`,
      fingerprint256: `other-${n}`,
    });

    const [step] = planRestore(
      [change('DELETE', 'DELETED')],
      alice(holding(other(1), other(2))),
      OPTIONS,
    );

    expect(step).toMatchObject({ verdict: 'REFUSED' });
    expect(step?.detail).toContain("already holds IAM's 2 signing certificates");
  });

  it('refuses an expired certificate, which IAM refuses to upload', () => {
    const expired = generateTestCertificate({
      notBefore: new Date(NOW.getTime() - 400 * 86_400_000),
      notAfter: new Date(NOW.getTime() - 86_400_000),
    });

    const [step] = planRestore(
      [change('DELETE', 'DELETED', { body: expired })],
      alice({ userId: ALICE_ID, certificates: [] }),
      OPTIONS,
    );

    expect(step).toMatchObject({ verdict: 'REFUSED' });
    expect(step?.detail).toMatch(/expired on .*MalformedCertificate/);
  });

  it('undoes a two-step deletion newest first: the upload, then the reactivation of the upload', () => {
    const deactivated = change('DEACTIVATE', 'DEACTIVATED');
    const deleted = change('DELETE', 'DELETED', {
      runId: 'run-2',
      recordedAt: '2026-12-02T06:00:00.000Z',
    });

    const steps = planRestore(
      [deactivated, deleted],
      alice({ userId: ALICE_ID, certificates: [] }),
      OPTIONS,
    );

    expect(
      steps.map((s) => [s.runId, s.plannedAction, s.targetStatus, s.currentCertificateId]),
    ).toEqual([
      ['run-2', 'UPLOAD', 'Inactive', null],
      ['run-1', 'REACTIVATE', 'Active', TO_BE_UPLOADED],
    ]);
  });
});

describe('planRestore: what it refuses or leaves', () => {
  it('refuses a user deleted since, and one whose certificates could not be read', () => {
    const [gone] = planRestore([change('DELETE', 'DELETED')], alice({ gone: true }), OPTIONS);
    const [unread] = planRestore(
      [change('DEACTIVATE', 'DEACTIVATED')],
      alice({ error: { code: 'Throttling', message: 'Rate exceeded' } }),
      OPTIONS,
    );

    expect(gone).toMatchObject({ verdict: 'REFUSED' });
    expect(gone?.detail).toContain('the user alice no longer exists');
    expect(unread).toMatchObject({ verdict: 'REFUSED', error: { code: 'Throttling' } });
  });

  it('has nothing to restore for a change the run found gone', () => {
    const [step] = planRestore(
      [change('DELETE', 'GONE')],
      alice({ userId: ALICE_ID, certificates: [] }),
      OPTIONS,
    );

    expect(step).toMatchObject({ verdict: 'NOTHING_TO_RESTORE' });
  });

  it("reads IAM's state for a change recorded with no outcome: not made, nothing to restore", () => {
    const [step] = planRestore([change('DEACTIVATE', null)], alice(holding({})), OPTIONS);

    expect(step).toMatchObject({ verdict: 'NOTHING_TO_RESTORE' });
    expect(step?.detail).toMatch(/no outcome .*IAM shows the certificate Active .*not made/);
  });

  it('refuses a change with no outcome that IAM shows made, unless --include-incomplete', () => {
    const recorded = [change('DEACTIVATE', null)];
    const state = alice(holding({ status: 'Inactive' }));

    const [refused] = planRestore(recorded, state, OPTIONS);
    const [included] = planRestore(recorded, state, { ...OPTIONS, includeIncomplete: true });

    expect(refused).toMatchObject({ verdict: 'REFUSED' });
    expect(refused?.detail).toMatch(/IAM shows it Inactive .*probably made.*--include-incomplete/);
    expect(included).toMatchObject({ verdict: 'RESTORABLE', plannedAction: 'REACTIVATE' });
  });

  it('treats a change recorded FAILED as not known to be made', () => {
    const [untouched] = planRestore([change('DELETE', 'FAILED')], alice(holding({})), OPTIONS);
    const [made] = planRestore(
      [change('DELETE', 'FAILED')],
      alice({ userId: ALICE_ID, certificates: [] }),
      OPTIONS,
    );

    expect(untouched).toMatchObject({ verdict: 'NOTHING_TO_RESTORE' });
    expect(made).toMatchObject({ verdict: 'REFUSED' });
    expect(made?.detail).toContain('recorded as FAILED (ServiceFailure)');
  });

  it("refuses a restore's own change", () => {
    const [step] = planRestore(
      [change('UPLOAD', 'UPLOADED')],
      alice({ userId: ALICE_ID, certificates: [] }),
      OPTIONS,
    );

    expect(step).toMatchObject({ verdict: 'REFUSED' });
    expect(step?.detail).toContain('restore does not undo a restore');
  });
});

describe('planRestore: a record that is not what it says', () => {
  it('refuses an entry whose body is not the certificate it names, and shows the subject it would upload', () => {
    const other = generateTestCertificate({ commonName: 'mallory' });
    const [tampered] = planRestore(
      [change('DELETE', 'DELETED', { body: other, fingerprint256: FINGERPRINT })],
      alice({ userId: ALICE_ID, certificates: [] }),
      OPTIONS,
    );
    const [honest] = planRestore(
      [change('DELETE', 'DELETED')],
      alice({ userId: ALICE_ID, certificates: [] }),
      OPTIONS,
    );

    expect(tampered).toMatchObject({ verdict: 'REFUSED', plannedAction: null });
    expect(tampered?.detail).toContain('the record is inconsistent');
    expect(honest?.detail).toContain(`subject ${new X509Certificate(BODY).subject}`);
  });
});
