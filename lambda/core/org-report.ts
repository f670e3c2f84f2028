import { SUMMARY_KEYS } from './counts';
import { highestSeverity, type Report, type Severity, type Summary } from './report';

/** How one account's audit ended. */
export type AccountStatus = 'AUDITED' | 'INCOMPLETE' | 'FAILED';

/** One account's line in the organization report: a small status, the report is archived. */
export interface AccountResult {
  readonly accountId: string;
  readonly status: AccountStatus;
  /** Null when the account could not be audited at all. */
  readonly summary: Summary | null;
  readonly severity: Severity | null;
  /** Why the account failed or is incomplete; null when audited whole. */
  readonly error: string | null;
  /** Where the account's whole report was archived (`s3://…`), when it was. */
  readonly reportLocation: string | null;
}

/** An ACTIVE account a run's selection left out, and which setting did. */
export interface ExcludedAccount {
  readonly accountId: string;
  readonly name: string;
  readonly reason: 'excludeOus' | 'excludeAccounts' | 'includeAccounts';
}

/** Which accounts a run set out to audit: its selection, and whom that left out. */
export interface OrgScope {
  /** The selection settings (an empty list filters nothing). */
  readonly selection: {
    readonly includeOus: readonly string[];
    readonly excludeOus: readonly string[];
    readonly includeAccounts: readonly string[];
    readonly excludeAccounts: readonly string[];
  };
  /** ACTIVE accounts listed but left out (accounts outside includeOus are never listed). */
  readonly excluded: readonly ExcludedAccount[];
}

/** The organization report: every account's status and summary, and the totals. */
export interface OrgReport {
  readonly schemaVersion: '1';
  readonly source: 'signing-cert-audit';
  readonly kind: 'organization';
  readonly runId: string;
  readonly evaluatedAt: string;
  /** Highest severity over the accounts, HIGH when one could not be audited. */
  readonly severity: Severity;
  readonly accounts: readonly AccountResult[];
  /** The run's selection and the accounts it left out; null when the accounts were named. */
  readonly scope: OrgScope | null;
  /** The sums of the audited accounts' summaries. */
  readonly totals: Summary;
  readonly counts: {
    readonly accounts: number;
    readonly audited: number;
    readonly incomplete: number;
    readonly failed: number;
  };
}

/** A zero summary, to add accounts' summaries into: every field of the table's counts. */
export function emptySummary(): Summary {
  return Object.fromEntries(SUMMARY_KEYS.map((key) => [key, 0])) as unknown as Summary;
}

/**
 * The small status of one account's run, from its report: AUDITED only when the run saw every
 * user and read every subject; INCOMPLETE, with why, when it stopped early or some user (or the
 * root user) could not be read: what those hold is unknown, so the account is not audited whole.
 */
export function accountResultOf(report: Report, reportLocation: string | null): AccountResult {
  const unread = report.findings.filter((f) => f.verdict === 'ERROR' && f.error !== null);
  const notRead =
    report.summary.unread > 0
      ? `not fully audited: ${report.summary.unread} subject(s) could not be read (${unread
          .slice(0, 3)
          .map((f) => `${f.userName}: ${f.error?.code}`)
          .join(
            ', ',
          )}${unread.length > 3 ? ', …' : ''}); what they hold is unknown, not fixed, and their findings stand`
      : null;
  const why = [report.incompleteReason, notRead].filter((text) => text !== null).join('; ');
  return {
    accountId: report.accountId,
    status: why === '' ? 'AUDITED' : 'INCOMPLETE',
    summary: report.summary,
    severity: report.severity,
    error: why === '' ? null : why,
    reportLocation,
  };
}

/** The status of an account that could not be audited. */
export function failedAccount(accountId: string, error: string): AccountResult {
  return {
    accountId,
    status: 'FAILED',
    summary: null,
    severity: null,
    error,
    reportLocation: null,
  };
}

/** Builds the organization report; accounts sorted by id, totals summed over every summary. */
export function buildOrgReport(
  runId: string,
  now: Date,
  results: readonly AccountResult[],
  scope: OrgScope | null = null,
): OrgReport {
  const accounts = [...results].sort((a, b) =>
    a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0,
  );
  const totals = emptySummary() as Record<keyof Summary, number>;
  for (const account of accounts) {
    if (!account.summary) continue;
    for (const key of SUMMARY_KEYS) totals[key] += account.summary[key] ?? 0;
  }
  const count = (status: AccountStatus) => accounts.filter((a) => a.status === status).length;
  const failed = count('FAILED');
  return {
    schemaVersion: '1',
    source: 'signing-cert-audit',
    kind: 'organization',
    runId,
    evaluatedAt: now.toISOString(),
    severity: highestSeverity([
      ...accounts.flatMap((a) => (a.severity ? [a.severity] : [])),
      ...(failed > 0 || count('INCOMPLETE') > 0 ? (['HIGH'] as const) : []),
    ]),
    accounts,
    scope,
    totals,
    counts: {
      accounts: accounts.length,
      audited: count('AUDITED'),
      incomplete: count('INCOMPLETE'),
      failed,
    },
  };
}

/**
 * Whether an account needs someone: not audited whole, or a failing finding (the check table's
 * rule, which covers non-compliant, withheld, root and ERROR findings).
 */
export function needsAttention(account: AccountResult): boolean {
  const summary = account.summary;
  return account.status !== 'AUDITED' || summary === null || summary.failing > 0;
}

const STATUS_ORDER: Readonly<Record<AccountStatus, number>> = {
  FAILED: 0,
  INCOMPLETE: 1,
  AUDITED: 2,
};

/** The order people read accounts in: failed, incomplete, then the most non-compliant, then id. */
export function byAttention(a: AccountResult, b: AccountResult): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    (b.summary?.nonCompliant ?? 0) - (a.summary?.nonCompliant ?? 0) ||
    (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0)
  );
}

/** How many entries of each of the scope's lists a message left out. */
export interface ScopeOmitted {
  readonly includeOus: number;
  readonly excludeOus: number;
  readonly includeAccounts: number;
  readonly excludeAccounts: number;
  readonly excluded: number;
}

/** The organization report as a message carries it: whole, or cut down to fit. */
export type OrgReportMessage = OrgReport & {
  /** `all`, or `attention`: only the accounts that need attention, most urgent first. */
  readonly accountsListed: 'all' | 'attention';
  /** Accounts left out of `accounts` (the archived report lists them all). */
  readonly accountsOmitted: number;
  /** Entries left out of each list of `scope` (the archived report lists them all). */
  readonly scopeOmitted: ScopeOmitted;
};

/**
 * Most entries of each scope list a cut message keeps, tried in turn: a pilot `includeAccounts`
 * in a large organization leaves thousands of accounts out, and every list is bounded.
 */
const SCOPE_CAPS = [100, 10, 0] as const;

/** The scope with each of its lists cut to `cap` entries, and how many each lost. */
function cutScope(
  scope: OrgScope | null,
  cap: number,
): { scope: OrgScope | null; scopeOmitted: ScopeOmitted } {
  const selection = scope?.selection;
  const lost = (list: readonly unknown[] | undefined) => Math.max(0, (list?.length ?? 0) - cap);
  const scopeOmitted: ScopeOmitted = {
    includeOus: lost(selection?.includeOus),
    excludeOus: lost(selection?.excludeOus),
    includeAccounts: lost(selection?.includeAccounts),
    excludeAccounts: lost(selection?.excludeAccounts),
    excluded: lost(scope?.excluded),
  };
  if (scope === null || selection === undefined) return { scope, scopeOmitted };
  return {
    scope: {
      selection: {
        includeOus: selection.includeOus.slice(0, cap),
        excludeOus: selection.excludeOus.slice(0, cap),
        includeAccounts: selection.includeAccounts.slice(0, cap),
        excludeAccounts: selection.excludeAccounts.slice(0, cap),
      },
      excluded: scope.excluded.slice(0, cap),
    },
    scopeOmitted,
  };
}

/**
 * The organization report cut to fit `maxBytes` of JSON. Whole when it fits; else every list is
 * cut, saying how many it left out: the scope's lists first (at most 100 entries each, then 10,
 * then none), then the accounts, of which only those that need attention are kept, most urgent
 * first, as many as fit. Totals and counts always cover every account; the archive holds the
 * whole report.
 */
export function reportForMessage(report: OrgReport, maxBytes: number): OrgReportMessage {
  const whole: OrgReportMessage = {
    ...report,
    accountsListed: 'all',
    accountsOmitted: 0,
    scopeOmitted: cutScope(report.scope, Number.POSITIVE_INFINITY).scopeOmitted,
  };
  const fits = (message: OrgReportMessage) => utf8Bytes(JSON.stringify(message)) <= maxBytes;
  if (fits(whole)) return whole;
  const allAccounts: OrgReportMessage = { ...whole, ...cutScope(report.scope, SCOPE_CAPS[0]) };
  if (fits(allAccounts)) return allAccounts;
  const urgent = report.accounts.filter(needsAttention).sort(byAttention);
  let shell: OrgReportMessage = allAccounts;
  for (const cap of SCOPE_CAPS) {
    shell = {
      ...report,
      ...cutScope(report.scope, cap),
      accounts: [],
      accountsListed: 'attention',
      accountsOmitted: report.accounts.length,
    };
    if (fits(shell)) break;
  }
  const kept: AccountResult[] = [];
  let size = utf8Bytes(JSON.stringify(shell));
  for (const account of urgent) {
    const added = utf8Bytes(JSON.stringify(account)) + 1;
    if (size + added > maxBytes) break;
    kept.push(account);
    size += added;
  }
  return { ...shell, accounts: kept, accountsOmitted: report.accounts.length - kept.length };
}

const encoder = new TextEncoder();
function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}
