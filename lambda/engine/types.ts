import type { IAMClient } from '@aws-sdk/client-iam';
import type pLimit from 'p-limit';
import type { CredentialReportWait } from '../aws/credential-report';
import type { IamUser } from '../aws/iam';
import type { ChangeBudget } from '../core/change-budget';
import type { ChangeRecorder } from '../core/change-record';
import type { CredentialType } from '../core/credential';
import type { ExemptionList } from '../core/exemptions';
import type { RunScope } from '../core/scope';
import type { ScanStrategy } from '../core/settings';

/** The logging the audit needs; Powertools Logger fits, and so does a CLI's own. */
export interface AuditLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** How far a run has got, for a progress bar. `usersListed` grows until `listingDone`. */
export interface AuditProgress {
  readonly usersListed: number;
  readonly usersScanned: number;
  readonly listingDone: boolean;
}

/** A user the scan reached, with how many signing certificates it was listed holding. */
export interface ScannedUser {
  readonly user: IamUser;
  /**
   * The certificates listed for the user; null when listing them failed (the user's ERROR, or
   * NOT_EVALUATED for a user deleted during the run, says why). With the credential-report
   * strategy a user whose row shows no Active certificate is not listed, and counts 0.
   */
  readonly certificates: number | null;
  /** The same credentials by kind (the Config rule's annotation names them); absent where listing failed. */
  readonly byKind?: Readonly<Partial<Record<CredentialType, number>>>;
}

/** Everything the audit talks to, built once by the caller and passed in. */
export interface AuditDeps {
  readonly iam: IAMClient;
  readonly logger: AuditLogger;
  /** The moment the policy is evaluated at. */
  readonly now: Date;
  readonly runId: string;
  readonly accountId: string;
  readonly onProgress?: (progress: AuditProgress) => void;
  /**
   * Aborted to stop the run early (Ctrl-C, a deadline): no new listing or change starts, the
   * calls in flight finish, and the report says what was really done, with `complete: false`.
   */
  readonly stop?: AbortSignal;
  /**
   * Where the change record goes: each change is written there before it is made (and its
   * outcome after), and a change whose record cannot be written is not made. Without one, a
   * deletion is refused.
   */
  readonly changeRecord?: ChangeRecorder;
  /**
   * The blast-radius guard over a window (core/change-budget.ts): before a run makes its
   * changes, it reserves them there, and makes none when they would take the account's window
   * past its limit. The functions that audit as events arrive have one; a scheduled run needs
   * none (its own limit is the guard).
   */
  readonly changeBudget?: ChangeBudget;
  /**
   * The checked entries of the exemptions file (core/exemptions.ts), when there is one: an entry
   * in force exempts the credentials it names from the age policy, whatever the exempt tag says.
   */
  readonly exemptions?: ExemptionList;
  /** How long to wait for the credential report, and how often to ask; the defaults suit Lambda. */
  readonly credentialReportWait?: Pick<CredentialReportWait, 'maxWaitMs' | 'pollMs'>;
  /**
   * Told once, when the scan is over, of every user it reached. The report lists findings only
   * (a compliant certificate, and a user without any, are counted, never listed); a caller that
   * needs each user, such as the Config rule's evaluations, learns them here, and the report's
   * schema stays as it is. A user the run never reached (it stopped, or ListUsers failed before
   * listing it) is not among them.
   */
  readonly onUsersScanned?: (users: readonly ScannedUser[]) => void;
}

/** Per-run options that are not policy. */
export interface AuditOptions {
  /**
   * Plan without changing anything: the configured mode decides each certificate's
   * `plannedAction` (and the blast-radius guard still applies), but no write call is made.
   */
  readonly dryRun?: boolean;
  /**
   * Overrides the policy's scan strategy for this run (the full-scan schedule's event): how an
   * account-scoped run finds its users. A users-scoped run reads each named user and never uses it.
   */
  readonly scanStrategy?: ScanStrategy;
  /** Which users the run covers: the whole account (the default), or the named users only. */
  readonly scope?: RunScope;
}

/** The run's one concurrency limit, shared by every phase so IAM sees at most that many calls. */
export type Limit = ReturnType<typeof pLimit>;
