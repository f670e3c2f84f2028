import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Context } from 'aws-lambda';
import type { CredentialReportWait } from '../aws/credential-report';
import type { ChangeBudget } from '../core/change-budget';
import type { ChangeRecorder } from '../core/change-record';
import { ConfigError, describeError, SigningCertAuditError } from '../core/errors';
import type { ExemptionList } from '../core/exemptions';
import type { Summary } from '../core/report';
import type { RunScope } from '../core/scope';
import { type Policy, SETTINGS } from '../core/settings';
import type { AuditOptions, ScannedUser } from '../engine/audit';
import { type RunResult, runAndDeliver } from '../run';
import type { ReportSink } from '../sinks/sink';
import { DEADLINE_MARGIN_MS, withDeadline } from './deadline';
import { recordRunMetrics, SERVICE_NAME } from './metrics';

/**
 * The one handler wrapper, in the manner of Powertools for AWS Lambda (one wrapper, injected
 * clients): the Powertools logger's Lambda context, the event read before anything is touched,
 * the deadline, production dependencies built once per execution environment with the critical
 * error path, and, for a trigger that audits, the run (audit → sinks → log) and its metrics. A
 * handler is its event parser, its run scope and its output (docs/contributing/adding-a-trigger.md).
 */

/** What every handler takes besides its clients: its logger, its clock, its deadline's margin. */
export interface LambdaDeps {
  readonly logger: Logger;
  /** The clock; a run evaluates the policy at the moment it starts. */
  readonly now: () => Date;
  /**
   * With less Lambda time than this left, the run starts no new listing or change, lets the
   * calls in flight finish, and delivers what it has: time for those calls and for the delivery.
   * @default the handler's own, {@link DEADLINE_MARGIN_MS} unless it names another
   */
  readonly deadlineMarginMs?: number;
}

/** A Lambda handler, as Lambda invokes it. */
export type LambdaHandler<O> = (event: unknown, context: Context) => Promise<O>;

/** What the wrapper hands a handler's output once the work is done. */
export interface Done<E, R> {
  readonly event: E;
  readonly result: R;
  /** Aborted when the deadline stopped the work: a retry would hit the same wall. */
  readonly deadline: AbortSignal;
  readonly context: Context;
}

/** A handler, around the wrapper: its event parser, its work and its output. */
export interface HandlerParts<D extends LambdaDeps, E, R, O> {
  /** Reads the event, refusing (throwing) what this handler does not take, before any call. */
  readonly parse: (event: unknown, context: Context, deps: D) => E;
  /** The invocation's work; it starts nothing new once `stop` is aborted. */
  readonly run: (event: E, stop: AbortSignal, context: Context) => Promise<R>;
  /** What the invocation returns, or throws to fail it. */
  readonly output: (done: Done<E, R>) => O | Promise<O>;
  /** The handler's deadline margin when its dependencies name none. @default DEADLINE_MARGIN_MS */
  readonly deadlineMarginMs?: number;
}

/** Wraps a handler's parts: logger context, event, deadline, work, output, in that order. */
export function createLambdaHandler<D extends LambdaDeps, E, R, O>(
  deps: D,
  parts: HandlerParts<D, E, R, O>,
): LambdaHandler<O> {
  return async (raw, context) => {
    deps.logger.addContext(context);
    const event = parts.parse(raw, context, deps);
    const margin = deps.deadlineMarginMs ?? parts.deadlineMarginMs ?? DEADLINE_MARGIN_MS;
    const { result, deadline } = await withDeadline(context, margin, (stop) =>
      parts.run(event, stop, context),
    );
    return parts.output({ event, result, deadline, context });
  };
}

/**
 * Builds a function's production dependencies from its environment, once per execution
 * environment (the entry point calls it at cold start): whatever fails is logged as CRITICAL
 * and fails the cold start, naming the variable, so a misconfigured function never runs on
 * defaults.
 */
export function coldStart<T>(build: (logger: Logger) => T): T {
  const logger = new Logger({ serviceName: SERVICE_NAME });
  try {
    return build(logger);
  } catch (error: unknown) {
    logger.critical('Invalid configuration', { error: describeError(error) });
    throw error;
  }
}

/**
 * False in a bundle built for a function deployed without Security Hub: the construct passes
 * esbuild `define: { 'process.env.SIGNING_CERT_AUDIT_SECURITY_HUB_BUNDLED': 'false' }`, and
 * esbuild then drops the Security Hub sink and its client (about 220 KB) from the bundle.
 * Unbundled (tests, the CLI) it is true.
 */
const SECURITY_HUB_BUNDLED =
  (process.env.SIGNING_CERT_AUDIT_SECURITY_HUB_BUNDLED as unknown) !== false;

/**
 * A function's settings as loaded, once they name no Security Hub region its bundle was built
 * without: such settings are refused, naming the fix.
 */
export function requireSecurityHubBundled<S extends { readonly securityHubRegion?: string }>(
  settings: S,
  what: string,
): S {
  if (settings.securityHubRegion !== undefined && !SECURITY_HUB_BUNDLED) {
    throw new ConfigError(
      `${SETTINGS.securityHubRegion.env} is set, but this ${what} was bundled without Security Hub: deploy it with securityHub enabled`,
    );
  }
  return settings;
}

/** The account of a function's ARN (`arn:partition:lambda:region:account:function:name`). */
export function accountOfFunction(functionArn: string | undefined): string | undefined {
  return functionArn?.split(':')[4] || undefined;
}

/** The partition of a function's ARN (`aws` when it has none). */
export function partitionOfFunction(functionArn: string | undefined): string {
  return functionArn?.split(':')[1] || 'aws';
}

/** Everything a trigger that audits talks to, built once per execution environment. */
export interface AuditHandlerDeps extends LambdaDeps {
  /** The policy every run of the function audits by. */
  readonly policy: Policy;
  readonly iam: IAMClient;
  /** Where each report goes, in order; none where the output is not the report (Config's rule). */
  readonly sinks: readonly ReportSink[];
  /** Where each change is recorded before it is made (the archive), in deactivate and delete mode. */
  readonly changeRecord?: ChangeRecorder;
  /** The blast-radius guard over a window, for a trigger that runs as events arrive. */
  readonly changeBudget?: ChangeBudget;
  /** The exemptions file's checked entries, when the function was deployed with one. */
  readonly exemptions?: ExemptionList;
  /** The run metrics' buffer, flushed after each run; absent for a function that emits none. */
  readonly metrics?: Metrics;
  /** How long to wait for the credential report; the defaults of aws/credential-report.ts. */
  readonly credentialReportWait?: Pick<CredentialReportWait, 'maxWaitMs' | 'pollMs'>;
}

/**
 * A trigger of an audit: how its event reads, which users its run covers, and what the
 * invocation returns. Everything else (logging, the deadline, the run and its delivery, the
 * metrics) is the wrapper's.
 */
export interface AuditTrigger<E, O, D extends AuditHandlerDeps = AuditHandlerDeps> {
  /** Reads the event, refusing (throwing) what the trigger does not take, before any call. */
  readonly parse: (event: unknown, context: Context, deps: D) => E;
  /** Which users the run covers: the account, or named users (core/scope.ts). */
  readonly scope: (event: E) => RunScope;
  /** The run's options besides its scope: a dry run, the scan strategy. @default none */
  readonly options?: (event: E) => Pick<AuditOptions, 'dryRun' | 'scanStrategy'>;
  /** The account audited. @default the function's, from its ARN */
  readonly accountId?: (event: E) => string;
  /** What the invocation returns once the report was delivered, or throws to fail it. */
  readonly output: (run: AuditRun<E>, deps: D) => O | Promise<O>;
}

/** A finished run, as a trigger's output sees it: the report, its deliveries, who was read. */
export interface AuditRun<E> extends RunResult {
  readonly event: E;
  /** Every user the scan reached (see AuditDeps.onUsersScanned). */
  readonly scanned: readonly ScannedUser[];
  /** Aborted when the deadline stopped the run. */
  readonly deadline: AbortSignal;
  readonly context: Context;
}

/**
 * A trigger, wired: parse its event, run (audit → sinks → log) over its scope, emit the run's
 * metrics (with the scope's dimension for a users-scoped run), and hand the finished run to its
 * output.
 */
export function createAuditHandler<E, O, D extends AuditHandlerDeps>(
  trigger: AuditTrigger<E, O, D>,
  deps: D,
): LambdaHandler<O> {
  return createLambdaHandler(deps, {
    parse: trigger.parse,
    run: (event, stop, context) =>
      runScoped(
        deps,
        {
          runId: context.awsRequestId,
          accountId:
            trigger.accountId?.(event) ??
            accountOfFunction(context.invokedFunctionArn) ??
            'unknown',
          options: { ...trigger.options?.(event), scope: trigger.scope(event) },
        },
        stop,
      ),
    output: ({ event, result, deadline, context }) =>
      trigger.output({ ...result, event, deadline, context }, deps),
  });
}

/** One run of a trigger that audits: which run, of which account, over which scope. */
export interface ScopedRun {
  readonly runId: string;
  readonly accountId: string;
  readonly options: AuditOptions;
}

/**
 * One run (audit → sinks → log) with a trigger's dependencies, and its metrics (with the scope's
 * dimension for a users-scoped run): what {@link createAuditHandler} does for each invocation,
 * and what a trigger that runs more than once an invocation (one run per account of a batch of
 * events) does for each.
 */
export async function runScoped(
  deps: AuditHandlerDeps,
  run: ScopedRun,
  stop: AbortSignal,
): Promise<RunResult & { readonly scanned: readonly ScannedUser[] }> {
  let scanned: readonly ScannedUser[] = [];
  const started = performance.now();
  const result = await runAndDeliver(
    {
      iam: deps.iam,
      logger: deps.logger,
      now: deps.now(),
      runId: run.runId,
      accountId: run.accountId,
      sinks: deps.sinks,
      ...(deps.changeRecord ? { changeRecord: deps.changeRecord } : {}),
      ...(deps.changeBudget ? { changeBudget: deps.changeBudget } : {}),
      ...(deps.exemptions ? { exemptions: deps.exemptions } : {}),
      stop,
      ...(deps.credentialReportWait ? { credentialReportWait: deps.credentialReportWait } : {}),
      onUsersScanned: (users) => {
        scanned = users;
      },
    },
    deps.policy,
    run.options,
  );
  if (deps.metrics) {
    recordRunMetrics(deps.metrics, result.report, performance.now() - started);
    deps.metrics.publishStoredMetrics();
  }
  return { ...result, scanned };
}

/** A run that did not end well: incomplete, or its report could not be delivered. */
export class RunFailedError extends SigningCertAuditError {
  override readonly name = 'RunFailedError';
}

/**
 * A partial run fails the invocation, so Lambda's retries, error metric and failure destination
 * see it, unless the deadline stopped it: a retry would hit the same wall, so what was done
 * stands, the Incomplete metric raises its alarm, and the run is logged as stopped.
 */
export function failIfIncomplete(
  run: AuditRun<unknown>,
  logger: Logger,
  error: (incompleteReason: string | null) => Error,
  stopped: string,
): void {
  const { report } = run;
  if (report.complete) return;
  if (!run.deadline.aborted) throw error(report.incompleteReason);
  logger.warn(stopped, { incompleteReason: report.incompleteReason });
}

/**
 * The output of a trigger whose output is the report's delivery (the scheduled function's): the
 * summary. A failed delivery or a partial run fails the invocation after the report was kept.
 */
export function deliveredSummary(run: AuditRun<unknown>, deps: AuditHandlerDeps): Summary {
  if (run.failures.length > 0) {
    const reasons = run.failures.map((f) => `${f.sink}: ${f.error.message}`).join('; ');
    throw new RunFailedError(`Delivering the report failed: ${reasons}`);
  }
  failIfIncomplete(
    run,
    deps.logger,
    (reason) => new RunFailedError(`Audit incomplete: ${reason}`),
    'Stopped by the deadline; the partial report was delivered',
  );
  return run.report.summary;
}
