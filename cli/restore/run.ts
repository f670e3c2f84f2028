import { randomUUID } from 'node:crypto';
import type { IAMClient } from '@aws-sdk/client-iam';
import { createIamClient } from '../../lambda/aws/iam';
import { createOrganizationsClient, selectActiveAccounts } from '../../lambda/aws/organizations';
import { partitionOfRegion } from '../../lambda/aws/partition';
import { createS3Client } from '../../lambda/aws/s3';
import { enterMemberAccount } from '../../lambda/aws/sts';
import {
  CHANGES_PREFIX,
  ChangeRecordError,
  type ChangeRecorder,
  pairChanges,
} from '../../lambda/core/change-record';
import { ConfigError, describeError } from '../../lambda/core/errors';
import {
  buildRestoreReport,
  type RestoreAccount,
  type RestoreStepResult,
} from '../../lambda/core/restore-report';
import { accountRunId, isRunIn } from '../../lambda/core/run-id';
import { archiveChangeRecorder } from '../../lambda/record/archive';
import { lockArchive } from '../../lambda/record/s3';
import { EXIT } from '../args';
import { fileChangeRecorder, lockRecordFile, readChangeRecordFile } from '../change-record-file';
import { UsageError } from '../flags';
import type { CliIo } from '../io';
import { shellQuote } from '../paths';
import { type Connection, checkArchiveBucket, connect, stderrLogger, stopSignal } from '../wiring';
import { parseRestoreArgs, type RestoreCliOptions, restoreHelpText } from './args';
import { type AccountPlan, type Carry, carryOutRestore, planAccount } from './carry-out';
import { finishRestore } from './output';
import { type AccountRecord, type RecordSource, readAccountRecord } from './record';

/**
 * `signing-cert-audit restore`: reads a run's change record, plans the inverse of each change
 * against IAM's state now, and with --apply carries it out, with the audit's guard (counted over
 * every account of the restore), formats, exit statuses, --output and Ctrl-C handling. With
 * --apply it holds the record's lock from before it reads IAM until it is done, so two restores
 * never act on one record at once. Returns the exit status.
 */
export async function restore(argv: readonly string[], io: CliIo): Promise<number> {
  let options: RestoreCliOptions;
  try {
    options = parseRestoreArgs(argv, { stdoutIsTTY: io.stdout.isTTY === true });
  } catch (error: unknown) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(
        `signing-cert-audit restore: ${error.message}\nRun with restore --help for every flag.\n`,
      );
      return EXIT.usage;
    }
    throw error;
  }
  if (options.help) {
    io.stdout.write(restoreHelpText());
    return EXIT.clean;
  }
  const connection = await connect(options, io);
  if (typeof connection === 'number') return connection;
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const accounts = await accountsToRestore(options, connection, say);
  if (typeof accounts === 'number') return accounts;

  const s3 = 'bucket' in options.record ? createS3Client(connection.clientConfig) : undefined;
  if (s3 && 'bucket' in options.record && options.apply) {
    // The restore records its own changes there first: a bucket it cannot write stops it now.
    const refused = await checkArchiveBucket(s3, options.record.bucket, io);
    if (refused !== undefined) return refused;
  }
  const runId = randomUUID();
  const recordPlace =
    'bucket' in options.record
      ? `s3://${options.record.bucket}/${CHANGES_PREFIX}`
      : options.record.file;
  // With --apply, the record is locked before it is read: the plan is made on a state no other
  // restore from this record changes meanwhile.
  let release: () => Promise<void> = async () => undefined;
  if (options.apply) {
    try {
      release = await lock(options, runId, s3, say);
    } catch (error: unknown) {
      say(`signing-cert-audit restore: ${describeError(error).message}`);
      return error instanceof ChangeRecordError ? EXIT.usage : EXIT.aws;
    }
  }
  // A second Ctrl-C quits at once: say what was done so far, and let the lock go.
  io.atForcedExit?.(() => {
    void release();
    return `signing-cert-audit restore: quit at once. Restore ${runId} recorded each change it made in ${recordPlace} first; run the same restore again to finish (it reads IAM's state and does only what is left).`;
  });
  try {
    return await restoreAccounts(options, io, { connection, accounts, s3, runId, recordPlace });
  } finally {
    await release().catch((error: unknown) => {
      say(
        `signing-cert-audit restore: the lock could not be released (${describeError(error).message}): remove it by hand`,
      );
    });
  }
}

/** Takes the lock of the record place: a lock file beside a local record, a conditional object in the archive. */
async function lock(
  options: RestoreCliOptions,
  runId: string,
  s3: ReturnType<typeof createS3Client> | undefined,
  say: (line: string) => void,
): Promise<() => Promise<void>> {
  if ('file' in options.record) {
    const release = lockRecordFile(options.record.file, runId, say);
    return async () => release();
  }
  return lockArchive(s3 as NonNullable<typeof s3>, options.record.bucket, runId);
}

interface RestoreRun {
  readonly connection: Connection;
  readonly accounts: readonly string[];
  readonly s3: ReturnType<typeof createS3Client> | undefined;
  readonly runId: string;
  readonly recordPlace: string;
}

/** One account's progress through the restore: its record, then its plan, or why it stopped. */
interface AccountWork {
  readonly accountId: string;
  readonly record?: AccountRecord;
  readonly iam?: IAMClient;
  readonly plan?: AccountPlan;
  readonly outcome: RestoreAccount;
}

/**
 * Reads every account's record, refuses run ids the place has never seen, plans every account,
 * applies the blast-radius guard to the whole restore, then carries the plans out one account
 * after another.
 */
async function restoreAccounts(
  options: RestoreCliOptions,
  io: CliIo,
  run: RestoreRun,
): Promise<number> {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  let source: RecordSource;
  const problems: string[] = [];
  if ('file' in options.record) {
    try {
      const read = await readChangeRecordFile(options.record.file);
      problems.push(...read.skipped);
      source = { kind: 'file', path: options.record.file, entries: read.entries };
    } catch (error: unknown) {
      say(`signing-cert-audit restore: ${describeError(error).message}`);
      return error instanceof ChangeRecordError ? EXIT.usage : EXIT.aws;
    }
  } else {
    source = {
      kind: 'archive',
      bucket: options.record.bucket,
      s3: run.s3 as NonNullable<RestoreRun['s3']>,
    };
  }
  const stop = stopSignal(io, undefined);
  const work: AccountWork[] = [];
  for (const accountId of run.accounts) {
    work.push(await readAccount(accountId, options, source));
  }
  const unknown = unknownRuns(options, source, work);
  if (unknown !== undefined) {
    say(`signing-cert-audit restore: ${unknown}`);
    return EXIT.usage;
  }
  for (const [index, item] of work.entries()) {
    if (item.record === undefined || item.outcome.status !== 'RESTORED') continue;
    if (stop?.aborted) {
      work[index] = {
        ...item,
        outcome: failed(item.accountId, 'not started: the restore was stopped'),
      };
      continue;
    }
    work[index] = await planOne(item, options, run);
  }
  // The guard counts the whole restore, every account together, as the audit's counts a run.
  const restorable = work
    .flatMap((item) => item.plan?.steps ?? [])
    .filter((step) => step.verdict === 'RESTORABLE').length;
  const carry: Carry = !options.apply
    ? 'plan'
    : restorable > options.maxActions
      ? 'withhold'
      : 'apply';
  const recorder: ChangeRecorder =
    'bucket' in options.record
      ? archiveChangeRecorder(options.record.bucket, run.s3)
      : fileChangeRecorder(options.record.file);
  const logger = stderrLogger(io);
  if (carry === 'withhold') {
    logger.warn('Blast-radius guard: planned restores exceed the limit; none were made', {
      planned: restorable,
      maxActions: options.maxActions,
    });
  }
  const steps: RestoreStepResult[] = [];
  for (const item of work) {
    if (item.plan === undefined || item.iam === undefined || item.record === undefined) continue;
    steps.push(
      ...(await carryOutRestore(
        {
          iam: item.iam,
          accountId: item.accountId,
          runId: options.org ? accountRunId(run.runId, item.accountId) : run.runId,
          logger,
          changeRecord: recorder,
          ...(stop ? { stop } : {}),
        },
        item.plan,
        changesOf(item.record, options),
        carry,
      )),
    );
  }
  for (const item of work) problems.push(...(item.record?.problems ?? []));
  const report = buildRestoreReport({
    runId: run.runId,
    now: new Date(),
    apply: options.apply,
    restores: options.runs,
    record: run.recordPlace,
    accounts: work.map((item) => item.outcome),
    steps,
    stoppedReason: stop?.aborted ? String(stop.reason ?? 'stopped') : null,
    recordProblems: problems,
  });
  return finishRestore(report, options, io, elsewhereHints(options, source, run, report));
}

const failed = (accountId: string, error: string): RestoreAccount => ({
  accountId,
  status: 'FAILED',
  error,
});

/** One account's record of the runs; an account whose record could not be read is FAILED. */
async function readAccount(
  accountId: string,
  options: RestoreCliOptions,
  source: RecordSource,
): Promise<AccountWork> {
  let record: AccountRecord;
  try {
    record = await readAccountRecord(source, accountId, options.runs);
  } catch (error: unknown) {
    const { code, message } = describeError(error);
    return {
      accountId,
      outcome: failed(accountId, `reading the change record failed: ${code}: ${message}`),
    };
  }
  const noRecord = changesOf(record, options).length === 0;
  return {
    accountId,
    record,
    outcome: { accountId, status: noRecord ? 'NO_RECORD' : 'RESTORED', error: null },
  };
}

/** The recorded changes of one account the restore is asked for (--certificate narrows them). */
function changesOf(record: AccountRecord, options: RestoreCliOptions) {
  const wanted = new Set(options.certificates);
  return pairChanges(record.entries).filter(
    (change) => wanted.size === 0 || wanted.has(change.intent.certificateId),
  );
}

/**
 * Why the restore cannot start when it names a run the place never saw, or undefined: a
 * mistyped id must not read as "that run changed nothing". The archive knows every run by its
 * report; a local record every --apply run by its run entry.
 */
function unknownRuns(
  options: RestoreCliOptions,
  source: RecordSource,
  work: readonly AccountWork[],
): string | undefined {
  const records = work.flatMap((item) => (item.record ? [item.record] : []));
  // An account whose record could not be read cannot say the run is unknown.
  if (records.length < work.length) return undefined;
  const knownIn = (run: string) =>
    source.kind === 'file'
      ? source.entries.some((e) => isRunIn(e.runId, run, e.accountId))
      : records.some((record) => record.known.has(run));
  const unknown = options.runs.filter((run) => !knownIn(run));
  if (unknown.length === 0) return undefined;
  const place =
    source.kind === 'file'
      ? source.path
      : `s3://${source.bucket} (its reports and changes, account ${records.map((r) => r.accountId).join(', ')})`;
  const recent = [...new Set(records.flatMap((record) => record.recent))].slice(0, 5);
  return `run ${unknown.join(', ')} is not in ${place}: no run of that id recorded a change or archived a report there (a mistyped id?). ${recent.length > 0 ? `The most recent runs it holds: ${recent.join(', ')}` : 'It holds no run at all'}. Nothing was read from IAM or changed.`;
}

/** Enters one account (through its role for an organization restore) and plans its restore. */
async function planOne(
  item: AccountWork,
  options: RestoreCliOptions,
  run: RestoreRun,
): Promise<AccountWork> {
  const record = item.record as AccountRecord;
  let iam: IAMClient;
  if (options.org) {
    const access = await enterMemberAccount(
      run.connection.sts,
      {
        accountId: item.accountId,
        roleName: options.org.roleName,
        partition: partitionOfRegion(run.connection.region),
        sessionName: `signing-cert-audit-restore-${run.runId}`,
      },
      run.connection.clientConfig,
    );
    if ('error' in access) return { ...item, outcome: failed(item.accountId, access.error) };
    iam = createIamClient(access.clientConfig);
  } else {
    iam = createIamClient(run.connection.clientConfig);
  }
  const plan = await planAccount(
    { iam, accountId: item.accountId },
    changesOf(record, options),
    { activate: options.activate, includeIncomplete: options.includeIncomplete, now: new Date() },
    record.runs,
  );
  return { ...item, iam, plan };
}

/** A local record of a run across accounts, read in another account: where its changes are. */
function elsewhereHints(
  options: RestoreCliOptions,
  source: RecordSource,
  run: RestoreRun,
  report: { readonly summary: { readonly recorded: number } },
): string[] {
  if (source.kind !== 'file' || report.summary.recorded > 0) return [];
  const elsewhere = [
    ...new Set(
      source.entries
        .filter((e) => !run.accounts.includes(e.accountId))
        .filter((e) => options.runs.some((r) => isRunIn(e.runId, r, e.accountId)))
        .map((e) => e.accountId),
    ),
  ];
  if (elsewhere.length === 0) return [];
  const ids = elsewhere.slice(0, 10);
  return [
    `The record holds this run's changes in account ${ids.join(', ')}${elsewhere.length > 10 ? ', …' : ''}: restore there with --accounts ${shellQuote(ids.join(','))}`,
  ];
}

/** The accounts to restore in: the caller's, or those the organization flags name. */
async function accountsToRestore(
  options: RestoreCliOptions,
  connection: Connection,
  say: (line: string) => void,
): Promise<readonly string[] | number> {
  if (options.org === undefined) {
    if (options.account !== undefined && options.account !== connection.accountId) {
      say(
        `signing-cert-audit restore: --account=${options.account}, but these credentials are in account ${connection.accountId}: sign in to that account, or go through its role with --accounts ${options.account}`,
      );
      return EXIT.usage;
    }
    return [connection.accountId];
  }
  if (options.org.accounts !== 'organization') {
    if (options.account !== undefined) {
      say(
        'signing-cert-audit restore: --account narrows --organization; with --accounts, list only the accounts to restore',
      );
      return EXIT.usage;
    }
    return options.org.accounts;
  }
  try {
    const organizations = createOrganizationsClient(connection.clientConfig);
    const { accounts } = await selectActiveAccounts(organizations, {});
    const ids = accounts.map((a) => a.accountId);
    return options.account === undefined ? ids : ids.filter((id) => id === options.account);
  } catch (error: unknown) {
    const { code, message } = describeError(error);
    say(
      `signing-cert-audit restore: ListAccounts (finding the organization's accounts) failed: ${code}: ${message}`,
    );
    return EXIT.aws;
  }
}
