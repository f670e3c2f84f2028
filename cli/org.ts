import type { STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import { createOrganizationsClient, selectActiveAccounts } from '../lambda/aws/organizations';
import type { ChangeRecorder } from '../lambda/core/change-record';
import { describeError } from '../lambda/core/errors';
import { filterReport } from '../lambda/core/listing-filter';
import { buildOrgReport, failedAccount, type OrgScope } from '../lambda/core/org-report';
import type { AuditLogger } from '../lambda/engine/audit';
import { type AccountRun, auditAccount } from '../lambda/org';
import { ocsfJsonLines } from '../lambda/render/ocsf';
import { formatOrgTable, formatSummary, type OrgOutput } from '../lambda/render/text';
import type { ReportSink } from '../lambda/sinks/sink';
import { type CliOptions, EXIT } from './args';
import type { CliIo } from './io';
import type { RunOutcome } from './output';
import { progressFor } from './progress';
import { undoHint } from './undo';

/** What an organization run needs beyond the options. */
export interface OrgRunDeps {
  readonly sts: STSClient;
  readonly partition: string;
  readonly clientConfig: Readonly<Record<string, unknown>>;
  readonly logger: AuditLogger;
  readonly sinks: readonly ReportSink[];
  readonly stop?: AbortSignal;
  readonly runId: string;
  /** Where each change in every account is recorded before it is made. */
  readonly changeRecord?: ChangeRecorder;
}

/**
 * Audits the accounts the flags name (or every ACTIVE account of the organization), each
 * through its member role, `--account-concurrency` at a time, into one organization report,
 * and says what became of it for the one output and exit logic (output.ts): 3 if any account
 * could not be audited (or the time limit left some unstarted), 130 on Ctrl-C, else the one
 * findings rule over the accounts' summed summaries. Returns an exit status instead when the
 * accounts could not even be found.
 */
export async function runOrganization(
  options: CliOptions & { org: NonNullable<CliOptions['org']> },
  io: CliIo,
  deps: OrgRunDeps,
): Promise<RunOutcome | number> {
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
  const progress = progressFor(io.stderr, options, io.clock, accountIds.length);
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
            ...(deps.changeRecord ? { changeRecord: deps.changeRecord } : {}),
            ...(options.exemptions ? { exemptions: options.exemptions } : {}),
            ...(deps.stop ? { stop: deps.stop } : {}),
            ...(progress ? { onProgress: (p) => progress.update(p, accountId) } : {}),
          },
          accountId,
          options.policy,
          { dryRun },
        );
        progress?.accountDone();
        return run;
      }),
    ),
  ).finally(() => progress?.done());
  const report = buildOrgReport(
    deps.runId,
    now,
    runs.map((run) => run.result),
    scope,
  );
  const output: OrgOutput = {
    ...report,
    // Each account's listing filtered by --severity and --verdict; its summary the whole run's.
    reports: runs.flatMap((run) => {
      if (!run.report) return [];
      const listed = filterReport(run.report, options.listing);
      const accountId = run.report.accountId;
      return [{ ...listed, findings: listed.findings.map((f) => ({ accountId, ...f })) }];
    }),
  };
  // The time limit is not Ctrl-C: a run it cut short could not audit every account (exit 3).
  const unstarted = report.accounts.filter((a) => a.error?.startsWith('not started:')).length;
  const cutShort = deps.stop?.aborted === true && unstarted + report.counts.incomplete > 0;
  const awsFailures =
    report.counts.failed +
    report.counts.incomplete +
    // Every finding of the run, whatever the listing shows: the exit status is the whole run's.
    runs.flatMap((run) => run.report?.findings ?? []).filter((f) => f.error !== null).length;
  const changed = output.reports
    .filter((r) => r.summary.deactivated + r.summary.deleted > 0)
    .map((r) => r.accountId);
  return {
    render: (format) => renderOrgOutput(output, format),
    names: { account: 'organization', runId: report.runId },
    before: [],
    after: [
      `Organization run ${report.runId}: ${report.counts.accounts} account(s), ${report.counts.audited} audited, ${report.counts.incomplete} incomplete, ${report.counts.failed} failed.`,
      formatSummary(report.totals),
      ...report.accounts
        .filter((a) => a.status !== 'AUDITED')
        .map((a) => `signing-cert-audit: account ${a.accountId} ${a.status}: ${a.error}`),
      ...(changed.length > 0
        ? [undoHint(report.runId, options, { changeRecord: deps.changeRecord }, changed.join(','))]
        : []),
    ],
    interrupted: io.interrupt?.aborted ? {} : undefined,
    late:
      cutShort && deps.stop
        ? [
            `signing-cert-audit: ${stopReason(deps.stop, io)}: ${unstarted} account(s) not started, ${report.counts.incomplete} stopped early; the report says what was done`,
          ]
        : [],
    awsFailure: cutShort || awsFailures > 0,
    summary: report.totals,
    resultLead: [
      `${report.counts.audited} of ${report.counts.accounts} account(s) audited`,
      ...(report.counts.failed > 0 ? [`${report.counts.failed} failed`] : []),
      ...(report.counts.incomplete > 0 ? [`${report.counts.incomplete} incomplete`] : []),
    ],
  };
}

/** Why the run stopped: Ctrl-C (the interrupt's reason) or the time limit (its own). */
function stopReason(stop: AbortSignal, io: CliIo): string {
  const reason = typeof stop.reason === 'string' ? stop.reason : 'stopped';
  return io.interrupt?.aborted && io.interrupt.reason === stop.reason
    ? `the run was interrupted (${reason})`
    : reason;
}

/**
 * The organization run in the format --format names: the table, the OCSF records of every
 * audited account one after the other (each record names its account in `cloud.account.uid`),
 * or the JSON document.
 */
export function renderOrgOutput(output: OrgOutput, format: CliOptions['format']): string {
  if (format === 'table') return formatOrgTable(output);
  if (format === 'ocsf') return output.reports.map(ocsfJsonLines).join('');
  return `${JSON.stringify(output, null, 2)}\n`;
}
