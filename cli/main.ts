import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AuditLogger } from '../lambda/audit';
import { createIamClient } from '../lambda/aws/iam';
import { createS3Client } from '../lambda/aws/s3';
import { partitionOfRegion } from '../lambda/aws/security-hub';
import { createStsClient } from '../lambda/aws/sts';
import { ARCHIVE_SINK_NAME } from '../lambda/core/archive-layout';
import { ConfigError, describeError } from '../lambda/core/errors';
import type { Report } from '../lambda/core/report';
import { renderHtml } from '../lambda/render/html';
import { runAndDeliver } from '../lambda/run';
import { buildSinks } from '../lambda/sinks/registry';
import { type CliOptions, EXIT, findingsExit, helpText, parseCliArgs, UsageError } from './args';
import { formatCsv, formatJson, formatSummary, formatTable } from './formats';
import type { CliIo } from './io';
import { runOrganization } from './org';
import { progressBar } from './progress';

export type { CliIo } from './io';

/** Runs the command line; returns the exit status instead of exiting, so tests can call it. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv, { env: io.env, stdoutIsTTY: io.stdout.isTTY === true });
  } catch (error: unknown) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(`signing-cert-audit: ${error.message}\nRun with --help for every flag.\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (options.help) {
    io.stdout.write(helpText());
    return EXIT.clean;
  }
  if (options.version) {
    io.stdout.write(`${version()}\n`);
    return EXIT.clean;
  }
  return audit(options, io);
}

function version(): string {
  const url = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

async function audit(options: CliOptions, io: CliIo): Promise<number> {
  const clientConfig = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...io.clientOverrides,
  };
  const fail = (call: string, error: unknown) => {
    const { code, message } = describeError(error);
    io.stderr.write(`signing-cert-audit: ${call} failed: ${code}: ${message}\n`);
    return EXIT.aws;
  };
  const sts = createStsClient(clientConfig);
  try {
    await sts.config.region();
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
    return fail('GetCallerIdentity (finding the account and checking the credentials)', error);
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
      ...(options.securityHub
        ? { securityHubRegion: options.securityHub.region ?? (await sts.config.region()) }
        : {}),
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
  const stop = stops.length > 0 ? AbortSignal.any(stops) : undefined;
  if (options.org) {
    // The caller's account is where STS and the archive are; each member is reached through its role.
    return runOrganization({ ...options, org: options.org }, io, {
      sts,
      partition: partitionOfRegion(await sts.config.region()),
      clientConfig,
      logger: stderrLogger(io),
      sinks,
      runId: randomUUID(),
      ...(stop ? { stop } : {}),
    });
  }
  const progress = io.stderr.isTTY ? progressBar(io.stderr) : undefined;
  const dryRun = !options.apply;
  const { report, deliveries, failures } = await runAndDeliver(
    {
      iam: createIamClient(clientConfig),
      logger: stderrLogger(io),
      now: options.asOf ?? new Date(),
      runId: randomUUID(),
      accountId,
      onProgress: progress?.update,
      ...(stop ? { stop } : {}),
      sinks,
      // Every report is written to the output below; the logs need no copy.
      keepReport: () => undefined,
    },
    options.policy,
    { dryRun },
  ).finally(() => progress?.done());

  let status: number = EXIT.clean;
  if (!report.complete && !io.interrupt?.aborted) {
    io.stderr.write(`signing-cert-audit: ${report.incompleteReason}\n`);
    status = EXIT.aws;
  }
  status = Math.max(status, writeReport(report, options, io));

  for (const delivery of deliveries) {
    if (delivery.sink === ARCHIVE_SINK_NAME)
      io.stderr.write(`Archived the report at ${delivery.detail}.\n`);
    if (delivery.sink !== 'sns') continue;
    io.stderr.write(
      delivery.status === 'delivered'
        ? `Published the report to ${options.publishTo?.topicArn}.\n`
        : 'Nothing was published: the run was clean, and a clean run is only logged, as the Lambda does.\n',
    );
  }
  for (const failure of failures) {
    io.stderr.write(
      `signing-cert-audit: delivering the report (${failure.sink}) failed: ${failure.error.code}: ${failure.error.message}\n`,
    );
    status = Math.max(status, EXIT.aws);
  }

  io.stderr.write(`${describeRun(report, options, dryRun)}\n${formatSummary(report.summary)}\n`);
  if (!report.complete && io.interrupt?.aborted) {
    io.stderr.write(
      `signing-cert-audit: interrupted: ${report.incompleteReason}. The report above says what was really done.\n`,
    );
    return EXIT.interrupted;
  }
  // Exit 3 means an AWS call failed; an ERROR about IAM data (an unusable tag) is a failing
  // finding (exit 1, by the one rule below).
  const failed = report.findings.filter((f) => f.error !== null);
  if (failed.length > 0) {
    const [first] = failed;
    io.stderr.write(
      `signing-cert-audit: ${failed.length} AWS call(s) failed, e.g. ${first?.userName}: ${first?.error?.code}: ${first?.error?.message}\n`,
    );
    status = Math.max(status, EXIT.aws);
  }
  if (status !== EXIT.clean) return status;
  return findingsExit(report.summary, options.failOn);
}

/** Writes the report where --output says, or to standard output; never loses it. */
function writeReport(report: Report, options: CliOptions, io: CliIo): number {
  const rendered =
    options.format === 'csv'
      ? formatCsv(report)
      : options.format === 'table'
        ? formatTable(report)
        : options.format === 'html'
          ? renderHtml(report)
          : formatJson(report);
  if (!options.output) {
    io.stdout.write(rendered);
    return EXIT.clean;
  }
  try {
    writeFileSync(options.output, rendered);
    return EXIT.clean;
  } catch (error: unknown) {
    // The report is not lost: it goes to standard output instead.
    io.stdout.write(rendered);
    io.stderr.write(
      `signing-cert-audit: --output=${JSON.stringify(options.output)} could not be written (${describeError(error).message}); the report went to standard output\n`,
    );
    return EXIT.usage;
  }
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

function describeRun(report: Report, options: CliOptions, dryRun: boolean): string {
  const at = options.asOf ? ` as of ${report.evaluatedAt}` : '';
  const head = `Account ${report.accountId}, ${options.policy.mode} mode${at}.`;
  if (options.policy.mode === 'report') return head;
  const planned = report.findings.filter((f) => f.plannedAction !== null);
  const count = (action: string) => planned.filter((f) => f.plannedAction === action).length;
  // Running again with --apply would be withheld again: say what would let the changes through.
  const withheld = report.summary.withheld;
  const guard =
    withheld > 0
      ? `the blast-radius guard withheld ${withheld} change(s), more than --max-actions ${options.policy.maxActionsPerRun} allows: review them, then raise --max-actions or narrow the run (--path-prefix)`
      : undefined;
  if (!dryRun) return guard ? `${head} Nothing was changed: ${guard}.` : head;
  const how = options.asOf
    ? 'a forecast never changes anything'
    : (guard ?? 'run again with --apply to carry it out');
  return `${head} Plan: deactivate ${count('DEACTIVATE')}, delete ${count('DELETE')}. Nothing was changed: ${how}.`;
}

function stderrLogger(io: CliIo): AuditLogger {
  const write = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    io.stderr.write(`${level}: ${message} ${JSON.stringify(attributes)}\n`);
  };
  return { info: () => undefined, warn: write('warning'), error: write('error') };
}
