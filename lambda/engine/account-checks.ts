import { rootHasSigningCertificate } from '../aws/iam';
import { partitionOfRegion } from '../aws/partition';
import type { AccountFacts } from '../core/checks/check';
import { ACCOUNT_CHECKS } from '../core/checks/table';
import { describeError } from '../core/errors';
import { type Finding, ROOT_USER_NAME } from '../core/report';
import { finding, userLevel } from './findings';
import type { AuditDeps } from './types';

/** The account checks, over facts gathered once (GetAccountSummary). */
export async function scanAccount(deps: AuditDeps): Promise<Finding[]> {
  // The root user's ARN is in the partition of the IAM endpoint the run calls (aws-cn in China,
  // aws-us-gov in GovCloud), as the Security Hub sink's is. A client without a region reaches no
  // endpoint: its GetAccountSummary fails below, and the ERROR names the root user in `aws`.
  const rootArn = `arn:${await partitionOf(deps)}:iam::${deps.accountId}:root`;
  // About the root user's signing certificates (GetAccountSummary counts those alone).
  const base = {
    ...userLevel({ userName: ROOT_USER_NAME, userArn: rootArn }),
    credentialType: 'signing-certificate' as const,
  };
  let facts: AccountFacts;
  try {
    facts = { rootSigningCertificatePresent: await rootHasSigningCertificate(deps.iam) };
  } catch (error: unknown) {
    const detail = describeError(error);
    deps.logger.warn('Could not check the root user for signing certificates', { error: detail });
    return [
      finding(
        {
          ...base,
          verdict: 'ERROR',
          detail: "GetAccountSummary failed: the root user's signing certificates were not checked",
        },
        'NONE',
        detail,
      ),
    ];
  }
  return ACCOUNT_CHECKS.flatMap((check) => check.evaluate(facts)).map((outcome) =>
    finding({ ...base, verdict: outcome.verdict, detail: outcome.detail }, 'NONE', null),
  );
}

/** The partition of the IAM endpoint the run calls (`aws` for a client without a region). */
export async function partitionOf(deps: AuditDeps): Promise<string> {
  return partitionOfRegion(await deps.iam.config.region().catch(() => ''));
}
