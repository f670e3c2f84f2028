import {
  DeleteSigningCertificateCommand,
  GetAccountSummaryCommand,
  GetUserCommand,
  IAMClient,
  ListSigningCertificatesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BudgetAnswer, ChangeBudget } from '../../../lambda/core/change-budget';
import type { Policy } from '../../../lambda/core/settings';
import { runAudit } from '../../../lambda/engine/audit';
import {
  ACCOUNT_ID,
  answerNoOtherCredentials,
  daysAgo,
  getUserAnswer,
  iamCert,
  iamUser,
  memoryRecorder,
  NOW,
  policyWith,
  recordingLogger,
} from '../fixtures';

const iamMock = mockClient(IAMClient);
const REFUSAL =
  'the window guard allows 25 change(s) per 60 minutes in this account, 25 were already made, and this run planned 2';

/** A window guard that answers `answer` to every reservation, and counts them. */
function stubBudget(answer: BudgetAnswer) {
  const reserve = vi.fn<ChangeBudget['reserve']>(async () => answer);
  return { where: 'memory://window', reserve } satisfies ChangeBudget;
}
const GRANTED: BudgetAnswer = { granted: true, used: 2, limit: 25 };
const REFUSED: BudgetAnswer = { granted: false, reason: REFUSAL };

/** alice and bob each hold an over-age Active certificate, carol a young one. */
function givenAccount(ages = { alice: 200, bob: 300, carol: 5 }): void {
  iamMock.on(ListUsersCommand).resolves({
    Users: Object.keys(ages).map((name) => iamUser(name)),
    IsTruncated: false,
  });
  for (const [name, age] of Object.entries(ages)) {
    iamMock.on(ListSigningCertificatesCommand, { UserName: name }).resolves({
      Certificates: [iamCert(name, `CERT${name.toUpperCase().padEnd(21, '0')}`, daysAgo(age))],
    });
  }
}

async function audit(
  budget: ChangeBudget,
  overrides: Partial<Policy> = {},
  options: { dryRun?: boolean } = {},
) {
  const logger = recordingLogger();
  const changeRecord = memoryRecorder();
  const report = await runAudit(
    {
      iam: new IAMClient({ region: 'us-east-1' }),
      logger,
      now: NOW,
      runId: 'run-1',
      accountId: ACCOUNT_ID,
      changeRecord,
      changeBudget: budget,
    },
    policyWith({ mode: 'deactivate', credentialKinds: ['signing-certificate'], ...overrides }),
    options,
  );
  return { report, logger, changeRecord };
}

const actions = (report: Awaited<ReturnType<typeof audit>>['report']) =>
  report.findings.map((f) => [f.userName, f.plannedAction, f.action]);

beforeEach(() => {
  iamMock.reset();
  answerNoOtherCredentials(iamMock);
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
  iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  iamMock.on(GetUserCommand).callsFake(getUserAnswer);
  iamMock.on(UpdateSigningCertificateCommand).resolves({});
  iamMock.on(DeleteSigningCertificateCommand).resolves({});
  givenAccount();
});

describe('the window guard in a run (carryOutActions with a changeBudget)', () => {
  it('makes the changes when the window grants them, after reserving them all at once', async () => {
    const budget = stubBudget(GRANTED);

    const { report } = await audit(budget);

    expect(budget.reserve).toHaveBeenCalledTimes(1);
    expect(budget.reserve).toHaveBeenCalledWith(ACCOUNT_ID, 2, NOW);
    expect(actions(report)).toEqual([
      ['alice', 'DEACTIVATE', 'DEACTIVATED'],
      ['bob', 'DEACTIVATE', 'DEACTIVATED'],
    ]);
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 2);
    expect(report.summary).toMatchObject({ deactivated: 2, withheld: 0 });
  });

  it('withholds every planned change when the window refuses, saying why, with no IAM write', async () => {
    const budget = stubBudget(REFUSED);

    const { report, logger, changeRecord } = await audit(budget);

    expect(actions(report)).toEqual([
      ['alice', 'DEACTIVATE', 'WITHHELD'],
      ['bob', 'DEACTIVATE', 'WITHHELD'],
    ]);
    for (const finding of report.findings) {
      expect(finding.detail).toContain(`withheld: ${REFUSAL}`);
    }
    expect(report.summary).toMatchObject({ deactivated: 0, withheld: 2 });
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
    // No change was about to be made: no intent in the record.
    expect(changeRecord.entries.filter((e) => e.entry === 'intent')).toEqual([]);
    const warned = logger.lines.map((line) => JSON.parse(line));
    expect(warned).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'Blast-radius guard over the window: none of the planned changes was made',
        planned: 2,
        reason: REFUSAL,
        where: 'memory://window',
      }),
    );
  });

  it('withholds deletions too in delete mode', async () => {
    iamMock.on(ListSigningCertificatesCommand, { UserName: 'alice' }).resolves({
      Certificates: [iamCert('alice', 'CERTALICE000000000000000', daysAgo(400), 'Inactive')],
    });
    const granted = await audit(stubBudget(GRANTED), { mode: 'delete' });
    // Control: granted, alice's Inactive certificate is deleted.
    expect(iamMock).toReceiveCommandTimes(DeleteSigningCertificateCommand, 1);
    expect(actions(granted.report)).toContainEqual(['alice', 'DELETE', 'DELETED']);
    iamMock.resetHistory();

    const { report } = await audit(stubBudget(REFUSED), { mode: 'delete' });

    expect(actions(report)).toContainEqual(['alice', 'DELETE', 'WITHHELD']);
    expect(iamMock).not.toReceiveCommand(DeleteSigningCertificateCommand);
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });

  it.each([
    ['in a dry run', {}, { dryRun: true }, 'DEACTIVATE'],
    ['in report mode', { mode: 'report' as const }, {}, null],
    // Report mode plans nothing (plannedAction null), so the guard would not be asked for that
    // alone; the mode's own condition in carryOutActions is a second lock this cannot tell apart.
  ])('is not consulted %s', async (_when, overrides, options, planned) => {
    const budget = stubBudget(REFUSED);

    const { report } = await audit(budget, overrides, options);

    expect(budget.reserve).not.toHaveBeenCalled();
    expect(actions(report)).toEqual([
      ['alice', planned, 'NONE'],
      ['bob', planned, 'NONE'],
    ]);
    expect(report.findings.every((f) => f.detail === null || !f.detail.includes('withheld'))).toBe(
      true,
    );
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
  });

  it('is not consulted when nothing is planned (the same run with something planned consults it)', async () => {
    givenAccount({ alice: 5, bob: 6, carol: 7 });
    const budget = stubBudget(REFUSED);

    const { report } = await audit(budget);

    expect(budget.reserve).not.toHaveBeenCalled();
    expect(report.summary).toMatchObject({ nonCompliant: 0, withheld: 0 });
    // Control: one over-age certificate, and the guard is asked.
    givenAccount({ alice: 200, bob: 6, carol: 7 });
    await audit(budget);
    expect(budget.reserve).toHaveBeenCalledTimes(1);
    expect(budget.reserve).toHaveBeenCalledWith(ACCOUNT_ID, 1, NOW);
  });

  it('lets the per-run guard withhold first, without consulting the window', async () => {
    const budget = stubBudget(GRANTED);

    const { report } = await audit(budget, { maxActionsPerRun: 1 });

    expect(budget.reserve).not.toHaveBeenCalled();
    expect(actions(report)).toEqual([
      ['alice', 'DEACTIVATE', 'WITHHELD'],
      ['bob', 'DEACTIVATE', 'WITHHELD'],
    ]);
    // Withheld by the per-run limit: no window reason in the findings.
    expect(report.findings.map((f) => f.detail ?? '').join(' ')).not.toContain('window guard');
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    // Control: at the per-run limit exactly, the window is asked and its grant makes the changes.
    await audit(budget, { maxActionsPerRun: 2 });
    expect(budget.reserve).toHaveBeenCalledTimes(1);
    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 2);
  });
});
