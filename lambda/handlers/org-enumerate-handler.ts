import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type createOrganizationsClient, selectActiveAccounts } from '../aws/organizations';
import { accountListKey, scopeKey } from '../core/archive-layout';
import { ConfigError } from '../core/errors';
import type { OrgScope } from '../core/org-report';
import { loadOrgSettingsFromEnv } from '../core/settings';
import { parseInvocationEvent, runIdOf, type WorkerEvent } from './event';

/** The enumerate step's input and output. */
export interface EnumerateEvent {
  /** The execution's name: the run id every account shares (a name it cannot be is refused). */
  readonly runId: string;
  /**
   * The execution's input, read by the single-account function's rules: `{}` (or the schedule's
   * input) for a real run, `{"dryRun": true}` for a dry run, optionally a `scanStrategy`; any
   * other input fails the run here, before any account is touched.
   */
  readonly input?: unknown;
}
/** Where the account list was written, for the Distributed Map's S3 item reader. */
export interface EnumerateResult {
  readonly runId: string;
  readonly bucket: string;
  readonly key: string;
  readonly count: number;
}

/**
 * The enumerate step: the organization's ACTIVE accounts the selection keeps, written to the
 * archive as a JSON array of worker events (the Distributed Map's item reader reads it).
 */
export function createEnumerateHandler(deps: {
  readonly s3: S3Client;
  readonly organizations: ReturnType<typeof createOrganizationsClient>;
  readonly archiveBucket: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}) {
  // Read once, by the settings table: a bad id fails the cold start, not a run.
  const { includeOus, excludeOus, includeAccounts, excludeAccounts } = loadOrgSettingsFromEnv(
    deps.env,
  );
  const selection = { includeOus, excludeOus, includeAccounts, excludeAccounts };
  const putJson = (key: string, body: unknown) =>
    deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.archiveBucket,
        Key: key,
        Body: JSON.stringify(body),
        ContentType: 'application/json',
      }),
    );
  return async (event: EnumerateEvent): Promise<EnumerateResult> => {
    const runId = runIdOf(event?.runId, 'enumerate');
    const { dryRun, scanStrategy } = parseInvocationEvent(event?.input);
    const { accounts, excluded } = await selectActiveAccounts(deps.organizations, selection);
    // Nothing to audit is a misconfiguration (an OU typo, an include list of closed accounts),
    // never a clean run: fail here, so the failed-run alarm says so.
    if (accounts.length === 0) {
      throw new ConfigError(
        `The account selection left no ACTIVE account to audit (${excluded.length} left out by it; selection ${JSON.stringify(selection).slice(0, 500)})`,
      );
    }
    const key = accountListKey(runId);
    // What the run set out to audit, for the organization report: written first, so a run
    // whose accounts were listed always has it.
    const scope: OrgScope = { selection, excluded };
    await putJson(scopeKey(runId), scope);
    // Each item is a worker event by the worker's own rule: a real run says nothing of a dry run.
    const items: WorkerEvent[] = accounts.map((account) => ({
      accountId: account.accountId,
      runId,
      ...(dryRun ? { dryRun: true } : {}),
      ...(scanStrategy ? { scanStrategy } : {}),
    }));
    await putJson(key, items);
    return { runId, bucket: deps.archiveBucket, key, count: items.length };
  };
}
