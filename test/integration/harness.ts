import type { PutEvaluationsCommandInput } from '@aws-sdk/client-config-service';
import { expect, inject, vi } from 'vitest';
import type { Summary } from '../../lambda/core/report';
import { SETTINGS } from '../../lambda/core/settings';
import { productionAuditDeps } from '../../lambda/handlers/audit-deps';
import {
  productionDeps as configRuleDeps,
  createConfigRuleHandler,
  type RuleRunSummary,
} from '../../lambda/handlers/config-rule-handler';
import { type AuditTrigger, createAuditHandler } from '../../lambda/handlers/lambda-handler';
import {
  createOrgRealtimeHandler,
  orgRealtimeProductionDeps,
} from '../../lambda/handlers/org-realtime-handler';
import {
  createAccountRealtimeHandler,
  realtimeProductionDeps,
} from '../../lambda/handlers/realtime-account';
import type { RealtimeOutput } from '../../lambda/handlers/realtime-handler';
import { createHandler, productionDeps } from '../../lambda/handlers/scheduled-handler';
import { invokeBundle, runsBundles } from '../../tools/emulator/bundles';
import { clientCredentials, type Principal, recordSession } from '../../tools/emulator/call-record';
import { EMULATOR_ENV, emulatorClients, FUNCTION_ARN } from '../../tools/emulator/emulator';
import { DEFAULT_TIMEOUT_MS, lambdaContext } from '../../tools/emulator/lambda-context';
import { startTestModeProxy } from '../../tools/emulator/test-mode-proxy';

/** The shared moto server of this run (see global-setup.ts). */
export const endpoint = inject('motoEndpoint');
/** Real SDK clients pointed at it. */
export const clients = emulatorClients(endpoint);

let invocation = 0;

/** A Lambda context in moto's account; each invocation gets a new request id. */
function nextContext(timeoutMs?: number) {
  invocation += 1;
  return lambdaContext(`integration-${invocation}`, FUNCTION_ARN, timeoutMs);
}

/** The running test's name, for the record of calls. */
export function testLabel(): string {
  return expect.getState().currentTestName ?? 'integration';
}

/**
 * Credentials that stand for `principal` running with `env` in the record of calls: every call
 * signed with them is checked by the permissions proof against that principal's deployed policy.
 */
export function sessionFor(
  principal: Principal,
  env: Readonly<Record<string, string | undefined>>,
  argv?: readonly string[],
) {
  return recordSession(principal, env, testLabel(), argv);
}

/**
 * SDK client settings for code that runs as `principal` with `env`: the emulator at `at` (the
 * suite's moto by default, or a fault proxy) and the credentials of the principal's own session.
 */
export function sessionConfig(
  principal: Principal,
  env: Readonly<Record<string, string | undefined>>,
  at: string = endpoint,
) {
  return {
    endpoint: at,
    region: EMULATOR_ENV.AWS_REGION,
    credentials: clientCredentials(sessionFor(principal, env)),
  };
}

/** A shorter Lambda timeout and deadline margin, to see the deadline at work in seconds. */
export interface InvokeOptions {
  readonly timeoutMs?: number;
  readonly deadlineMarginMs?: number;
  /** The bound on waiting for the credential report. */
  readonly credentialReportWaitMs?: number;
}

/**
 * Cold-starts the real handler with this Lambda environment, exactly as the deployed entry point
 * builds it (`productionDeps`): the SDK finds moto through AWS_ENDPOINT_URL, as it would find
 * AWS, and invokes it once.
 */
export async function invokeHandler(
  env: Record<string, string>,
  event: unknown = {},
  options: InvokeOptions = {},
): Promise<Summary> {
  const lambdaEnv = lambdaEnvironment('function', env);
  // The pre-built bundle, as deployed, on the Node.js under test; a test that injects what no
  // environment variable sets (a deadline margin, the credential report's wait) runs the sources.
  if (
    runsBundles() &&
    options.deadlineMarginMs === undefined &&
    options.credentialReportWaitMs === undefined
  ) {
    const context = nextContext(options.timeoutMs);
    return (await invokeBundle({
      // The asset the constructs deploy for these settings (lib/signing-cert-auditor.ts).
      asset: lambdaEnv[SETTINGS.securityHubRegion.env]
        ? 'scheduled'
        : 'scheduled-without-security-hub',
      env: { PATH: process.env.PATH ?? '', ...lambdaEnv },
      event,
      awsRequestId: context.awsRequestId,
      invokedFunctionArn: context.invokedFunctionArn,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    })) as Summary;
  }
  // The SDK and Powertools read their own settings from the process environment.
  for (const [name, value] of Object.entries(lambdaEnv)) vi.stubEnv(name, value);
  try {
    const deps = productionDeps(lambdaEnv);
    const handler = createHandler({
      ...deps,
      ...(options.deadlineMarginMs === undefined
        ? {}
        : { deadlineMarginMs: options.deadlineMarginMs }),
      ...(options.credentialReportWaitMs === undefined
        ? {}
        : { credentialReportWait: { maxWaitMs: options.credentialReportWaitMs, pollMs: 500 } }),
    });
    return await handler(event, nextContext(options.timeoutMs));
  } finally {
    vi.unstubAllEnvs();
  }
}

/**
 * Cold-starts a trigger of the test's own with this Lambda environment, as a trigger that
 * delivers reports is built (the one wrapper and `productionAuditDeps`), and invokes it once with
 * `event`. In this process, on the sources: no shipped bundle holds a test's trigger. Recorded as
 * the `test-trigger` principal, which no deployment has. Returns the output and the run's id.
 */
export async function invokeTrigger<E, O>(
  trigger: AuditTrigger<E, O>,
  env: Record<string, string>,
  event: unknown,
): Promise<{ readonly output: O; readonly runId: string }> {
  const lambdaEnv = lambdaEnvironment('test-trigger', env);
  for (const [name, value] of Object.entries(lambdaEnv)) vi.stubEnv(name, value);
  try {
    const context = nextContext();
    const handler = createAuditHandler(trigger, productionAuditDeps(lambdaEnv));
    return { output: await handler(event, context), runId: context.awsRequestId };
  } finally {
    vi.unstubAllEnvs();
  }
}

/**
 * Cold-starts the real-time function (the account's, or with `organization` the organization's)
 * with this Lambda environment and invokes it once with `event` (an EventBridge event, or an SQS
 * batch of them): through its pre-built bundle on the Node.js under test, as deployed, or on the
 * sources when the suites run them. Recorded as its own role.
 */
export async function invokeRealtime(
  env: Record<string, string>,
  event: unknown,
  { organization = false }: { readonly organization?: boolean } = {},
): Promise<RealtimeOutput> {
  const lambdaEnv = lambdaEnvironment(organization ? 'org-realtime' : 'realtime', env);
  const context = nextContext();
  if (runsBundles()) {
    return (await invokeBundle({
      asset: organization
        ? lambdaEnv[SETTINGS.securityHubRegion.env]
          ? 'org-realtime-security-hub'
          : 'org-realtime'
        : lambdaEnv[SETTINGS.securityHubRegion.env]
          ? 'realtime'
          : 'realtime-without-security-hub',
      env: { PATH: process.env.PATH ?? '', ...lambdaEnv },
      event,
      awsRequestId: context.awsRequestId,
      invokedFunctionArn: context.invokedFunctionArn,
      timeoutMs: DEFAULT_TIMEOUT_MS,
    })) as RealtimeOutput;
  }
  for (const [name, value] of Object.entries(lambdaEnv)) vi.stubEnv(name, value);
  try {
    const handler = organization
      ? createOrgRealtimeHandler(orgRealtimeProductionDeps(lambdaEnv))
      : createAccountRealtimeHandler(realtimeProductionDeps(lambdaEnv));
    return await handler(event, context);
  } finally {
    vi.unstubAllEnvs();
  }
}

/**
 * The Lambda environment of a function of the deployment on moto, with the credentials of a new
 * session of `principal` (so the permissions proof checks its calls against that role).
 */
function lambdaEnvironment(
  principal: Principal,
  env: Record<string, string>,
): Record<string, string> {
  const lambdaEnv: Record<string, string> = {
    ...EMULATOR_ENV,
    AWS_ENDPOINT_URL: endpoint,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...env,
  };
  Object.assign(lambdaEnv, sessionFor(principal, lambdaEnv));
  return lambdaEnv;
}

/** What one invocation of the Config rule did: its summary and the PutEvaluations it sent. */
export interface RuleInvocation {
  readonly summary: RuleRunSummary;
  /** Every PutEvaluations request, as the code sent it (before the emulator's TestMode). */
  readonly requests: readonly PutEvaluationsCommandInput[];
}

/**
 * Cold-starts the Config rule's real handler with this Lambda environment (as its entry point
 * does, `productionDeps`), recorded as the rule's role, and invokes it once with `event`. moto
 * 5.2.1 takes PutEvaluations only in test mode (and checks nothing of it): each request is kept
 * as the code sent it, for the test to validate against botocore's model, then sent on with
 * TestMode set, through the recording proxy like every other call.
 */
export async function invokeConfigRule(
  env: Record<string, string>,
  event: unknown,
  options: Pick<InvokeOptions, 'timeoutMs' | 'deadlineMarginMs'> = {},
): Promise<RuleInvocation> {
  const lambdaEnv = lambdaEnvironment('config-rule', env);
  if (runsBundles() && options.deadlineMarginMs === undefined) {
    // The bundle runs in its own process: a proxy keeps its PutEvaluations and sets TestMode.
    const proxy = await startTestModeProxy(lambdaEnv.AWS_ENDPOINT_URL ?? endpoint);
    try {
      const context = nextContext(options.timeoutMs);
      const summary = (await invokeBundle({
        asset: 'config-rule',
        env: { PATH: process.env.PATH ?? '', ...lambdaEnv, AWS_ENDPOINT_URL: proxy.endpoint },
        event,
        awsRequestId: context.awsRequestId,
        invokedFunctionArn: context.invokedFunctionArn,
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      })) as RuleRunSummary;
      return { summary, requests: [...proxy.requests] };
    } finally {
      await proxy.close();
    }
  }
  for (const [name, value] of Object.entries(lambdaEnv)) vi.stubEnv(name, value);
  try {
    const deps = configRuleDeps(lambdaEnv);
    const requests: PutEvaluationsCommandInput[] = [];
    deps.config.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as PutEvaluationsCommandInput;
        requests.push({ ...input });
        return next({ ...args, input: { ...input, TestMode: true } });
      },
      { step: 'initialize', name: 'emulatorTestMode' },
    );
    const handler = createConfigRuleHandler({
      ...deps,
      ...(options.deadlineMarginMs === undefined
        ? {}
        : { deadlineMarginMs: options.deadlineMarginMs }),
    });
    const summary = await handler(event, nextContext(options.timeoutMs));
    return { summary, requests };
  } finally {
    vi.unstubAllEnvs();
  }
}
