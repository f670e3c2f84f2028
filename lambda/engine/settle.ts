import { type IamUser, isNoSuchEntity, listUserTags, type SigningCertificate } from '../aws/iam';
import { ACCOUNT_RULES, type Outcome, type UserRules } from '../core/checks/check';
import { CERTIFICATE_CHECKS, VERDICTS, type Verdict } from '../core/checks/table';
import { describeError } from '../core/errors';
import type { Finding } from '../core/report';
import { resolveUserRules } from '../core/rules';
import type { Policy } from '../core/settings';
import {
  type FindingFields,
  finding,
  identityOf,
  type PendingFinding,
  userLevel,
} from './findings';
import type { UserScan } from './scan';
import type { AuditDeps, Limit } from './types';

/** A user's certificates with what the certificate checks said of each. */
export interface JudgedUser {
  readonly user: IamUser;
  readonly certificates: readonly JudgedCertificate[];
}

interface JudgedCertificate {
  readonly certificate: SigningCertificate;
  readonly outcomes: readonly Outcome<Verdict>[];
}

/** A user's tags as read, or why they could not be. */
type TagRead =
  | { readonly tags: ReadonlyMap<string, string> }
  | { readonly gone: true }
  | { readonly error: unknown };

/** What the settle phase decided: findings final as they are, and changes still to be made. */
export interface Settled {
  readonly usersScanned: number;
  readonly certificatesScanned: number;
  readonly settled: readonly Finding[];
  readonly pending: readonly PendingFinding[];
}

/**
 * Judges every listed certificate under the account policy, reads the tags of the users with
 * something to report (never of every user), and turns each user's outcomes into findings with
 * its tags applied: those settled now, and the changes the act phase is to make.
 */
export async function settleScans(
  deps: AuditDeps,
  policy: Policy,
  scans: readonly UserScan[],
  limit: Limit,
): Promise<Settled> {
  const settled: Finding[] = [];
  const judged: JudgedUser[] = [];
  let usersScanned = 0;
  let certificatesScanned = 0;
  for (const scan of scans) {
    if ('skipped' in scan) continue;
    usersScanned += 1;
    if ('error' in scan) {
      settled.push(userFailureFinding(deps, scan.user, scan.error));
      continue;
    }
    certificatesScanned += scan.certificates.length;
    judged.push({
      user: scan.user,
      certificates: scan.certificates.map((certificate) => ({
        certificate,
        outcomes: evaluateCertificate(certificate, deps.now, policy, ACCOUNT_RULES),
      })),
    });
  }

  // Tags are read only for users with something to report under the account policy.
  const needTags = judged.filter(({ certificates }) =>
    certificates.some(
      ({ certificate, outcomes }) => outcomes.length > 0 || certificate.uploadDate === undefined,
    ),
  );
  const tagReads = await readTags(deps, needTags, limit);
  const pending: PendingFinding[] = [];
  for (const user of judged) {
    const outcome = settleUser(deps, policy, user, tagReads.get(user.user.userName));
    settled.push(...outcome.settled);
    pending.push(...outcome.pending);
  }
  return { usersScanned, certificatesScanned, settled, pending };
}

/** Runs every certificate check whose outcome `rules` can change (all of them for the account's rules). */
function evaluateCertificate(
  certificate: SigningCertificate,
  now: Date,
  policy: Policy,
  rules: UserRules,
  only?: (check: (typeof CERTIFICATE_CHECKS)[number]) => boolean,
): Outcome<Verdict>[] {
  return CERTIFICATE_CHECKS.filter((check) => only?.(check) ?? true).flatMap((check) =>
    check.evaluate(certificate, { now, policy, rules }),
  );
}

async function readTags(
  deps: AuditDeps,
  users: readonly JudgedUser[],
  limit: Limit,
): Promise<Map<string, TagRead>> {
  const reads = await Promise.all(
    users.map(({ user }) =>
      limit(async (): Promise<[string, TagRead]> => {
        try {
          return [user.userName, { tags: await listUserTags(deps.iam, user.userName) }];
        } catch (error: unknown) {
          if (isNoSuchEntity(error)) return [user.userName, { gone: true }];
          return [user.userName, { error }];
        }
      }),
    ),
  );
  return new Map(reads);
}

/** Turns one user's outcomes into findings, applying its tags: settled ones, and changes to make. */
function settleUser(
  deps: AuditDeps,
  policy: Policy,
  { user, certificates }: JudgedUser,
  tagRead: TagRead | undefined,
): { settled: Finding[]; pending: PendingFinding[] } {
  const settled: Finding[] = [];
  const pending: PendingFinding[] = [];
  let rules = ACCOUNT_RULES;
  let hold: PendingFinding['hold'];
  const userBase = userLevel(user);
  if (tagRead !== undefined && 'tags' in tagRead) {
    const decision = resolveUserRules(tagRead.tags, policy, deps.now);
    rules = decision.rules;
    if (decision.holdReason !== undefined) hold = { action: 'NONE', detail: decision.holdReason };
    for (const problem of decision.problems) {
      settled.push(finding({ ...userBase, verdict: 'ERROR', detail: problem }, 'NONE', null));
    }
  } else if (tagRead !== undefined && 'gone' in tagRead) {
    hold = { action: 'GONE', detail: 'the user was deleted during the run' };
  } else if (tagRead !== undefined) {
    const detail = describeError(tagRead.error);
    deps.logger.warn('Could not read the tags of a user', {
      userName: user.userName,
      error: detail,
    });
    hold = {
      action: 'NONE',
      detail: 'not changed: its tags (exemption, maximum age) could not be read',
    };
    settled.push(
      finding(
        { ...userBase, verdict: 'ERROR', detail: 'ListUserTags failed; the user was not changed' },
        'NONE',
        detail,
      ),
    );
  }
  for (const { certificate, outcomes } of certificates) {
    const base = {
      userName: user.userName,
      userArn: user.userArn,
      certificateId: certificate.certificateId,
      status: certificate.status,
      uploadDate: certificate.uploadDate?.toISOString() ?? null,
      certificate: identityOf(certificate),
    };
    if (certificate.uploadDate === undefined) {
      const error = {
        code: 'MissingUploadDate',
        message: 'IAM returned the certificate without an UploadDate',
      };
      settled.push(
        finding({ ...base, ageDays: null, verdict: 'ERROR', detail: null }, 'NONE', error),
      );
    }
    // Only the checks the user's tags can change are run again, and only when they say something.
    const final =
      rules === ACCOUNT_RULES
        ? outcomes
        : [
            ...outcomes.filter((o) => !ruleBound(o.verdict)),
            ...evaluateCertificate(certificate, deps.now, policy, rules, (c) => c.usesUserRules),
          ];
    for (const outcome of final) {
      const fields: FindingFields = {
        ...base,
        ageDays: outcome.ageDays,
        verdict: outcome.verdict,
        plannedAction: outcome.plannedAction ?? null,
        detail: outcome.detail,
        override: outcome.override ?? null,
      };
      // A held user's failing age verdicts carry the hold's action and reason, change or not.
      if (
        outcome.plannedAction ||
        (hold && ruleBound(outcome.verdict) && VERDICTS[outcome.verdict].failing)
      ) {
        pending.push({
          finding: fields,
          plannedAction: outcome.plannedAction,
          hold,
          body: certificate.body,
        });
      } else settled.push(finding(fields, 'NONE', null));
    }
  }
  return { settled, pending };
}

const RULE_BOUND_VERDICTS: ReadonlySet<string> = new Set(
  CERTIFICATE_CHECKS.filter((check) => check.usesUserRules).flatMap((check) =>
    Object.keys(check.verdicts),
  ),
);

function ruleBound(verdict: Verdict): boolean {
  return RULE_BOUND_VERDICTS.has(verdict);
}

/** The finding of a user whose certificates could not be listed: gone, or an error. */
function userFailureFinding(deps: AuditDeps, user: IamUser, error: unknown): Finding {
  const base = { ...userLevel(user), detail: null };
  if (isNoSuchEntity(error)) {
    return finding({ ...base, verdict: 'NOT_EVALUATED' }, 'GONE', null);
  }
  const detail = describeError(error);
  deps.logger.warn('Could not list the signing certificates of a user', {
    userName: user.userName,
    error: detail,
  });
  return finding({ ...base, verdict: 'ERROR' }, 'NONE', detail);
}
