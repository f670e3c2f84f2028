import { randomUUID } from 'node:crypto';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AuditLogger } from '../lambda/audit';
import { createS3Client } from '../lambda/aws/s3';
import { createStsClient } from '../lambda/aws/sts';
import { describeError } from '../lambda/core/errors';
import { buildSinks } from '../lambda/sinks/registry';
import type { ReportSink } from '../lambda/sinks/sink';
import { type CliOptions, EXIT } from './args';
import type { CliIo } from './io';

/** What a run of the CLI is wired to: its clients' settings, its account, sinks and stop signal. */
export interface Wiring {
  /** The client settings every client of the run is built with (region, profile, overrides). */
  readonly clientConfig: Readonly<Record<string, unknown>>;
  /** STS with the caller's credentials: the caller's account, and each member role. */
  readonly sts: STSClient;
  /** The caller's account (GetCallerIdentity). */
  readonly accountId: string;
  /** The region of the calls. */
  readonly region: string;
  /** The sinks the flags turn on, from the registry. */
  readonly sinks: readonly ReportSink[];
  /** Aborted by Ctrl-C or the time limit. */
  readonly stop: AbortSignal | undefined;
  readonly logger: AuditLogger;
  /** This run's id. */
  readonly runId: string;
}

/**
 * Builds what the run needs from the flags, checking before any change what would make one
 * unrecordable: a region, credentials that reach STS, an archive bucket an --apply run can
 * write. Returns the wiring, or the exit status to stop with (having said why).
 */
export async function wire(options: CliOptions, io: CliIo): Promise<Wiring | number> {
  const clientConfig = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...io.clientOverrides,
  };
  const sts = createStsClient(clientConfig);
  let region: string;
  try {
    region = await sts.config.region();
  } catch {
    // Without a region no call can be made: a usage problem, not an AWS failure.
    io.stderr.write(
      'signing-cert-audit: no AWS region is set: pass --region (or set AWS_REGION, or a region in the profile)\n',
    );
    return EXIT.usage;
  }
  let accountId: string;
  try {
    accountId = (await sts.send(new GetCallerIdentityCommand({}))).Account ?? 'unknown';
  } catch (error: unknown) {
    const { code, message } = describeError(error);
    io.stderr.write(
      `signing-cert-audit: GetCallerIdentity (finding the account and checking the credentials) failed: ${code}: ${message}\n`,
    );
    return EXIT.aws;
  }
  if (io.interrupt?.aborted) {
    io.stderr.write(
      'signing-cert-audit: interrupted before the audit started; nothing was changed\n',
    );
    return EXIT.interrupted;
  }

  const { archiveBucket } = options;
  const s3 = archiveBucket ? createS3Client(clientConfig) : undefined;
  // As --output is: an --apply run must never make changes it then cannot record.
  if (s3 && archiveBucket && options.apply) {
    const refused = await checkArchiveBucket(s3, archiveBucket, io);
    if (refused !== undefined) return refused;
  }
  // The sinks the flags turn on, from the one registry (lambda/sinks/registry.ts).
  const sinks = buildSinks(
    {
      ...(archiveBucket
        ? {
            archiveBucket,
            // Across accounts, each account's findings in the organization layout: its table sees them all.
            archiveLayout: options.org ? ('organization' as const) : ('account' as const),
          }
        : {}),
      ...(options.publishTo ? { topicArn: options.publishTo.topicArn } : {}),
      ...(options.securityHub ? { securityHubRegion: options.securityHub.region ?? region } : {}),
    },
    { clientConfig, ...(s3 ? { s3 } : {}) },
    io.sinkRegistry,
  );
  const limit = options.timeLimitMs;
  const stops = [
    ...(io.interrupt ? [io.interrupt] : []),
    ...(limit !== undefined
      ? [timeLimitSignal(limit, `time limit: --time-limit of ${limit / 1000} s reached`)]
      : []),
  ];
  return {
    clientConfig,
    sts,
    accountId,
    region,
    sinks,
    stop: stops.length > 0 ? AbortSignal.any(stops) : undefined,
    logger: stderrLogger(io),
    runId: randomUUID(),
  };
}

/**
 * Checks, before an --apply run makes any change, that the archive bucket exists and these
 * credentials reach it (HeadBucket, which needs s3:ListBucket on it). Returns the exit status
 * to stop with, or undefined to go on: 2 when S3 answers no (a missing bucket, a refusal, another
 * region), 3 when S3 could not be asked.
 */
async function checkArchiveBucket(
  s3: S3Client,
  bucket: string,
  io: CliIo,
): Promise<number | undefined> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return undefined;
  } catch (error: unknown) {
    const { code, message } = describeError(error);
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const hint =
      status === 404
        ? 'the bucket does not exist'
        : status === 403
          ? 'these credentials may not reach it (HeadBucket needs s3:ListBucket on it)'
          : status === 301
            ? 'it is in another region: pass --region'
            : message;
    const answered = status !== undefined && status < 500;
    io.stderr.write(
      `signing-cert-audit: --archive-bucket=${JSON.stringify(bucket)} cannot be written: HeadBucket ${answered ? 'answered' : 'failed with'} ${code} (${hint}); nothing was changed\n`,
    );
    return answered ? EXIT.usage : EXIT.aws;
  }
}

/** A signal aborted with `reason` after `ms`, without keeping the process alive. */
function timeLimitSignal(ms: number, reason: string): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(reason), ms).unref();
  return controller.signal;
}

/** The audit's logger on standard error: warnings and errors only, one line each. */
function stderrLogger(io: CliIo): AuditLogger {
  const write = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    io.stderr.write(`${level}: ${message} ${JSON.stringify(attributes)}\n`);
  };
  return { info: () => undefined, warn: write('warning'), error: write('error') };
}
