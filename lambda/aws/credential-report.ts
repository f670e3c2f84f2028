import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { SigningCertAuditError } from '../core/errors';

/** How long to wait for IAM to finish a report: it is usually seconds, even for 5,000 users. */
export const CREDENTIAL_REPORT_WAIT_MS = 60_000;
/** Time between GenerateCredentialReport polls. */
export const CREDENTIAL_REPORT_POLL_MS = 2_000;

/** The report could not be had: not ready in time, refused, or absent. Carries why. */
export class CredentialReportUnavailableError extends SigningCertAuditError {
  override readonly name = 'CredentialReportUnavailableError';
}

/** The account's credential report, as IAM returned it. */
export interface CredentialReport {
  readonly generatedAt: Date;
  readonly csv: string;
}

/** How to wait for the report; the defaults suit a Lambda run. */
export interface CredentialReportWait {
  readonly maxWaitMs?: number;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Stops the wait when the run is stopped. */
  readonly stop?: AbortSignal;
}

/**
 * Asks IAM for the account's credential report: GenerateCredentialReport (which reuses one
 * generated within the last four hours) until its State is COMPLETE, within a bound, then
 * GetCredentialReport. Any failure (AccessDenied, not ready in time, ReportExpired, …) comes back
 * as a CredentialReportUnavailableError naming it, so the caller can fall back to a full scan.
 */
export async function fetchCredentialReport(
  iam: IAMClient,
  wait: CredentialReportWait = {},
): Promise<CredentialReport> {
  const maxWaitMs = wait.maxWaitMs ?? CREDENTIAL_REPORT_WAIT_MS;
  const pollMs = wait.pollMs ?? CREDENTIAL_REPORT_POLL_MS;
  const sleep = wait.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const now = wait.now ?? (() => Date.now());
  const started = now();
  try {
    for (;;) {
      const { State } = await iam.send(new GenerateCredentialReportCommand({}));
      if (State === 'COMPLETE') break;
      if (wait.stop?.aborted) throw new CredentialReportUnavailableError('the run was stopped');
      if (now() - started + pollMs > maxWaitMs) {
        throw new CredentialReportUnavailableError(
          `the credential report was not ready within ${Math.round(maxWaitMs / 1000)} s (State ${State ?? 'absent'})`,
        );
      }
      await sleep(pollMs);
    }
    const { Content, GeneratedTime, ReportFormat } = await iam.send(
      new GetCredentialReportCommand({}),
    );
    if (Content === undefined || (ReportFormat !== undefined && ReportFormat !== 'text/csv')) {
      throw new CredentialReportUnavailableError(
        `GetCredentialReport returned no CSV (ReportFormat ${ReportFormat ?? 'absent'})`,
      );
    }
    return {
      generatedAt: GeneratedTime ?? new Date(now()),
      csv: Buffer.from(Content).toString('utf8'),
    };
  } catch (error: unknown) {
    if (error instanceof CredentialReportUnavailableError) throw error;
    const name = error instanceof Error ? error.name.replace(/(.)Exception$/, '$1') : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    throw new CredentialReportUnavailableError(`${name}: ${message}`, { cause: error });
  }
}
