import { accessSync, constants as fsConstants } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, describeError } from '../../lambda/core/errors';
import { ACCOUNT_ID, RUN_ID } from '../../lambda/core/patterns';
import { parseSetting, SETTINGS } from '../../lambda/core/settings';
import {
  checkDistinctFiles,
  checkOutput,
  helpLine,
  oneOf,
  parseOrg,
  UsageError,
  withSuggestion,
  wrap,
} from '../args';

/** A restore report's formats: one row a recorded change. */
export const RESTORE_FORMATS = ['table', 'json', 'csv'] as const;

/** IAM's certificate id pattern (`[\w]+`, 24 to 128): ids are never checked more strictly. */
const CERTIFICATE_ID = /^\w{24,128}$/;

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
  // A plan writes only its report: never over the record it reads.
  checkDistinctFiles([
    ['--change-record', file],
    ['--output', output],
  ]);
  if (output !== undefined) checkOutput(output);
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

${wrap("Refused, each saying why: a user deleted since, or created again under the same name (another IAM id: never given the old user's certificate), a user already holding two certificates, an expired certificate (IAM refuses to upload it), a change recorded without an outcome (unless IAM shows it made and --include-incomplete is given), a restore of a restore, and an entry its own run could not have made (a deletion outside delete mode or of a certificate listed Active, a change its archived report does not list). A run id the record never held is exit 2, naming the runs it holds.")}

${wrap('With --apply the record is locked (FILE.lock, or changes/restore.lock in the archive) until the restore ends: a second restore from it is refused.')}

${wrap('Exit status: 0 nothing refused, withheld or failed; 1 some change is not undone (refused: see why; or withheld by --max-actions, counted over every account); 2 bad flags, an unknown run id, a record in use by another restore; 3 an AWS failure, a record that could not be read, an account that could not be entered or a step that failed; 130 interrupted (no new step starts; the report says what was done).')}
`;
}
