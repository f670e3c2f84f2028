import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The script that validates requests with botocore's service model (see its docstring). */
const VALIDATOR = fileURLToPath(new URL('./validate_request.py', import.meta.url));

/** What botocore's model finds wrong with one request; both empty when the model allows it. */
export interface RequestProblems {
  /** `botocore.validate.ParamValidator`'s report: types, required members, minimums. */
  readonly paramValidator: readonly string[];
  /** The model's maximums and enums, which ParamValidator leaves to the service. */
  readonly modelConstraints: readonly string[];
}

/**
 * Validates request parameters as the SDK would send them against the operation's input shape
 * in botocore's own service model (the Python that runs moto has botocore; MOTO_PYTHON names
 * another). An emulator that accepts anything (moto takes any PutEvaluations in test mode) proves
 * nothing about a request: this does. Dates are sent as ISO 8601 strings, as the model allows.
 * Throws, saying what to install, when no such Python is there: a test is never silently passed.
 */
export function validateRequests(
  service: string,
  operation: string,
  requests: readonly object[],
): RequestProblems[] {
  const python = process.env.MOTO_PYTHON ?? 'python3';
  const run = spawnSync(python, [VALIDATOR], {
    input: JSON.stringify({ service, operation, requests }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error || run.status !== 0) {
    throw new Error(
      `validating ${operation} with botocore failed (${python} ${VALIDATOR}): ${run.error?.message ?? run.stderr.trim()}; install botocore for ${python} (pip install botocore), or set MOTO_PYTHON to a Python that has it`,
    );
  }
  const { results } = JSON.parse(run.stdout) as { results: RequestProblems[] };
  return results;
}

/** Every problem of every request, each prefixed with the request's index: `[]` when all are valid. */
export function problemsOf(results: readonly RequestProblems[]): string[] {
  return results.flatMap((result, index) =>
    [...result.paramValidator, ...result.modelConstraints].map(
      (problem) => `request ${index}: ${problem}`,
    ),
  );
}

/** The script that checks raw responses with botocore's parser and model (see its docstring). */
const RESPONSE_VALIDATOR = fileURLToPath(new URL('./validate_response.py', import.meta.url));

/** One HTTP response as it came off the wire, and the operation it answers. */
export interface OperationResponse {
  /** The operation's name, e.g. `ListServiceSpecificCredentials`. */
  readonly operation: string;
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What botocore's model says about an error response. */
export interface ResponseError {
  readonly code: string;
  readonly message: string;
  readonly status: number;
  /** Whether the operation's model lists this error. */
  readonly operationError: boolean;
  /** The HTTP status the model's error shape gives this code (anywhere in the service); null if none. */
  readonly modeledStatus: number | null;
}

/** What botocore's model finds wrong with one response; `problems` is empty when it is as modeled. */
export interface ResponseCheck {
  readonly problems: readonly string[];
  /** The error, for a response whose status is not 2xx. */
  readonly error: ResponseError | null;
}

/**
 * Checks raw responses against botocore's own model of `service`, each as the SDK reads its
 * operation's answer:
 * botocore's response parser for the protocol, then every required member, type, enum, pattern
 * and bound of the output shape, and no XML element the shape does not have; for an error, its
 * code and whether its HTTP status is the model's. An emulator that serves what moto lacks is
 * held to the same model as the SDKs that call it. Throws, saying what to install, without botocore.
 */
export function validateResponses(
  service: string,
  responses: readonly OperationResponse[],
): ResponseCheck[] {
  const python = process.env.MOTO_PYTHON ?? 'python3';
  const run = spawnSync(python, [RESPONSE_VALIDATOR], {
    input: JSON.stringify({ service, responses }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error || run.status !== 0) {
    throw new Error(
      `checking ${service} responses with botocore failed (${python} ${RESPONSE_VALIDATOR}): ${run.error?.message ?? run.stderr.trim()}; install botocore for ${python} (pip install botocore), or set MOTO_PYTHON to a Python that has it`,
    );
  }
  const { results } = JSON.parse(run.stdout) as { results: ResponseCheck[] };
  return results;
}
