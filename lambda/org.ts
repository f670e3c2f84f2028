import type { IAMClientConfig } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { createIamClient } from './aws/iam';
import { enterMemberAccount } from './aws/sts';
import type { ChangeBudget } from './core/change-budget';
import type { ChangeRecorder } from './core/change-record';
import type { ExemptionList } from './core/exemptions';
import { type AccountResult, accountResultOf, failedAccount } from './core/org-report';
import type { Report } from './core/report';
import { accountRunId } from './core/run-id';
import type { Policy } from './core/settings';
import type { AuditLogger, AuditOptions, AuditProgress } from './engine/audit';
import { runAndDeliver } from './run';
import type { ReportSink } from './sinks/sink';

/** What auditing one member account needs: how to reach it, and where its report goes. */
export interface AccountRunDeps {
  /** STS with the central credentials: it assumes each member role. */
  readonly sts: STSClient;
  readonly roleName: string;
  readonly partition: string;
  /** The organization run's id: names each session and each account's run. */
  readonly orgRunId: string;
  readonly now: Date;
  readonly logger: AuditLogger;
  /** Settings for the member's IAM client (region, endpoint); its credentials are the role's. */
  readonly iamConfig?: IAMClientConfig;
  /** The sinks of one account's report, with the central credentials (the archive). */
  readonly sinks: readonly ReportSink[];
  /** Where each change in the account is recorded before it is made, with the central credentials. */
  readonly changeRecord?: ChangeRecorder;
  /** The blast-radius guard over a window, for the organization's real-time function. */
  readonly changeBudget?: ChangeBudget;
  /** The exemptions file's entries: each account applies those that name it or no account. */
  readonly exemptions?: ExemptionList;
  /**
   * Sinks that deliver inside the member account, built with the member role's client settings
   * (Security Hub: the account a finding belongs to imports it); after `sinks`.
   */
  readonly memberSinks?: (clientConfig: Readonly<Record<string, unknown>>) => readonly ReportSink[];
  readonly stop?: AbortSignal;
  /** The account's scan as it goes (the CLI's progress line); the functions leave it out. */
  readonly onProgress?: (progress: AuditProgress) => void;
}

/** One account's outcome: the small status, and the whole report when it was audited. */
export interface AccountRun {
  readonly result: AccountResult;
  readonly report?: Report;
}

/**
 * Audits one member account through its role, with the same run (audit → sinks → log) as the
 * single-account function. A role that cannot be assumed, or a report that could not be
 * delivered, makes the account FAILED with why; it never stops the other accounts.
 */
export async function auditAccount(
  deps: AccountRunDeps,
  accountId: string,
  policy: Policy,
  options: AuditOptions & { readonly dryRun: boolean },
): Promise<AccountRun> {
  const access = await enterMemberAccount(
    deps.sts,
    {
      accountId,
      roleName: deps.roleName,
      partition: deps.partition,
      sessionName: `signing-cert-audit-${deps.orgRunId}`,
    },
    deps.iamConfig as Readonly<Record<string, unknown>> | undefined,
  );
  if ('error' in access) {
    deps.logger.warn('Could not assume the member role; the account is not audited', {
      accountId,
      error: access.error,
    });
    return { result: failedAccount(accountId, access.error) };
  }
  const memberConfig = access.clientConfig;
  const { report, deliveries, failures } = await runAndDeliver(
    {
      iam: createIamClient(memberConfig),
      logger: deps.logger,
      now: deps.now,
      runId: accountRunId(deps.orgRunId, accountId),
      accountId,
      sinks: [
        ...deps.sinks,
        ...(deps.memberSinks?.(memberConfig as Readonly<Record<string, unknown>>) ?? []),
      ],
      ...(deps.changeRecord ? { changeRecord: deps.changeRecord } : {}),
      ...(deps.changeBudget ? { changeBudget: deps.changeBudget } : {}),
      ...(deps.exemptions ? { exemptions: deps.exemptions } : {}),
      ...(deps.stop ? { stop: deps.stop } : {}),
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
    },
    policy,
    options,
  );
  // Where the archive says it wrote the report: never a location computed for an unwritten one.
  const location =
    deliveries.flatMap((d) =>
      d.status === 'delivered' && d.archived ? [d.archived.report] : [],
    )[0] ?? null;
  if (failures.length > 0) {
    const why = failures.map((f) => `${f.sink}: ${f.error.message}`).join('; ');
    return {
      result: {
        ...accountResultOf(report, null),
        status: 'FAILED',
        error: `delivery failed: ${why}`,
      },
      report,
    };
  }
  return { result: accountResultOf(report, location), report };
}
