import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../lambda/core/errors';
import { DEADLINE_MARGIN_MS } from '../../../lambda/handlers/deadline';
import {
  accountOfFunction,
  coldStart,
  createLambdaHandler,
  partitionOfFunction,
} from '../../../lambda/handlers/lambda-handler';
import { SERVICE_NAME } from '../../../lambda/handlers/metrics';
import { lambdaContext } from '../../../tools/emulator/lambda-context';
import { capturedOutput } from '../accounts';
import { NOW } from '../fixtures';

const ARN = 'arn:aws-cn:lambda:cn-north-1:123456789012:function:f';
const captured = capturedOutput();

beforeEach(() => captured.start());
afterEach(() => captured.stop());

/** The parts of a handler whose work waits for its stop signal (or 5 s), as an audit does. */
function handlerWith(deps: { deadlineMarginMs?: number }, ownMarginMs?: number) {
  const handlerDeps = {
    logger: new Logger({ serviceName: SERVICE_NAME }),
    now: () => NOW,
    ...deps,
  };
  const run = vi.fn((_event: string, stop: AbortSignal) => {
    handlerDeps.logger.info('Working', {});
    return new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('finished'), 5_000);
      stop.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(`stopped: ${String(stop.reason)}`);
      });
    });
  });
  const handler = createLambdaHandler(handlerDeps, {
    parse: (event) => {
      if (event !== 'go') throw new Error(`refused ${JSON.stringify(event)}`);
      return event;
    },
    run,
    output: ({ event, result, deadline, context }) => ({
      event,
      result,
      stopped: deadline.aborted,
      requestId: context.awsRequestId,
    }),
    ...(ownMarginMs === undefined ? {} : { deadlineMarginMs: ownMarginMs }),
  });
  return { handler, run };
}

describe('createLambdaHandler', () => {
  it('reads the event before any work, refusing one the handler does not take', async () => {
    const { handler, run } = handlerWith({});

    await expect(handler('stop', lambdaContext('r-1', ARN))).rejects.toThrow('refused "stop"');
    expect(run).not.toHaveBeenCalled();
  });

  it('logs with the invocation’s Lambda context and hands the output what was done', async () => {
    const { handler } = handlerWith({});
    // 50 ms past the margin: the work is stopped by the deadline, not by its own end.
    const context = lambdaContext('r-2', ARN, DEADLINE_MARGIN_MS + 50);

    const output = await handler('go', context);

    expect(output).toEqual({
      event: 'go',
      result: 'stopped: deadline: less than 90 s of Lambda time left',
      stopped: true,
      requestId: 'r-2',
    });
    expect(captured.jsonLines()).toContainEqual(
      expect.objectContaining({ message: 'Working', function_request_id: 'r-2' }),
    );
  });

  it('takes the deadline margin from the deps, else the handler’s own, else DEADLINE_MARGIN_MS', async () => {
    // 60 s and 50 ms left: the handler's 60 s margin stops it; the default 90 s would at once.
    const own = handlerWith({}, 60_000);
    const deps = handlerWith({ deadlineMarginMs: 1_000 }, 60_000);

    const byOwn = await own.handler('go', lambdaContext('r-3', ARN, 60_050));
    const byDeps = await deps.handler('go', lambdaContext('r-4', ARN, 1_050));

    expect(byOwn).toMatchObject({
      result: expect.stringContaining('less than 60 s'),
      stopped: true,
    });
    expect(byDeps).toMatchObject({
      result: expect.stringContaining('less than 1 s'),
      stopped: true,
    });
  });
});

describe('coldStart', () => {
  it('returns what it built, with the service’s logger', () => {
    const built = coldStart((logger) => ({ logger, value: 1 }));

    expect(built.value).toBe(1);
    expect(built.logger).toBeInstanceOf(Logger);
  });

  it('logs what fails as CRITICAL and fails the cold start with it', () => {
    const failure = new ConfigError('MODE="purge" is not allowed');

    expect(() =>
      coldStart(() => {
        throw failure;
      }),
    ).toThrow(failure);
    expect(captured.jsonLines()).toContainEqual(
      expect.objectContaining({
        level: 'CRITICAL',
        message: 'Invalid configuration',
        service: SERVICE_NAME,
        error: { code: 'ConfigError', message: 'MODE="purge" is not allowed' },
      }),
    );
  });
});

describe('the function ARN', () => {
  it('names the account and the partition', () => {
    expect(accountOfFunction(ARN)).toBe('123456789012');
    expect(partitionOfFunction(ARN)).toBe('aws-cn');
    expect(accountOfFunction(undefined)).toBeUndefined();
    expect(partitionOfFunction(undefined)).toBe('aws');
  });
});
