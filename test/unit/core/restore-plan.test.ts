import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ChangeIntent,
  type ChangeKind,
  type ChangeOutcome,
  fingerprintOf,
  type RecordedChange,
  runKey,
} from '../../../lambda/core/change-record';
import {
  type CurrentCertificate,
  planRestore,
  type RestoreOptions,
  type RunFacts,
  reportChangeKey,
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

describe('planRestore: who the user is now', () => {
  const deleted = () => change('DELETE', 'DELETED', { recordVersion: '2', userId: ALICE_ID });

  it('refuses a user whose IAM id is not the one the record names, naming both', () => {
    const [stranger] = planRestore(
      [deleted()],
      alice({ userId: 'AIDANEWALICE00000000001', certificates: [] }),
      OPTIONS,
    );
    const [same] = planRestore([deleted()], alice({ userId: ALICE_ID, certificates: [] }), OPTIONS);

    expect(stranger).toMatchObject({ verdict: 'REFUSED', plannedAction: null });
    expect(stranger?.detail).toContain(`is now AIDANEWALICE00000000001, not ${ALICE_ID}`);
    // The control: the same id is restored.
    expect(same).toMatchObject({ verdict: 'RESTORABLE', plannedAction: 'UPLOAD' });
  });

  it('refuses, for a version 1 record without ids, a user created after the change was recorded', () => {
    const recorded = [change('DELETE', 'DELETED')];

    const [later] = planRestore(
      recorded,
      alice({ userId: ALICE_ID, createDate: '2026-12-05T00:00:00.000Z', certificates: [] }),
      OPTIONS,
    );
    const [earlier] = planRestore(
      recorded,
      alice({ userId: ALICE_ID, createDate: '2020-01-01T00:00:00.000Z', certificates: [] }),
      OPTIONS,
    );

    expect(later).toMatchObject({ verdict: 'REFUSED' });
    expect(later?.detail).toContain('was created 2026-12-05T00:00:00.000Z, after the change');
    expect(earlier).toMatchObject({ verdict: 'RESTORABLE' });
  });

  it('no longer advises creating a deleted user again', () => {
    const [gone] = planRestore([deleted()], alice({ gone: true }), OPTIONS);

    expect(gone?.detail).not.toContain('create the user again');
    expect(gone?.detail).toContain('never given to a user created again');
  });
});

describe('planRestore: an upload not finished', () => {
  it('plans setting a copy left Active back to Inactive, and reactivating an Inactive copy with --activate', () => {
    const recorded = [change('DELETE', 'DELETED')];

    const [left] = planRestore(recorded, alice(holding({ status: 'Active' })), OPTIONS);
    const [activate] = planRestore(recorded, alice(holding({ status: 'Inactive' })), {
      ...OPTIONS,
      activate: true,
    });
    const [done] = planRestore(recorded, alice(holding({ status: 'Inactive' })), OPTIONS);

    expect(left).toMatchObject({
      verdict: 'RESTORABLE',
      plannedAction: 'DEACTIVATE',
      targetStatus: 'Inactive',
    });
    expect(activate).toMatchObject({ verdict: 'RESTORABLE', plannedAction: 'REACTIVATE' });
    expect(done).toMatchObject({ verdict: 'ALREADY_RESTORED' });
  });

  it('plans the two steps of a two-step deletion on a copy left Active: Inactive, then Active', () => {
    const steps = planRestore(
      [
        change('DEACTIVATE', 'DEACTIVATED'),
        change('DELETE', 'DELETED', { runId: 'run-2', recordedAt: '2026-12-02T06:00:00.000Z' }),
      ],
      alice(holding({ status: 'Active' })),
      OPTIONS,
    );

    expect(steps.map((s) => [s.runId, s.plannedAction])).toEqual([
      ['run-2', 'DEACTIVATE'],
      ['run-1', 'REACTIVATE'],
    ]);
  });
});

describe('planRestore: an entry its run could not have made', () => {
  const runs = (facts: RunFacts) => new Map([[runKey(ACCOUNT_ID, 'run-1'), facts]]);
  const plan = (recorded: RecordedChange, facts?: RunFacts, accountId = ACCOUNT_ID) =>
    planRestore(
      recorded ? [recorded] : [],
      alice({ userId: ALICE_ID, certificates: [] }),
      OPTIONS,
      {
        accountId,
        ...(facts ? { runs: runs(facts) } : {}),
      },
    )[0];

  it('refuses a deletion in a run its record says was not in delete mode', () => {
    const refused = plan(change('DELETE', 'DELETED'), { modes: new Set(['deactivate']) });
    const believed = plan(change('DELETE', 'DELETED'), { modes: new Set(['delete']) });

    expect(refused).toMatchObject({ verdict: 'REFUSED' });
    expect(refused?.detail).toContain('was a deactivate-mode run, and only delete mode deletes');
    expect(believed).toMatchObject({ verdict: 'RESTORABLE' });
  });

  it('refuses a run with two modes, and a record and report that disagree on it', () => {
    const two = plan(change('DEACTIVATE', 'DEACTIVATED'), {
      modes: new Set(['deactivate', 'delete']),
    });
    const disagree = plan(change('DELETE', 'DELETED'), {
      modes: new Set(['delete']),
      report: { where: 's3://b/r.json', mode: 'deactivate', changes: new Set() },
    });

    expect(two?.detail).toContain('gives run run-1 two modes (deactivate, delete)');
    expect(disagree?.detail).toContain('its report (s3://b/r.json) says deactivate');
  });

  it('refuses a deletion of a certificate listed Active: delete mode deletes Inactive ones only', () => {
    const refused = plan(change('DELETE', 'DELETED', { status: 'Active' }));

    expect(refused).toMatchObject({ verdict: 'REFUSED' });
    expect(refused?.detail).toContain('deletes a certificate listed Active');
  });

  it("refuses a change the run's archived report does not list", () => {
    const listed = reportChangeKey('CERTALICE0000000000000001', 'DELETE');
    const report = (changes: string[]) => ({
      modes: new Set<never>(),
      report: { where: 's3://b/r.json', mode: 'delete' as const, changes: new Set(changes) },
    });

    const refused = plan(change('DELETE', 'DELETED'), report([]));
    const believed = plan(change('DELETE', 'DELETED'), report([listed]));

    expect(refused?.detail).toContain('report (s3://b/r.json) does not list this change');
    expect(believed).toMatchObject({ verdict: 'RESTORABLE' });
  });

  it("refuses an entry of another account's record, naming both accounts", () => {
    const refused = plan(change('DELETE', 'DELETED'), undefined, '222222222222');

    expect(refused?.detail).toContain(
      `belongs to account ${ACCOUNT_ID}, but was read from the record of account 222222222222`,
    );
  });

  it('refuses a certificate id that IAM holds with another fingerprint', () => {
    const [refused] = planRestore(
      [change('DEACTIVATE', 'DEACTIVATED')],
      alice(
        holding(
          {
            certificateId: 'CERTALICE0000000000000001',
            fingerprint256: 'another',
            status: 'Inactive',
          },
          { certificateId: 'CERTALICE0000000000000002', status: 'Inactive' },
        ),
      ),
      OPTIONS,
    );

    expect(refused).toMatchObject({ verdict: 'REFUSED' });
    expect(refused?.detail).toContain('with another fingerprint than the record names');
  });

  it("refuses a restore's own change by its mark, whatever kind it says", () => {
    const refused = plan(
      change('DEACTIVATE', 'DEACTIVATED', {
        restores: { runId: 'run-0', certificateId: 'CERTALICE0000000000000001' },
      }),
    );

    expect(refused?.detail).toContain("a restore's own change");
  });
});
