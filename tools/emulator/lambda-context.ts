import type { Context } from 'aws-lambda';

/** Lambda's longest timeout, the deployed functions' own: 15 minutes. */
export const DEFAULT_TIMEOUT_MS = 900_000;

/**
 * A Lambda context as the service passes one, for driving the real handler outside Lambda; the
 * time left counts down from `timeoutMs` (Lambda's 15 minutes by default).
 */
export function lambdaContext(
  awsRequestId: string,
  invokedFunctionArn: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    awsRequestId,
    invokedFunctionArn,
    functionName: 'signing-cert-audit',
    functionVersion: '$LATEST',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/signing-cert-audit',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
