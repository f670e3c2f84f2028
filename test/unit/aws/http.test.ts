import { createServer, type Server, type Socket } from 'node:net';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import type { NodeHttpHandlerOptions } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_TIMEOUTS } from '../../../lambda/aws/http';
import { createIamClient, listUsers } from '../../../lambda/aws/iam';
import { createSnsClient } from '../../../lambda/aws/sns';

/** A peer that accepts every connection and never answers: the failure the timeouts are for. */
let silent: Server;
let endpoint: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** The options a client's node HTTP handler was built with (resolved once, at construction). */
async function handlerOptions(client: {
  config: { requestHandler: unknown };
}): Promise<NodeHttpHandlerOptions> {
  const handler = client.config.requestHandler as {
    configProvider: Promise<NodeHttpHandlerOptions>;
  };
  return handler.configProvider;
}

describe('client timeouts', () => {
  it('builds the IAM and SNS clients with connection and request timeouts', async () => {
    const iam = createIamClient({ region: 'us-east-1', credentials });
    const sns = createSnsClient('arn:aws:sns:eu-west-1:123456789012:t', { credentials });

    for (const options of [await handlerOptions(iam), await handlerOptions(sns)]) {
      expect(options).toMatchObject({
        connectionTimeout: HTTP_TIMEOUTS.connectionTimeout,
        requestTimeout: HTTP_TIMEOUTS.requestTimeout,
        throwOnRequestTimeout: true,
      });
    }
  });

  it('ends a call to a peer that never answers in a TimeoutError once the retries are spent', async () => {
    // Prepare: the same options with a short request timeout, two attempts.
    const iam = createIamClient({
      endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 2,
      requestHandler: { ...HTTP_TIMEOUTS, requestTimeout: 300 },
    });
    const started = Date.now();

    // Act
    const outcome = await iam.send(new ListUsersCommand({})).catch((error: unknown) => error);

    // Assess
    expect(outcome).toMatchObject({ name: 'TimeoutError' });
    expect((outcome as { $metadata?: { attempts?: number } }).$metadata?.attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails a whole listing the same way, so the audit can report it', async () => {
    const iam = createIamClient({
      endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      requestHandler: { ...HTTP_TIMEOUTS, requestTimeout: 200 },
    });

    await expect(listUsers(iam, '/').next()).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});

describe('createSnsClient', () => {
  it('publishes in the topic’s own region, whatever the default region', async () => {
    const sns = createSnsClient('arn:aws:sns:eu-west-1:123456789012:findings', {
      region: 'us-east-1',
      credentials,
    });

    expect(await sns.config.region()).toBe('eu-west-1');
  });
});
