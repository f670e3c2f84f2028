import type { ErrorDetail } from './errors';
import type { RestoreAction, RestoreStep } from './restore-plan';

/** A restore step with what became of it (lambda/restore.ts). */
export interface RestoreStepResult extends RestoreStep {
  readonly action: RestoreAction;
  readonly newCertificateId: string | null;
  readonly actionError: ErrorDetail | null;
}

/** An account a restore went into: restored (or planned), without a record, or failed (with why). */
export interface RestoreAccount {
  readonly accountId: string;
  readonly status: 'RESTORED' | 'NO_RECORD' | 'FAILED';
  readonly error: string | null;
}

/** The counts of a restore. */
export interface RestoreSummary {
  /** Recorded changes read. */
  readonly recorded: number;
  /** Planned inverses (made, withheld, failed or not, as `action` says). */
  readonly restorable: number;
  /** Inverses made: reactivated, uploaded again, or an upload's status finished. */
  readonly restored: number;
  readonly alreadyRestored: number;
  readonly nothingToRestore: number;
  /** Changes that cannot or must not be undone; each step says why. */
  readonly refused: number;
  readonly withheld: number;
  readonly failed: number;
}

/** What `signing-cert-audit restore` reports: its plan, or what it did. Never a certificate body. */
export interface RestoreReport {
  readonly schemaVersion: '1';
  readonly source: 'signing-cert-audit';
  readonly kind: 'restore';
  /** This restore's id: its own changes are recorded under it. */
  readonly runId: string;
  readonly evaluatedAt: string;
  /** False for a plan (nothing changed). */
  readonly apply: boolean;
  /** The runs whose changes are undone. */
  readonly restores: readonly string[];
  /** Where the record was read from (and this restore's own record written to). */
  readonly record: string;
  /** False when stopped early or when an account could not be restored: see `incompleteReason`. */
  readonly complete: boolean;
  readonly incompleteReason: string | null;
  readonly summary: RestoreSummary;
  readonly accounts: readonly RestoreAccount[];
  /** The newest change first: the order they are undone in. */
  readonly steps: readonly RestoreStepResult[];
  /**
   * What of the record could not be used, each said once: a torn line passed over (a write cut
   * short when a process was killed), an archived report that is not one.
   */
  readonly recordProblems: readonly string[];
}

/** Counts the steps by verdict and action. */
export function summarizeRestore(steps: readonly RestoreStepResult[]): RestoreSummary {
  const count = (test: (step: RestoreStepResult) => boolean) => steps.filter(test).length;
  return {
    recorded: steps.length,
    restorable: count((s) => s.verdict === 'RESTORABLE'),
    restored: count(
      (s) => s.action === 'REACTIVATED' || s.action === 'UPLOADED' || s.action === 'DEACTIVATED',
    ),
    alreadyRestored: count((s) => s.verdict === 'ALREADY_RESTORED'),
    nothingToRestore: count((s) => s.verdict === 'NOTHING_TO_RESTORE'),
    refused: count((s) => s.verdict === 'REFUSED'),
    withheld: count((s) => s.action === 'WITHHELD'),
    failed: count((s) => s.action === 'FAILED'),
  };
}

/** Builds the restore's report from its steps and accounts. */
export function buildRestoreReport(input: {
  readonly runId: string;
  readonly now: Date;
  readonly apply: boolean;
  readonly restores: readonly string[];
  readonly record: string;
  readonly accounts: readonly RestoreAccount[];
  readonly steps: readonly RestoreStepResult[];
  readonly stoppedReason: string | null;
  readonly recordProblems?: readonly string[];
}): RestoreReport {
  const failedAccounts = input.accounts.filter((a) => a.status === 'FAILED');
  const reasons = [
    ...(input.stoppedReason ? [`stopped early (${input.stoppedReason})`] : []),
    ...failedAccounts.map((a) => `account ${a.accountId}: ${a.error}`),
  ];
  return {
    schemaVersion: '1',
    source: 'signing-cert-audit',
    kind: 'restore',
    runId: input.runId,
    evaluatedAt: input.now.toISOString(),
    apply: input.apply,
    restores: input.restores,
    record: input.record,
    complete: reasons.length === 0,
    incompleteReason: reasons.length === 0 ? null : reasons.join('; '),
    summary: summarizeRestore(input.steps),
    accounts: input.accounts,
    steps: input.steps,
    recordProblems: input.recordProblems ?? [],
  };
}
