import { ConfigError } from '../../lambda/core/errors';
import { filterReport } from '../../lambda/core/listing-filter';
import { checkOutput, EXIT, parseListing, parseOutputDir } from '../args';
import { RUN_FLAGS, readFlags, textFlag, UsageError } from '../flags';
import { flagLines } from '../help';
import type { CliIo } from '../io';
import { renderReport, writeOutput, writeOutputDir } from '../output';
import { ReportFileError, readReportFile } from './file';

/**
 * The flags of `report`: the report to read, and the audit's own output and listing flags, each
 * by its row. There is no AWS flag: `report` builds no AWS client and makes no call.
 */
const REPORT_FLAGS = {
  input: {
    ...textFlag(
      'FILE',
      "the JSON report to re-render: one account's, as --format json writes it, or from the evidence archive (required)",
    ),
    flag: 'input',
  },
  format: RUN_FLAGS.format,
  output: RUN_FLAGS.output,
  'output-dir': RUN_FLAGS['output-dir'],
  formats: RUN_FLAGS.formats,
  severity: RUN_FLAGS.severity,
  verdict: RUN_FLAGS.verdict,
};

/** `report --help`. */
export function reportHelpText(): string {
  return `Usage: signing-cert-audit report --input REPORT.json [--format FORMAT] [--output FILE]
       signing-cert-audit report --input REPORT.json --output-dir DIR [--formats LIST]

Re-renders a saved or archived JSON report in any format, with the audit's --severity and
--verdict filters. It reads the file only: it builds no AWS client and makes no AWS call. The
exit status is 0 once the report is written, 2 when the file is not a report or a flag is bad.

${flagLines(REPORT_FLAGS)}
  -h, --help              show this help
`;
}

/** `signing-cert-audit report`: re-renders a JSON report; returns the exit status. */
export async function report(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const given = readFlags(argv, REPORT_FLAGS);
    const { values, text, read: flag } = given;
    if (values.help === true) {
      io.stdout.write(reportHelpText());
      return EXIT.clean;
    }
    const input = text('input');
    if (input === undefined) {
      throw new UsageError(
        "--input is required: the JSON report to re-render (one account's, as --format json writes it)",
      );
    }
    const { outputDir, formats } = parseOutputDir(given, false);
    const output = text('output');
    if (output !== undefined) checkOutput(output);
    const format = flag(RUN_FLAGS.format) ?? (io.stdout.isTTY === true ? 'table' : 'json');
    const listed = filterReport(readReportFile(input), parseListing(given));
    const render = (f: typeof format) => renderReport(listed, f);
    return outputDir
      ? writeOutputDir(
          render,
          { account: listed.accountId, runId: listed.runId },
          { outputDir, formats },
          io,
        )
      : writeOutput(render(format), { output }, io);
  } catch (error: unknown) {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof ReportFileError
    ) {
      io.stderr.write(
        `signing-cert-audit report: ${error.message}\nRun signing-cert-audit report --help for every flag.\n`,
      );
      return EXIT.usage;
    }
    throw error;
  }
}
