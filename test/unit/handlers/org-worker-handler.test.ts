import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { loadPolicyFromEnv } from '../../../lambda/core/settings';
import { createWorkerHandler } from '../../../lambda/handlers/org-worker-handler';
import { lambdaContext } from '../../../tools/emulator/lambda-context';

const NOW = new Date('2026-12-01T06:00:00Z');

describe('the worker’s event', () => {
  const worker = createWorkerHandler({
    env: {
      policy: loadPolicyFromEnv({ MODE: 'deactivate' }),
      archiveBucket: 'evidence',
      roleName: 'SigningCertAuditMember',
    },
    sts: {} as never,
    s3: {} as never,
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    now: () => NOW,
  });
  const context = lambdaContext('w', 'arn:aws:lambda:us-east-1:123456789012:function:w');

  it.each([
    [{ accountId: '1234', runId: 'r' }],
    [{ accountId: '123456789012' }],
    [{ accountId: '123456789012', runId: 'r', dryRun: 'true' }],
    [{ accountId: '123456789012', runId: 'r', scanStrategy: 'fast' }],
    [{ accountId: '123456789012', runId: '../../reports/x' }],
  ])('refuses %j before touching anything', async (event) => {
    await expect(worker(event, context)).rejects.toThrow(/^Invalid worker event: /);
  });
});
