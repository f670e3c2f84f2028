import { randomUUID } from 'node:crypto';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { createS3Client } from '../lambda/aws/s3';
import { createStsClient } from '../lambda/aws/sts';
import { allRecorders, type ChangeRecorder } from '../lambda/core/change-record';
import { describeError } from '../lambda/core/errors';
import type { AuditLogger } from '../lambda/engine/audit';
import { archiveChangeRecorder } from '../lambda/record/archive';
import { buildSinks } from '../lambda/sinks/registry';
import type { ReportSink } from '../lambda/sinks/sink';
import { type CliOptions, EXIT } from './args';
import { fileChangeRecorder } from './change-record-file';
import type { CliIo } from './io';
import { restoreCommand } from './undo';

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
  /** Where each change of an --apply run is recorded before it is made (the file, the archive, or both). */
  readonly changeRecord: ChangeRecorder | undefined;
}

/**
 * Builds what the run needs from the flags, checking before any change what would make one
 * unrecordable: a region, credentials that reach STS, an archive bucket an --apply run can
 * write. Returns the wiring, or the exit status to stop with (having said why).
 */
export async function wire(options: CliOptions, io: CliIo): Promise<Wiring | number> {
  const connected = await connect(options, io);
  if (typeof connected === 'number') return connected;
  const { clientConfig, sts, region, accountId } = connected;

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
  // The change record of an --apply run: the local file and the archive, each written before a change.
  const changeRecord =
    options.apply && options.policy.mode !== 'report'
      ? allRecorders([
          ...(options.changeRecord ? [fileChangeRecorder(options.changeRecord)] : []),
          ...(archiveBucket ? [archiveChangeRecorder(archiveBucket, s3)] : []),
        ])
      : undefined;
  const runId = randomUUID();
  if (options.apply) io.atForcedExit?.(() => forcedExitWords(runId, options, changeRecord));
  return {
    clientConfig,
    sts,
    accountId,
    region,
    sinks,
    changeRecord,
    stop: stopSignal(io, options.timeLimitMs),
    logger: stderrLogger(io),
    runId,
  };
}

/** What an --apply run says when a second Ctrl-C quits it at once: it may have changed things no report shows. */
function forcedExitWords(
  runId: string,
  options: CliOptions,
  changeRecord: ChangeRecorder | undefined,
): string {
  const head = `signing-cert-audit: quit at once: run ${runId} may have made changes that no report shows.`;
  if (changeRecord === undefined) {
    return `${head} No change record was kept: see IAM (each deactivation can be undone with aws iam update-signing-certificate --status Active).`;
  }
  const across = options.org ? ' (add --accounts with the accounts audited)' : '';
  return `${head} Each was recorded in ${changeRecord.where} before it was made. To see them: ${restoreCommand(runId, options)}${across}; add --apply to undo them.`;
}

/** The caller's connection: client settings, STS, the region and the account of the credentials. */
export interface Connection {
  readonly clientConfig: Readonly<Record<string, unknown>>;
  readonly sts: STSClient;
  readonly region: string;
  readonly accountId: string;
}

/**
 * Finds the region and the caller's account (GetCallerIdentity, which also checks the
 * credentials) before anything else: returns them, or the exit status to stop with, having said
 * why (2 without a region, 3 when STS cannot be reached, 130 when interrupted meanwhile).
 */
export async function connect(
  flags: { readonly region: string | undefined; readonly profile: string | undefined },
  io: CliIo,
): Promise<Connection | number> {
  const clientConfig = {
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
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
      'signing-cert-audit: interrupted before the run started; nothing was changed\n',
    );
    return EXIT.interrupted;
  }
  return { clientConfig, sts, region, accountId };
}

/** What stops a run early: Ctrl-C, and the time limit if one is set. */
export function stopSignal(io: CliIo, limitMs: number | undefined): AbortSignal | undefined {
  const stops = [
    ...(io.interrupt ? [io.interrupt] : []),
    ...(limitMs !== undefined
      ? [timeLimitSignal(limitMs, `time limit: --time-limit of ${limitMs / 1000} s reached`)]
      : []),
  ];
  return stops.length > 0 ? AbortSignal.any(stops) : undefined;
}

/**
 * Checks, before an --apply run makes any change, that the archive bucket exists and these
 * credentials reach it (HeadBucket, which needs s3:ListBucket on it). Returns the exit status
 * to stop with, or undefined to go on: 2 when S3 answers no (a missing bucket, a refusal, another
 * region), 3 when S3 could not be asked.
 */
export async function checkArchiveBucket(
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
export function stderrLogger(io: CliIo): AuditLogger {
  const write = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    io.stderr.write(`${level}: ${message} ${JSON.stringify(attributes)}\n`);
  };
  return { info: () => undefined, warn: write('warning'), error: write('error') };
}
