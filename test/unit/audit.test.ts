import { X509Certificate } from 'node:crypto';
import {
  DeleteSigningCertificateCommand,
  GetAccountSummaryCommand,
  GetUserCommand,
  IAMClient,
  ListSigningCertificatesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  ServiceFailureException,
  type SigningCertificate,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChangeEntry } from '../../lambda/core/change-record';
import { checkExemptions } from '../../lambda/core/exemptions';
import { MAX_AGE_TAG_KEY } from '../../lambda/core/rules';
import type { Policy } from '../../lambda/core/settings';
import { DAY_MS } from '../../lambda/core/time';
import { type AuditProgress, runAudit, type ScannedUser } from '../../lambda/engine/audit';
import { generateTestCertificate } from '../../tools/emulator/certs';
import {
  ACCOUNT_ID,
  answerNoOtherCredentials,
  CERT_BODY,
  CERT_BODY_MARKER,
  daysAgo,
  getUserAnswer,
  iamCert,
  iamUser,
  memoryRecorder,
  NOW,
  policyWith,
  recordingLogger,
} from './fixtures';

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });

/**
 * Serves ListUsers in pages of `pageSize` and each user's certificates from `account`. Returns
 * the ListUsers inputs as sent: the paginator reuses one input object, so the mock's own call
 * record shows only the last Marker.
 */
function givenAccount(account: Record<string, SigningCertificate[]>, pageSize = 1000) {
  const names = Object.keys(account);
  const listUsersInputs: object[] = [];
  iamMock.on(ListUsersCommand).callsFake((input: { Marker?: string }) => {
    listUsersInputs.push({ ...input });
    const start = input.Marker === undefined ? 0 : Number(input.Marker);
    const end = start + pageSize;
    const truncated = end < names.length;
    return {
      Users: names.slice(start, end).map((name) => iamUser(name)),
      IsTruncated: truncated,
      Marker: truncated ? String(end) : undefined,
    };
  });
  iamMock.on(ListSigningCertificatesCommand).callsFake((input: { UserName: string }) => {
    const certificates = account[input.UserName];
    if (certificates === undefined) {
      throw new NoSuchEntityException({
        message: `The user ${input.UserName} cannot be found.`,
        $metadata: {},
      });
    }
    return { Certificates: certificates, IsTruncated: false };
  });
  return { listUsersInputs };
}

function audit(
  policy: Policy,
  options: { dryRun?: boolean; onProgress?: (p: AuditProgress) => void } = {},
) {
  const logger = recordingLogger();
  const record = memoryRecorder();
  const deps = {
    iam,
    logger,
    now: NOW,
    runId: 'run-1',
    accountId: ACCOUNT_ID,
    onProgress: options.onProgress,
    changeRecord: record,
  };
  return { logger, record, result: runAudit(deps, policy, { dryRun: options.dryRun ?? false }) };
}

/** A small account with one certificate of each kind that matters. */
const mixedAccount = () => ({
  alice: [iamCert('alice', 'CERTALICEOLDACTIVE000000001', daysAgo(200))],
  bob: [
    iamCert('bob', 'CERTBOBOLDINACTIVE00000000001', daysAgo(200), 'Inactive'),
    iamCert('bob', 'CERTBOBYOUNG0000000000000001', daysAgo(10)),
  ],
  carol: [iamCert('carol', 'CERTCAROLEXPIRING000000001', daysAgo(80))],
  dave: [iamCert('dave', 'CERTDAVEGRACE0000000000001', daysAgo(100))],
  erin: [],
});

beforeEach(() => {
  iamMock.reset();
  answerNoOtherCredentials(iamMock);
  // An untagged user and a root user without certificates, unless a test says otherwise.
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
  iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  iamMock.on(GetUserCommand).callsFake(getUserAnswer);
});

describe('runAudit: listing', () => {
  it('follows ListUsers over three pages of 1000 and scans every user once', async () => {
    // Prepare
    const account: Record<string, SigningCertificate[]> = {};
    for (let i = 0; i < 2500; i += 1) account[`user${String(i).padStart(4, '0')}`] = [];
    account.user2499 = [iamCert('user2499', 'CERTLASTUSER0000000000000001', daysAgo(100))];
    const { listUsersInputs } = givenAccount(account, 1000);

    // Act
    const report = await audit(policyWith({ userPathPrefix: '/team/' })).result;

    // Assess
    expect(iamMock).toReceiveCommandTimes(ListUsersCommand, 3);
    expect(iamMock).toReceiveCommandWith(ListUsersCommand, {
      PathPrefix: '/team/',
      MaxItems: 1000,
    });
    expect(listUsersInputs).toEqual([
      { PathPrefix: '/team/', MaxItems: 1000 },
      { PathPrefix: '/team/', MaxItems: 1000, Marker: '1000' },
      { PathPrefix: '/team/', MaxItems: 1000, Marker: '2000' },
    ]);
    expect(iamMock).toReceiveCommandTimes(ListSigningCertificatesCommand, 2500);
    expect(report.summary.usersScanned).toBe(2500);
    expect(report.findings.map((f) => f.userName)).toEqual(['user2499']);
  });

  it('follows a truncated certificate page that is shorter than MaxItems', async () => {
    // Prepare
    iamMock.on(ListUsersCommand).resolves({ Users: [iamUser('alice')], IsTruncated: false });
    iamMock
      .on(ListSigningCertificatesCommand, { UserName: 'alice', Marker: undefined })
      .resolves({
        Certificates: [iamCert('alice', 'CERTPAGEONE0000000000000001', daysAgo(200))],
        IsTruncated: true,
        Marker: 'next',
      })
      .on(ListSigningCertificatesCommand, { UserName: 'alice', Marker: 'next' })
      .resolves({
        Certificates: [iamCert('alice', 'CERTPAGETWO0000000000000001', daysAgo(300))],
        IsTruncated: false,
      });

    // Act
    const report = await audit(policyWith()).result;

    // Assess
    expect(iamMock).toReceiveCommandTimes(ListSigningCertificatesCommand, 2);
    expect(iamMock).toReceiveNthCommandWith(ListSigningCertificatesCommand, 2, {
      UserName: 'alice',
      Marker: 'next',
    });
    expect(report.summary.certificatesScanned).toBe(2);
    expect(report.findings.map((f) => f.certificateId)).toEqual([
      'CERTPAGEONE0000000000000001',
      'CERTPAGETWO0000000000000001',
    ]);
  });

  it('never has more than `concurrency` users in flight', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;
    const names = Array.from({ length: 40 }, (_, i) => `user${i}`);
    iamMock
      .on(ListUsersCommand)
      .resolves({ Users: names.map((n) => iamUser(n)), IsTruncated: false });
    iamMock.on(ListSigningCertificatesCommand).callsFake(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight -= 1;
      return { Certificates: [], IsTruncated: false };
    });

    // Act
    const report = await audit(policyWith({ concurrency: 3 })).result;

    // Assess
    expect(report.summary.usersScanned).toBe(40);
    expect(peak).toBe(3);
  });

  it('reports progress until listing is done and every user is scanned', async () => {
    givenAccount(mixedAccount());
    const seen: AuditProgress[] = [];

    await audit(policyWith(), { onProgress: (p) => seen.push(p) }).result;

    expect(seen.at(-1)).toEqual({ usersListed: 5, usersScanned: 5, listingDone: true });
  });
});

describe('runAudit: verdicts and report mode', () => {
  it('lists non-compliant and expiring certificates, counts the rest, and changes nothing', async () => {
    // Prepare
    givenAccount(mixedAccount());

    // Act
    const report = await audit(policyWith({ mode: 'report' })).result;

    // Assess
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
    expect(report.summary).toEqual({
      usersScanned: 5,
      certificatesScanned: 5,
      nonCompliant: 3,
      expiringSoon: 1,
      deactivated: 0,
      deleted: 0,
      exempt: 0,
      exemptionsExpiring: 0,
      sshKeyIssues: 0,
      overridden: 0,
      withheld: 0,
      errors: 0,
      gone: 0,
      contentIssues: 0,
      rootSigningCertificate: 0,
      failing: 3,
      unread: 0,
    });
    expect(report.findings).toEqual([
      expect.objectContaining({
        userName: 'alice',
        verdict: 'NON_COMPLIANT',
        action: 'NONE',
        ageDays: 200,
        status: 'Active',
        severity: 'HIGH',
      }),
      expect.objectContaining({
        userName: 'bob',
        verdict: 'NON_COMPLIANT',
        action: 'NONE',
        status: 'Inactive',
        severity: 'MEDIUM',
      }),
      expect.objectContaining({
        userName: 'carol',
        verdict: 'EXPIRING_SOON',
        action: 'NONE',
        ageDays: 80,
        severity: 'LOW',
      }),
      expect.objectContaining({
        userName: 'dave',
        verdict: 'NON_COMPLIANT',
        action: 'NONE',
        ageDays: 100,
      }),
    ]);
    expect(report).toMatchObject({
      accountId: ACCOUNT_ID,
      runId: 'run-1',
      evaluatedAt: NOW.toISOString(),
      complete: true,
      severity: 'HIGH',
    });
  });

  it('records the upload date and user ARN, never the certificate body', async () => {
    givenAccount(mixedAccount());

    const report = await audit(policyWith()).result;

    expect(report.findings[0]).toEqual({
      userName: 'alice',
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
      certificateId: 'CERTALICEOLDACTIVE000000001',
      credentialType: 'signing-certificate',
      credentialId: 'CERTALICEOLDACTIVE000000001',
      serviceName: null,
      status: 'Active',
      uploadDate: daysAgo(200).toISOString(),
      ageDays: 200,
      verdict: 'NON_COMPLIANT',
      plannedAction: null,
      action: 'NONE',
      severity: 'HIGH',
      error: null,
      certificate: {
        fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
        subject: 'CN=signing-cert-audit test',
        notAfter: expect.stringMatching(/^2036-/),
      },
      detail: null,
      override: null,
    });
    expect(JSON.stringify(report)).not.toContain(CERT_BODY_MARKER);
    expect(JSON.stringify(report)).not.toContain('BEGIN CERTIFICATE');
  });

  it('plans in the configured mode on a dry run and changes nothing', async () => {
    givenAccount(mixedAccount());

    const report = await audit(policyWith({ mode: 'delete' }), { dryRun: true }).result;

    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
    expect(report.policy).toMatchObject({ mode: 'delete', dryRun: true });
    expect(report.summary).toMatchObject({ nonCompliant: 3, deleted: 0, deactivated: 0 });
    expect(
      report.findings
        .filter((f) => f.verdict === 'NON_COMPLIANT')
        .map((f) => [f.userName, f.plannedAction, f.action]),
    ).toEqual([
      ['alice', 'DEACTIVATE', 'NONE'],
      ['bob', 'DELETE', 'NONE'],
      ['dave', 'DEACTIVATE', 'NONE'],
    ]);
  });
});

describe('runAudit: remediation', () => {
  it('deactivate mode sets exactly the over-age Active certificates Inactive', async () => {
    // Prepare
    givenAccount(mixedAccount());
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    // Act
    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    // Assess
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 2);
    expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, {
      UserName: 'alice',
      CertificateId: 'CERTALICEOLDACTIVE000000001',
      Status: 'Inactive',
    });
    expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, {
      UserName: 'dave',
      CertificateId: 'CERTDAVEGRACE0000000000001',
      Status: 'Inactive',
    });
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
    expect(report.summary).toMatchObject({ nonCompliant: 3, deactivated: 2, deleted: 0 });
    expect(report.findings.find((f) => f.userName === 'bob')).toMatchObject({
      status: 'Inactive',
      action: 'NONE',
    });
  });

  it('delete mode never deletes a certificate that was Active when listed: it deactivates it', async () => {
    // Prepare
    givenAccount(mixedAccount());
    iamMock.on(DeleteSigningCertificateCommand).resolves({});
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    // Act
    const report = await audit(policyWith({ mode: 'delete' })).result;

    // Assess: only bob's over-age Inactive certificate is deleted; alice's and dave's Active ones
    // are deactivated, to be deleted by a later run.
    expect(iamMock).toReceiveCommandTimes(DeleteSigningCertificateCommand, 1);
    expect(iamMock).toReceiveCommandWith(DeleteSigningCertificateCommand, {
      UserName: 'bob',
      CertificateId: 'CERTBOBOLDINACTIVE00000000001',
    });
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 2);
    for (const [UserName, CertificateId] of [
      ['alice', 'CERTALICEOLDACTIVE000000001'],
      ['dave', 'CERTDAVEGRACE0000000000001'],
    ]) {
      expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, {
        UserName,
        CertificateId,
        Status: 'Inactive',
      });
      expect(report.findings.find((f) => f.certificateId === CertificateId)).toMatchObject({
        action: 'DEACTIVATED',
        detail:
          'delete mode deactivates first: a later run deletes it once it is Inactive and more than 90 days old',
      });
    }
    expect(report.summary).toMatchObject({ deleted: 1, deactivated: 2 });
  });

  it('delete mode deletes an Inactive certificate only past DELETE_AFTER_DAYS', async () => {
    // Prepare
    givenAccount({
      ...mixedAccount(),
      erin: [
        iamCert('erin', 'CERTERININACTIVEYOUNG0000001', daysAgo(120), 'Inactive'),
        iamCert('erin', 'CERTERININACTIVEOLD00000001', daysAgo(151), 'Inactive'),
      ],
    });
    iamMock.on(DeleteSigningCertificateCommand).resolves({});
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    // Act
    const report = await audit(policyWith({ mode: 'delete', deleteAfterDays: 150 })).result;

    // Assess: bob's (200 d) and erin's 151-day Inactive certificates go; erin's 120-day one waits;
    // alice (200 d) and dave (100 d) are Active, so they are only deactivated.
    expect(iamMock).toReceiveCommandTimes(DeleteSigningCertificateCommand, 2);
    expect(iamMock).toReceiveCommandWith(DeleteSigningCertificateCommand, {
      UserName: 'bob',
      CertificateId: 'CERTBOBOLDINACTIVE00000000001',
    });
    expect(iamMock).toReceiveCommandWith(DeleteSigningCertificateCommand, {
      UserName: 'erin',
      CertificateId: 'CERTERININACTIVEOLD00000001',
    });
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 2);
    expect(
      report.findings.find((f) => f.certificateId === 'CERTERININACTIVEYOUNG0000001'),
    ).toMatchObject({
      verdict: 'NON_COMPLIANT',
      plannedAction: null,
      action: 'NONE',
    });
    expect(report.summary).toMatchObject({ deleted: 2, deactivated: 2 });
  });
});

describe('runAudit: the change record', () => {
  const staleActive = () => ({
    alice: [iamCert('alice', 'CERTALICEOLDACTIVE000000001', daysAgo(200))],
  });
  const staleInactive = () => ({
    heidi: [iamCert('heidi', 'CERTHEIDIOLD00000000000001', daysAgo(300), 'Inactive')],
  });

  /** Runs with this recorder (or none), logging in what order the record and IAM were written. */
  function auditWith(policy: Policy, recorder: ReturnType<typeof memoryRecorder> | undefined) {
    const order: string[] = [];
    const changeRecord = recorder && {
      where: recorder.where,
      write: async (entry: ChangeEntry) => {
        await recorder.write(entry);
        order.push(`record ${entry.entry}`);
      },
    };
    iamMock.on(UpdateSigningCertificateCommand).callsFake(() => {
      order.push('IAM update');
      return {};
    });
    iamMock.on(DeleteSigningCertificateCommand).callsFake(() => {
      order.push('IAM delete');
      return {};
    });
    const logger = recordingLogger();
    const result = runAudit(
      {
        iam,
        logger,
        now: NOW,
        runId: 'run-1',
        accountId: ACCOUNT_ID,
        ...(changeRecord ? { changeRecord } : {}),
      },
      policy,
    );
    return { order, logger, result };
  }

  it('writes what it is about to do, with the body, before the change, and the outcome after', async () => {
    givenAccount(staleActive());
    const recorder = memoryRecorder();

    const { order, result } = auditWith(policyWith({ mode: 'deactivate' }), recorder);
    const report = await result;

    expect(order).toEqual(['record run', 'record intent', 'IAM update', 'record outcome']);
    expect(recorder.entries).toEqual([
      expect.objectContaining({
        entry: 'run',
        runId: 'run-1',
        accountId: ACCOUNT_ID,
        mode: 'deactivate',
      }),
      expect.objectContaining({
        entry: 'intent',
        runId: 'run-1',
        accountId: ACCOUNT_ID,
        userName: 'alice',
        certificateId: 'CERTALICEOLDACTIVE000000001',
        change: 'DEACTIVATE',
        // Read just before the change (GetUser): who the certificate was taken from.
        userId: iamUser('alice').UserId,
        status: 'Active',
        uploadDate: daysAgo(200).toISOString(),
        fingerprint256: new X509Certificate(CERT_BODY).fingerprint256,
        body: CERT_BODY,
      }),
      expect.objectContaining({ entry: 'outcome', outcome: 'DEACTIVATED', error: null }),
    ]);
    expect(report.findings[0]?.action).toBe('DEACTIVATED');
    // The body is in the record only: never in the report.
    expect(JSON.stringify(report)).not.toContain(CERT_BODY_MARKER);
  });

  it('makes no change whose record cannot be written, and reports it FAILED, never guessed', async () => {
    givenAccount(staleActive());

    const { logger, result } = auditWith(
      policyWith({ mode: 'deactivate' }),
      memoryRecorder('intent'),
    );
    const report = await result;

    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(report.findings[0]).toMatchObject({
      action: 'FAILED',
      error: { code: 'ChangeRecordUnwritable', message: 'AccessDenied: Access Denied' },
      detail: expect.stringContaining(
        'not changed: its change record could not be written to memory://record',
      ),
    });
    expect(logger.lines.join('\n')).not.toContain(CERT_BODY_MARKER);
  });

  it('keeps a change made when only its outcome could not be recorded, and says restore will read IAM', async () => {
    givenAccount(staleActive());

    const { result } = auditWith(policyWith({ mode: 'deactivate' }), memoryRecorder('outcome'));
    const report = await result;

    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 1);
    expect(report.findings[0]).toMatchObject({
      action: 'DEACTIVATED',
      detail: expect.stringContaining(
        "its outcome could not be recorded in memory://record: restore reads IAM's state",
      ),
    });
  });

  it('deletes nothing without a record, and deactivates without one (reversible by hand)', async () => {
    givenAccount({ ...staleActive(), ...staleInactive() });

    const report = await auditWith(policyWith({ mode: 'delete' }), undefined).result;

    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 1);
    expect(report.findings.map((f) => [f.userName, f.action, f.error?.code ?? null])).toEqual([
      ['alice', 'DEACTIVATED', null],
      ['heidi', 'FAILED', 'NoChangeRecord'],
    ]);
  });

  it('records the outcome of a call that failed as FAILED, and of a certificate gone as GONE', async () => {
    givenAccount({ ...staleActive(), ...staleInactive() });
    const recorder = memoryRecorder();
    const { result } = auditWith(policyWith({ mode: 'delete' }), recorder);
    iamMock
      .on(UpdateSigningCertificateCommand)
      .rejects(new ServiceFailureException({ message: 'boom', $metadata: {} }))
      .on(DeleteSigningCertificateCommand)
      .rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }));

    await result;

    const outcomes = recorder.entries.filter((e) => e.entry === 'outcome');
    expect(outcomes.map((e) => [e.certificateId, 'outcome' in e ? e.outcome : null])).toEqual(
      expect.arrayContaining([
        ['CERTALICEOLDACTIVE000000001', 'FAILED'],
        ['CERTHEIDIOLD00000000000001', 'GONE'],
      ]),
    );
  });

  it('writes nothing for a dry run or report mode, and only that it ran for a withheld plan', async () => {
    givenAccount(staleActive());
    const recorder = memoryRecorder();

    await runAudit(
      {
        iam,
        logger: recordingLogger(),
        now: NOW,
        runId: 'r',
        accountId: ACCOUNT_ID,
        changeRecord: recorder,
      },
      policyWith({ mode: 'deactivate' }),
      { dryRun: true },
    );
    await auditWith(policyWith({ mode: 'report' }), recorder).result;
    expect(recorder.entries).toEqual([]);
    await auditWith(policyWith({ mode: 'deactivate', maxActionsPerRun: 0 }), recorder).result;

    expect(recorder.entries.map((e) => e.entry)).toEqual(['run']);
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });
});

describe('runAudit: blast-radius guard', () => {
  it('proceeds at exactly the limit', async () => {
    givenAccount(mixedAccount());
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    const report = await audit(policyWith({ mode: 'deactivate', maxActionsPerRun: 2 })).result;

    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 2);
    expect(report.summary).toMatchObject({ deactivated: 2, withheld: 0 });
  });

  it('makes no change one over the limit and reports every planned change WITHHELD', async () => {
    // Prepare
    givenAccount(mixedAccount());
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    // Act
    const { result, logger } = audit(policyWith({ mode: 'deactivate', maxActionsPerRun: 1 }));
    const report = await result;

    // Assess
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(report.summary).toMatchObject({ deactivated: 0, withheld: 2, nonCompliant: 3 });
    expect(report.findings.filter((f) => f.action === 'WITHHELD').map((f) => f.userName)).toEqual([
      'alice',
      'dave',
    ]);
    expect(report.severity).toBe('HIGH');
    expect(logger.lines.join('\n')).toContain('Blast-radius guard');
  });

  /** Two over-age Inactive certificates: delete mode deletes them, and each is only MEDIUM. */
  const twoStaleInactive = () => ({
    heidi: [iamCert('heidi', 'CERTHEIDIOLD00000000000001', daysAgo(300), 'Inactive')],
    ivan: [iamCert('ivan', 'CERTIVANOLD000000000000001', daysAgo(300), 'Inactive')],
  });

  it('deletes at exactly the limit, and the report stays at the severity of its findings', async () => {
    givenAccount(twoStaleInactive());
    iamMock.on(DeleteSigningCertificateCommand).resolves({});

    const report = await audit(policyWith({ mode: 'delete', maxActionsPerRun: 2 })).result;

    expect(iamMock).toReceiveCommandTimes(DeleteSigningCertificateCommand, 2);
    expect(iamMock).toReceiveCommandWith(DeleteSigningCertificateCommand, {
      UserName: 'heidi',
      CertificateId: 'CERTHEIDIOLD00000000000001',
    });
    expect(report.summary).toMatchObject({ deleted: 2, withheld: 0 });
    expect(report.severity).toBe('MEDIUM');
  });

  it('raises the severity to HIGH when one over the limit, deleting nothing', async () => {
    givenAccount(twoStaleInactive());
    iamMock.on(DeleteSigningCertificateCommand).resolves({});

    const report = await audit(policyWith({ mode: 'delete', maxActionsPerRun: 1 })).result;

    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(report.findings.map((f) => [f.userName, f.plannedAction, f.action, f.severity])).toEqual(
      [
        ['heidi', 'DELETE', 'WITHHELD', 'HIGH'],
        ['ivan', 'DELETE', 'WITHHELD', 'HIGH'],
      ],
    );
    expect(report.summary).toMatchObject({ deleted: 0, withheld: 2 });
    expect(report.severity).toBe('HIGH');
  });

  it('counts no change to an exempt user against the limit', async () => {
    // Prepare: alice and dave would be deactivated (two changes); alice is exempt.
    givenAccount(mixedAccount());
    iamMock.on(ListUserTagsCommand, { UserName: 'alice' }).resolves({
      Tags: [{ Key: 'signing-cert-audit:exempt', Value: 'true' }],
      IsTruncated: false,
    });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    // Act
    const report = await audit(policyWith({ mode: 'deactivate', maxActionsPerRun: 1 })).result;

    // Assess
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 1);
    expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, {
      UserName: 'dave',
      CertificateId: 'CERTDAVEGRACE0000000000001',
      Status: 'Inactive',
    });
    expect(report.summary).toMatchObject({ exempt: 1, deactivated: 1, withheld: 0 });
  });

  it('withholds every change when the limit is 0, and withholds nothing in report mode', async () => {
    givenAccount(mixedAccount());

    const deactivate = await audit(policyWith({ mode: 'deactivate', maxActionsPerRun: 0 })).result;
    const report = await audit(policyWith({ mode: 'report', maxActionsPerRun: 0 })).result;

    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(deactivate.summary).toMatchObject({ withheld: 2, deactivated: 0 });
    expect(report.summary).toMatchObject({ withheld: 0, nonCompliant: 3 });
  });
});

describe('runAudit: failures', () => {
  it('records a user that vanished before its certificates were listed as GONE and goes on', async () => {
    // Prepare
    givenAccount(mixedAccount());
    iamMock
      .on(ListUsersCommand)
      .resolves({ Users: [iamUser('ghost'), iamUser('alice')], IsTruncated: false });

    // Act
    const report = await audit(policyWith()).result;

    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({ userName: 'alice', verdict: 'NON_COMPLIANT' }),
      expect.objectContaining({
        userName: 'ghost',
        certificateId: null,
        verdict: 'NOT_EVALUATED',
        action: 'GONE',
        error: null,
      }),
    ]);
    expect(report.summary).toMatchObject({ usersScanned: 2, gone: 1, errors: 0 });
  });

  it('records a certificate that vanished before its deactivation as GONE', async () => {
    givenAccount(mixedAccount());
    iamMock.on(UpdateSigningCertificateCommand).resolves({});
    iamMock.on(UpdateSigningCertificateCommand, { UserName: 'alice' }).rejects(
      new NoSuchEntityException({
        message: 'The Certificate with id CERTALICE cannot be found.',
        $metadata: {},
      }),
    );

    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    expect(report.findings.find((f) => f.userName === 'alice')).toMatchObject({
      verdict: 'NON_COMPLIANT',
      action: 'GONE',
      error: null,
    });
    expect(report.summary).toMatchObject({ deactivated: 1, gone: 1, errors: 0 });
  });

  it('turns any other error on one user into an ERROR finding and scans the rest', async () => {
    // Prepare
    givenAccount(mixedAccount());
    iamMock
      .on(ListSigningCertificatesCommand, { UserName: 'bob' })
      .rejects(new ServiceFailureException({ message: 'Internal failure', $metadata: {} }));

    // Act
    const report = await audit(policyWith()).result;

    // Assess
    expect(report.findings.find((f) => f.userName === 'bob')).toEqual(
      expect.objectContaining({
        certificateId: null,
        verdict: 'ERROR',
        action: 'NONE',
        severity: 'MEDIUM',
        error: { code: 'ServiceFailure', message: 'Internal failure' },
      }),
    );
    expect(report.summary).toMatchObject({
      usersScanned: 5,
      certificatesScanned: 3,
      errors: 1,
      nonCompliant: 2,
    });
  });

  it('records a failed action as FAILED with the code and message, without guessing the state', async () => {
    // Prepare
    givenAccount(mixedAccount());
    iamMock.on(UpdateSigningCertificateCommand).resolves({});
    const denied = Object.assign(
      new Error('User is not authorized to perform iam:UpdateSigningCertificate'),
      {
        name: 'AccessDenied',
        Code: 'AccessDenied',
      },
    );
    iamMock.on(UpdateSigningCertificateCommand, { UserName: 'dave' }).rejects(denied);

    // Act
    const { result, logger } = audit(policyWith({ mode: 'deactivate' }));
    const report = await result;

    // Assess
    expect(report.findings.find((f) => f.userName === 'dave')).toMatchObject({
      status: 'Active',
      action: 'FAILED',
      severity: 'HIGH',
      error: {
        code: 'AccessDenied',
        message: 'User is not authorized to perform iam:UpdateSigningCertificate',
      },
    });
    expect(report.summary).toMatchObject({ deactivated: 1, errors: 1 });
    expect(logger.lines.join('\n')).toContain('Remediation failed');
  });

  it('returns a partial report saying why when ListUsers fails after the first page', async () => {
    // Prepare
    iamMock
      .on(ListUsersCommand, { Marker: undefined })
      .resolves({ Users: [iamUser('alice')], IsTruncated: true, Marker: 'p2' })
      .on(ListUsersCommand, { Marker: 'p2' })
      .rejects(new ServiceFailureException({ message: 'Internal failure', $metadata: {} }));
    iamMock.on(ListSigningCertificatesCommand).resolves({
      Certificates: [iamCert('alice', 'CERTALICEOLDACTIVE000000001', daysAgo(200))],
      IsTruncated: false,
    });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    // Act
    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    // Assess
    expect(report.complete).toBe(false);
    expect(report.incompleteReason).toMatch(
      /ListUsers failed after 1 users \(ServiceFailure: Internal failure\)/,
    );
    expect(report.summary).toMatchObject({ usersScanned: 1, deactivated: 1 });
  });

  it('returns an empty partial report when no user can be listed', async () => {
    iamMock.on(ListUsersCommand).rejects(
      Object.assign(new Error('not authorized to perform iam:ListUsers'), {
        name: 'AccessDenied',
      }),
    );

    const report = await audit(policyWith()).result;

    expect(report).toMatchObject({ complete: false, summary: { usersScanned: 0 } });
    expect(report.incompleteReason).toMatch(/^ListUsers failed after 0 users \(AccessDenied/);
    expect(iamMock).not.toReceiveCommand(ListSigningCertificatesCommand);
  });
});

describe('runAudit: the users scanned (onUsersScanned)', () => {
  const scanned = async (stop?: AbortSignal) => {
    const told: ScannedUser[][] = [];
    const report = await runAudit(
      {
        iam,
        logger: recordingLogger(),
        now: NOW,
        runId: 'run-1',
        accountId: ACCOUNT_ID,
        onUsersScanned: (users) => told.push([...users]),
        ...(stop ? { stop } : {}),
      },
      policyWith(),
    );
    return { told, report };
  };

  it('tells every user reached once, with its id and certificate count, a failed listing as null', async () => {
    // Prepare
    givenAccount(mixedAccount());
    iamMock
      .on(ListSigningCertificatesCommand, { UserName: 'bob' })
      .rejects(new ServiceFailureException({ message: 'Internal failure', $metadata: {} }));

    // Act
    const { told, report } = await scanned();

    // Assess: the report lists findings only; the callback has every user, erin (none) too.
    expect(told).toHaveLength(1);
    expect(
      told[0]?.map(({ user, certificates }) => [user.userName, user.userId, certificates]),
    ).toEqual([
      ['alice', iamUser('alice').UserId, 1],
      ['bob', iamUser('bob').UserId, null],
      ['carol', iamUser('carol').UserId, 1],
      ['dave', iamUser('dave').UserId, 1],
      ['erin', iamUser('erin').UserId, 0],
    ]);
    expect(report.findings.some((f) => f.userName === 'erin')).toBe(false);
  });

  it('leaves out the users a stopped run never reached', async () => {
    // Prepare: stopped before it starts, so no user is listed.
    givenAccount(mixedAccount());
    const stop = new AbortController();
    stop.abort('stopped');

    // Act
    const { told, report } = await scanned(stop.signal);

    // Assess
    expect(report.complete).toBe(false);
    expect(told).toEqual([[]]);
  });
});

describe('runAudit: the exemptions file', () => {
  // NOW is 2026-11-23T06:00Z; warnBeforeDays is 14.
  const entry = (fields: Record<string, string>) => ({
    reason: 'vendor appliance cannot rotate',
    approvedBy: 'security@example.com',
    expires: '2027-03-31',
    ...fields,
  });
  const run = (
    exemptions: Record<string, string>[],
    policy = policyWith({ mode: 'deactivate' }),
  ) => {
    const list = checkExemptions({ exemptions }, { source: 'x.yaml', now: NOW });
    return runAudit(
      {
        iam,
        logger: recordingLogger(),
        now: NOW,
        runId: 'run-1',
        accountId: ACCOUNT_ID,
        changeRecord: memoryRecorder(),
        exemptions: list,
      },
      policy,
    );
  };

  it('exempts what an entry in force names, carrying its reason, approver and ticket, and never changes it', async () => {
    givenAccount(mixedAccount());
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    const report = await run([
      entry({ user: 'alice', ticket: 'SEC-1' }),
      entry({ user: 'nobody' }),
    ]);

    const alice = report.findings.find((f) => f.userName === 'alice');
    expect(alice).toMatchObject({
      verdict: 'EXEMPT',
      action: 'NONE',
      exemption: {
        entry: 1,
        reason: 'vendor appliance cannot rotate',
        approvedBy: 'security@example.com',
        ticket: 'SEC-1',
        expires: '2027-03-31',
      },
    });
    expect(alice?.detail).toContain(
      'exemptions file entry 1 (approved by security@example.com, ticket SEC-1',
    );
    expect(iamMock).not.toReceiveCommandWith(UpdateSigningCertificateCommand, {
      UserName: 'alice',
    });
    // Control: dave, whom no entry names, is still deactivated, and carries no exemption.
    expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, { UserName: 'dave' });
    expect(report.findings.find((f) => f.userName === 'dave')).not.toHaveProperty('exemption');
    expect(report.exemptions).toMatchObject({
      entries: 2,
      exempted: 1,
      expiredCount: 0,
      staleCount: 1,
      stale: [{ entry: 2, user: 'nobody' }],
    });
  });

  it('an expired entry exempts nothing, is reported, and the finding says it ended', async () => {
    givenAccount({ alice: mixedAccount().alice });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    const report = await run([entry({ user: 'alice', expires: '2026-11-22' })]);

    expect(report.findings).toMatchObject([
      {
        verdict: 'NON_COMPLIANT',
        action: 'DEACTIVATED',
        detail: 'its exemption (exemptions file entry 1) ended on 2026-11-22',
      },
    ]);
    expect(report.exemptions).toMatchObject({
      expiredCount: 1,
      expired: [{ entry: 1 }],
      staleCount: 0,
    });
  });

  it('wins over the exempt tag, and an entry ending within warnBeforeDays is EXEMPTION_EXPIRING', async () => {
    givenAccount({ alice: mixedAccount().alice });
    iamMock.on(ListUserTagsCommand).resolves({
      Tags: [{ Key: 'signing-cert-audit:exempt', Value: 'true' }],
      IsTruncated: false,
    });

    const report = await run([entry({ user: 'alice', expires: '2026-11-30' })]);

    expect(report.findings).toMatchObject([
      { verdict: 'EXEMPTION_EXPIRING', exemption: { entry: 1, expires: '2026-11-30' } },
    ]);
    expect(report.findings[0]?.detail).not.toContain('tagged');
  });

  it('matches by credential id and kind, and an ARN only in its own account', async () => {
    givenAccount(mixedAccount());
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    const report = await run([
      entry({ user: 'bob', credentialId: 'CERTBOBOLDINACTIVE00000000001' }),
      entry({ user: `arn:aws:iam::${ACCOUNT_ID}:user/dave`, kind: 'signing-certificate' }),
      entry({ user: 'arn:aws:iam::999999999999:user/alice' }),
      entry({ user: 'carol', kind: 'ssh-public-key' }),
    ]);

    const verdicts = Object.fromEntries(report.findings.map((f) => [f.userName, f.verdict]));
    expect(verdicts).toMatchObject({
      bob: 'EXEMPT',
      dave: 'EXEMPT',
      alice: 'NON_COMPLIANT',
      carol: 'EXPIRING_SOON',
    });
    // The other account's entry is not this account's: neither counted nor stale; carol holds no SSH key.
    expect(report.exemptions).toMatchObject({ entries: 3, exempted: 2, staleCount: 1 });
    expect(report.exemptions?.stale?.map((n) => n.entry)).toEqual([4]);
  });

  it('does not call an entry stale when the run covered one path of the account only', async () => {
    givenAccount({ alice: mixedAccount().alice });

    const scoped = await run(
      [entry({ user: 'ghost' })],
      policyWith({ userPathPrefix: '/engineering/' }),
    );
    // Control: the same entry over the whole account is stale.
    const whole = await run([entry({ user: 'ghost' })]);

    expect(scoped.exemptions).toMatchObject({ staleCount: null, stale: null });
    expect(whole.exemptions).toMatchObject({ staleCount: 1 });
  });

  it('does not call an entry stale when the run could not read every credential', async () => {
    givenAccount({ alice: mixedAccount().alice });
    iamMock
      .on(ListSigningCertificatesCommand)
      .rejects(new ServiceFailureException({ message: 'boom', $metadata: {} }));

    const report = await run([entry({ user: 'alice' })]);

    expect(report.exemptions).toMatchObject({ staleCount: null, stale: null });
  });
});

describe('runAudit: exemptions and per-user maximum age', () => {
  const tagsOf = (tags: Record<string, Record<string, string>>) =>
    iamMock.on(ListUserTagsCommand).callsFake((input: { UserName: string }) => ({
      Tags: Object.entries(tags[input.UserName] ?? {}).map(([Key, Value]) => ({ Key, Value })),
      IsTruncated: false,
    }));

  it('reports an exempt user EXEMPT with the reason and never changes it', async () => {
    // Prepare
    givenAccount(mixedAccount());
    tagsOf({ alice: { 'signing-cert-audit:exempt': 'true' } });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    // Act
    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    // Assess
    expect(report.findings.find((f) => f.userName === 'alice')).toMatchObject({
      verdict: 'EXEMPT',
      action: 'NONE',
      severity: 'INFO',
      detail: 'user is tagged signing-cert-audit:exempt=true',
    });
    expect(iamMock).not.toReceiveCommandWith(UpdateSigningCertificateCommand, {
      UserName: 'alice',
    });
    expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, { UserName: 'dave' });
    expect(report.summary).toMatchObject({ exempt: 1, nonCompliant: 2, deactivated: 1 });
  });

  describe('exemptions that expire', () => {
    // NOW is 2026-11-23T06:00Z; warnBeforeDays is 14.
    const EXEMPT = 'signing-cert-audit:exempt';

    it('keeps an exemption until its last day, and reports one ending within warnBeforeDays as EXEMPTION_EXPIRING', async () => {
      givenAccount({ alice: mixedAccount().alice, dave: mixedAccount().dave });
      tagsOf({ alice: { [EXEMPT]: 'until 2026-11-30' }, dave: { [EXEMPT]: 'until 2027-06-30' } });
      iamMock.on(UpdateSigningCertificateCommand).resolves({});

      const report = await audit(policyWith({ mode: 'deactivate' })).result;

      expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
      expect(report.findings.map((f) => [f.userName, f.verdict, f.action, f.severity])).toEqual([
        ['alice', 'EXEMPTION_EXPIRING', 'NONE', 'LOW'],
        ['dave', 'EXEMPT', 'NONE', 'INFO'],
      ]);
      expect(report.findings[0]?.detail).toBe(
        `user is tagged ${EXEMPT}=until 2026-11-30; the exemption ends at 2026-12-01T00:00:00.000Z (in 8 days): the certificate is then judged as any other`,
      );
      expect(report.summary).toMatchObject({ exempt: 1, exemptionsExpiring: 1, failing: 0 });
    });

    it('judges and acts on a certificate as any other once its exemption has ended, saying which ended', async () => {
      givenAccount({ alice: mixedAccount().alice });
      tagsOf({ alice: { [EXEMPT]: 'until 2026-11-22' } });
      iamMock.on(UpdateSigningCertificateCommand).resolves({});

      const report = await audit(policyWith({ mode: 'deactivate' })).result;

      expect(report.findings).toMatchObject([
        {
          verdict: 'NON_COMPLIANT',
          action: 'DEACTIVATED',
          detail: `its user's exemption (${EXEMPT}=until 2026-11-22) ended on 2026-11-22`,
        },
      ]);
      expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, { UserName: 'alice' });
    });

    it('with maxExemptionDays, refuses an exemption without an end as an ERROR naming the tag, and applies the account policy', async () => {
      givenAccount({ alice: mixedAccount().alice });
      tagsOf({ alice: { [EXEMPT]: 'true' } });
      iamMock.on(UpdateSigningCertificateCommand).resolves({});

      const report = await audit(policyWith({ mode: 'deactivate', maxExemptionDays: 90 })).result;

      expect(report.findings.map((f) => [f.verdict, f.action])).toEqual([
        ['ERROR', 'NONE'],
        ['NON_COMPLIANT', 'DEACTIVATED'],
      ]);
      expect(report.findings[0]?.detail).toContain(
        `tag ${EXEMPT}="true" is refused: exemptions must end within maxExemptionDays (90 days)`,
      );
    });
  });

  it('honours the exempt tag key the policy names', async () => {
    givenAccount({ alice: mixedAccount().alice });
    tagsOf({ alice: { 'team:keep-cert': 'true' } });

    const report = await audit(policyWith({ exemptTagKey: 'team:keep-cert' })).result;

    expect(report.findings.map((f) => f.verdict)).toEqual(['EXEMPT']);
  });

  it('reads tags only for users with a certificate to act on or report', async () => {
    // Prepare: yara's only certificate is young and sound; zed's is young with a weak key.
    const weak = generateTestCertificate({ key: 'rsa:1024' });
    givenAccount({
      ...mixedAccount(),
      yara: [iamCert('yara', 'CERTYARAYOUNG0000000000001', daysAgo(10))],
      zed: [iamCert('zed', 'CERTZEDYOUNGWEAK000000001', daysAgo(10), 'Active', weak)],
    });

    // Act
    await audit(policyWith()).result;

    // Assess: bob has an over-age Inactive certificate; erin has none; yara has nothing to report.
    const tagged = iamMock
      .commandCalls(ListUserTagsCommand)
      .map((call) => call.args[0].input.UserName)
      .sort();
    expect(tagged).toEqual(['alice', 'bob', 'carol', 'dave', 'zed']);
  });

  it('never reads the tags of a user with nothing to report, so a shorter maximum age waits', async () => {
    // yara's certificate is 10 days old: a 5-day tag would make it over age, but under the
    // account policy there is nothing to report about yara, so its tags are not read (README).
    givenAccount({ yara: [iamCert('yara', 'CERTYARAYOUNG0000000000001', daysAgo(10))] });
    iamMock
      .on(ListUserTagsCommand)
      .resolves({ Tags: [{ Key: MAX_AGE_TAG_KEY, Value: '5' }], IsTruncated: false });

    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    expect(iamMock).not.toReceiveCommand(ListUserTagsCommand);
    expect(report.findings).toEqual([]);
  });

  it('follows ListUserTags over several pages', async () => {
    // Prepare: the exemption tag is on the second page.
    givenAccount({ alice: mixedAccount().alice });
    iamMock
      .on(ListUserTagsCommand, { UserName: 'alice', Marker: undefined })
      .resolves({ Tags: [{ Key: 'team', Value: 'payments' }], IsTruncated: true, Marker: 't2' })
      .on(ListUserTagsCommand, { UserName: 'alice', Marker: 't2' })
      .resolves({
        Tags: [{ Key: 'signing-cert-audit:exempt', Value: 'true' }],
        IsTruncated: false,
      });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    // Act
    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    // Assess
    expect(iamMock).toReceiveCommandTimes(ListUserTagsCommand, 2);
    expect(iamMock).toReceiveNthCommandWith(ListUserTagsCommand, 2, {
      UserName: 'alice',
      Marker: 't2',
    });
    expect(report.findings).toMatchObject([{ verdict: 'EXEMPT', action: 'NONE' }]);
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });

  it('still lists what is inside an exempt user’s certificate, and changes nothing', async () => {
    const weak = generateTestCertificate({ key: 'ec:P-192' });
    givenAccount({
      alice: [iamCert('alice', 'CERTALICEOLDWEAK000000001', daysAgo(200), 'Active', weak)],
    });
    tagsOf({ alice: { 'signing-cert-audit:exempt': 'True' } });

    const report = await audit(policyWith({ mode: 'delete' })).result;

    expect(report.findings.map((f) => [f.verdict, f.action, f.severity])).toEqual([
      ['EXEMPT', 'NONE', 'INFO'],
      ['WEAK_KEY', 'NONE', 'MEDIUM'],
    ]);
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
  });

  it('reports an unusable exempt tag as an ERROR and leaves that user unchanged this run', async () => {
    givenAccount({ alice: mixedAccount().alice, dave: mixedAccount().dave });
    tagsOf({ alice: { 'signing-cert-audit:exempt': 'yes' } });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    expect(report.findings.filter((f) => f.userName === 'alice')).toEqual([
      expect.objectContaining({
        certificateId: null,
        verdict: 'ERROR',
        severity: 'MEDIUM',
        detail:
          'tag signing-cert-audit:exempt="yes" is not allowed: expected true, false or until YYYY-MM-DD (the last day of the exemption, UTC: a day that exists, at most 36500 days from now)',
      }),
      expect.objectContaining({
        verdict: 'NON_COMPLIANT',
        plannedAction: null,
        action: 'NONE',
        detail: 'not changed: the signing-cert-audit:exempt tag has an unusable value',
      }),
    ]);
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 1);
    expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, { UserName: 'dave' });
  });

  it('reports an exemption until 9999-12-31 as an unusable tag, never as an end at +010000-01-01', async () => {
    givenAccount({ alice: mixedAccount().alice });
    tagsOf({ alice: { 'signing-cert-audit:exempt': 'until 9999-12-31' } });

    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    expect(JSON.stringify(report)).not.toContain('+010000');
    expect(report.findings.map((f) => [f.verdict, f.action, f.detail])).toEqual([
      [
        'ERROR',
        'NONE',
        'tag signing-cert-audit:exempt="until 9999-12-31" is not allowed: expected true, false or until YYYY-MM-DD (the last day of the exemption, UTC: a day that exists, at most 36500 days from now)',
      ],
      [
        'NON_COMPLIANT',
        'NONE',
        'not changed: the signing-cert-audit:exempt tag has an unusable value',
      ],
    ]);
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });

  it('applies a longer per-user maximum age, and lists and counts the certificate it saved', async () => {
    givenAccount({ alice: mixedAccount().alice });
    tagsOf({ alice: { [MAX_AGE_TAG_KEY]: '365' } });

    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    expect(report.findings).toEqual([
      expect.objectContaining({
        userName: 'alice',
        certificateId: 'CERTALICEOLDACTIVE000000001',
        verdict: 'OVERRIDDEN',
        plannedAction: null,
        action: 'NONE',
        severity: 'LOW',
        detail: `tag ${MAX_AGE_TAG_KEY}=365 applies; under the account policy (90 days) this certificate is NON_COMPLIANT (DEACTIVATE)`,
        override: {
          tag: `${MAX_AGE_TAG_KEY}=365`,
          accountVerdict: 'NON_COMPLIANT',
          accountPlannedAction: 'DEACTIVATE',
        },
      }),
    ]);
    expect(report.summary).toMatchObject({ overridden: 1, nonCompliant: 0 });
    expect(report.severity).toBe('LOW');
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });

  it('refuses a maximum age above maxOverrideDays as an ERROR and applies the account policy', async () => {
    givenAccount({ alice: [iamCert('alice', 'CERTALICE400DAYS0000000001', daysAgo(400))] });
    tagsOf({ alice: { [MAX_AGE_TAG_KEY]: '36500' } });
    iamMock.on(DeleteSigningCertificateCommand).resolves({});
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    const report = await audit(policyWith({ mode: 'delete' })).result;

    expect(report.findings).toEqual([
      expect.objectContaining({
        userName: 'alice',
        certificateId: null,
        verdict: 'ERROR',
        detail: `tag ${MAX_AGE_TAG_KEY}="36500" is refused: above maxOverrideDays (365); the account policy applies`,
      }),
      expect.objectContaining({
        certificateId: 'CERTALICE400DAYS0000000001',
        verdict: 'NON_COMPLIANT',
        action: 'DEACTIVATED',
        override: null,
      }),
    ]);
    expect(report.summary).toMatchObject({ errors: 1, nonCompliant: 1, overridden: 0 });
  });

  it('says in the finding when a tag changed the planned action but not the verdict', async () => {
    // Account: 90 days, deleted after 180; the tag's 200 days keep the 90-day grace (290).
    givenAccount({
      alice: [iamCert('alice', 'CERTALICEINACTIVE250000001', daysAgo(250), 'Inactive')],
    });
    tagsOf({ alice: { [MAX_AGE_TAG_KEY]: '200' } });

    const report = await audit(policyWith({ mode: 'delete', deleteAfterDays: 180 })).result;

    expect(report.findings).toEqual([
      expect.objectContaining({
        verdict: 'NON_COMPLIANT',
        plannedAction: null,
        action: 'NONE',
        detail: `tag ${MAX_AGE_TAG_KEY}=200 applies; under the account policy (90 days) this certificate is NON_COMPLIANT (DELETE)`,
      }),
    ]);
    expect(report.summary.overridden).toBe(1);
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
  });

  it('applies a shorter per-user maximum age to a user already being reported', async () => {
    givenAccount({ carol: mixedAccount().carol });
    tagsOf({ carol: { [MAX_AGE_TAG_KEY]: '30' } });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    expect(report.findings).toMatchObject([
      { userName: 'carol', verdict: 'NON_COMPLIANT', ageDays: 80, action: 'DEACTIVATED' },
    ]);
  });

  it('reports a bad maximum-age tag as an ERROR for the user and applies the account policy', async () => {
    givenAccount({ alice: mixedAccount().alice });
    tagsOf({ alice: { [MAX_AGE_TAG_KEY]: 'forever' } });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    expect(report.findings).toEqual([
      expect.objectContaining({
        userName: 'alice',
        certificateId: null,
        verdict: 'ERROR',
        severity: 'MEDIUM',
        detail: `tag ${MAX_AGE_TAG_KEY}="forever" is not allowed: expected a whole number of days from 1 to 365; the account policy applies`,
      }),
      expect.objectContaining({
        userName: 'alice',
        certificateId: 'CERTALICEOLDACTIVE000000001',
        action: 'DEACTIVATED',
      }),
    ]);
    expect(report.summary.errors).toBe(1);
  });

  it('leaves a user unchanged when its tags cannot be read, and says so', async () => {
    givenAccount({ alice: mixedAccount().alice, dave: mixedAccount().dave });
    iamMock
      .on(ListUserTagsCommand, { UserName: 'alice' })
      .rejects(new ServiceFailureException({ message: 'boom', $metadata: {} }));
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    expect(iamMock).not.toReceiveCommandWith(UpdateSigningCertificateCommand, {
      UserName: 'alice',
    });
    expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, { UserName: 'dave' });
    expect(report.findings.filter((f) => f.userName === 'alice')).toEqual([
      expect.objectContaining({
        verdict: 'ERROR',
        certificateId: null,
        error: { code: 'ServiceFailure', message: 'boom' },
      }),
      expect.objectContaining({
        verdict: 'NON_COMPLIANT',
        action: 'NONE',
        detail: expect.stringContaining('not changed'),
      }),
    ]);
  });

  it('records a user deleted before its tags were read as GONE', async () => {
    givenAccount({ alice: mixedAccount().alice });
    iamMock
      .on(ListUserTagsCommand)
      .rejects(new NoSuchEntityException({ message: 'no alice', $metadata: {} }));

    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    expect(report.findings).toMatchObject([{ verdict: 'NON_COMPLIANT', action: 'GONE' }]);
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });
});

describe('runAudit: the root user', () => {
  it('reports a root signing certificate at CRITICAL with what a human must do', async () => {
    givenAccount({ erin: [] });
    iamMock
      .on(GetAccountSummaryCommand)
      .resolves({ SummaryMap: { AccountSigningCertificatesPresent: 1 } });

    const report = await audit(policyWith()).result;

    expect(report.findings).toEqual([
      expect.objectContaining({
        userName: '<root>',
        userArn: `arn:aws:iam::${ACCOUNT_ID}:root`,
        verdict: 'ROOT_SIGNING_CERTIFICATE',
        severity: 'CRITICAL',
        action: 'NONE',
        detail: expect.stringContaining('sign in as the root user'),
      }),
    ]);
    expect(report.severity).toBe('CRITICAL');
    expect(report.summary.rootSigningCertificate).toBe(1);
    expect(iamMock).toReceiveCommandTimes(GetAccountSummaryCommand, 1);
  });

  it.each([
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['eu-west-1', 'aws'],
  ])(
    'names the root user by the partition of the run’s IAM region, %s: arn:%s',
    async (region, partition) => {
      givenAccount({ erin: [] });
      iamMock
        .on(GetAccountSummaryCommand)
        .resolves({ SummaryMap: { AccountSigningCertificatesPresent: 1 } });

      const report = await runAudit(
        {
          iam: new IAMClient({ region }),
          logger: recordingLogger(),
          now: NOW,
          runId: 'run-1',
          accountId: ACCOUNT_ID,
        },
        policyWith(),
        { dryRun: false },
      );

      expect(report.findings.map((f) => [f.verdict, f.userArn])).toEqual([
        ['ROOT_SIGNING_CERTIFICATE', `arn:${partition}:iam::${ACCOUNT_ID}:root`],
      ]);
    },
  );

  it('reports nothing about root when it holds no certificate', async () => {
    givenAccount({ erin: [] });
    iamMock
      .on(GetAccountSummaryCommand)
      .resolves({ SummaryMap: { AccountSigningCertificatesPresent: 0 } });

    const report = await audit(policyWith()).result;

    expect(report.findings).toEqual([]);
    expect(report.summary.rootSigningCertificate).toBe(0);
  });

  it.each([
    [
      'AccessDenied',
      Object.assign(new Error('User is not authorized to perform: iam:GetAccountSummary'), {
        name: 'AccessDenied',
        Code: 'AccessDenied',
      }),
      { code: 'AccessDenied', message: 'User is not authorized to perform: iam:GetAccountSummary' },
    ],
    [
      'ServiceFailure',
      new ServiceFailureException({ message: 'Internal failure', $metadata: {} }),
      { code: 'ServiceFailure', message: 'Internal failure' },
    ],
  ])(
    'records an ERROR and goes on when GetAccountSummary fails with %s',
    async (_code, error, detail) => {
      givenAccount(mixedAccount());
      iamMock.on(GetAccountSummaryCommand).rejects(error);
      iamMock.on(UpdateSigningCertificateCommand).resolves({});

      const { result, logger } = audit(policyWith({ mode: 'deactivate' }));
      const report = await result;

      expect(report.findings.find((f) => f.userName === '<root>')).toEqual({
        userName: '<root>',
        userArn: `arn:aws:iam::${ACCOUNT_ID}:root`,
        certificateId: null,
        credentialType: 'signing-certificate',
        credentialId: null,
        serviceName: null,
        status: null,
        uploadDate: null,
        ageDays: null,
        verdict: 'ERROR',
        plannedAction: null,
        action: 'NONE',
        severity: 'MEDIUM',
        error: detail,
        certificate: null,
        detail: "GetAccountSummary failed: the root user's signing certificates were not checked",
        override: null,
      });
      expect(report.summary).toMatchObject({
        nonCompliant: 3,
        deactivated: 2,
        errors: 1,
        rootSigningCertificate: 0,
      });
      expect(report.complete).toBe(true);
      expect(logger.lines.join('\n')).toContain('Could not check the root user');
    },
  );
});

describe('runAudit: what is inside a certificate', () => {
  it('lists a young certificate with a weak key and signature, never acting on it', async () => {
    const weak = generateTestCertificate({ key: 'rsa:1024', digest: 'sha1' });
    givenAccount({
      frank: [iamCert('frank', 'CERTFRANKWEAK000000000001', daysAgo(5), 'Active', weak)],
    });

    const report = await audit(policyWith({ mode: 'delete' })).result;

    const fingerprint256 = new X509Certificate(weak).fingerprint256;
    expect(report.findings).toEqual([
      expect.objectContaining({
        verdict: 'WEAK_KEY',
        severity: 'MEDIUM',
        action: 'NONE',
        ageDays: null,
        certificate: expect.objectContaining({
          fingerprint256,
          subject: 'CN=signing-cert-audit test',
        }),
      }),
      expect.objectContaining({ verdict: 'WEAK_SIGNATURE', severity: 'MEDIUM', action: 'NONE' }),
    ]);
    expect(report.summary).toMatchObject({ contentIssues: 2, nonCompliant: 0 });
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
    expect(JSON.stringify(report)).not.toContain(weak.split('\n')[1]);
  });

  it('lists an age-compliant certificate that expires within WARN_BEFORE_DAYS as CERT_EXPIRING', async () => {
    // Prepare: uploaded 10 days ago, so compliant by age, but its notAfter is 5 days away.
    const notAfter = new Date(NOW.getTime() + 5 * DAY_MS);
    const expiring = generateTestCertificate({ notBefore: daysAgo(360), notAfter });
    givenAccount({
      ivy: [iamCert('ivy', 'CERTIVYEXPIRING0000000001', daysAgo(10), 'Active', expiring)],
    });

    // Act
    const report = await audit(policyWith({ mode: 'delete' })).result;

    // Assess
    expect(report.findings).toEqual([
      {
        userName: 'ivy',
        userArn: `arn:aws:iam::${ACCOUNT_ID}:user/ivy`,
        certificateId: 'CERTIVYEXPIRING0000000001',
        credentialType: 'signing-certificate',
        credentialId: 'CERTIVYEXPIRING0000000001',
        serviceName: null,
        status: 'Active',
        uploadDate: daysAgo(10).toISOString(),
        ageDays: null,
        verdict: 'CERT_EXPIRING',
        plannedAction: null,
        action: 'NONE',
        severity: 'LOW',
        error: null,
        certificate: {
          fingerprint256: new X509Certificate(expiring).fingerprint256,
          subject: 'CN=signing-cert-audit test',
          notAfter: notAfter.toISOString(),
        },
        detail: `the certificate expires at ${notAfter.toISOString()}`,
        override: null,
      },
    ]);
    expect(report.severity).toBe('LOW');
    expect(report.summary).toMatchObject({ contentIssues: 1, expiringSoon: 0, nonCompliant: 0 });
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
  });

  it('lists a young certificate that has already expired at HIGH and never acts on it', async () => {
    // A certificate uploaded 5 days ago can still be one that expired yesterday.
    const expired = generateTestCertificate({ notBefore: daysAgo(400), notAfter: daysAgo(1) });
    givenAccount({
      jack: [iamCert('jack', 'CERTJACKEXPIRED000000001', daysAgo(5), 'Active', expired)],
    });

    const report = await audit(policyWith({ mode: 'delete' })).result;

    expect(report.findings).toMatchObject([
      {
        verdict: 'CERT_EXPIRED',
        severity: 'HIGH',
        action: 'NONE',
        plannedAction: null,
        certificate: { notAfter: daysAgo(1).toISOString() },
      },
    ]);
    expect(report.severity).toBe('HIGH');
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });

  it('lists a P-192 key as WEAK_KEY and nothing for a P-256 key of the same age', async () => {
    givenAccount({
      kim: [
        iamCert(
          'kim',
          'CERTKIMP192000000000000001',
          daysAgo(5),
          'Active',
          generateTestCertificate({ key: 'ec:P-192' }),
        ),
        iamCert(
          'kim',
          'CERTKIMP256000000000000001',
          daysAgo(5),
          'Active',
          generateTestCertificate({ key: 'ec:P-256' }),
        ),
      ],
    });

    const report = await audit(policyWith()).result;

    expect(report.findings).toMatchObject([
      {
        certificateId: 'CERTKIMP192000000000000001',
        verdict: 'WEAK_KEY',
        detail: 'EC key of 192 bits; at least 256 required',
      },
    ]);
    expect(report.summary).toMatchObject({ certificatesScanned: 2, contentIssues: 1 });
  });

  it('reports an expired certificate HIGH alongside its age verdict', async () => {
    const expired = generateTestCertificate({ notBefore: daysAgo(400), notAfter: daysAgo(390) });
    givenAccount({
      gina: [iamCert('gina', 'CERTGINAEXPIRED0000000001', daysAgo(200), 'Inactive', expired)],
    });

    const report = await audit(policyWith()).result;

    expect(report.findings.map((f) => [f.verdict, f.severity])).toEqual([
      ['CERT_EXPIRED', 'HIGH'],
      ['NON_COMPLIANT', 'MEDIUM'],
    ]);
  });

  it('reports an unparseable body as UNPARSEABLE and still judges its age', async () => {
    const garbage = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n';
    givenAccount({
      hank: [iamCert('hank', 'CERTHANKGARBAGE0000000001', daysAgo(200), 'Active', garbage)],
    });
    iamMock.on(UpdateSigningCertificateCommand).resolves({});

    const report = await audit(policyWith({ mode: 'deactivate' })).result;

    expect(report.findings).toEqual([
      expect.objectContaining({
        verdict: 'NON_COMPLIANT',
        action: 'DEACTIVATED',
        certificate: null,
      }),
      expect.objectContaining({
        verdict: 'UNPARSEABLE',
        severity: 'MEDIUM',
        detail: expect.stringContaining('not a valid X.509 certificate'),
      }),
    ]);
    expect(JSON.stringify(report)).not.toContain('bm90IGEgY2VydA==');
  });

  it('puts no certificate body in a finding or a log line, whatever goes wrong', async () => {
    // Prepare: a weak body, a garbage body and a sound one, with a tag read and a change failing.
    const weak = generateTestCertificate({ key: 'rsa:1024', digest: 'sha1' });
    const garbageBase64 = Buffer.from('not a certificate at all, but long enough').toString(
      'base64',
    );
    const garbage = `-----BEGIN CERTIFICATE-----\n${garbageBase64}\n-----END CERTIFICATE-----\n`;
    givenAccount({
      lena: [iamCert('lena', 'CERTLENAWEAK0000000000001', daysAgo(200), 'Active', weak)],
      mo: [iamCert('mo', 'CERTMOGARBAGE000000000001', daysAgo(200), 'Active', garbage)],
      nils: [iamCert('nils', 'CERTNILSSOUND00000000001', daysAgo(200), 'Active', CERT_BODY)],
    });
    iamMock
      .on(ListUserTagsCommand, { UserName: 'lena' })
      .rejects(new ServiceFailureException({ message: 'boom', $metadata: {} }));
    iamMock
      .on(UpdateSigningCertificateCommand)
      .rejects(new ServiceFailureException({ message: 'no', $metadata: {} }));

    // Act
    const { result, logger } = audit(policyWith({ mode: 'deactivate' }));
    const report = await result;

    // Assess: every body line, of each certificate, is absent from the report and the logs.
    const bodyLines = [weak, garbage, CERT_BODY].flatMap((body) =>
      body.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----')),
    );
    expect(bodyLines.length).toBeGreaterThan(5);
    expect(logger.lines.length).toBeGreaterThan(1);
    for (const text of [JSON.stringify(report), ...logger.lines]) {
      expect(text).not.toContain('BEGIN CERTIFICATE');
      for (const line of bodyLines) expect(text).not.toContain(line);
    }
    expect(report.summary).toMatchObject({ contentIssues: 3, errors: 3 });
  });
});
