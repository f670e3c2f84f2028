import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USER_AGENT } from '../../lambda/aws/http';
import { type DecodedRequest, decodeRequest, learnFromAnswer, type ResourceRef } from './aws-calls';

/**
 * The record of every AWS call the code sends in the emulator suites, the demo and the
 * benchmarks, written by the emulator's proxies as the requests pass (JSON Lines, one file per
 * process under `.calls/`), and read by the permissions proof (test/permissions/), which checks
 * each call against the synthesized templates' policies. Beside the calls: the sessions (who a
 * set of credentials stands for once deployed, and with which settings) and the assumed-role
 * sessions the answers created.
 */

/** moto's default account: calls signed with a key moto did not issue land there. */
const DEFAULT_ACCOUNT = '123456789012';
/** Set on a request a proxy has recorded, so a proxy behind it does not record it twice. */
export const RECORDED_HEADER = 'x-signing-cert-audit-recorded';

/** Who a session's credentials stand for in a deployment. */
export type Principal =
  /** The single-account audit function's role. */
  | 'function'
  /** The AWS Config rule's function's role (the account deployment with configRule). */
  | 'config-rule'
  /** The real-time function's role (the account deployment with realtime). */
  | 'realtime'
  /** The organization's real-time function's role (the organization deployment with realtime). */
  | 'org-realtime'
  /** The organization's worker, enumerate and summarize functions' roles. */
  | 'worker'
  | 'enumerate'
  | 'summarize'
  /** Whoever runs the CLI, with their own credentials. */
  | 'operator'
  /**
   * A trigger of a test's own (the trigger seam test): no deployment ships it, so no template
   * holds a role for it and the permissions proof has none to check its calls against. A
   * trigger that ships gets its own principal, its role and its grants (a users scope's
   * iam:GetUser, say): docs/contributing/adding-a-trigger.md.
   */
  | 'test-trigger';

/** One call as a proxy saw it. */
export interface CallLine {
  readonly kind: 'call';
  readonly accessKeyId: string;
  /** Sent by this project's code (its clients carry the project's user agent), not a test's fixture. */
  readonly fromCode: boolean;
  readonly service: string;
  readonly operation: string;
  readonly action: string;
  /** The resource ARN, `*`, or `unresolved:<what>` when the record could not name it. */
  readonly resource: string;
  readonly region: string;
  /** The account the call acted in (moto's, by its access key). */
  readonly account: string;
  readonly status: number;
  /** `emulator` when moto answered, `proxy` when a fault proxy answered in its place. */
  readonly answeredBy: 'emulator' | 'proxy';
  readonly params: Readonly<Record<string, string>>;
}

/** An AssumeRole answer: the new session's key, the role and the caller that assumed it. */
export interface AssumedLine {
  readonly kind: 'assumed';
  readonly accessKeyId: string;
  readonly roleArn: string;
  readonly sessionArn: string;
  readonly parentAccessKeyId: string;
}

/** A session: what a set of credentials stands for, and the settings the code ran with. */
export interface SessionLine {
  readonly kind: 'session';
  readonly accessKeyId: string;
  readonly principal: Principal;
  /** The Lambda environment (functions) or the CLI's environment (operator). */
  readonly env: Readonly<Record<string, string>>;
  /** The CLI's arguments (operator sessions). */
  readonly argv?: readonly string[];
  /** Where it ran, for the proof's messages: the test or script. */
  readonly label: string;
}

/** A line of the record. */
export type RecordLine = CallLine | AssumedLine | SessionLine;

/** The folder of the record: `$SIGNING_CERT_AUDIT_CALLS_DIR`, or `.calls/` at the repository's root. */
export function callRecordDir(): string {
  return (
    process.env.SIGNING_CERT_AUDIT_CALLS_DIR ??
    fileURLToPath(new URL('../../.calls/', import.meta.url))
  );
}

/** What this process records as: the suite or script (`$SIGNING_CERT_AUDIT_CALLS_SOURCE`). */
function source(): string {
  return process.env.SIGNING_CERT_AUDIT_CALLS_SOURCE ?? 'local';
}

/** Appends lines to this process's file of the record. */
function append(lines: readonly RecordLine[]): void {
  const dir = callRecordDir();
  mkdirSync(dir, { recursive: true });
  appendFileSync(
    join(dir, `${source()}-${process.pid}.jsonl`),
    lines.map((line) => `${JSON.stringify(line)}\n`).join(''),
  );
}

/** Removes the record of earlier runs of this source (the suite or script starting now). */
export function clearCallRecord(of: string = source()): void {
  const dir = callRecordDir();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(`${of}-`) && name.endsWith('.jsonl')) rmSync(join(dir, name));
  }
}

/**
 * Makes this process (and the processes it starts) record as `source`, replacing the record of
 * that source's earlier runs: called once by each suite or script that runs the code.
 */
export function beginCallRecord(of: string): void {
  process.env.SIGNING_CERT_AUDIT_CALLS_SOURCE = of;
  clearCallRecord(of);
}

/** Reads every line of the record, with the file each came from. */
export function readCallRecord(
  dir: string = callRecordDir(),
): { file: string; line: RecordLine }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
  } catch {
    return [];
  }
  return names.sort().flatMap((file) =>
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((text) => text.length > 0)
      .map((text) => ({ file, line: JSON.parse(text) as RecordLine })),
  );
}

/** The credentials of a new session; the proof reads who they stand for from the record. */
export interface SessionCredentials {
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
  readonly AWS_SESSION_TOKEN: string;
}

/**
 * Starts a session: credentials that stand for `principal` running with `env` (and `argv`, for
 * the CLI). Every call signed with them, and with the role sessions they assume, is checked
 * against that principal's policies in every deployment whose settings would make the same calls.
 */
export function recordSession(
  principal: Principal,
  env: Readonly<Record<string, string | undefined>>,
  label: string,
  argv?: readonly string[],
  /** Credentials the caller already has (a terminal signed in to a member account): recorded as this session's. */
  existingAccessKeyId?: string,
): SessionCredentials {
  // A key moto never issued: moto then acts in its default account, as these principals do.
  const accessKeyId = existingAccessKeyId ?? `ASCA${randomBytes(8).toString('hex').toUpperCase()}`;
  const defined = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  append([
    {
      kind: 'session',
      accessKeyId,
      principal,
      env: withoutSecrets(defined),
      ...(argv ? { argv: [...argv] } : {}),
      label,
    },
  ]);
  return {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
  };
}

/** The same credentials as an SDK client's `credentials` setting. */
export function clientCredentials(session: SessionCredentials) {
  return {
    accessKeyId: session.AWS_ACCESS_KEY_ID,
    secretAccessKey: session.AWS_SECRET_ACCESS_KEY,
    sessionToken: session.AWS_SESSION_TOKEN,
  };
}

function withoutSecrets(env: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (/SECRET|TOKEN|PASSWORD|ACCESS_KEY/i.test(name) || name === 'PATH') continue;
    kept[name] = value;
  }
  return kept;
}

/** Records the calls passing one proxy, learning the names their answers hand out. */
export class CallRecorder {
  /** `account|userName → ARN`, from the answers that listed users. */
  private readonly users = new Map<string, string>();
  /** Assumed-role access key → the account the session acts in. */
  private readonly assumedAccounts = new Map<string, string>();

  /**
   * Notes a request; returns what to call once it is answered, with the status and body (the
   * body only matters for answers that name users or sessions). Requests another proxy already
   * recorded are passed over.
   */
  observe(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): (status: number, answer: string, answeredBy: CallLine['answeredBy']) => void {
    if (headers[RECORDED_HEADER] !== undefined) return () => {};
    const request = decodeRequest(method, url, headers, body);
    if (request.resource.kind === 'none') return () => {};
    const account = this.accountOf(request.accessKeyId, headers);
    const fromCode = (headers['user-agent'] ?? '').includes(USER_AGENT);
    return (status, answer, answeredBy) => {
      // Named as the caller knew it when asking: before this answer teaches anything new.
      const resource = this.name(request.resource, request, account);
      const learned = learnFromAnswer(request, status, answer);
      for (const user of learned.users) {
        // By the key that was told (the caller names only users it was handed), and by account.
        this.users.set(`${request.accessKeyId}|${user.userName}`, user.arn);
        this.users.set(`${accountOfArn(user.arn) ?? account}|${user.userName}`, user.arn);
      }
      if (learned.assumed) {
        this.assumedAccounts.set(
          learned.assumed.accessKeyId,
          accountOfArn(learned.assumed.roleArn) ?? account,
        );
      }
      // A test's own fixtures (seeding, reading a queue) are not the code's calls.
      if (!fromCode) return;
      const line: CallLine = {
        kind: 'call',
        accessKeyId: request.accessKeyId,
        fromCode,
        service: request.service,
        operation: request.operation,
        action: request.action,
        resource,
        region: request.region,
        account,
        status,
        answeredBy,
        params: request.params,
      };
      const lines: RecordLine[] = [line];
      if (learned.assumed) {
        lines.push({
          kind: 'assumed',
          accessKeyId: learned.assumed.accessKeyId,
          roleArn: learned.assumed.roleArn,
          sessionArn: learned.assumed.arn,
          parentAccessKeyId: request.accessKeyId,
        });
      }
      append(lines);
    };
  }

  private accountOf(accessKeyId: string, headers: IncomingHttpHeaders): string {
    const named = headers['x-moto-account-id'];
    if (typeof named === 'string') return named;
    return this.assumedAccounts.get(accessKeyId) ?? DEFAULT_ACCOUNT;
  }

  private name(resource: ResourceRef, request: DecodedRequest, account: string): string {
    switch (resource.kind) {
      case 'arn':
        return resource.arn;
      case 'any':
        return '*';
      case 'iam-user':
        return (
          this.users.get(`${request.accessKeyId}|${resource.userName}`) ??
          this.users.get(`${account}|${resource.userName}`) ??
          `unresolved:iam-user/${resource.userName}`
        );
      case 'securityhub-hub':
        return `arn:aws:securityhub:${request.region}:${account}:hub/default`;
      case 'org-parent': {
        // The organization's id is the deployment's: the proof fills it in.
        const type = resource.parentId.startsWith('r-') ? 'root' : 'ou';
        return `arn:aws:organizations::${account}:${type}/{organizationId}/${resource.parentId}`;
      }
      case 'none':
        return '*';
    }
  }
}

function accountOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1];
}
