import { inject, vi } from 'vitest';
import type { Summary } from '../../lambda/report';
import { EMULATOR_ENV, emulatorClients, FUNCTION_ARN } from '../../tools/emulator/emulator';
import { lambdaContext } from '../../tools/emulator/lambda-context';

/** The shared moto server of this run (see global-setup.ts). */
export const endpoint = inject('motoEndpoint');
/** Real SDK clients pointed at it. */
export const clients = emulatorClients(endpoint);

let invocation = 0;

/** A Lambda context in moto's account; each invocation gets a new request id. */
function nextContext() {
  invocation += 1;
  return lambdaContext(`integration-${invocation}`, FUNCTION_ARN);
}

/**
 * Cold-starts the real handler with this Lambda environment (the SDK finds moto through
 * AWS_ENDPOINT_URL, as it would find AWS) and invokes it once.
 */
export async function invokeHandler(
  env: Record<string, string>,
  event: unknown = {},
): Promise<Summary> {
  vi.resetModules();
  // Vitest puts its own MODE=test into process.env; unset it so only the given MODE applies.
  const stubs: Record<string, string | undefined> = {
    ...EMULATOR_ENV,
    AWS_ENDPOINT_URL: endpoint,
    MODE: undefined,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...env,
  };
  for (const [name, value] of Object.entries(stubs)) vi.stubEnv(name, value);
  try {
    const { handler } = await import('../../lambda/handler');
    return await handler(event, nextContext());
  } finally {
    vi.unstubAllEnvs();
  }
}
