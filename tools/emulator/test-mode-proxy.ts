import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PutEvaluationsCommandInput } from '@aws-sdk/client-config-service';

/** A proxy in front of the emulator that keeps each PutEvaluations request and sends it on in test mode. */
export interface TestModeProxy {
  /** `http://127.0.0.1:<port>`, for the function's AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  /** Every PutEvaluations request, as the function sent it (before TestMode was set). */
  readonly requests: readonly PutEvaluationsCommandInput[];
  close(): Promise<void>;
}

/**
 * moto 5.2 takes AWS Config's PutEvaluations only in test mode: this proxy, in front of
 * `upstream`, keeps each PutEvaluations request (AWS JSON 1.1, `X-Amz-Target:
 * StarlingDoveService.PutEvaluations`) as the function sent it, then forwards it with `TestMode`
 * set; every other request passes untouched. It lets a test check what a pre-built bundle,
 * running in its own process, sent to Config, as the in-process middleware does for the sources.
 */
export async function startTestModeProxy(upstream: string): Promise<TestModeProxy> {
  const target = new URL(upstream);
  const requests: PutEvaluationsCommandInput[] = [];
  const server = createServer((incoming, answer) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      let body = Buffer.concat(chunks);
      const headers = { ...incoming.headers };
      if (String(headers['x-amz-target'] ?? '').endsWith('.PutEvaluations')) {
        const wire = JSON.parse(body.toString('utf8')) as PutEvaluationsCommandInput;
        requests.push(asInput(wire));
        body = Buffer.from(JSON.stringify({ ...wire, TestMode: true }));
        headers['content-length'] = String(body.length);
      }
      const forwarded = request(
        {
          host: target.hostname,
          port: target.port,
          path: incoming.url,
          method: incoming.method,
          headers,
        },
        (reply) => {
          answer.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(answer);
        },
      );
      forwarded.on('error', () => {
        answer.writeHead(502);
        answer.end();
      });
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A request as the SDK's input had it: AWS JSON 1.1 sends a timestamp as epoch seconds. */
function asInput(wire: PutEvaluationsCommandInput): PutEvaluationsCommandInput {
  return {
    ...wire,
    ...(wire.Evaluations
      ? {
          Evaluations: wire.Evaluations.map((evaluation) => ({
            ...evaluation,
            OrderingTimestamp: new Date(Number(evaluation.OrderingTimestamp) * 1000),
          })),
        }
      : {}),
  };
}
