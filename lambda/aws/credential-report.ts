import { Readable } from 'node:stream';
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { SigningCertAuditError } from '../core/errors';

/** The element of GetCredentialReport's XML answer that holds the report, base64-encoded. */
const CONTENT_OPEN = Buffer.from('<Content>');
const CONTENT_CLOSE = Buffer.from('</Content>');

/**
 * Takes the report out of GetCredentialReport's answer before the SDK parses it, and leaves the
 * SDK the rest (ReportFormat, GeneratedTime) to parse. The SDK's XML parser holds a large text
 * node many times over: for a 5,000-user report (1.5 MB of XML) the parse alone took the process
 * from 98 to 170 MB; read from the bytes and decoded once, the report costs about its own size.
 * A middleware of this command alone, inside the deserializer (it sees the answer as it came off
 * the wire, and hands the deserializer the rest).
 */
function takeContentRaw(command: GetCredentialReportCommand): { content(): Buffer | undefined } {
  let content: Buffer | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      if (response.statusCode !== 200 || !isAsyncIterable(response.body)) return result;
      const chunks: Buffer[] = [];
      for await (const chunk of response.body) chunks.push(Buffer.from(chunk as Uint8Array));
      const body = Buffer.concat(chunks);
      const start = body.indexOf(CONTENT_OPEN);
      const end = start === -1 ? -1 : body.indexOf(CONTENT_CLOSE, start);
      if (start !== -1 && end !== -1) {
        content = Buffer.from(
          body.subarray(start + CONTENT_OPEN.length, end).toString('latin1'),
          'base64',
        );
      }
      const rest =
        start === -1 || end === -1
          ? body
          : Buffer.concat([body.subarray(0, start), body.subarray(end + CONTENT_CLOSE.length)]);
      response.body = Readable.from([rest]);
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'takeCredentialReportContent' },
  );
  return { content: () => content };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof (value as AsyncIterable<unknown> | undefined)?.[Symbol.asyncIterator] === 'function'
  );
}

/** How long to wait for IAM to finish a report: it is usually seconds, even for 5,000 users. */
export const CREDENTIAL_REPORT_WAIT_MS = 60_000;
/** Time between GenerateCredentialReport polls. */
export const CREDENTIAL_REPORT_POLL_MS = 2_000;

/**
 * The oldest report a run trusts. IAM User Guide, "Getting credential reports for your AWS
 * account" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html):
 * when a report is requested, IAM reuses one generated within the past four hours and generates
 * a new one if the most recent is older. So the report a run reads is at most four hours old; an
 * older one (a stuck generation, a proxy's cache, an emulator) is not the account as it is, and
 * misses every certificate uploaded or reactivated since. Ten minutes on top of the window allow
 * for the time between the calls and for clock skew.
 */
export const CREDENTIAL_REPORT_MAX_AGE_MS = 4 * 3_600_000 + 10 * 60_000;

/** The report could not be had: not ready in time, refused, absent, or too old. Carries why. */
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
 * GetCredentialReport. Any failure (AccessDenied, not ready in time, ReportExpired, a report older
 * than the reuse window, …) comes back as a CredentialReportUnavailableError naming it, so the
 * caller can fall back to a full scan. `now` is the real clock, never a forecast's moment.
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
    const command = new GetCredentialReportCommand({});
    const raw = takeContentRaw(command);
    const output = await iam.send(command);
    const { GeneratedTime, ReportFormat } = output;
    // As the SDK parsed it when the answer was not a byte stream (a client that answers itself).
    const Content = raw.content() ?? (output.Content ? Buffer.from(output.Content) : undefined);
    if (Content === undefined || (ReportFormat !== undefined && ReportFormat !== 'text/csv')) {
      throw new CredentialReportUnavailableError(
        `GetCredentialReport returned no CSV (ReportFormat ${ReportFormat ?? 'absent'})`,
      );
    }
    const generatedAt = GeneratedTime ?? new Date(now());
    const age = now() - generatedAt.getTime();
    if (age > CREDENTIAL_REPORT_MAX_AGE_MS) {
      throw new CredentialReportUnavailableError(
        `the credential report was generated at ${generatedAt.toISOString()}, ${Math.round(age / 3_600_000)} hours before this run, older than IAM's four-hour reuse window: it would miss every certificate uploaded or reactivated since`,
      );
    }
    return { generatedAt, csv: Content.toString('utf8') };
  } catch (error: unknown) {
    if (error instanceof CredentialReportUnavailableError) throw error;
    const name = error instanceof Error ? error.name.replace(/(.)Exception$/, '$1') : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    throw new CredentialReportUnavailableError(`${name}: ${message}`, { cause: error });
  }
}
