import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../lambda/core/errors';
import type { Report, Summary } from '../lambda/core/report';
import { renderHtml } from '../lambda/render/html';
import { ocsfJsonLines } from '../lambda/render/ocsf';
import { formatCsv, formatJson, formatResult, formatTable } from '../lambda/render/text';
import { type CliOptions, EXIT, findingsExit } from './args';
import type { FileFormat, Format } from './flags';
import type { CliIo } from './io';

/**
 * What a run of the CLI produced, one account's or several: the report to write and the lines
 * around it, and what the exit status is decided from. Both paths end in {@link finish}.
 */
export interface RunOutcome {
  /** The report of the one run, rendered in a format (each of --output-dir's from the same report). */
  readonly render: (format: Format) => string;
  /** What names the files --output-dir writes: the account (or `organization`) and the run id. */
  readonly names: ReportNames;
  /** Lines for standard error before the report is written (why the run is incomplete). */
  readonly before: readonly string[];
  /** Lines after it: where the report went, what was run, the counts, accounts not audited. */
  readonly after: readonly string[];
  /** Set when Ctrl-C stopped the run: what to say about it (possibly nothing). Exit 130. */
  readonly interrupted: { readonly line?: string } | undefined;
  /** Lines about AWS or network failures, written after the counts. */
  readonly late: readonly string[];
  /** An AWS call, an account, a delivery, or the time limit left something undone: exit 3. */
  readonly awsFailure: boolean;
  /** The counts the findings rule reads: one account's summary, or the accounts' totals. */
  readonly summary: Summary;
  /** What the one-line result says before the counts (the accounts that failed, for an organization). */
  readonly resultLead?: readonly string[];
}

/**
 * Writes a run's outcome and returns the exit status, by the one rule of `--help`: 130 when
 * Ctrl-C stopped the run; else 3 for an AWS or network failure, 2 when --output could not be
 * written (the report then goes to standard output: it is never lost), the higher of the two
 * when both; else the findings rule (1 on a failing finding unless `--fail-on none`).
 */
export function finish(outcome: RunOutcome, options: CliOptions, io: CliIo): number {
  for (const line of outcome.before) io.stderr.write(`${line}\n`);
  let status = options.outputDir
    ? writeOutputDir(
        outcome.render,
        outcome.names,
        { ...options, outputDir: options.outputDir },
        io,
      )
    : writeOutput(outcome.render(options.format), options, io);
  for (const line of outcome.after) io.stderr.write(`${line}\n`);
  if (outcome.interrupted) {
    if (outcome.interrupted.line) io.stderr.write(`${outcome.interrupted.line}\n`);
    return EXIT.interrupted;
  }
  for (const line of outcome.late) io.stderr.write(`${line}\n`);
  status = exitStatus({
    written: status,
    interrupted: false,
    awsFailure: outcome.awsFailure,
    notDone: findingsExit(outcome.summary, options.failOn) === EXIT.nonCompliant,
  });
  // Last, for a person: what was found and done, and what the exit status says.
  io.stderr.write(`${formatResult(outcome.summary, status, outcome.resultLead)}\n`);
  return status;
}

/**
 * The one exit rule of both commands, the audit and restore: 130 when Ctrl-C stopped the run;
 * else 3 for an AWS or network failure, 2 when the report could not be written where asked
 * (it then went to standard output), the higher of the two when both; else 1 when something is
 * not as it should be (a failing finding; a change restore refused or withheld), or 0.
 */
export function exitStatus(run: {
  /** What writing the report returned: 0, or 2 when --output could not be written. */
  readonly written: number;
  readonly interrupted: boolean;
  readonly awsFailure: boolean;
  /** A failing finding (the audit), or a recorded change not undone (restore). */
  readonly notDone: boolean;
}): number {
  if (run.interrupted) return EXIT.interrupted;
  if (run.awsFailure) return Math.max(run.written, EXIT.aws);
  if (run.written !== EXIT.clean) return run.written;
  return run.notDone ? EXIT.nonCompliant : EXIT.clean;
}

/** Writes the report where --output says, or to standard output; never loses it. */
export function writeOutput(
  rendered: string,
  options: { readonly output: string | undefined },
  io: CliIo,
): number {
  if (!options.output) {
    io.stdout.write(rendered);
    return EXIT.clean;
  }
  try {
    writeFileSync(options.output, rendered);
    return EXIT.clean;
  } catch (error: unknown) {
    // The report is not lost: it goes to standard output instead.
    io.stdout.write(rendered);
    io.stderr.write(
      `signing-cert-audit: --output=${JSON.stringify(options.output)} could not be written (${describeError(error).message}); the report went to standard output\n`,
    );
    return EXIT.usage;
  }
}

/** One account's report in a format. */
export function renderReport(report: Report, format: Format): string {
  if (format === 'csv') return formatCsv(report);
  if (format === 'table') return formatTable(report);
  if (format === 'html') return renderHtml(report);
  if (format === 'ocsf') return ocsfJsonLines(report);
  return formatJson(report);
}

/** What names a report's files: `signing-cert-audit-<account>-<run id>.<format>`. */
export interface ReportNames {
  /** The account's id, or `organization` for a report across accounts. */
  readonly account: string;
  readonly runId: string;
}

/** Each format's file extension: the OCSF records are JSON Lines. */
const EXTENSIONS: Readonly<Record<FileFormat, string>> = {
  json: 'json',
  csv: 'csv',
  html: 'html',
  ocsf: 'ocsf.jsonl',
};

/** The file --output-dir writes a format to. */
export function reportFileName(names: ReportNames, format: FileFormat): string {
  const safe = (part: string) => part.replace(/[^\w.-]/g, '_');
  return `signing-cert-audit-${safe(names.account)}-${safe(names.runId)}.${EXTENSIONS[format]}`;
}

/**
 * Writes the report once in each format into --output-dir (created if absent), saying on
 * standard error where each went. Never loses it: when a file cannot be written, the JSON report
 * goes to standard output and the status is 2.
 */
export function writeOutputDir(
  render: (format: Format) => string,
  names: ReportNames,
  options: { readonly outputDir: string; readonly formats: readonly FileFormat[] },
  io: CliIo,
): number {
  const written: string[] = [];
  try {
    mkdirSync(options.outputDir, { recursive: true });
    for (const format of options.formats) {
      const path = join(options.outputDir, reportFileName(names, format));
      writeFileSync(path, render(format));
      written.push(`Wrote the ${format} report to ${path}.`);
    }
  } catch (error: unknown) {
    for (const line of written) io.stderr.write(`${line}\n`);
    io.stdout.write(render('json'));
    io.stderr.write(
      `signing-cert-audit: --output-dir=${JSON.stringify(options.outputDir)} could not be written (${describeError(error).message}); the json report went to standard output\n`,
    );
    return EXIT.usage;
  }
  for (const line of written) io.stderr.write(`${line}\n`);
  return EXIT.clean;
}
