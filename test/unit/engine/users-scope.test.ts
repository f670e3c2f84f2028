import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetUserCommand,
  IAMClient,
  ListSigningCertificatesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  ServiceFailureException,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_SCOPE, usersScope } from '../../../lambda/core/scope';
import { runAudit, type ScannedUser } from '../../../lambda/engine/audit';
import {
  ACCOUNT_ID,
  answerNoOtherCredentials,
  daysAgo,
  iamCert,
  iamUser,
  memoryRecorder,
  NOW,
  policyWith,
  recordingLogger,
} from '../fixtures';

const iamMock = mockClient(IAMClient);

/** An account of alice (one over-age certificate, under /eng/), bob (one) and carol (none). */
function givenAccount(): void {
  const users = { alice: iamUser('alice', '/eng/'), bob: iamUser('bob'), carol: iamUser('carol') };
  iamMock.on(ListUsersCommand).resolves({ Users: Object.values(users), IsTruncated: false });
  iamMock.on(GetUserCommand).callsFake((input: { UserName: string }) => {
    const user = Object.values(users).find(
      (u) => u.UserName?.toLowerCase() === input.UserName.toLowerCase(),
    );
    if (!user) {
      throw new NoSuchEntityException({
        message: `The user with name ${input.UserName} cannot be found.`,
        $metadata: {},
      });
    }
    return { User: user };
  });
  iamMock
    .on(ListSigningCertificatesCommand, { UserName: 'alice' })
    .resolves({ Certificates: [iamCert('alice', 'CERTALICEOLD00000000000001', daysAgo(200))] })
    .on(ListSigningCertificatesCommand, { UserName: 'bob' })
    .resolves({ Certificates: [iamCert('bob', 'CERTBOBOLD0000000000000001', daysAgo(300))] })
    .on(ListSigningCertificatesCommand, { UserName: 'carol' })
    .resolves({ Certificates: [] });
}

async function audit(
  scope = usersScope(['alice']),
  options: { mode?: 'report' | 'deactivate'; scanStrategy?: 'credential-report' } = {},
) {
  const told: ScannedUser[] = [];
  const report = await runAudit(
    {
      iam: new IAMClient({ region: 'us-east-1' }),
      logger: recordingLogger(),
      now: NOW,
      runId: 'run-1',
      accountId: ACCOUNT_ID,
      changeRecord: memoryRecorder(),
      onUsersScanned: (users) => told.push(...users),
    },
    policyWith({ mode: options.mode ?? 'report', scanStrategy: options.scanStrategy ?? 'full' }),
    { scope, ...(options.scanStrategy ? { scanStrategy: options.scanStrategy } : {}) },
  );
  return { report, told };
}

beforeEach(() => {
  iamMock.reset();
  answerNoOtherCredentials(iamMock);
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
  iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  iamMock.on(UpdateSigningCertificateCommand).resolves({});
  givenAccount();
});

describe('runAudit: a users scope', () => {
  it('reads each named user by name and lists only its certificates: no ListUsers, no root', async () => {
    // Act
    const { report, told } = await audit();

    // Assess
    expect(report.findings.map((f) => [f.userName, f.verdict])).toEqual([
      ['alice', 'NON_COMPLIANT'],
    ]);
    expect(report.findings[0]?.userArn).toBe(iamUser('alice', '/eng/').Arn);
    expect(report.summary).toMatchObject({ usersScanned: 1, certificatesScanned: 1 });
    expect(report.scope).toEqual({ kind: 'users', userNames: ['alice'] });
    expect(report.complete).toBe(true);
    expect(iamMock).toReceiveCommandWith(GetUserCommand, { UserName: 'alice' });
    expect(iamMock).not.toReceiveCommand(ListUsersCommand);
    expect(iamMock).not.toReceiveCommandWith(ListSigningCertificatesCommand, { UserName: 'bob' });
    // A users-scoped run never speaks for the account: root is not looked at.
    expect(iamMock).not.toReceiveCommand(GetAccountSummaryCommand);
    // The user as ListUsers would give it: its id too, which Config names it by.
    expect(told.map((t) => [t.user.userName, t.user.userId, t.certificates])).toEqual([
      ['alice', iamUser('alice').UserId, 1],
    ]);
  });

  it('never reads the credential report, whatever the scan strategy', async () => {
    const { report } = await audit(usersScope(['alice']), { scanStrategy: 'credential-report' });

    expect(iamMock).not.toReceiveCommand(GenerateCredentialReportCommand);
    expect(iamMock).not.toReceiveCommand(GetCredentialReportCommand);
    expect(report.scan).toEqual({
      strategy: 'full',
      credentialReportGeneratedAt: null,
      fallbackReason: null,
    });
  });

  it('reports a user that does not exist as gone, not as an error', async () => {
    const { report, told } = await audit(usersScope(['alice', 'mallory']));

    expect(report.findings.map((f) => [f.userName, f.verdict, f.action, f.error])).toEqual([
      ['alice', 'NON_COMPLIANT', 'NONE', null],
      ['mallory', 'NOT_EVALUATED', 'GONE', null],
    ]);
    expect(report.summary).toMatchObject({ errors: 0, gone: 1, unread: 0 });
    expect(report.complete).toBe(true);
    expect(told.map((t) => [t.user.userName, t.certificates])).toEqual([
      ['alice', 1],
      ['mallory', null],
    ]);
  });

  it('reports a user GetUser failed on as an ERROR the run could not read', async () => {
    iamMock
      .on(GetUserCommand, { UserName: 'bob' })
      .rejects(new ServiceFailureException({ message: 'Internal failure', $metadata: {} }));

    const { report } = await audit(usersScope(['bob']));

    expect(report.findings).toEqual([
      expect.objectContaining({
        userName: 'bob',
        userArn: `arn:aws:iam::${ACCOUNT_ID}:user/bob`,
        verdict: 'ERROR',
        error: { code: 'ServiceFailure', message: 'Internal failure' },
      }),
    ]);
    expect(report.summary.unread).toBe(1);
  });

  it('leaves out a named user outside the path prefix, as ListUsers would', async () => {
    const logger = recordingLogger();
    const report = await runAudit(
      {
        iam: new IAMClient({ region: 'us-east-1' }),
        logger,
        now: NOW,
        runId: 'run-1',
        accountId: ACCOUNT_ID,
      },
      policyWith({ userPathPrefix: '/eng/' }),
      { scope: usersScope(['alice', 'bob']) },
    );

    expect(report.findings.map((f) => f.userName)).toEqual(['alice']);
    expect(iamMock).not.toReceiveCommandWith(ListSigningCertificatesCommand, { UserName: 'bob' });
    expect(logger.lines.join('\n')).toMatch(/outside the path prefix/);
  });

  it('acts on the named users only, by the same mode and guard', async () => {
    await audit(usersScope(['alice']), { mode: 'deactivate' });

    expect(iamMock).toReceiveCommandTimes(UpdateSigningCertificateCommand, 1);
    expect(iamMock).toReceiveCommandWith(UpdateSigningCertificateCommand, {
      UserName: 'alice',
      Status: 'Inactive',
    });
  });

  it('starts no user once stopped, and says the run is incomplete', async () => {
    const stop = new AbortController();
    stop.abort('stopped');

    const report = await runAudit(
      {
        iam: new IAMClient({ region: 'us-east-1' }),
        logger: recordingLogger(),
        now: NOW,
        runId: 'run-1',
        accountId: ACCOUNT_ID,
        stop: stop.signal,
      },
      policyWith(),
      { scope: usersScope(['alice', 'bob']) },
    );

    expect(report.complete).toBe(false);
    expect(report.summary.usersScanned).toBe(0);
    expect(iamMock).not.toReceiveCommand(GetUserCommand);
  });

  it('is the account when no scope is named: ListUsers, root, and a report that says so', async () => {
    const { report } = await audit(ACCOUNT_SCOPE);

    expect(report.scope).toEqual({ kind: 'account' });
    expect(report.findings.map((f) => f.userName)).toEqual(['alice', 'bob']);
    expect(iamMock).toReceiveCommand(ListUsersCommand);
    expect(iamMock).toReceiveCommand(GetAccountSummaryCommand);
  });
});
