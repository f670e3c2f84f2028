import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandOutput,
  paginateGetFindings,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { CHECKS } from '../core/checks/index';
import type { CredentialType } from '../core/credential';
import { SigningCertAuditError } from '../core/errors';
import { credentialTypeOfId } from '../core/finding-id';
import { type Report, type UnreadSubjects, unreadSubjects } from '../core/report';
import { coversRoot, coversUser, describeScope, type RunScope } from '../core/scope';
import {
  type AsffTarget,
  batches,
  checkOfId,
  ID_PREFIX,
  isOurs,
  productArn,
  resolvedTwin,
  toAsffFindings,
} from './asff';
import type { Delivery, ReportSink } from './sink';

/** Security Hub refused some findings (FailedFindings), or a call failed after its retries. */
export class SecurityHubError extends SigningCertAuditError {
  override readonly name = 'SecurityHubError';
}

/**
 * The Security Hub sink: imports one ASFF finding per (certificate, check) and resolves what is
 * no longer true. Auto-resolve follows Prowler (prowler-cloud/prowler,
 * providers/aws/lib/security_hub): page this product's ACTIVE findings of the account and region
 * and re-import those this run did not produce as ARCHIVED, Compliance PASSED. Unlike it, and
 * for the reasons its users reported: never after a partial run (prowler#1626) nor a
 * credential-report run (users whose certificates are all Inactive were not looked at), never
 * for a subject the run could not read (a user whose certificates could not be listed, root when
 * GetAccountSummary failed: unknown is not fixed), only for the checks that ran and the users
 * under the path prefix, with both the server's filters
 * and the same filters again on the client (moto ignores them); a deleted user's findings are
 * archived (prowler#2843) because the sweep covers every finding the run did not produce.
 * The sweep follows the run's scope: a users-scoped run resolves only the findings of the users
 * it re-read (by name: the one thing a user that no longer exists still has), never another
 * user's nor root's, since it did not look at them. It resolves by credential, and only for the
 * kinds of credential the run listed (`policy.credentialKinds`, read from each finding's Id): a
 * run that did not list SSH keys proves nothing about them, so their findings stand.
 */
export function securityHubSink(
  client: SecurityHubClient,
  target: AsffTarget,
  options: { readonly userPathPrefix?: string } = {},
): ReportSink {
  return {
    name: 'security-hub',
    async deliver(report: Report): Promise<Delivery> {
      const product = productArn(target, report.accountId);
      // Every record state: a finding resolved long ago keeps the CreatedAt it was first seen at.
      const existing = await ourFindings(client, report.accountId, product);
      const createdAt = new Map(existing.map((f) => [f.Id ?? '', f.CreatedAt ?? '']));
      const current = toAsffFindings(report, target, createdAt);
      const produced = new Set(current.map((f) => f.Id));
      const sweepable = report.complete && report.scan.strategy === 'full';
      const ran = new Set<string>(CHECKS.map((check) => check.id));
      const listed = kindsListed(report);
      const prefix = options.userPathPrefix ?? report.policy.userPathPrefix;
      // A subject the run could not read produced nothing, and proves nothing: its findings stand.
      const unread = unreadSubjects(report.findings);
      const swept = sweepable
        ? existing
            .filter((f) => f.RecordState === 'ACTIVE')
            .filter((f) => !produced.has(f.Id))
            .filter((f) => ran.has(checkOfId(f.Id ?? '')))
            .filter((f) => ofKindListed(f, report.accountId, listed))
            .filter((f) => underPrefix(f, prefix))
            .filter((f) => inScope(f, report.scope))
            .filter((f) => !wasUnread(f, unread))
            .map((f) => resolvedTwin(f, report.evaluatedAt))
        : [];
      const failed: string[] = [];
      let imported = 0;
      for (const batch of batches([...current, ...swept])) {
        let answer: BatchImportFindingsCommandOutput;
        try {
          answer = await client.send(new BatchImportFindingsCommand({ Findings: batch }));
        } catch (error: unknown) {
          const message =
            error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          throw new SecurityHubError(`BatchImportFindings failed (${message})`, { cause: error });
        }
        imported += answer.SuccessCount ?? 0;
        for (const f of answer.FailedFindings ?? []) {
          failed.push(`${f.Id}: ${f.ErrorCode} ${f.ErrorMessage ?? ''}`.trim());
        }
      }
      if (failed.length > 0) {
        throw new SecurityHubError(
          `Security Hub refused ${failed.length} of ${current.length + swept.length} findings, e.g. ${failed.slice(0, 3).join('; ')}`,
        );
      }
      const active = current.filter((f) => f.RecordState === 'ACTIVE').length;
      const kept = unread.userArns.size + (unread.root ? 1 : 0);
      const why = !sweepable
        ? ' (no sweep: the run was partial or not a full scan)'
        : kept > 0
          ? ` (the findings of ${kept} subject(s) the run could not read were left as they were)`
          : report.scope.kind === 'users'
            ? ` (the sweep covered the run's ${describeScope(report.scope)})`
            : '';
      return {
        status: 'delivered',
        detail: `${imported} finding(s) to ${product}: ${active} active, ${current.length - active} resolved, ${swept.length} archived by the sweep${why}`,
      };
    },
  };
}

/**
 * This product's findings of the account, ACTIVE and ARCHIVED alike, filtered on the server and
 * again here. The ARCHIVED ones too, because every import sets CreatedAt, which "indicates when
 * the potential security issue or event captured by a finding was created" ("Required top-level
 * ASFF attributes", Security Hub User Guide,
 * https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html): the
 * first time a run saw it, whatever its record state since. Read from the ACTIVE ones only, a
 * resolved finding was re-imported with a new CreatedAt every run.
 */
async function ourFindings(
  client: SecurityHubClient,
  accountId: string,
  product: string,
): Promise<AwsSecurityFinding[]> {
  const found: AwsSecurityFinding[] = [];
  const pages = paginateGetFindings(
    { client, pageSize: 100 },
    {
      Filters: {
        ProductArn: [{ Value: product, Comparison: 'EQUALS' }],
        AwsAccountId: [{ Value: accountId, Comparison: 'EQUALS' }],
        GeneratorId: [{ Value: `${ID_PREFIX}/`, Comparison: 'PREFIX' }],
      },
    },
  );
  try {
    for await (const page of pages) {
      for (const finding of page.Findings ?? []) {
        if (isOurs(finding, accountId, product)) found.push(finding);
      }
    }
  } catch (error: unknown) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new SecurityHubError(`GetFindings failed (${message})`, { cause: error });
  }
  return found;
}

/**
 * The kinds of credential a run listed: its policy's; signing certificates alone for a report
 * from before runs named their kinds.
 */
function kindsListed(report: Report): ReadonlySet<CredentialType> {
  const kinds = report.policy.credentialKinds as readonly CredentialType[] | undefined;
  return new Set(kinds ?? ['signing-certificate']);
}

/** Whether a finding is about a kind the run listed (one about root or the account always is). */
function ofKindListed(
  finding: AwsSecurityFinding,
  accountId: string,
  listed: ReadonlySet<CredentialType>,
): boolean {
  const type = credentialTypeOfId(finding.Id ?? '', accountId);
  return type === null || listed.has(type);
}

/**
 * Whether a finding is about a subject the run's scope covers: anything for the account's; for
 * named users, a finding about one of them (the account-level root finding only when the
 * scope names the root user).
 */
function inScope(finding: AwsSecurityFinding, scope: RunScope): boolean {
  if (scope.kind === 'account') return true;
  const user = userOf(finding);
  if (!user) return coversRoot(scope);
  return coversUser(scope, user.name);
}

/** Whether a finding is about a subject the run could not read (root, or a user by ARN or name). */
function wasUnread(finding: AwsSecurityFinding, unread: UnreadSubjects): boolean {
  const user = userOf(finding);
  if (!user) return unread.root;
  return unread.userArns.has(user.arn) || unread.userNames.has(user.name.toLowerCase());
}

/** The user a finding is about, by ARN and name; undefined for the account-level root finding. */
function userOf(finding: AwsSecurityFinding): { arn: string; name: string } | undefined {
  const user = finding.Resources?.find((resource) => resource.Type === 'AwsIamUser');
  if (!user) return undefined;
  const arn = user.Id ?? '';
  return { arn, name: user.Details?.AwsIamUser?.UserName ?? arn.split('/').at(-1) ?? '' };
}

/** Whether a finding is about a user under the prefix (the account-level root finding always is). */
function underPrefix(finding: AwsSecurityFinding, prefix: string): boolean {
  const user = userOf(finding);
  if (!user) return true;
  const path = /:user(\/.*\/)[^/]+$/.exec(user.arn)?.[1] ?? '/';
  return path.startsWith(prefix);
}
