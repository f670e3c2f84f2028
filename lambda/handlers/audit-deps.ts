import { Metrics } from '@aws-lambda-powertools/metrics';
import { createIamClient } from '../aws/iam';
import { type Config, loadConfigFromEnv } from '../core/settings';
import { archiveChangeRecorder } from '../record/archive';
import { buildSinks, SINK_REGISTRY, type SinkEntry } from '../sinks/registry';
import { loadExemptionsFromEnv } from './exemptions-env';
import { type AuditHandlerDeps, coldStart, requireSecurityHubBundled } from './lambda-handler';
import { METRICS_NAMESPACE, SERVICE_NAME } from './metrics';

/** The production dependencies of a trigger that delivers reports: the whole configuration. */
export interface ProductionAuditDeps extends AuditHandlerDeps {
  readonly policy: Config;
  readonly metrics: Metrics;
}

/**
 * The real dependencies of a trigger that delivers its reports (the scheduled function, and any
 * trigger of the same kind), from the function's environment, at cold start: a misconfigured
 * auditor fails it, naming the variable (lambda-handler.ts, coldStart). Kept apart from the
 * wrapper, so a function that delivers no report (the Config rule's) bundles no sink.
 */
export function productionAuditDeps(
  env: Readonly<Record<string, string | undefined>>,
  /** The sinks there are (a test adds one of its own). */
  registry: readonly SinkEntry[] = SINK_REGISTRY,
): ProductionAuditDeps {
  return coldStart((logger) => {
    const config = requireSecurityHubBundled(loadConfigFromEnv(env), 'function');
    const exemptions = loadExemptionsFromEnv(env, {
      now: new Date(),
      maxExemptionDays: config.maxExemptionDays,
    });
    return {
      policy: config,
      ...(exemptions ? { exemptions } : {}),
      iam: createIamClient(),
      // The sinks the configuration turns on, from the one registry (lambda/sinks/registry.ts):
      // the archive first, so the report is kept before anything is published; each sink's
      // module (and SDK client) loads at its first delivery, and SNS's only for a report worth
      // publishing: a clean run never loads it.
      sinks: buildSinks(
        {
          archiveBucket: config.archiveBucket,
          topicArn: config.topicArn,
          securityHubRegion: config.securityHubRegion,
        },
        {},
        registry,
      ),
      ...(config.mode !== 'report' && config.archiveBucket
        ? { changeRecord: archiveChangeRecorder(config.archiveBucket) }
        : {}),
      logger,
      metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
      now: () => new Date(),
    };
  });
}
