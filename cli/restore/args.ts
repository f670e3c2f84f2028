import { accessSync, constants as fsConstants } from 'node:fs';
import * as z from 'zod/mini';
import { describeError } from '../../lambda/core/errors';
import { ACCOUNT_ID, RUN_ID } from '../../lambda/core/patterns';
import { listOf, SETTINGS, setting, settingsTable } from '../../lambda/core/settings';
import { checkDistinctFiles, checkOutput, parseOrg } from '../args';
import { RUN_FLAGS, readFlags, switchFlag, textFlag, UsageError } from '../flags';
import { flagLines, wrap } from '../help';

/** A restore report's formats: one row a recorded change. */
export const RESTORE_FORMATS = ['table', 'json', 'csv'] as const;

/**
 * IAM's credential id patterns (`[\w]+`: a certificate's 24 to 128, an SSH key's or a service
 * credential's 20 to 128): ids are never checked more strictly.
 */
const CREDENTIAL_ID = /^\w{20,128}$/;

/** The restore's flags, each a row: its check, default and help. */
const RESTORE_FLAGS = settingsTable('flag', {
  run: setting({
    placeholder: 'RUN_ID',
    multiple: true,
    allowed: 'a run id such as 1e32aee1-34ce-43db-8004-9d3e52a4f0c1',
    help: 'the run to undo (its report, digest or archive names it); repeat it to undo several runs, the newest change first',
    ...listOf(RUN_ID),
  }),
  'archive-bucket': {
    ...SETTINGS.archiveBucket,
    help: 'read the record from this evidence archive (where the functions and --archive-bucket keep it); the restore records its own changes there',
  },
  'change-record': textFlag(
    'FILE',
    'read the record from this local file (an audit run with --change-record FILE); the restore appends its own changes to it',
  ),
  account: setting({
    placeholder: 'ID',
    allowed: 'a 12-digit account id',
    help: "restore only this account's changes",
    schema: z.optional(z.string().check(z.regex(ACCOUNT_ID))),
  }),
  certificate: setting({
    placeholder: 'ID',
    multiple: true,
    allowed: 'a credential id (20 to 128 letters, digits or _)',
    help: 'restore only this certificate or other credential (its id when the run changed it); repeat it for more',
    ...listOf(CREDENTIAL_ID),
  }),
  apply: switchFlag('carry out the plan; without it nothing changes'),
  activate: switchFlag(
    'leave a re-uploaded certificate or SSH key Active (default: the status it had before, Inactive)',
  ),
  'include-incomplete': switchFlag(
    'also undo a change recorded with no outcome (the run stopped between the two) when IAM shows it was made',
  ),
  'max-actions': {
    ...SETTINGS.maxActionsPerRun,
    help: `make no change at all if more than N are planned (default ${SETTINGS.maxActionsPerRun.default})`,
  },
  format: setting({
    placeholder: 'FORMAT',
    allowed: `one of ${RESTORE_FORMATS.join(', ')}`,
    help: `${RESTORE_FORMATS.join(' | ')} (default: table on a terminal, json otherwise)`,
    schema: z.optional(z.enum(RESTORE_FORMATS)),
  }),
  output: textFlag(
    'FILE',
    'write the report to FILE instead of standard output (checked before the run)',
  ),
  accounts: {
    ...RUN_FLAGS.accounts,
    help: 'restore in these member accounts, through --role-name (which needs iam:UploadSigningCertificate to undo a deletion: the member role never has it)',
  },
  organization: switchFlag(
    'restore in every ACTIVE account of the organization that has a record of the run',
  ),
  'role-name': {
    ...RUN_FLAGS['role-name'],
    help: 'the role to assume in each account (default the member role)',
  },
  profile: textFlag('NAME', 'the shared-config profile to use'),
  region: textFlag('REGION', 'the region of the calls'),
});

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

/** Parses and validates the restore's flags; throws a UsageError or ConfigError naming the bad one. */
export function parseRestoreArgs(
  argv: readonly string[],
  { stdoutIsTTY }: { readonly stdoutIsTTY: boolean },
): RestoreCliOptions {
  const given = readFlags(argv, RESTORE_FLAGS);
  const { values, text, read: flag } = given;
  const help = values.help === true;
  const format = flag(RESTORE_FLAGS.format) ?? (stdoutIsTTY ? 'table' : 'json');
  if (help) return { ...EMPTY, help, format };
  const runs = flag(RESTORE_FLAGS.run);
  if (runs.length === 0) {
    throw new UsageError(
      '--run is required: the id of the run to undo (its report has runId; so do the email digest and the archive: changes/account=<account>/run=<run id>/)',
    );
  }
  const file = text('change-record');
  if ((text('archive-bucket') === undefined) === (file === undefined)) {
    throw new UsageError(
      'restore reads the record from one place: give --archive-bucket BUCKET or --change-record FILE',
    );
  }
  const bucket = flag(RESTORE_FLAGS['archive-bucket']);
  const apply = values.apply === true;
  if (file !== undefined) checkRecordFile(file, apply);
  const account = flag(RESTORE_FLAGS.account);
  const certificates = flag(RESTORE_FLAGS.certificate);
  const output = text('output');
  // A plan writes only its report: never over the record it reads.
  checkDistinctFiles([
    ['--change-record', file],
    ['--output', output],
  ]);
  if (output !== undefined) checkOutput(output);
  const maxActions = flag(RESTORE_FLAGS['max-actions']);
  const org = parseOrg(given);
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
  return `Usage: signing-cert-audit restore --run RUN_ID
         (--archive-bucket BUCKET | --change-record FILE) [flags]

${wrap("Undoes what an audit run changed, from its change record: reactivates a certificate the run deactivated (if it is still Inactive), and uploads again the body of one it deleted (a new id, the same fingerprint), then sets the status it had before. Certificates are matched by fingerprint, so a restore run twice changes nothing the second time. SSH public keys are restored the same way (their fingerprint is the key's, whichever encoding IAM returns); a service-specific credential can be reactivated, never given back once deleted (IAM never shows its secret again). It plans by default; --apply carries the plan out, each change recorded first, as the audit does.")}

${flagLines(RESTORE_FLAGS)}
  -h, --help              show this help

Examples:
  signing-cert-audit restore --run RUN_ID --change-record changes.jsonl            the plan
  signing-cert-audit restore --run RUN_ID --change-record changes.jsonl --apply    undo the run
  signing-cert-audit restore --run RUN_1 --run RUN_2 --archive-bucket BUCKET --apply

${wrap("Refused, each saying why: a user deleted since, or created again under the same name (another IAM id: never given the old user's certificate), a user already holding two certificates (or five SSH keys), an expired certificate (IAM refuses to upload it), a change recorded without an outcome (unless IAM shows it made and --include-incomplete is given), a deleted service-specific credential (it cannot be restored), a restore of a restore, and an entry its own run could not have made (a deletion outside delete mode or of a certificate listed Active, a change its archived report does not list). A run id the record never held is exit 2, naming the runs it holds.")}

${wrap('With --apply the record is locked (FILE.lock, or changes/restore.lock in the archive) until the restore ends: a second restore from it is refused.')}

${wrap('Exit status: 0 nothing refused, withheld or failed; 1 some change is not undone (refused: see why; or withheld by --max-actions, counted over every account); 2 bad flags, an unknown run id, a record in use by another restore; 3 an AWS failure, a record that could not be read, an account that could not be entered or a step that failed; 130 interrupted (no new step starts; the report says what was done).')}
`;
}
