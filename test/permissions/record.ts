import { parseCliArgs } from '../../cli/args';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../lambda/aws/sts';
import {
  loadPolicyFromEnv,
  type Mode,
  type Policy,
  type ScanStrategy,
  SETTINGS,
} from '../../lambda/core/settings';
import {
  type AssumedLine,
  type CallLine,
  callRecordDir,
  type Principal,
  readCallRecord,
  type SessionLine,
} from '../../tools/emulator/call-record';

/** The settings that decide which kinds of credential a run reads, changes and deletes for good. */
export type KindSettings = Pick<
  Policy,
  'credentialKinds' | 'remediateKinds' | 'deleteServiceCredentials'
>;

/** The settings of a session that decide which calls it makes, and to which resources. */
export interface RunSettings extends KindSettings {
  readonly mode: Mode;
  readonly scanStrategy: ScanStrategy;
  readonly userPathPrefix: string;
  readonly topicArn?: string;
  readonly archiveBucket?: string;
  readonly securityHubRegion?: string;
  readonly memberRoleName: string;
  /** The organization's enumerate step only: whether its selection names OUs to include or exclude. */
  readonly selection?: { readonly includeOus: boolean; readonly excludeOus: boolean };
  /**
   * Which users its runs cover (lib/auditor-permissions.ts, AuditGrantScope): `users` for the
   * real-time functions, which read each user an event names (GetUser) and never list the
   * account; `account` for every other session.
   */
  readonly scope: 'account' | 'users';
}

/** The principals whose runs are users-scoped: the real-time functions. */
const USERS_SCOPED: ReadonlySet<Principal> = new Set(['realtime', 'org-realtime']);

/** A session of the record, with its settings read by the code's own parsers. */
export interface Session {
  readonly accessKeyId: string;
  readonly principal: Principal;
  readonly label: string;
  /** The suite or script that ran it (`integration`, `demo`, `bench`, …). */
  readonly source: string;
  /** Undefined when the code refused the settings (a test of bad input): it made no call. */
  readonly settings: RunSettings | undefined;
}

/** A call of the record, attributed to the session that made it. */
export interface AttributedCall {
  readonly call: CallLine;
  readonly session: Session;
  /** Set when the call was made with an assumed role's credentials: that role. */
  readonly assumedRole?: { readonly roleArn: string; readonly sessionArn: string };
}

/** The record, read and attributed. */
export interface CallRecord {
  readonly sessions: readonly Session[];
  readonly calls: readonly AttributedCall[];
  /** Calls the code made with credentials of no session: a suite or script ran it unrecorded. */
  readonly unattributed: readonly { readonly source: string; readonly call: CallLine }[];
  /** The sources present (`integration`, `demo`, …). */
  readonly sources: readonly string[];
}

/** Reads the record of calls and attributes every call to its session. */
export function loadCallRecord(dir: string = callRecordDir()): CallRecord {
  const lines = readCallRecord(dir);
  const sessions = new Map<string, Session>();
  const assumed = new Map<string, AssumedLine>();
  for (const { file, line } of lines) {
    if (line.kind === 'session') sessions.set(line.accessKeyId, toSession(line, sourceOf(file)));
    if (line.kind === 'assumed') assumed.set(line.accessKeyId, line);
  }
  const calls: AttributedCall[] = [];
  const unattributed: { source: string; call: CallLine }[] = [];
  for (const { file, line } of lines) {
    if (line.kind !== 'call') continue;
    const role = assumed.get(line.accessKeyId);
    const session = sessions.get(role ? role.parentAccessKeyId : line.accessKeyId);
    if (!session) {
      unattributed.push({ source: sourceOf(file), call: line });
      continue;
    }
    calls.push({
      call: role ? { ...line, account: accountOf(role.roleArn) } : line,
      session,
      ...(role ? { assumedRole: { roleArn: role.roleArn, sessionArn: role.sessionArn } } : {}),
    });
  }
  return {
    sessions: [...sessions.values()],
    calls,
    unattributed,
    sources: [...new Set(lines.map(({ file }) => sourceOf(file)))].sort(),
  };
}

function sourceOf(file: string): string {
  return file.replace(/-\d+\.jsonl$/, '');
}

function accountOf(arn: string): string {
  return /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1] ?? '';
}

function toSession(line: SessionLine, source: string): Session {
  return {
    accessKeyId: line.accessKeyId,
    principal: line.principal,
    label: line.label,
    source,
    settings: settingsOf(line),
  };
}

/** What the session's code ran with, read as the code reads it (the env, or the CLI's flags). */
function settingsOf(line: SessionLine): RunSettings | undefined {
  try {
    if (line.principal === 'operator') {
      const options = parseCliArgs(line.argv ?? [], { env: line.env, stdoutIsTTY: false });
      return {
        mode: options.policy.mode,
        scanStrategy: options.policy.scanStrategy,
        userPathPrefix: options.policy.userPathPrefix,
        ...kindsOf(options.policy),
        ...(options.publishTo ? { topicArn: options.publishTo.topicArn } : {}),
        ...(options.archiveBucket ? { archiveBucket: options.archiveBucket } : {}),
        ...(options.securityHub
          ? { securityHubRegion: options.securityHub.region ?? line.env.AWS_REGION ?? '' }
          : {}),
        memberRoleName: options.org?.roleName ?? DEFAULT_MEMBER_ROLE_NAME,
        scope: 'account',
      };
    }
    const policy = loadPolicyFromEnv(line.env);
    const env = (name: string) => line.env[name] || undefined;
    const topicArn = env(SETTINGS.topicArn.env);
    const archiveBucket = env(SETTINGS.archiveBucket.env);
    const securityHubRegion = env(SETTINGS.securityHubRegion.env);
    return {
      mode: policy.mode,
      scanStrategy: policy.scanStrategy,
      userPathPrefix: policy.userPathPrefix,
      ...kindsOf(policy),
      ...(topicArn ? { topicArn } : {}),
      ...(archiveBucket ? { archiveBucket } : {}),
      ...(securityHubRegion ? { securityHubRegion } : {}),
      memberRoleName: env('MEMBER_ROLE_NAME') ?? DEFAULT_MEMBER_ROLE_NAME,
      scope: USERS_SCOPED.has(line.principal) ? 'users' : 'account',
      ...(line.principal === 'enumerate'
        ? { selection: { includeOus: !!env('INCLUDE_OUS'), excludeOus: !!env('EXCLUDE_OUS') } }
        : {}),
    };
  } catch {
    return undefined;
  }
}

/** The kinds a policy reads, changes and may delete for good, as the code parsed them. */
function kindsOf(policy: KindSettings): KindSettings {
  return {
    credentialKinds: policy.credentialKinds,
    remediateKinds: policy.remediateKinds,
    deleteServiceCredentials: policy.deleteServiceCredentials,
  };
}
