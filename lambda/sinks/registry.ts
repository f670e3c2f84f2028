import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { ARCHIVE_SINK_NAME, type ArchiveLayout } from '../core/archive-layout';
import { isClean, type Report, withoutCompliant } from '../core/report';
import { lazySink } from './lazy';
import type { Delivery, OrgReportSink, ReportSink } from './sink';

/** Where reports go: the settings that enable and address each sink. */
export interface SinkSettings {
  /** The evidence bucket. */
  readonly archiveBucket?: string;
  /** How the archive lays out findings (one account's, or every member account's). */
  readonly archiveLayout?: ArchiveLayout;
  /** The topic the report is published to. */
  readonly topicArn?: string;
  /** Security Hub's home region. */
  readonly securityHubRegion?: string;
}

/** What the sinks are built with: the entry point's client settings, or clients it already has. */
export interface SinkDeps {
  /** Extra client settings (the CLI's region, profile, endpoint). */
  readonly clientConfig?: Record<string, unknown>;
  /** An S3 client to share (the worker's, the CLI's after checking the bucket). */
  readonly s3?: S3Client;
  /** An SNS client to share (the summarize step's). */
  readonly sns?: SNSClient;
}

/** One kind of delivery, and everything the entry points and the constructs know of it. */
export interface SinkEntry {
  /** Names the sink in logs, errors, the CLI and the constructs' grants. */
  readonly name: string;
  /** The CLI flag that turns it on, for `--help` and the docs. */
  readonly flag: string;
  /** Whether these settings turn it on. */
  enabled(settings: SinkSettings): boolean;
  /**
   * True for a sink that keeps the whole report, COMPLIANT findings included (`includeCompliant`):
   * the archive. Every other sink is given the report without them, so what it publishes or
   * imports is the same with the setting as without it.
   */
  readonly listsCompliant?: boolean;
  /** A report it does not take, and why (SNS leaves a clean run to the logs). */
  skips?(report: Report): Delivery | undefined;
  /** Builds it: its module and SDK client load on its first delivery (lazy imports). */
  load(settings: SinkSettings, deps: SinkDeps): Promise<ReportSink>;
  /** Builds its organization-report form, when it delivers the organization run's report too. */
  loadOrg?(settings: SinkSettings, deps: SinkDeps): Promise<OrgReportSink>;
}

/**
 * Every sink, in delivery order: the archive first, so the report is kept before anything is
 * published; SNS's module loads only for a report worth publishing. The scheduled function, the
 * CLI and the organization worker build their sinks from this list, and the constructs key each
 * sink's grant by its name, so a new sink is its module, a line here, and its grant.
 */
export const SINK_REGISTRY = [
  {
    name: ARCHIVE_SINK_NAME,
    flag: '--archive-bucket',
    listsCompliant: true,
    enabled: (settings: SinkSettings) => settings.archiveBucket !== undefined,
    load: async (settings: SinkSettings, deps: SinkDeps) => {
      const [{ archiveSink }, { createS3Client }] = await Promise.all([
        import('./s3-archive'),
        import('../aws/s3'),
      ]);
      return archiveSink(
        deps.s3 ?? createS3Client(deps.clientConfig),
        settings.archiveBucket as string,
        settings.archiveLayout ?? 'account',
      );
    },
    loadOrg: async (settings: SinkSettings, deps: SinkDeps) => {
      const [{ orgArchiveSink }, { createS3Client }] = await Promise.all([
        import('./s3-archive'),
        import('../aws/s3'),
      ]);
      return orgArchiveSink(
        deps.s3 ?? createS3Client(deps.clientConfig),
        settings.archiveBucket as string,
      );
    },
  },
  {
    name: 'sns',
    flag: '--publish',
    enabled: (settings: SinkSettings) => settings.topicArn !== undefined,
    skips: (report: Report): Delivery | undefined =>
      isClean(report) ? { status: 'skipped', detail: 'a clean run is only logged' } : undefined,
    load: async (settings: SinkSettings, deps: SinkDeps) => {
      const [{ snsSink }, { createSnsClient }] = await Promise.all([
        import('./sns'),
        import('../aws/sns'),
      ]);
      const topicArn = settings.topicArn as string;
      return snsSink(createSnsClient(topicArn, deps.clientConfig), topicArn);
    },
    loadOrg: async (settings: SinkSettings, deps: SinkDeps) => {
      const [{ orgSnsSink }, { createSnsClient }] = await Promise.all([
        import('./sns'),
        import('../aws/sns'),
      ]);
      const topicArn = settings.topicArn as string;
      return orgSnsSink(deps.sns ?? createSnsClient(topicArn, deps.clientConfig), topicArn);
    },
  },
  {
    name: 'security-hub',
    flag: '--security-hub',
    // The define in the condition itself, so esbuild folds the sink away in a function bundled
    // without Security Hub (lib/bundling.ts): its module and SDK client are not in that bundle.
    enabled: (settings: SinkSettings) =>
      (process.env.SIGNING_CERT_AUDIT_SECURITY_HUB_BUNDLED as unknown) !== false &&
      settings.securityHubRegion !== undefined,
    load:
      (process.env.SIGNING_CERT_AUDIT_SECURITY_HUB_BUNDLED as unknown) !== false
        ? async (settings: SinkSettings, deps: SinkDeps) => {
            const [{ securityHubSink }, { createSecurityHubClient, partitionOfRegion }] =
              await Promise.all([import('./security-hub'), import('../aws/security-hub')]);
            const region = settings.securityHubRegion as string;
            return securityHubSink(createSecurityHubClient(region, deps.clientConfig), {
              region,
              partition: partitionOfRegion(region),
            });
          }
        : async () => {
            throw new Error('this bundle was built without Security Hub');
          },
  },
] as const satisfies readonly SinkEntry[];

/** The name of a sink of the registry: the constructs key each sink's grant by it. */
export type SinkName = (typeof SINK_REGISTRY)[number]['name'];

/** The sinks these settings turn on, in the registry's order, each loaded at its first delivery. */
export function buildSinks(
  settings: SinkSettings,
  deps: SinkDeps = {},
  registry: readonly SinkEntry[] = SINK_REGISTRY,
): ReportSink[] {
  return registry
    .filter((entry) => entry.enabled(settings))
    .map((entry) => {
      const sink = lazySink(
        entry.name,
        (report) => entry.skips?.(report),
        () => entry.load(settings, deps),
      );
      return entry.listsCompliant ? sink : judgedOnly(sink);
    });
}

/** The sink given each report without its COMPLIANT findings (see {@link SinkEntry.listsCompliant}). */
function judgedOnly(sink: ReportSink): ReportSink {
  return {
    name: sink.name,
    deliver: (report, context) => sink.deliver(withoutCompliant(report), context),
  };
}

/**
 * The sinks of the organization run's one report: those of the registry that deliver one and
 * that these settings turn on, in the registry's order (the archive before SNS).
 */
export async function buildOrgSinks(
  settings: SinkSettings,
  deps: SinkDeps = {},
  registry: readonly SinkEntry[] = SINK_REGISTRY,
): Promise<OrgReportSink[]> {
  const sinks: OrgReportSink[] = [];
  for (const entry of registry) {
    if (entry.loadOrg && entry.enabled(settings)) sinks.push(await entry.loadOrg(settings, deps));
  }
  return sinks;
}
