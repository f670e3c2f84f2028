import { writeFileSync } from 'node:fs';
import type { STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import type { AuditLogger } from '../lambda/audit';
import { createOrganizationsClient, selectActiveAccounts } from '../lambda/aws/organizations';
import { describeError } from '../lambda/core/errors';
import {
  buildOrgReport,
  failedAccount,
  type OrgReport,
  type OrgScope,
} from '../lambda/core/org-report';
import type { Report } from '../lambda/core/report';
import { type AccountRun, auditAccount } from '../lambda/org';
import type { ReportSink } from '../lambda/sinks/sink';
import { type CliOptions, EXIT, findingsExit } from './args';
import { formatSummary, formatTable } from './formats';
import type { CliIo } from './io';

/** What an organization run needs beyond the options. */
export interface OrgRunDeps {
  readonly sts: STSClient;
  readonly partition: string;
  readonly clientConfig: Readonly<Record<string, unknown>>;
  readonly logger: AuditLogger;
  readonly sinks: readonly ReportSink[];
  readonly stop?: AbortSignal;
  readonly runId: string;
}

/** The organization report as the CLI prints it: the report and every account's whole report. */
export interface OrgOutput extends OrgReport {
  /** Each audited account's report; each finding also carries its `accountId`. */
  readonly reports: readonly (Report & {
    readonly findings: readonly (Report['findings'][number] & { readonly accountId: string })[];
  })[];
}

/**
 * Audits the accounts the flags name (or every ACTIVE account of the organization), each
 * through its member role, `--account-concurrency` at a time, and prints one organization
 * report. Exit status as for one account, over all of them: 3 if any account could not be
 * audited (or the time limit left some unstarted), 130 on Ctrl-C, else the one findings rule
 * ({@link findingsExit}) over the accounts' summed summaries.
 */
export async function runOrganization(
  options: CliOptions & { org: NonNullable<CliOptions['org']> },
  io: CliIo,
  deps: OrgRunDeps,
): Promise<number> {
  let accountIds: readonly string[];
  let scope: OrgScope | null = null;
  if (options.org.accounts === 'organization') {
    try {
      const organizations = createOrganizationsClient(deps.clientConfig);
      const selection = {
        includeOus: [],
        excludeOus: [],
        includeAccounts: [],
        excludeAccounts: [],
      };
      const selected = await selectActiveAccounts(organizations, selection);
      accountIds = selected.accounts.map((a) => a.accountId);
      scope = { selection, excluded: selected.excluded };
      if (accountIds.length === 0) {
        io.stderr.write(
          'signing-cert-audit: ListAccounts found no ACTIVE account in the organization: nothing was audited\n',
        );
        return EXIT.aws;
      }
    } catch (error: unknown) {
      const { code, message } = describeError(error);
      io.stderr.write(
        `signing-cert-audit: ListAccounts (finding the organization's accounts) failed: ${code}: ${message}\n`,
      );
      return EXIT.aws;
    }
  } else {
    accountIds = options.org.accounts;
  }
  const now = options.asOf ?? new Date();
  const dryRun = !options.apply;
  const limit = pLimit(options.org.concurrency);
  let done = 0;
  const runs: AccountRun[] = await Promise.all(
    accountIds.map((accountId) =>
      limit(async (): Promise<AccountRun> => {
        // Stopped (Ctrl-C, --time-limit): an account not yet started is not started (no
        // AssumeRole, no audit), and says which of the two stopped it.
        if (deps.stop?.aborted) {
          return { result: failedAccount(accountId, `not started: ${stopReason(deps.stop, io)}`) };
        }
        const run = await auditAccount(
          {
            sts: deps.sts,
            roleName: options.org.roleName,
            partition: deps.partition,
            orgRunId: deps.runId,
            now,
            logger: deps.logger,
            iamConfig: deps.clientConfig,
            sinks: deps.sinks,
            ...(deps.stop ? { stop: deps.stop } : {}),
          },
          accountId,
          options.policy,
          { dryRun },
        );
        done += 1;
        if (io.stderr.isTTY) io.stderr.write(`\rAccounts audited: ${done}/${accountIds.length}`);
        return run;
      }),
    ),
  );
  if (io.stderr.isTTY && accountIds.length > 0) io.stderr.write('\n');
  const report = buildOrgReport(
    deps.runId,
    now,
    runs.map((run) => run.result),
    scope,
  );
  const output: OrgOutput = {
    ...report,
    reports: runs.flatMap((run) =>
      run.report
        ? [
            {
              ...run.report,
              findings: run.report.findings.map((f) => ({
                accountId: run.report?.accountId ?? '',
                ...f,
              })),
            },
          ]
        : [],
    ),
  };
  const rendered =
    options.format === 'table' ? formatOrgTable(output) : `${JSON.stringify(output, null, 2)}\n`;
  let status: number = EXIT.clean;
  if (options.output) {
    try {
      writeFileSync(options.output, rendered);
    } catch (error: unknown) {
      io.stdout.write(rendered);
      io.stderr.write(
        `signing-cert-audit: --output=${JSON.stringify(options.output)} could not be written (${describeError(error).message}); the report went to standard output\n`,
      );
      status = EXIT.usage;
    }
  } else io.stdout.write(rendered);

  io.stderr.write(
    `Organization run ${report.runId}: ${report.counts.accounts} account(s), ${report.counts.audited} audited, ${report.counts.incomplete} incomplete, ${report.counts.failed} failed.\n${formatSummary(report.totals)}\n`,
  );
  for (const account of report.accounts.filter((a) => a.status !== 'AUDITED')) {
    io.stderr.write(
      `signing-cert-audit: account ${account.accountId} ${account.status}: ${account.error}\n`,
    );
  }
  if (io.interrupt?.aborted) return EXIT.interrupted;
  // The time limit is not Ctrl-C: a run it cut short could not audit every account (exit 3).
  const unstarted = report.accounts.filter((a) => a.error?.startsWith('not started:')).length;
  if (deps.stop?.aborted && unstarted + report.counts.incomplete > 0) {
    io.stderr.write(
      `signing-cert-audit: ${stopReason(deps.stop, io)}: ${unstarted} account(s) not started, ${report.counts.incomplete} stopped early; the report says what was done\n`,
    );
    return EXIT.aws;
  }
  if (status !== EXIT.clean) return status;
  const awsFailures =
    report.counts.failed +
    report.counts.incomplete +
    output.reports.flatMap((r) => r.findings).filter((f) => f.error !== null).length;
  if (awsFailures > 0) return EXIT.aws;
  return findingsExit(report.totals, options.failOn);
}

/** One line per account, then every finding with its account. */
export function formatOrgTable(output: OrgOutput): string {
  const rows = output.accounts.map((a) => [
    a.accountId,
    a.status,
    a.severity ?? '-',
    String(a.summary?.usersScanned ?? '-'),
    String(a.summary?.nonCompliant ?? '-'),
    String(a.summary?.deactivated ?? '-'),
    String(a.summary?.deleted ?? '-'),
    String(a.summary?.errors ?? '-'),
    a.error ?? '',
  ]);
  const header = [
    'account',
    'status',
    'severity',
    'users',
    'non-compliant',
    'deactivated',
    'deleted',
    'errors',
    'why',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column < header.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell))
      .join('  ')
      .trimEnd();
  // The last column (why) is free text: its rule is as wide as its title, not its longest cell.
  const rule = widths.map((w, column) => '-'.repeat(column < header.length - 1 ? w : 3));
  const out = [line(header), line(rule), ...rows.map(line), ''];
  for (const report of output.reports) {
    if (report.findings.length === 0) continue;
    out.push(`Account ${report.accountId}:`, formatTable(report).trimEnd(), '');
  }
  return `${out.join('\n')}\n`;
}

/** Why the run stopped: Ctrl-C (the interrupt's reason) or the time limit (its own). */
function stopReason(stop: AbortSignal, io: CliIo): string {
  const reason = typeof stop.reason === 'string' ? stop.reason : 'stopped';
  return io.interrupt?.aborted && io.interrupt.reason === stop.reason
    ? `the run was interrupted (${reason})`
    : reason;
}
