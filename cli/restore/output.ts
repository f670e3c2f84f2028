import type { RestoreReport } from '../../lambda/core/restore-report';
import { formatRestoreCsv, formatRestoreTable } from '../../lambda/render/text';
import type { CliIo } from '../io';
import { exitStatus, writeOutput } from '../output';
import type { RestoreCliOptions } from './args';

/** Writes the report and the lines for a person, and returns the exit status. */
export function finishRestore(
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
  for (const problem of report.recordProblems) say(`signing-cert-audit restore: ${problem}`);
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
    const finish = count('DEACTIVATE') > 0 ? `, set Inactive ${count('DEACTIVATE')}` : '';
    say(
      `Plan: reactivate ${count('REACTIVATE')}, upload ${count('UPLOAD')}${finish}. Nothing was changed: run again with --apply to carry it out.`,
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
  status = exitStatus({
    written: status,
    interrupted,
    awsFailure,
    // Something recorded is still not undone: refused (each says why) or withheld by the guard.
    notDone: summary.refused + summary.withheld > 0,
  });
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
