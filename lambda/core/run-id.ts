/**
 * The ids of runs, built in one place. An organization run audits each member account as a run
 * of its own, named `<organization run>-<account>`: its record and archive are kept under that
 * name in the account, and the organization run's id finds them.
 */

/** One account's run within an organization run (or a restore across accounts). */
export function accountRunId(runId: string, accountId: string): string {
  return `${runId}-${accountId}`;
}

/** The names a run goes by in one account: its own id, and its id as part of an organization run. */
export function runNamesIn(runId: string, accountId: string): readonly [string, string] {
  return [runId, accountRunId(runId, accountId)];
}

/** Whether `recorded` (a run id found in an account's record) is the run `asked` names there. */
export function isRunIn(recorded: string, asked: string, accountId: string): boolean {
  return runNamesIn(asked, accountId).includes(recorded);
}
