import {
  DeleteServiceSpecificCredentialCommand,
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetUserCommand,
  IAMClient,
  ListServiceSpecificCredentialsCommand,
  type ListServiceSpecificCredentialsCommandInput,
  ListSigningCertificatesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  type ServiceSpecificCredentialMetadata,
  UpdateServiceSpecificCredentialCommand,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { NO_BODY } from '../../../lambda/core/change-record';
import { CREDENTIAL_SERVICES } from '../../../lambda/core/credential-services';
import type { Report } from '../../../lambda/core/report';
import { usersScope } from '../../../lambda/core/scope';
import type { Policy } from '../../../lambda/core/settings';
import { type AuditOptions, runAudit, type ScannedUser } from '../../../lambda/engine/audit';
import {
  ACCOUNT_ID,
  daysAgo,
  iamCert,
  iamUser,
  memoryRecorder,
  NOW,
  policyWith,
  recordingLogger,
} from '../fixtures';

const iamMock = mockClient(IAMClient);
const SSC = 'service-specific-credential' as const;
const BOTH = ['signing-certificate', SSC] as ('signing-certificate' | typeof SSC)[];

/** A credential as ListServiceSpecificCredentials lists it. */
const ssc = (
  userName: string,
  id: string,
  serviceName: string,
  ageDays: number,
  extra: Partial<ServiceSpecificCredentialMetadata> = {},
): ServiceSpecificCredentialMetadata => ({
  UserName: userName,
  ServiceSpecificCredentialId: id,
  ServiceName: serviceName,
  Status: 'Active',
  CreateDate: daysAgo(ageDays),
  ...extra,
});

/** The account: alice (an old certificate, an old CodeCommit password), scanner (a Bedrock key that never expires), bob (nothing); robot under /team/. */
const USERS = [iamUser('alice'), iamUser('bob'), iamUser('scanner'), iamUser('robot', '/team/')];
const CREDENTIALS = [
  ssc('alice', 'ACCAALICECODECOMMIT01', 'codecommit.amazonaws.com', 200),
  ssc('scanner', 'ACCASCANNERBEDROCK001', 'bedrock.amazonaws.com', 10),
  ssc('robot', 'ACCAROBOTKEYSPACES001', 'cassandra.amazonaws.com', 300),
];

/** Serves the account; returns ListServiceSpecificCredentials' requests as sent. */
function givenAccount(
  credentials: readonly ServiceSpecificCredentialMetadata[] = CREDENTIALS,
  users = USERS,
) {
  const requests: ListServiceSpecificCredentialsCommandInput[] = [];
  iamMock.on(ListUsersCommand).callsFake((input: { PathPrefix?: string }) => ({
    Users: users.filter((u) => (u.Path ?? '/').startsWith(input.PathPrefix ?? '/')),
    IsTruncated: false,
  }));
  iamMock.on(GetUserCommand).callsFake((input: { UserName: string }) => {
    const user = [...users, iamUser('newcomer')].find((u) => u.UserName === input.UserName);
    if (!user) {
      throw new NoSuchEntityException({ message: `no user ${input.UserName}`, $metadata: {} });
    }
    return { User: user };
  });
  iamMock
    .on(ListSigningCertificatesCommand)
    .resolves({ Certificates: [], IsTruncated: false })
    .on(ListSigningCertificatesCommand, { UserName: 'alice' })
    .resolves({ Certificates: [iamCert('alice', 'CERTALICEOLD00000000001', daysAgo(200))] });
  iamMock.on(ListServiceSpecificCredentialsCommand).callsFake((input) => {
    requests.push({ ...input });
    return {
      ServiceSpecificCredentials: credentials.filter((c) =>
        input.AllUsers
          ? input.ServiceName === undefined || c.ServiceName === input.ServiceName
          : c.UserName === input.UserName,
      ),
      IsTruncated: false,
    };
  });
  return requests;
}

async function audit(policy: Partial<Policy>, options: AuditOptions & { stop?: AbortSignal } = {}) {
  const logger = recordingLogger();
  const record = memoryRecorder();
  const told: ScannedUser[] = [];
  const report = await runAudit(
    {
      iam: new IAMClient({ region: 'us-east-1' }),
      logger,
      now: NOW,
      runId: 'run-1',
      accountId: ACCOUNT_ID,
      changeRecord: record,
      onUsersScanned: (users) => told.push(...users),
      ...(options.stop ? { stop: options.stop } : {}),
    },
    policyWith({ scanStrategy: 'full', credentialKinds: BOTH, ...policy }),
    options,
  );
  return { report, logger, record, told };
}

const sscFindings = (report: Report) =>
  report.findings
    .filter((f) => f.credentialType === SSC)
    .map((f) => [f.userName, f.credentialId, f.serviceName, f.verdict, f.action]);

beforeEach(() => {
  iamMock.reset();
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
  iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  iamMock.on(UpdateServiceSpecificCredentialCommand).resolves({});
  iamMock.on(DeleteServiceSpecificCredentialCommand).resolves({});
  iamMock.on(UpdateSigningCertificateCommand).resolves({});
});

describe('an account-scoped run: service-specific credentials listed account-wide', () => {
  it('lists them in a few calls for the account, never one a user, and reports each on its user', async () => {
    const requests = givenAccount();

    const { report } = await audit({});

    expect(requests).toHaveLength(Object.keys(CREDENTIAL_SERVICES).length + 1);
    expect(requests.every((r) => r.AllUsers === true && r.UserName === undefined)).toBe(true);
    expect(sscFindings(report)).toEqual([
      ['alice', 'ACCAALICECODECOMMIT01', 'codecommit.amazonaws.com', 'NON_COMPLIANT', 'NONE'],
      ['robot', 'ACCAROBOTKEYSPACES001', 'cassandra.amazonaws.com', 'NON_COMPLIANT', 'NONE'],
      ['scanner', 'ACCASCANNERBEDROCK001', 'bedrock.amazonaws.com', 'NEVER_EXPIRES', 'NONE'],
    ]);
    expect(report.findings.find((f) => f.userName === 'scanner')).toMatchObject({
      certificateId: null,
      uploadDate: daysAgo(10).toISOString(),
      ageDays: 10,
      severity: 'HIGH',
    });
    // The certificate audit is as it was.
    expect(report.summary).toMatchObject({ usersScanned: 4, certificatesScanned: 1 });
    expect(report.complete).toBe(true);
  });

  it('reads none when credentialKinds does not name the kind', async () => {
    const requests = givenAccount();

    const { report } = await audit({ credentialKinds: ['signing-certificate'] });

    expect(requests).toEqual([]);
    expect(sscFindings(report)).toEqual([]);
  });

  it('lists them user by user under a narrower path prefix: AllUsers has no path', async () => {
    const requests = givenAccount();

    const { report } = await audit({ userPathPrefix: '/team/' });

    expect(requests).toEqual([{ UserName: 'robot', MaxItems: 1000, Marker: undefined }]);
    expect(sscFindings(report)).toEqual([
      ['robot', 'ACCAROBOTKEYSPACES001', 'cassandra.amazonaws.com', 'NON_COMPLIANT', 'NONE'],
    ]);
  });

  it('makes the report incomplete, naming what failed, when the listing fails: never "none found"', async () => {
    givenAccount();
    iamMock
      .on(ListServiceSpecificCredentialsCommand, {
        AllUsers: true,
        ServiceName: 'bedrock.amazonaws.com',
      })
      .rejects(
        Object.assign(new Error('not authorized to perform iam:ListServiceSpecificCredentials'), {
          name: 'AccessDenied',
        }),
      );

    const { report, told, logger } = await audit({});

    expect(report.complete).toBe(false);
    expect(report.incompleteReason).toBe(
      'iam:ListServiceSpecificCredentials failed (AccessDenied: not authorized to perform iam:ListServiceSpecificCredentials): no service-specific credential was read, so the report holds none',
    );
    expect(sscFindings(report)).toEqual([]);
    // The certificates are still audited; what each user holds in all is not known.
    expect(report.findings.map((f) => f.credentialType)).toEqual(['signing-certificate']);
    expect(told.map((u) => u.certificates)).toEqual([null, null, null, null]);
    expect(
      logger.lines.some((line) =>
        line.includes('service-specific credentials could not be listed'),
      ),
    ).toBe(true);
  });

  it('reads nothing once the run is stopped, and says it stopped', async () => {
    const requests = givenAccount();
    const controller = new AbortController();
    controller.abort('deadline: less than 90 s of Lambda time left');

    const { report } = await audit({}, { stop: controller.signal });

    expect(requests).toEqual([]);
    expect(report.complete).toBe(false);
    expect(report.incompleteReason).toContain('stopped early (deadline');
  });

  it('reads a holder the user listing did not have by name and audits it whole, saying so', async () => {
    givenAccount([
      ...CREDENTIALS,
      ssc('newcomer', 'ACCANEWCOMERLOGS0001', 'logs.amazonaws.com', 1),
    ]);

    const { report, logger } = await audit({});

    expect(iamMock).toHaveReceivedCommandWith(GetUserCommand, { UserName: 'newcomer' });
    expect(iamMock).toHaveReceivedCommandWith(ListSigningCertificatesCommand, {
      UserName: 'newcomer',
    });
    expect(sscFindings(report)).toContainEqual([
      'newcomer',
      'ACCANEWCOMERLOGS0001',
      'logs.amazonaws.com',
      'NEVER_EXPIRES',
      'NONE',
    ]);
    expect(report.summary.usersScanned).toBe(5);
    expect(
      logger.lines.some(
        (line) => line.includes('not in the user listing') && line.includes('newcomer'),
      ),
    ).toBe(true);
  });

  it('leaves out a holder deleted since, and reports one it cannot read as an ERROR', async () => {
    givenAccount([
      ...CREDENTIALS,
      ssc('ghost', 'ACCAGHOSTLOGS0000001', 'logs.amazonaws.com', 1),
      ssc('unreadable', 'ACCAUNREADABLE000001', 'logs.amazonaws.com', 1),
    ]);
    iamMock
      .on(GetUserCommand, { UserName: 'unreadable' })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    const { report } = await audit({});

    expect(report.findings.filter((f) => f.userName === 'ghost')).toEqual([]);
    expect(report.findings.filter((f) => f.userName === 'unreadable')).toEqual([
      expect.objectContaining({
        verdict: 'ERROR',
        error: { code: 'Throttling', message: 'Rate exceeded' },
      }),
    ]);
  });

  it('reads a holder created since the credential report by name', async () => {
    givenAccount([
      ...CREDENTIALS,
      ssc('newcomer', 'ACCANEWCOMERLOGS0001', 'logs.amazonaws.com', 1),
    ]);
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iamMock.on(GetCredentialReportCommand).resolves({
      Content: new TextEncoder().encode(
        [
          'user,arn,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
          ...USERS.map((u) => `${u.UserName},${u.Arn},false,N/A,false,N/A`),
        ].join('\n'),
      ),
      GeneratedTime: new Date(),
      ReportFormat: 'text/csv',
    });

    const { report } = await audit({ scanStrategy: 'credential-report' });

    expect(report.scan.strategy).toBe('credential-report');
    expect(sscFindings(report).map((f) => f[0])).toEqual(['alice', 'newcomer', 'robot', 'scanner']);
  });
});

describe('a users-scoped run', () => {
  it('lists each named user’s credentials by UserName, never the account’s', async () => {
    const requests = givenAccount();

    const { report } = await audit({}, { scope: usersScope(['scanner']) });

    expect(requests).toEqual([{ UserName: 'scanner', MaxItems: 1000, Marker: undefined }]);
    expect(sscFindings(report)).toEqual([
      ['scanner', 'ACCASCANNERBEDROCK001', 'bedrock.amazonaws.com', 'NEVER_EXPIRES', 'NONE'],
    ]);
  });
});

describe('changes to service-specific credentials', () => {
  const EXPIRED = ssc('alice', 'ACCAALICEBEDROCKOLD01', 'bedrock.amazonaws.com', 400, {
    Status: 'Expired',
    ExpirationDate: daysAgo(370),
  });
  const INACTIVE = ssc('bob', 'ACCABOBCODECOMMIT0001', 'codecommit.amazonaws.com', 400, {
    Status: 'Inactive',
  });

  it('are made by default to none: remediateKinds names signing certificates only', async () => {
    givenAccount();

    const { report } = await audit({ mode: 'deactivate' });

    expect(iamMock).not.toReceiveCommand(UpdateServiceSpecificCredentialCommand);
    expect(report.findings.find((f) => f.credentialId === 'ACCAALICECODECOMMIT01')).toMatchObject({
      action: 'NONE',
      detail: expect.stringContaining('remediateKinds does not name service-specific-credential'),
    });
  });

  it('deactivate exactly the over-age Active ones, recorded first as a change restore cannot undo by upload', async () => {
    givenAccount([...CREDENTIALS, EXPIRED]);

    const { report, record } = await audit({ mode: 'deactivate', remediateKinds: [SSC] });

    expect(iamMock).toReceiveCommandTimes(UpdateServiceSpecificCredentialCommand, 2);
    for (const [UserName, id] of [
      ['alice', 'ACCAALICECODECOMMIT01'],
      ['robot', 'ACCAROBOTKEYSPACES001'],
    ]) {
      expect(iamMock).toHaveReceivedCommandWith(UpdateServiceSpecificCredentialCommand, {
        UserName,
        ServiceSpecificCredentialId: id,
        Status: 'Inactive',
      });
    }
    expect(iamMock).not.toReceiveCommand(UpdateSigningCertificateCommand);
    expect(report.summary.deactivated).toBe(2);
    const intents = record.entries.filter((e) => e.entry === 'intent');
    expect(intents).toEqual([
      expect.objectContaining({
        credentialType: SSC,
        certificateId: 'ACCAALICECODECOMMIT01',
        change: 'DEACTIVATE',
        body: '',
        fingerprint256: NO_BODY,
      }),
      expect.objectContaining({ credentialType: SSC, certificateId: 'ACCAROBOTKEYSPACES001' }),
    ]);
  });

  it('delete one only with deleteServiceCredentials, and never an Expired one', async () => {
    givenAccount([...CREDENTIALS, EXPIRED, INACTIVE]);

    const without = await audit({ mode: 'delete', remediateKinds: [SSC] });
    expect(iamMock).not.toReceiveCommand(DeleteServiceSpecificCredentialCommand);
    expect(
      without.report.findings.find((f) => f.credentialId === INACTIVE.ServiceSpecificCredentialId),
    ).toMatchObject({
      action: 'NONE',
      detail: expect.stringContaining('deleteServiceCredentials is off'),
    });

    const { report, record } = await audit({
      mode: 'delete',
      remediateKinds: [SSC],
      deleteServiceCredentials: true,
    });

    expect(iamMock).toReceiveCommandTimes(DeleteServiceSpecificCredentialCommand, 1);
    expect(iamMock).toHaveReceivedCommandWith(DeleteServiceSpecificCredentialCommand, {
      UserName: 'bob',
      ServiceSpecificCredentialId: 'ACCABOBCODECOMMIT0001',
    });
    expect(record.entries).toContainEqual(
      expect.objectContaining({
        entry: 'intent',
        credentialType: SSC,
        certificateId: 'ACCABOBCODECOMMIT0001',
        change: 'DELETE',
        body: '',
        fingerprint256: NO_BODY,
      }),
    );
    const expired = report.findings.filter(
      (f) => f.credentialId === EXPIRED.ServiceSpecificCredentialId,
    );
    expect(expired.map((f) => [f.verdict, f.plannedAction, f.action]).sort()).toEqual([
      ['CREDENTIAL_EXPIRED', null, 'NONE'],
      ['NON_COMPLIANT', null, 'NONE'],
    ]);
  });
});
