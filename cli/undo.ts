import type { ChangeRecorder } from '../lambda/core/change-record';
import type { CliOptions } from './args';
import { shellQuote } from './paths';

/** How to undo an --apply run that changed something, or why it cannot be undone by restore. */
export function undoHint(
  runId: string,
  options: CliOptions,
  wiring: { readonly changeRecord: ChangeRecorder | undefined },
  /** The accounts of a run across accounts (`111…,222…`), for its --accounts. */
  accounts = '',
): string {
  if (wiring.changeRecord === undefined) {
    return 'No change record was kept (no --change-record or --archive-bucket): restore cannot undo this run; each deactivation can be undone by hand (aws iam update-signing-certificate --status Active).';
  }
  return `Every change was recorded in ${wiring.changeRecord.where} first. To undo this run: ${restoreCommand(runId, options, accounts)}`;
}

/** The restore command that undoes a run, each word quoted for a POSIX shell so it can be pasted. */
export function restoreCommand(
  runId: string,
  options: Pick<CliOptions, 'changeRecord' | 'archiveBucket'>,
  accounts = '',
): string {
  const from = options.changeRecord
    ? `--change-record ${shellQuote(options.changeRecord)}`
    : `--archive-bucket ${shellQuote(options.archiveBucket ?? '')}`;
  return `signing-cert-audit restore --run ${shellQuote(runId)} ${from}${accounts ? ` --accounts ${shellQuote(accounts)}` : ''}`;
}
