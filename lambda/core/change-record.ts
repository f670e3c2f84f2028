import { createHash, X509Certificate } from 'node:crypto';
import * as z from 'zod/mini';
import { CREDENTIAL_TYPES, type CredentialType } from './credential';
import { describeError, type ErrorDetail, SigningCertAuditError } from './errors';

/**
 * The change record: before each change to a certificate a run writes what it is about to do
 * (with the certificate's body, which is public material: IAM hands it to anyone allowed to
 * list it, and the private key never reaches AWS), and after it, what came of it. Uploading the
 * same body again restores a deleted certificate (a new id, the same fingerprint), so every
 * change this tool makes can be undone from its own evidence (`signing-cert-audit restore`).
 */

/**
 * Delete mode's one prerequisite: a place for the change record. Every change is recorded
 * before it is made, with the certificate's body, so that `restore` can undo even a deletion;
 * without such a place delete mode refuses to start (at synth, at the function's start-up, in
 * the CLI), naming what to set. Returns the sentence that says so, or undefined.
 */
export function changeRecordProblem(
  mode: string | undefined,
  hasPlace: boolean,
  names: { readonly mode: string; readonly place: string },
): string | undefined {
  if (mode !== 'delete' || hasPlace) return undefined;
  return `${names.mode}=delete needs ${names.place}: delete mode records every change before making it, with the certificate's body so that restore can undo even a deletion, and deletes nothing without that record`;
}

/** Where change records go in the evidence archive, beside reports/ and findings/. */
export const CHANGES_PREFIX = 'changes/';

/** The fingerprint an entry of a credential without a public body carries. */
export const NO_BODY = 'none';

/** What a run changes: the audit deactivates and deletes; a restore reactivates and uploads. */
export const CHANGE_KINDS = ['DEACTIVATE', 'DELETE', 'REACTIVATE', 'UPLOAD'] as const;
/** One of {@link CHANGE_KINDS}. */
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** What became of a change: the audit's actions, and a restore's. */
export const CHANGE_OUTCOMES = [
  'DEACTIVATED',
  'DELETED',
  'REACTIVATED',
  'UPLOADED',
  /** The certificate (or its user) was gone when the call was made: nothing changed. */
  'GONE',
  /** The call failed: whether IAM made the change is not known; restore reads IAM's state. */
  'FAILED',
] as const;
/** One of {@link CHANGE_OUTCOMES}. */
export type ChangeOutcome = (typeof CHANGE_OUTCOMES)[number];

/**
 * The version new entries are written with. Version 2 added the user's IAM id to every intent
 * and the run's own entry (its mode); version 1 entries are still read.
 */
export const RECORD_VERSION = '2';
/** Every version the reader accepts. */
const RECORD_VERSIONS = ['1', RECORD_VERSION] as const;
/** One of the versions a record may hold. */
export type RecordVersion = (typeof RECORD_VERSIONS)[number];

/** What a run that records changes is: the audit in a changing mode, or a restore. */
export const RECORDED_MODES = ['deactivate', 'delete', 'restore'] as const;
/** One of {@link RECORDED_MODES}. */
export type RecordedMode = (typeof RECORDED_MODES)[number];

/** Which change is recorded: a run, an account, a certificate, a kind. */
export interface ChangeKey {
  readonly runId: string;
  readonly accountId: string;
  /** The certificate the change is about, by the id it had when the run listed it. */
  readonly certificateId: string;
  readonly change: ChangeKind;
}

/** Written before the change is made: everything needed to undo it. */
export interface ChangeIntent extends ChangeKey {
  readonly recordVersion: RecordVersion;
  readonly entry: 'intent';
  readonly recordedAt: string;
  readonly userName: string;
  readonly userArn: string;
  /**
   * IAM's id of the user (`AIDA…`, GetUser's UserId) when the change was made: a user deleted
   * and created again under the same name has another id, and restore refuses to give it the
   * old user's certificate. Absent in version 1 entries only.
   */
  readonly userId?: string;
  /** The certificate as the run listed it, before the change. */
  readonly status: string;
  readonly uploadDate: string | null;
  /**
   * The kind of credential, when not a signing certificate (the record's `certificateId` is
   * then that credential's id). Absent in entries of signing certificates, and in version 1.
   */
  readonly credentialType?: CredentialType;
  /** SHA-256 fingerprint of the certificate (see {@link fingerprintOf}); {@link NO_BODY} for a kind without a public body. */
  readonly fingerprint256: string;
  /**
   * The public body as IAM returned it (a certificate's PEM, an SSH key): kept so a deletion can
   * be undone; '' for a kind whose secret IAM never returns again (it cannot be restored).
   */
  readonly body: string;
  /** For a restore's change: the recorded change it undoes. */
  readonly restores?: { readonly runId: string; readonly certificateId: string };
}

/** Written after the change was attempted: what came of it. */
export interface ChangeResult extends ChangeKey {
  readonly recordVersion: RecordVersion;
  readonly entry: 'outcome';
  readonly recordedAt: string;
  readonly outcome: ChangeOutcome;
  readonly error: ErrorDetail | null;
  /** An upload's new certificate id (IAM gives the same body a new id). */
  readonly newCertificateId?: string;
  /** The status the certificate was left in. */
  readonly statusAfter?: string;
}

/**
 * Written once by every run that may change something, before its first change (even when it
 * makes none): which run, in which account, in which mode. A run id the record holds is a run
 * that happened; a change its run's mode could not make is not believed.
 */
export interface RunEntry {
  readonly recordVersion: typeof RECORD_VERSION;
  readonly entry: 'run';
  readonly recordedAt: string;
  readonly runId: string;
  readonly accountId: string;
  readonly mode: RecordedMode;
}

/** One line (or object) of the record. */
export type ChangeEntry = ChangeIntent | ChangeResult | RunEntry;

/** The entries that are about one certificate's change. */
export type ChangeStep = ChangeIntent | ChangeResult;

/** What every entry a run writes carries, stamped in one place: the version, its kind, the time. */
function stamped<E extends ChangeEntry['entry']>(entry: E) {
  return { recordVersion: RECORD_VERSION, entry, recordedAt: new Date().toISOString() } as const;
}

/** An intent as a run writes it. */
export function intentEntry(
  fields: Omit<ChangeIntent, 'recordVersion' | 'entry' | 'recordedAt' | 'userId'> & {
    readonly userId: string;
  },
): ChangeIntent {
  return { ...stamped('intent'), ...fields };
}

/** An outcome as a run writes it. */
export function outcomeEntry(
  fields: Omit<ChangeResult, 'recordVersion' | 'entry' | 'recordedAt'>,
): ChangeResult {
  return { ...stamped('outcome'), ...fields };
}

/** A run's own entry, written before its first change. */
export function runEntry(fields: Pick<RunEntry, 'runId' | 'accountId' | 'mode'>): RunEntry {
  return { ...stamped('run'), ...fields };
}

/** Somewhere a run writes its record; a write that throws stops the change it precedes. */
export interface ChangeRecorder {
  /** Where the record goes, for messages (`s3://bucket/changes/…`, a file path). */
  readonly where: string;
  write(entry: ChangeEntry): Promise<void>;
}

/**
 * A recorder that loads its module and client on its first write: a run that changes nothing
 * (most runs) never loads them, and the function's start-up stays that of its IAM client.
 */
export function lazyChangeRecorder(
  where: string,
  load: () => Promise<ChangeRecorder>,
): ChangeRecorder {
  let loaded: Promise<ChangeRecorder> | undefined;
  return {
    where,
    async write(entry) {
      loaded ??= load();
      await (await loaded).write(entry);
    },
  };
}

/** One recorder that writes every entry to each of `recorders` in turn; a failure of any is a failure. */
export function allRecorders(recorders: readonly ChangeRecorder[]): ChangeRecorder | undefined {
  const [first, ...rest] = recorders;
  if (first === undefined || rest.length === 0) return first;
  return {
    where: recorders.map((r) => r.where).join(' and '),
    async write(entry) {
      for (const recorder of recorders) await recorder.write(entry);
    },
  };
}

/** The error code of a change not made because its record could not be written. */
export const CHANGE_RECORD_UNWRITABLE = 'ChangeRecordUnwritable';

/**
 * Why a record could not be written, as a finding's error: its own code (a record that cannot be
 * written is not an AWS call that failed: a full disk, a removed file, an archive refusing),
 * with the cause's code and message.
 */
export function unwritable(error: unknown): ErrorDetail {
  const cause = describeError(error);
  return { code: CHANGE_RECORD_UNWRITABLE, message: `${cause.code}: ${cause.message}` };
}

/** A change as recorded: its intent, and its outcome if one was written. */
export interface RecordedChange {
  readonly intent: ChangeIntent;
  readonly outcome: ChangeResult | undefined;
}

const error = z.nullable(z.object({ code: z.string(), message: z.string() }));
const key = {
  recordVersion: z.enum(RECORD_VERSIONS),
  runId: z.string().check(z.minLength(1)),
  accountId: z.string().check(z.minLength(1)),
  certificateId: z.string().check(z.minLength(1)),
  change: z.enum(CHANGE_KINDS),
  recordedAt: z.string(),
};
const ENTRY = z.discriminatedUnion('entry', [
  z.object({
    ...key,
    entry: z.literal('intent'),
    userName: z.string().check(z.minLength(1)),
    userArn: z.string(),
    userId: z.optional(z.string().check(z.minLength(1))),
    credentialType: z.optional(z.enum(CREDENTIAL_TYPES)),
    status: z.string(),
    uploadDate: z.nullable(z.string()),
    fingerprint256: z.string().check(z.minLength(1)),
    body: z.string(),
    restores: z.optional(z.object({ runId: z.string(), certificateId: z.string() })),
  }),
  z.object({
    ...key,
    entry: z.literal('outcome'),
    outcome: z.enum(CHANGE_OUTCOMES),
    error,
    newCertificateId: z.optional(z.string()),
    statusAfter: z.optional(z.string()),
  }),
  z.object({
    recordVersion: z.literal(RECORD_VERSION),
    entry: z.literal('run'),
    recordedAt: z.string(),
    runId: z.string().check(z.minLength(1)),
    accountId: z.string().check(z.minLength(1)),
    mode: z.enum(RECORDED_MODES),
  }),
]);

/** A record entry that is not one: where it was read, and why it was refused. */
export class ChangeRecordError extends SigningCertAuditError {
  override readonly name: string = 'ChangeRecordError';
}

/** Parses one entry read from `where`; throws a ChangeRecordError naming it and what is wrong. */
export function parseChangeEntry(value: unknown, where: string): ChangeEntry {
  const result = ENTRY.safeParse(value);
  if (result.success) {
    const entry = result.data as ChangeEntry;
    // A body is kept for every kind that has one: only a service credential's entry has none.
    if (
      entry.entry === 'intent' &&
      entry.body === '' &&
      entry.credentialType !== 'service-specific-credential'
    ) {
      throw new ChangeRecordError(
        `${where} is not a change record entry at body: its kind keeps a body`,
      );
    }
    // From version 2 on, every intent names its user's id: one without is not a whole entry.
    if (entry.entry === 'intent' && entry.recordVersion !== '1' && entry.userId === undefined) {
      throw new ChangeRecordError(
        `${where} is not a change record entry at userId: a version ${entry.recordVersion} intent names its user's IAM id`,
      );
    }
    return entry;
  }
  const [issue] = result.error.issues;
  const path = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new ChangeRecordError(
    `${where} is not a change record entry${path}: ${issue?.message ?? 'unreadable'}`,
  );
}

/** Pairs each intent with its outcome, in the order the intents were recorded. */
export function pairChanges(entries: readonly ChangeEntry[]): RecordedChange[] {
  const id = (entry: ChangeKey) =>
    `${entry.accountId}|${entry.runId}|${entry.certificateId}|${entry.change}`;
  const outcomes = new Map<string, ChangeResult>();
  // An intent written twice (a write retried after it had landed) is one change.
  const intents = new Map<string, ChangeIntent>();
  for (const entry of entries) {
    if (entry.entry === 'outcome') outcomes.set(id(entry), entry);
    if (entry.entry === 'intent' && !intents.has(id(entry))) intents.set(id(entry), entry);
  }
  return [...intents.values()]
    .sort((a, b) => a.recordedAt.localeCompare(b.recordedAt))
    .map((intent) => ({ intent, outcome: outcomes.get(id(intent)) }));
}

/** The key of a run in one account, as the record and restore name it. */
export function runKey(accountId: string, runId: string): string {
  return `${accountId}|${runId}`;
}

/** The modes each run's own entries give it (two different modes for one run: a contradiction). */
export function runModes(entries: readonly ChangeEntry[]): Map<string, Set<RecordedMode>> {
  const modes = new Map<string, Set<RecordedMode>>();
  for (const entry of entries) {
    if (entry.entry !== 'run') continue;
    const key = runKey(entry.accountId, entry.runId);
    modes.set(key, (modes.get(key) ?? new Set()).add(entry.mode));
  }
  return modes;
}

/**
 * The archive key of one entry: one object an entry, so a record is written ahead of its change
 * with one PutObject and never rewritten (S3 has no append; Object Lock keeps each as written).
 */
export function changeEntryKey(entry: ChangeEntry): string {
  const prefix = changeRunPrefix(entry.accountId, entry.runId);
  if (entry.entry === 'run') return `${prefix}${RUN_ENTRY_NAME}`;
  return `${prefix}${safe(entry.certificateId)}.${entry.change}.${entry.entry}.json`;
}

/** The name of a run's own entry in its archive prefix (no certificate id has a dash and no dot). */
export const RUN_ENTRY_NAME = 'run-entry.json';

/** The archive prefix of one run's record in one account. */
export function changeRunPrefix(accountId: string, runId: string): string {
  return `${CHANGES_PREFIX}account=${safe(accountId)}/run=${safe(runId)}/`;
}

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * A certificate's SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it (the
 * report's `certificate.fingerprint256`); for a body that is not a readable certificate, the
 * SHA-256 of its text, marked `text:`. The same body always gives the same value, whatever id
 * IAM gives it.
 */
export function fingerprintOf(body: string): string {
  try {
    return new X509Certificate(body).fingerprint256;
  } catch {
    return `text:${createHash('sha256').update(body.trim()).digest('hex')}`;
  }
}

/** A body's subject as `subject CN=…`, for a person reviewing what restore would upload. */
export function subjectOf(body: string): string {
  try {
    return `subject ${new X509Certificate(body).subject.replaceAll('\n', ', ')}`;
  } catch {
    return 'an unreadable body';
  }
}

/** When a body's certificate stops being valid, or undefined when it cannot be read. */
export function notAfterOf(body: string): Date | undefined {
  try {
    return new Date(new X509Certificate(body).validTo);
  } catch {
    return undefined;
  }
}

/** Whether IAM would take a public body uploaded again now: what it is, for a person, or why not. */
export type UploadCheck =
  | { readonly ok: true; readonly summary: string }
  | { readonly ok: false; readonly why: string };

/** Whether IAM would take a certificate body again: readable X.509, not expired. */
export function certificateUploadable(body: string, now: Date): UploadCheck {
  const notAfter = notAfterOf(body);
  if (notAfter === undefined) {
    return {
      ok: false,
      why: 'its body is not a readable X.509 certificate: IAM would refuse to upload it',
    };
  }
  if (notAfter.getTime() <= now.getTime()) {
    return {
      ok: false,
      why: `it expired on ${notAfter.toISOString()}: IAM refuses to upload an expired certificate (MalformedCertificate)`,
    };
  }
  return { ok: true, summary: subjectOf(body) };
}

/** The fingerprint a record entry of this kind carries for `body`: {@link NO_BODY} for a kind without one. */
export function bodyFingerprint(
  kind: { fingerprint?(body: string): string },
  body: string,
): string {
  return body === '' || kind.fingerprint === undefined ? NO_BODY : kind.fingerprint(body);
}
