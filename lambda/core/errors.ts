/** The base of every error this package throws on purpose; catch it to tell ours from a crash. */
export class SigningCertAuditError extends Error {
  override readonly name: string = 'SigningCertAuditError';
}

/** Settings outside what the policy allows; names each bad setting, its value and what is allowed. */
export class ConfigError extends SigningCertAuditError {
  override readonly name = 'ConfigError';

  /** Each problem, one sentence each, as joined into the message. */
  readonly problems: readonly string[];

  constructor(message: string, options: ErrorOptions & { problems?: readonly string[] } = {}) {
    super(message, { cause: options.cause });
    this.problems = options.problems ?? [message];
  }

  /** One error for all the problems: the problem itself, or a line each. */
  static of(problems: readonly string[]): ConfigError {
    const message =
      problems.length === 1
        ? (problems[0] as string)
        : `${problems.length} settings are not allowed:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
    return new ConfigError(message, { problems });
  }

  /** Runs every parse, gathering the problems of each ConfigError: the results, or one error for all. */
  static gather<T>(parses: readonly (() => T)[]): T[] {
    const problems: string[] = [];
    const results = parses.flatMap((parse) => {
      try {
        return [parse()];
      } catch (error: unknown) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(...error.problems);
        return [];
      }
    });
    if (problems.length > 0) throw ConfigError.of(problems);
    return results;
  }
}

/** `name=value is not allowed: expected …`, the one form every refused setting is named in. */
export function notAllowedAs(name: string, value: unknown, allowed: string): string {
  const shown = JSON.stringify(value) ?? String(value);
  const bounded = shown.length > 80 ? `${shown.slice(0, 80)}…` : shown;
  return `${name}=${bounded} is not allowed: expected ${allowed}`;
}

/** The error code and message of a failed AWS call, as recorded in a finding. */
export interface ErrorDetail {
  readonly code: string;
  readonly message: string;
}

/** Longest error message kept in a finding: AWS's own messages are short; this bounds the report. */
const MAX_ERROR_MESSAGE = 500;

/**
 * Extracts an AWS error's code and message from anything thrown. The SDK names a modelled error
 * `<Code>Exception` (NoSuchEntityException for NoSuchEntity); the report uses the service's own
 * documented code, so the suffix is dropped.
 */
export function describeError(error: unknown): ErrorDetail {
  if (error instanceof Error) {
    // AWS errors carry `Code`; Node's system errors `code` (ENOSPC, EACCES) and a plain name.
    const { Code, code: system } = error as { Code?: unknown; code?: unknown };
    const code =
      typeof Code === 'string' && Code.length > 0
        ? Code
        : error.name === 'Error' && typeof system === 'string' && system.length > 0
          ? system
          : error.name.replace(/(.)Exception$/, '$1');
    return { code, message: truncate(error.message || code) };
  }
  return { code: 'UnknownError', message: truncate(String(error)) };
}

function truncate(text: string): string {
  return text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE - 1)}…` : text;
}
