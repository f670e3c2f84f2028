import type { Context } from 'aws-lambda';

/** A Lambda context as the service passes one, for driving the real handler outside Lambda. */
export function lambdaContext(awsRequestId: string, invokedFunctionArn: string): Context {
  return {
    awsRequestId,
    invokedFunctionArn,
    functionName: 'signing-cert-audit',
    functionVersion: '$LATEST',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/signing-cert-audit',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
