import type { S3Client } from '@aws-sdk/client-s3';
import {
  type ChangeEntry,
  type RecordedMode,
  runKey,
  runModes,
} from '../../lambda/core/change-record';
import { describeError } from '../../lambda/core/errors';
import { type RunFacts, reportChangeKey } from '../../lambda/core/restore-plan';
import { runNamesIn } from '../../lambda/core/run-id';
import { MODES, type Mode } from '../../lambda/core/settings';
import {
  type ArchivedReport,
  listArchivedReports,
  readArchivedJson,
  readS3ChangeRecord,
} from '../../lambda/record/s3';

/** Where a restore reads the record: a local file already read, or the evidence archive. */
export type RecordSource =
  | { readonly kind: 'file'; readonly path: string; readonly entries: readonly ChangeEntry[] }
  | { readonly kind: 'archive'; readonly bucket: string; readonly s3: S3Client };

/** One account's part of the record for the runs asked for, and what else is known of them. */
export interface AccountRecord {
  readonly accountId: string;
  /** The entries of the runs asked for (an organization run's `<run>-<account>` included). */
  readonly entries: readonly ChangeEntry[];
  /** By runKey: each run's own entries' modes and its archived report. */
  readonly runs: ReadonlyMap<string, RunFacts>;
  /** The runs asked for (as given) that the place knows in this account: a record or a report. */
  readonly known: ReadonlySet<string>;
  /** The most recent runs the place holds for this account, newest first, for a mistyped id. */
  readonly recent: readonly string[];
  /** What could not be used, said once each (an archived report that is not one). */
  readonly problems: readonly string[];
}

/** How many recent runs a refusal of an unknown run id names. */
const RECENT = 5;

/** The names a run goes by in one account: its own, and an organization run's `<run>-<account>`. */
function namesOf(run: string, accountId: string): string[] {
  return [...runNamesIn(run, accountId)];
}

/** Reads one account's part of the record for `runs`, and the reports of those runs in the archive. */
export async function readAccountRecord(
  source: RecordSource,
  accountId: string,
  runs: readonly string[],
): Promise<AccountRecord> {
  if (source.kind === 'file') return fromFile(source.entries, accountId, runs);
  const entries: ChangeEntry[] = [];
  for (const run of runs) {
    entries.push(...(await readS3ChangeRecord(source.s3, source.bucket, accountId, run)));
  }
  const reports = await listArchivedReports(source.s3, source.bucket, accountId);
  const facts = new Map<string, RunFacts>();
  const modes = runModes(entries);
  const known = new Set<string>();
  const problems: string[] = [];
  for (const run of runs) {
    for (const name of namesOf(run, accountId)) {
      const key = runKey(accountId, name);
      const report = reports.find((r) => r.runId === keySafe(name));
      const recorded = entries.some((e) => e.runId === name);
      if (report || recorded) known.add(run);
      if (!recorded) continue;
      const read = report ? await readReportFacts(source, report, problems) : undefined;
      facts.set(key, { modes: modes.get(key) ?? new Set(), ...(read ? { report: read } : {}) });
    }
  }
  const recent = [...reports]
    .sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0))
    .map((r) => r.runId);
  return {
    accountId,
    entries,
    runs: facts,
    known,
    recent: [...new Set(recent)].slice(0, RECENT),
    problems,
  };
}

function fromFile(
  all: readonly ChangeEntry[],
  accountId: string,
  runs: readonly string[],
): AccountRecord {
  const names = new Set(runs.flatMap((run) => namesOf(run, accountId)));
  const entries = all.filter((e) => e.accountId === accountId && names.has(e.runId));
  const modes = runModes(entries);
  const facts = new Map<string, RunFacts>();
  for (const entry of entries) {
    const key = runKey(entry.accountId, entry.runId);
    facts.set(key, { modes: modes.get(key) ?? new Set<RecordedMode>() });
  }
  const known = new Set(
    runs.filter((run) =>
      namesOf(run, accountId).some((name) => entries.some((e) => e.runId === name)),
    ),
  );
  return { accountId, entries, runs: facts, known, recent: recentRuns(all), problems: [] };
}

/** The audit runs a local record holds, newest first: the runs a mistyped id was probably meant to be. */
export function recentRuns(entries: readonly ChangeEntry[]): string[] {
  const latest = new Map<string, string>();
  for (const entry of entries) {
    // A restore's own run is not one to restore.
    if (entry.entry === 'run' && entry.mode === 'restore') continue;
    if (entry.entry === 'intent' && entry.restores) continue;
    const seen = latest.get(entry.runId);
    if (seen === undefined || entry.recordedAt > seen) latest.set(entry.runId, entry.recordedAt);
  }
  return [...latest]
    .sort(([, a], [, b]) => b.localeCompare(a))
    .map(([run]) => run)
    .slice(0, RECENT);
}

/** A run id as an archive key names it (archiveKeys makes it key-safe the same way). */
function keySafe(runId: string): string {
  return runId.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The mode and the planned changes of an archived report, or undefined (said in `problems`) when it is not one. */
async function readReportFacts(
  source: Extract<RecordSource, { kind: 'archive' }>,
  report: ArchivedReport,
  problems: string[],
): Promise<RunFacts['report']> {
  const where = `s3://${source.bucket}/${report.key}`;
  let value: unknown;
  try {
    value = await readArchivedJson(source.s3, source.bucket, report.key);
  } catch (error: unknown) {
    problems.push(
      `${where} could not be read (${describeError(error).message}): the run's changes are checked against its record only`,
    );
    return undefined;
  }
  const { policy, findings } = (value ?? {}) as {
    policy?: { mode?: unknown };
    findings?: unknown;
  };
  const mode = policy?.mode;
  if (!(MODES as readonly unknown[]).includes(mode) || !Array.isArray(findings)) {
    problems.push(
      `${where} is not a report of this tool: the run's changes are checked against its record only`,
    );
    return undefined;
  }
  const changes = new Set<string>();
  for (const finding of findings as {
    certificateId?: unknown;
    credentialId?: unknown;
    plannedAction?: unknown;
  }[]) {
    // A credential of any kind by its credentialId; a report written before kinds by certificateId.
    const { credentialId, plannedAction } = finding ?? {};
    const certificateId = typeof credentialId === 'string' ? credentialId : finding?.certificateId;
    if (typeof certificateId !== 'string') continue;
    if (plannedAction === 'DEACTIVATE' || plannedAction === 'DELETE') {
      changes.add(reportChangeKey(certificateId, plannedAction));
    }
  }
  return { where, mode: mode as Mode, changes };
}
