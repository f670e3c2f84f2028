import type { Report } from './report';

/** A setting was given a value outside what the policy allows; names the setting, the value and what is allowed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The invocation event carried something other than the optional `{"dryRun": boolean}`. */
export class InvocationEventError extends Error {
  override readonly name = 'InvocationEventError';
}

/**
 * The audit could not see the whole account (listing users failed). It carries the partial
 * report so the caller can log and publish what was done before failing the run.
 */
export class AuditIncompleteError extends Error {
  override readonly name = 'AuditIncompleteError';

  constructor(
    message: string,
    readonly report: Report,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** Publishing the report to SNS failed after the SDK's retries. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
}

/** The error code and message of a failed AWS call, as recorded in a finding. */
export interface ErrorDetail {
  readonly code: string;
  readonly message: string;
}

/** Longest error message kept in a finding: IAM's own messages are short; this bounds the report. */
const MAX_ERROR_MESSAGE = 500;

/**
 * Extracts an AWS error's code and message from anything thrown. The SDK names a modelled error
 * `<Code>Exception` (NoSuchEntityException for NoSuchEntity); the report uses the service's own
 * documented code, so the suffix is dropped.
 */
export function describeError(error: unknown): ErrorDetail {
  if (error instanceof Error) {
    const { Code } = error as { Code?: unknown };
    const code =
      typeof Code === 'string' && Code.length > 0
        ? Code
        : error.name.replace(/(.)Exception$/, '$1');
    return { code, message: truncate(error.message || code) };
  }
  return { code: 'UnknownError', message: truncate(String(error)) };
}

/** True when IAM says the user or certificate does not exist (it vanished during the run). */
export function isNoSuchEntity(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { Code } = error as { Code?: unknown };
  return (
    error.name === 'NoSuchEntityException' ||
    error.name === 'NoSuchEntity' ||
    Code === 'NoSuchEntity'
  );
}

function truncate(text: string): string {
  return text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE - 1)}…` : text;
}
