// Runs one pre-built handler bundle as Lambda runs it, on whichever Node.js runs this file: a
// fresh process (a cold start, the module imported once), the environment it was started with,
// the exported `handler` called once with the event and a Lambda context read from standard
// input as JSON. The outcome is one JSON line on file descriptor 3; standard output and error
// stay the function's own (its logs). Plain JavaScript: it needs neither tsx nor the sources.
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle] = process.argv.slice(2);
let text = '';
for await (const chunk of process.stdin) text += chunk;
const { event, context: given } = JSON.parse(text);
const deadline = Date.now() + given.timeoutMs;
const context = {
  awsRequestId: given.awsRequestId,
  invokedFunctionArn: given.invokedFunctionArn,
  functionName: given.functionName,
  functionVersion: '$LATEST',
  memoryLimitInMB: '256',
  logGroupName: `/aws/lambda/${given.functionName}`,
  logStreamName: 'local',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

let outcome;
try {
  const { handler } = await import(pathToFileURL(bundle).href);
  outcome = { ok: true, result: (await handler(event, context)) ?? null };
} catch (error) {
  outcome = {
    ok: false,
    error: {
      name: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
    },
  };
}
writeSync(3, `${JSON.stringify({ ...outcome, node: process.version })}\n`);
// Lambda freezes the environment after the answer; here the process ends (open sockets of the
// SDK's keep-alive agent would otherwise hold it).
process.exit(0);
