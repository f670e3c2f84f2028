import { randomUUID } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import { parseArgs } from 'node:util';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { createIamClient } from '../lambda/aws/iam';
import { createOrganizationsClient, selectActiveAccounts } from '../lambda/aws/organizations';
import { partitionOfRegion } from '../lambda/aws/partition';
import { createS3Client } from '../lambda/aws/s3';
import { AssumeRoleError, assumeMemberRole } from '../lambda/aws/sts';
import {
  CHANGES_PREFIX,
  type ChangeEntry,
  ChangeRecordError,
  type ChangeRecorder,
  pairChanges,
} from '../lambda/core/change-record';
import { ConfigError, describeError } from '../lambda/core/errors';
import { ACCOUNT_ID } from '../lambda/core/patterns';
import {
  buildRestoreReport,
  type RestoreAccount,
  type RestoreReport,
  type RestoreStepResult,
} from '../lambda/core/restore-report';
import { parseSetting, SETTINGS } from '../lambda/core/settings';
import { archiveChangeRecorder } from '../lambda/record/archive';
import { readS3ChangeRecord } from '../lambda/record/s3';
import { restoreAccount } from '../lambda/restore';
import {
  checkWritable,
  EXIT,
  helpLine,
  oneOf,
  parseOrg,
  UsageError,
  withSuggestion,
  wrap,
} from './args';
import { fileChangeRecorder, readChangeRecordFile } from './change-record-file';
import { formatRestoreCsv, formatRestoreTable } from './formats';
import type { CliIo } from './io';
import { writeOutput } from './output';
import { type Connection, checkArchiveBucket, connect, stderrLogger, stopSignal } from './wiring';

/** A restore report's formats: one row a recorded change. */
const RESTORE_FORMATS = ['table', 'json', 'csv'] as const;

/** IAM's certificate id pattern (`[\w]+`, 24 to 128): ids are never checked more strictly. */
const CERTIFICATE_ID = /^\w{24,128}$/;
/** A run id: a Lambda request id, a UUID, or an organization run's `<run>-<account>`. */
const RUN_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** The restore's flags, each with its help. */
const RESTORE_FLAGS = {
  run: {
    type: 'string',
    multiple: true,
    placeholder: 'RUN_ID',
    help: 'the run to undo (its report, digest or archive names it); repeat it to undo several runs, the newest change first',
  },
  'archive-bucket': {
    type: 'string',
    placeholder: 'BUCKET',
    help: 'read the record from this evidence archive (where the functions and --archive-bucket keep it); the restore records its own changes there',
  },
  'change-record': {
    type: 'string',
    placeholder: 'FILE',
    help: 'read the record from this local file (an audit run with --change-record FILE); the restore appends its own changes to it',
  },
  account: {
    type: 'string',
    placeholder: 'ID',
    help: "restore only this account's changes",
  },
  certificate: {
    type: 'string',
    multiple: true,
    placeholder: 'ID',
    help: 'restore only this certificate (its id when the run changed it); repeat it for more',
  },
  apply: {
    type: 'boolean',
    help: 'carry out the plan; without it nothing changes',
  },
  activate: {
    type: 'boolean',
    help: 'leave a re-uploaded certificate Active (default: the status it had before, Inactive)',
  },
  'include-incomplete': {
    type: 'boolean',
    help: 'also undo a change recorded with no outcome (the run stopped between the two) when IAM shows it was made',
  },
  'max-actions': {
    type: 'string',
    placeholder: 'N',
    help: `make no change at all if more than N are planned (default ${SETTINGS.maxActionsPerRun.default})`,
  },
  format: {
    type: 'string',
    placeholder: 'FORMAT',
    help: `${RESTORE_FORMATS.join(' | ')} (default: table on a terminal, json otherwise)`,
  },
  output: {
    type: 'string',
    placeholder: 'FILE',
    help: 'write the report to FILE instead of standard output (checked before the run)',
  },
  accounts: {
    type: 'string',
    placeholder: 'ID,ID',
    help: 'restore in these member accounts, through --role-name (which needs iam:UploadSigningCertificate to undo a deletion: the member role never has it)',
  },
  organization: {
    type: 'boolean',
    help: 'restore in every ACTIVE account of the organization that has a record of the run',
  },
  'role-name': {
    type: 'string',
    placeholder: 'NAME',
    help: 'the role to assume in each account (default the member role)',
  },
  profile: { type: 'string', placeholder: 'NAME', help: 'the shared-config profile to use' },
  region: { type: 'string', placeholder: 'REGION', help: 'the region of the calls' },
} as const;

const OPTIONS = {
  ...Object.fromEntries(
    Object.entries(RESTORE_FLAGS).map(([flag, spec]) => [
      flag,
      { type: spec.type, ...('multiple' in spec ? { multiple: true } : {}) },
    ]),
  ),
  help: { type: 'boolean', short: 'h' },
} as NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** Everything the restore's flags decided, validated. */
export interface RestoreCliOptions {
  readonly runs: readonly string[];
  readonly record: { readonly bucket: string } | { readonly file: string };
  readonly account: string | undefined;
  readonly certificates: readonly string[];
  readonly apply: boolean;
  readonly activate: boolean;
  readonly includeIncomplete: boolean;
  readonly maxActions: number;
  readonly format: (typeof RESTORE_FORMATS)[number];
  readonly output: string | undefined;
  readonly org:
    | { readonly accounts: readonly string[] | 'organization'; readonly roleName: string }
    | undefined;
  readonly region: string | undefined;
  readonly profile: string | undefined;
  readonly help: boolean;
}

/** Parses and validates the restore's flags; throws a UsageError naming the bad one. */
export function parseRestoreArgs(
  argv: readonly string[],
  { stdoutIsTTY }: { readonly stdoutIsTTY: boolean },
): RestoreCliOptions {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true }));
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(withSuggestion(message, [...Object.keys(RESTORE_FLAGS), 'help']));
  }
  const text = (name: string) => values[name] as string | undefined;
  const list = (name: string) => (values[name] as string[] | undefined) ?? [];
  const help = values.help === true;
  const format =
    oneOf('--format', text('format'), RESTORE_FORMATS) ?? (stdoutIsTTY ? 'table' : 'json');
  if (help) return { ...EMPTY, help, format };
  const runs = list('run');
  if (runs.length === 0) {
    throw new UsageError(
      '--run is required: the id of the run to undo (its report has runId; so do the email digest and the archive: changes/account=<account>/run=<run id>/)',
    );
  }
  const badRun = runs.find((run) => !RUN_ID.test(run));
  if (badRun !== undefined) {
    throw new UsageError(
      `--run=${JSON.stringify(badRun.slice(0, 80))} is not allowed: expected a run id such as 1e32aee1-34ce-43db-8004-9d3e52a4f0c1`,
    );
  }
  const bucket = text('archive-bucket');
  const file = text('change-record');
  if ((bucket === undefined) === (file === undefined)) {
    throw new UsageError(
      'restore reads the record from one place: give --archive-bucket BUCKET or --change-record FILE',
    );
  }
  if (bucket !== undefined && !SETTINGS.archiveBucket.schema.safeParse(bucket).success) {
    throw new UsageError(
      `--archive-bucket=${JSON.stringify(bucket.slice(0, 80))} is not allowed: expected ${SETTINGS.archiveBucket.allowed}`,
    );
  }
  const apply = values.apply === true;
  if (file !== undefined) checkRecordFile(file, apply);
  const account = text('account');
  if (account !== undefined && !ACCOUNT_ID.test(account)) {
    throw new UsageError(
      `--account=${JSON.stringify(account.slice(0, 40))} is not allowed: expected a 12-digit account id`,
    );
  }
  const certificates = list('certificate');
  const badCertificate = certificates.find((id) => !CERTIFICATE_ID.test(id));
  if (badCertificate !== undefined) {
    throw new UsageError(
      `--certificate=${JSON.stringify(badCertificate.slice(0, 80))} is not allowed: expected a certificate id (24 to 128 letters, digits or _)`,
    );
  }
  const output = text('output');
  if (output !== undefined) checkWritable('--output', output);
  let maxActions: number;
  try {
    maxActions = parseSetting(
      { ...SETTINGS.maxActionsPerRun, env: null, flag: 'max-actions', context: null },
      '--max-actions',
      text('max-actions'),
    );
  } catch (error: unknown) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const org = parseOrg(values as Record<string, string | boolean | undefined>, text);
  return {
    runs: [...new Set(runs)],
    record: bucket !== undefined ? { bucket } : { file: file as string },
    account,
    certificates,
    apply,
    activate: values.activate === true,
    includeIncomplete: values['include-incomplete'] === true,
    maxActions,
    format,
    output,
    org: org ? { accounts: org.accounts, roleName: org.roleName } : undefined,
    region: text('region'),
    profile: text('profile'),
    help,
  };
}

const EMPTY: RestoreCliOptions = {
  runs: [],
  record: { file: '' },
  account: undefined,
  certificates: [],
  apply: false,
  activate: false,
  includeIncomplete: false,
  maxActions: 0,
  format: 'json',
  output: undefined,
  org: undefined,
  region: undefined,
  profile: undefined,
  help: true,
};

/** The record file must exist (it is read), and be writable for --apply (the restore appends to it). */
function checkRecordFile(file: string, apply: boolean): void {
  try {
    accessSync(file, fsConstants.R_OK | (apply ? fsConstants.W_OK : 0));
  } catch (error: unknown) {
    throw new UsageError(
      `--change-record=${JSON.stringify(file)} cannot be ${apply ? 'read and appended to' : 'read'}: ${describeError(error).message}`,
    );
  }
}

/** `restore --help`. */
export function restoreHelpText(): string {
  const flags = Object.entries(RESTORE_FLAGS).map(([flag, spec]) =>
    helpLine(flag, 'placeholder' in spec ? spec.placeholder : undefined, spec.help),
  );
  return `Usage: signing-cert-audit restore --run RUN_ID
         (--archive-bucket BUCKET | --change-record FILE) [flags]

${wrap('Undoes what an audit run changed, from its change record: reactivates a certificate the run deactivated (if it is still Inactive), and uploads again the body of one it deleted (a new id, the same fingerprint), then sets the status it had before. Certificates are matched by fingerprint, so a restore run twice changes nothing the second time. It plans by default; --apply carries the plan out, each change recorded first, as the audit does.')}

${flags.join('\n')}
  -h, --help              show this help

Examples:
  signing-cert-audit restore --run RUN_ID --change-record changes.jsonl            the plan
  signing-cert-audit restore --run RUN_ID --change-record changes.jsonl --apply    undo the run
  signing-cert-audit restore --run RUN_1 --run RUN_2 --archive-bucket BUCKET --apply

${wrap('Refused, each saying why: a user deleted since, a user already holding two certificates, an expired certificate (IAM refuses to upload it), a change recorded without an outcome (unless IAM shows it made and --include-incomplete is given), a restore of a restore.')}

${wrap('Exit status: 0 nothing refused, withheld or failed; 1 some change is not undone (refused: see why; or withheld by --max-actions); 2 bad flags; 3 an AWS failure, a record that could not be read, an account that could not be entered or a step that failed; 130 interrupted (no new step starts; the report says what was done).')}
`;
}

/**
 * `signing-cert-audit restore`: reads a run's change record, plans the inverse of each change
 * against IAM's state now, and with --apply carries it out, with the audit's guard, formats,
 * exit statuses, --output and Ctrl-C handling. Returns the exit status.
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
  let fileEntries: ChangeEntry[] | undefined;
  if ('file' in options.record) {
    try {
      fileEntries = await readChangeRecordFile(options.record.file);
    } catch (error: unknown) {
      say(`signing-cert-audit restore: ${describeError(error).message}`);
      return error instanceof ChangeRecordError ? EXIT.usage : EXIT.aws;
    }
  }
  const recorder: ChangeRecorder =
    'bucket' in options.record
      ? archiveChangeRecorder(options.record.bucket, s3)
      : fileChangeRecorder(options.record.file);
  const record =
    'bucket' in options.record
      ? `s3://${options.record.bucket}/${CHANGES_PREFIX}`
      : options.record.file;
  const runId = randomUUID();
  const stop = stopSignal(io, undefined);
  const logger = stderrLogger(io);
  const steps: RestoreStepResult[] = [];
  const done: RestoreAccount[] = [];
  for (const accountId of accounts) {
    if (stop?.aborted) {
      done.push({ accountId, status: 'FAILED', error: 'not started: the restore was stopped' });
      continue;
    }
    const outcome = await restoreOne(accountId, {
      options,
      connection,
      s3,
      fileEntries,
      recorder,
      runId,
      logger,
      stop,
    });
    done.push(outcome.account);
    steps.push(...outcome.steps);
  }
  const report = buildRestoreReport({
    runId,
    now: new Date(),
    apply: options.apply,
    restores: options.runs,
    record,
    accounts: done,
    steps,
    stoppedReason: stop?.aborted ? String(stop.reason ?? 'stopped') : null,
  });
  // A local record of a run across accounts, read in another account: say where its changes are.
  const elsewhere = [
    ...new Set(
      (fileEntries ?? [])
        .filter((e) => !accounts.includes(e.accountId))
        .filter((e) =>
          options.runs.some((run) => e.runId === run || e.runId === `${run}-${e.accountId}`),
        )
        .map((e) => e.accountId),
    ),
  ];
  const hints =
    report.summary.recorded === 0 && elsewhere.length > 0
      ? [
          `The record holds this run's changes in account ${elsewhere.slice(0, 10).join(', ')}${elsewhere.length > 10 ? ', …' : ''}: restore there with --accounts ${elsewhere.slice(0, 10).join(',')}`,
        ]
      : [];
  return finishRestore(report, options, io, hints);
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

interface RestoreContext {
  readonly options: RestoreCliOptions;
  readonly connection: Connection;
  readonly s3: S3Client | undefined;
  readonly fileEntries: readonly ChangeEntry[] | undefined;
  readonly recorder: ChangeRecorder;
  readonly runId: string;
  readonly logger: ReturnType<typeof stderrLogger>;
  readonly stop: AbortSignal | undefined;
}

/** Reads one account's record of the runs, enters the account and restores it. */
async function restoreOne(
  accountId: string,
  context: RestoreContext,
): Promise<{ account: RestoreAccount; steps: RestoreStepResult[] }> {
  const { options } = context;
  const failed = (error: string) => ({
    account: { accountId, status: 'FAILED' as const, error },
    steps: [],
  });
  let entries: ChangeEntry[] = [];
  try {
    entries = await readRecord(accountId, context);
  } catch (error: unknown) {
    const { code, message } = describeError(error);
    return failed(`reading the change record failed: ${code}: ${message}`);
  }
  const wanted = new Set(options.certificates);
  const changes = pairChanges(entries).filter(
    (change) => wanted.size === 0 || wanted.has(change.intent.certificateId),
  );
  if (changes.length === 0)
    return { account: { accountId, status: 'NO_RECORD', error: null }, steps: [] };
  let iam: IAMClient;
  if (options.org) {
    try {
      const credentials = await assumeMemberRole(context.connection.sts, {
        accountId,
        roleName: options.org.roleName,
        partition: partitionOfRegion(context.connection.region),
        sessionName: `signing-cert-audit-restore-${context.runId}`,
      });
      iam = createIamClient({ ...context.connection.clientConfig, credentials });
    } catch (error: unknown) {
      return failed(
        error instanceof AssumeRoleError ? error.message : describeError(error).message,
      );
    }
  } else {
    iam = createIamClient(context.connection.clientConfig);
  }
  const steps = await restoreAccount(
    {
      iam,
      accountId,
      runId: options.org ? `${context.runId}-${accountId}` : context.runId,
      logger: context.logger,
      changeRecord: context.recorder,
      ...(context.stop ? { stop: context.stop } : {}),
    },
    changes,
    {
      apply: options.apply,
      maxActions: options.maxActions,
      activate: options.activate,
      includeIncomplete: options.includeIncomplete,
      now: new Date(),
    },
  );
  return { account: { accountId, status: 'RESTORED', error: null }, steps };
}

/** The account's entries of the runs: from the local file, or from the archive. */
async function readRecord(accountId: string, context: RestoreContext): Promise<ChangeEntry[]> {
  const { options } = context;
  // An organization run's account run is `<run>-<account>`: its own id finds it too.
  const names = new Set(options.runs.flatMap((run) => [run, `${run}-${accountId}`]));
  if (context.fileEntries) {
    return context.fileEntries.filter(
      (entry) => entry.accountId === accountId && names.has(entry.runId),
    );
  }
  const { bucket } = options.record as { bucket: string };
  const entries: ChangeEntry[] = [];
  for (const run of options.runs) {
    entries.push(...(await readS3ChangeRecord(context.s3 as S3Client, bucket, accountId, run)));
  }
  return entries;
}

/** Writes the report and the lines for a person, and returns the exit status. */
function finishRestore(
  report: RestoreReport,
  options: RestoreCliOptions,
  io: CliIo,
  /** Lines on where to look next, before the result line. */
  hints: readonly string[],
): number {
  const rendered =
    options.format === 'csv'
      ? formatRestoreCsv(report)
      : options.format === 'table'
        ? formatRestoreTable(report)
        : `${JSON.stringify(report, null, 2)}\n`;
  let status = writeOutput(rendered, options, io);
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const { summary } = report;
  const runs = options.runs.join(', ');
  const without = report.accounts.filter((a) => a.status === 'NO_RECORD').map((a) => a.accountId);
  if (summary.recorded === 0) {
    const named =
      without.length > 3
        ? `${without.slice(0, 3).join(', ')} and ${without.length - 3} more`
        : without.join(', ');
    say(
      `Run ${runs}: no change recorded in ${report.record}${without.length > 0 ? ` for account ${named}` : ''}: the run changed nothing there (or its record is elsewhere). Nothing to restore.`,
    );
  } else if (summary.restorable === 0) {
    say(
      'Nothing to restore: every recorded change is already undone, was never made, or is refused (each says why).',
    );
  } else if (!options.apply) {
    const planned = report.steps.filter((s) => s.verdict === 'RESTORABLE');
    const count = (plan: string) => planned.filter((s) => s.plannedAction === plan).length;
    say(
      `Plan: reactivate ${count('REACTIVATE')}, upload ${count('UPLOAD')}. Nothing was changed: run again with --apply to carry it out.`,
    );
  } else if (summary.withheld > 0) {
    say(
      `Nothing was changed: the blast-radius guard withheld ${summary.withheld} restore(s), more than --max-actions ${options.maxActions} allows: review them, then raise --max-actions or narrow with --certificate.`,
    );
  } else {
    say(`Restored ${summary.restored}; recorded in ${report.record} under run ${report.runId}.`);
  }
  for (const hint of hints) say(hint);
  for (const account of report.accounts.filter((a) => a.status === 'FAILED')) {
    say(`signing-cert-audit restore: account ${account.accountId} FAILED: ${account.error}`);
  }
  const interrupted = report.incompleteReason !== null && io.interrupt?.aborted === true;
  const awsFailure =
    summary.failed > 0 ||
    report.accounts.some((a) => a.status === 'FAILED') ||
    report.steps.some((s) => s.error !== null);
  if (interrupted) status = EXIT.interrupted;
  else if (awsFailure) status = Math.max(status, EXIT.aws);
  // Something recorded is still not undone: refused (each says why) or withheld by the guard.
  else if (status === EXIT.clean && summary.refused + summary.withheld > 0) {
    status = EXIT.nonCompliant;
  }
  const parts = [
    ['restorable', summary.restorable],
    ['restored', summary.restored],
    ['already restored', summary.alreadyRestored],
    ['nothing to restore', summary.nothingToRestore],
    ['refused', summary.refused],
    ['withheld', summary.withheld],
    ['failed', summary.failed],
  ].filter(([, n]) => (n as number) > 0);
  say(
    `${parts.length > 0 ? parts.map(([words, n]) => `${n} ${words}`).join(', ') : 'nothing recorded'} — exit ${status}`,
  );
  return status;
}
