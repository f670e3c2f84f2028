import {
  type IAMClient,
  ListServiceSpecificCredentialsCommand,
  ListSSHPublicKeysCommand,
  type SigningCertificate,
  type User,
} from '@aws-sdk/client-iam';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { ChangeEntry } from '../../lambda/core/change-record';
import { buildReport, type Finding, type Report, type ReportInput } from '../../lambda/core/report';
import { POLICY_DEFAULTS, type Policy } from '../../lambda/core/settings';
import { DAY_MS } from '../../lambda/core/time';
import type { AuditLogger } from '../../lambda/engine/audit';
import { generateTestCertificate } from '../../tools/emulator/certs';

/** The moment every unit test evaluates at. */
export const NOW = new Date('2026-11-23T06:00:00.000Z');
export const ACCOUNT_ID = '123456789012';
export const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT_ID}:signing-cert-audit`;
/** A real, sound certificate body (P-256, SHA-256, valid from a year before NOW for ten years); tests assert it never leaks. */
export const CERT_BODY = generateTestCertificate({
  notBefore: new Date(NOW.getTime() - 365 * DAY_MS),
  notAfter: new Date(NOW.getTime() + 3650 * DAY_MS),
});
/** A line from inside that body: it must appear in no log line, finding or message. */
export const CERT_BODY_MARKER = CERT_BODY.split('\n')[1] ?? 'unreachable';

/** A Date `days` (plus `extraMs`) before NOW. */
export const daysAgo = (days: number, extraMs = 0): Date =>
  new Date(NOW.getTime() - days * DAY_MS - extraMs);

/** The default policy of the settings table (deleteAfterDays following maxAgeDays), with overrides. */
export const policyWith = (overrides: Partial<Policy> = {}): Policy => ({
  ...POLICY_DEFAULTS,
  deleteAfterDays: overrides.maxAgeDays ?? POLICY_DEFAULTS.maxAgeDays,
  ...overrides,
});

/** An IAM user as ListUsers returns it. */
export const iamUser = (userName: string, path = '/'): User => ({
  UserName: userName,
  Path: path,
  UserId: `AIDA${userName.toUpperCase().padEnd(17, 'X')}`,
  Arn: `arn:aws:iam::${ACCOUNT_ID}:user${path}${userName}`,
  CreateDate: new Date('2020-01-01T00:00:00Z'),
});

/** GetUser's answer for any user: the user as {@link iamUser} makes it, its id and creation time. */
export const getUserAnswer = (input: { UserName?: string }) => ({
  User: iamUser(input.UserName ?? 'unknown'),
});

/** A signing certificate as ListSigningCertificates returns it, body included as IAM does. */
export const iamCert = (
  userName: string,
  certificateId: string,
  uploadDate: Date,
  status: 'Active' | 'Inactive' = 'Active',
  body: string = CERT_BODY,
): SigningCertificate => ({
  UserName: userName,
  CertificateId: certificateId,
  CertificateBody: body,
  Status: status,
  UploadDate: uploadDate,
});

/**
 * A change recorder that keeps entries in memory; `failing` makes every write (or only intents,
 * or only outcomes) throw, as an archive that cannot be written does.
 */
export function memoryRecorder(failing?: 'all' | ChangeEntry['entry']) {
  const entries: ChangeEntry[] = [];
  return {
    where: 'memory://record',
    entries,
    async write(entry: ChangeEntry) {
      if (failing === 'all' || failing === entry.entry) {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      }
      entries.push(entry);
    },
  };
}

/** A logger that records every call, for asserting what was logged. */
export function recordingLogger(): AuditLogger & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    lines.push(JSON.stringify({ level, message, ...attributes }));
  };
  return { lines, info: record('INFO'), warn: record('WARN'), error: record('ERROR') };
}

/**
 * A finding as the report holds it: alice's non-compliant Active certificate, nothing done,
 * with what a test changes. The one Finding fixture of the unit tests.
 */
export const findingOf = (overrides: Partial<Finding> = {}): Finding => ({
  userName: 'alice',
  userArn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
  certificateId: 'CERTALICE0000000000000001',
  credentialType: 'signing-certificate',
  credentialId: 'CERTALICE0000000000000001',
  serviceName: null,
  status: 'Active',
  uploadDate: '2026-01-01T00:00:00.000Z',
  ageDays: 326,
  verdict: 'NON_COMPLIANT',
  plannedAction: null,
  override: null,
  action: 'NONE',
  severity: 'HIGH',
  error: null,
  certificate: {
    fingerprint256: 'AB:CD',
    subject: 'CN=alice',
    notAfter: '2030-01-01T00:00:00.000Z',
  },
  detail: null,
  ...overrides,
});

/** The `i`-th of many users' findings (a large account): deep in a path, deactivated. */
export const numberedFinding = (i: number, overrides: Partial<Finding> = {}): Finding => {
  const user = `user-${String(i).padStart(5, '0')}`;
  return findingOf({
    userName: user,
    userArn: `arn:aws:iam::${ACCOUNT_ID}:user/engineering/platform/${user}`,
    certificateId: `CERT${String(i).padStart(24, '0')}`,
    uploadDate: '2024-01-01T00:00:00.000Z',
    ageDays: 1057,
    plannedAction: 'DEACTIVATE',
    action: 'DEACTIVATED',
    certificate: {
      fingerprint256: 'AB:CD',
      subject: `CN=user-${i}`,
      notAfter: '2030-01-01T00:00:00.000Z',
    },
    ...overrides,
  });
};

/** A report of these findings as buildReport makes it (run-1, NOW, the default policy). */
export const reportOf = (findings: readonly Finding[], extra: Partial<ReportInput> = {}): Report =>
  buildReport({
    runId: 'run-1',
    accountId: ACCOUNT_ID,
    now: NOW,
    policy: policyWith(),
    dryRun: false,
    usersScanned: findings.length,
    certificatesScanned: findings.length,
    findings,
    ...extra,
  });

/** A report of these findings from a run in deactivate mode, with what a test changes. */
export const deactivateReportOf = (
  findings: readonly Finding[],
  extra: Partial<ReportInput> = {},
): Report => reportOf(findings, { policy: policyWith({ mode: 'deactivate' }), ...extra });

/**
 * Answers IAM's listings of SSH public keys and service-specific credentials with none, as in an
 * account that holds only signing certificates: every kind is read by default, and a mocked IAM
 * that answers nothing for a listing makes the engine report the user (or the kind) unread. Call
 * it after the mock's reset; a test about those kinds answers them more precisely afterwards.
 */
export function answerNoOtherCredentials(iam: AwsClientStub<IAMClient>): void {
  iam.on(ListSSHPublicKeysCommand).resolves({ SSHPublicKeys: [] });
  iam.on(ListServiceSpecificCredentialsCommand).resolves({ ServiceSpecificCredentials: [] });
}
