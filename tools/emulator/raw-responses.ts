import type { HttpResponse, MiddlewareStack } from '@smithy/types';
import type { OperationResponse } from './service-model';

/** A response as the client received it, before the SDK parsed it, with the operation it answers. */
export type CapturedResponse = OperationResponse;

/**
 * Keeps every HTTP response `client` receives, body and status as they came off the wire,
 * in `into`. The middleware sits in the deserialize step below the SDK's own deserializer: it
 * reads the body and hands the same bytes on, so the SDK parses exactly what was kept.
 */
export function captureResponses<Input extends object, Output extends object>(
  client: { readonly middlewareStack: MiddlewareStack<Input, Output> },
  into: CapturedResponse[],
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const response = result.response as HttpResponse;
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        chunks.push(Buffer.from(chunk));
      }
      const body = Buffer.concat(chunks);
      response.body = new Uint8Array(body);
      into.push({
        operation: (context.commandName ?? '').replace(/Command$/, ''),
        status: response.statusCode,
        headers: response.headers,
        body: body.toString('utf8'),
      });
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'captureRawResponses' },
  );
}
