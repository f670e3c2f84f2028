import { type IamUser, isNoSuchEntity, listUserTags } from '../aws/iam';
import { joinDetails } from '../core/checks/age';
import {
  ACCOUNT_RULES,
  type Outcome,
  type PlannedAction,
  type UserRules,
} from '../core/checks/check';
import { CERTIFICATE_CHECKS, VERDICTS, type Verdict } from '../core/checks/table';
import type { Credential } from '../core/credential';
import { maxAgeDaysOf } from '../core/credential-wording';
import { describeError } from '../core/errors';
import {
  describeExemption,
  type Exemption,
  type ExemptionMatcher,
  exemptionEnd,
  findingExemption,
  inForce,
} from '../core/exemptions';
import type { Finding } from '../core/report';
import { resolveUserRules } from '../core/rules';
import type { Policy } from '../core/settings';
import { DAY_MS } from '../core/time';
import { kindOf } from '../kinds';
import {
  type FindingFields,
  finding,
  identityOf,
  type PendingFinding,
  userLevel,
} from './findings';
import type { UserScan } from './scan';
import type { AuditDeps, Limit } from './types';

/** A user's credentials with what the checks of their kinds said of each. */
export interface JudgedUser {
  readonly user: IamUser;
  readonly credentials: readonly JudgedCredential[];
}

interface JudgedCredential {
  readonly credential: Credential;
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
  exemptions?: ExemptionMatcher,
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
    certificatesScanned += scan.credentials.filter((c) => c.type === 'signing-certificate').length;
    judged.push({
      user: scan.user,
      credentials: scan.credentials.map((credential) => ({
        credential,
        outcomes: evaluateCredential(credential, deps.now, policy, ACCOUNT_RULES),
      })),
    });
  }

  // Tags are read only for users with something to report under the account policy.
  const needTags = judged.filter(({ credentials }) =>
    credentials.some(
      ({ credential, outcomes }) => outcomes.length > 0 || credential.uploadDate === undefined,
    ),
  );
  const tagReads = await readTags(deps, needTags, limit);
  const pending: PendingFinding[] = [];
  for (const user of judged) {
    const outcome = settleUser(deps, policy, user, tagReads.get(user.user.userName), exemptions);
    settled.push(...outcome.settled);
    pending.push(...outcome.pending);
  }
  return { usersScanned, certificatesScanned, settled, pending };
}

/**
 * Runs every check of the credential's kind (those whose outcome `rules` can change, with
 * `only`), against the kind's own maximum age where the policy sets one.
 */
function evaluateCredential(
  credential: Credential,
  now: Date,
  policy: Policy,
  rules: UserRules,
  only?: (check: (typeof CERTIFICATE_CHECKS)[number]) => boolean,
): Outcome<Verdict>[] {
  const kindPolicy = policyForKind(policy, credential.type);
  return CERTIFICATE_CHECKS.filter(
    (check) => check.kinds.includes(credential.type) && (only?.(check) ?? true),
  ).flatMap((check) => check.evaluate(credential, { now, policy: kindPolicy, rules }));
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
  { user, credentials }: JudgedUser,
  tagRead: TagRead | undefined,
  exemptions: ExemptionMatcher | undefined,
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
  for (const { credential, outcomes } of credentials) {
    const base = credentialFields(user, credential);
    if (credential.uploadDate === undefined) {
      const error = {
        code: 'MissingUploadDate',
        message:
          credential.type === 'signing-certificate'
            ? 'IAM returned the certificate without an UploadDate'
            : `IAM returned the ${kindOf(credential.type).label} without its date`,
      };
      settled.push(
        finding({ ...base, ageDays: null, verdict: 'ERROR', detail: null }, 'NONE', error),
      );
    }
    const entry = exemptions?.entryFor({
      userName: user.userName,
      userArn: user.userArn,
      type: credential.type,
      credentialId: credential.credentialId,
    });
    const credentialRules = withFileExemption(rules, entry, deps.now);
    // Only the checks the user's tags can change are run again, and only when they say something.
    const final =
      credentialRules === ACCOUNT_RULES
        ? outcomes
        : [
            ...outcomes.filter((o) => !ruleBound(o.verdict)),
            ...evaluateCredential(
              credential,
              deps.now,
              policy,
              credentialRules,
              (c) => c.usesUserRules,
            ),
          ];
    for (const outcome of final) {
      const planned = remediable(policy, credential, outcome.plannedAction);
      const exempted =
        entry !== undefined && inForce(entry, deps.now) && EXEMPT_VERDICTS.has(outcome.verdict);
      const fields: FindingFields = {
        ...base,
        ageDays: outcome.ageDays,
        verdict: outcome.verdict,
        plannedAction: planned.action ?? null,
        detail: joinDetails(outcome.detail, planned.why ?? null),
        override: outcome.override ?? null,
        ...(exempted ? { exemption: findingExemption(entry) } : {}),
      };
      // A held user's failing age verdicts carry the hold's action and reason, change or not.
      if (
        planned.action ||
        (hold && ruleBound(outcome.verdict) && VERDICTS[outcome.verdict].failing)
      ) {
        pending.push({
          finding: fields,
          plannedAction: planned.action,
          hold,
          body: credential.body,
        });
      } else settled.push(finding(fields, 'NONE', null));
    }
    settled.push(...compliantFinding(policy, deps.now, base, credential, final));
  }
  return { settled, pending };
}

/** The verdicts an exemption gives. */
const EXEMPT_VERDICTS: ReadonlySet<Verdict> = new Set<Verdict>(['EXEMPT', 'EXEMPTION_EXPIRING']);

/**
 * A credential's rules once the exemptions file has spoken: an entry in force exempts it until
 * the day after its last, whatever the exempt tag says (the file is the reviewed word; the
 * maximum-age tag still applies); an expired entry exempts nothing, leaves the tag to decide,
 * and is named where the credential is judged as any other.
 */
function withFileExemption(rules: UserRules, entry: Exemption | undefined, now: Date): UserRules {
  if (entry === undefined) return rules;
  if (inForce(entry, now)) {
    const { endedExemption: _ended, ...rest } = rules;
    return {
      ...rest,
      exemptReason: describeExemption(findingExemption(entry)),
      exemptUntil: exemptionEnd(entry),
    };
  }
  return {
    ...rules,
    endedExemption: joinDetails(
      rules.endedExemption,
      `its exemption (exemptions file entry ${entry.entry}) ended on ${entry.expires}`,
    ) as string,
  };
}

/**
 * The finding of a credential every check of its kind passed (its date read, no outcome left
 * under the rules that applied), listed only when the policy's `includeCompliant` asks for the
 * whole population: verdict COMPLIANT, nothing planned or done. Counted nowhere (core/counts.ts),
 * so the summary is the same with the setting as without it.
 */
function compliantFinding(
  policy: Policy,
  now: Date,
  base: ReturnType<typeof credentialFields>,
  credential: Credential,
  final: readonly Outcome<Verdict>[],
): Finding[] {
  if (!policy.includeCompliant || final.length > 0 || credential.uploadDate === undefined) {
    return [];
  }
  const ageDays = Math.floor((now.getTime() - credential.uploadDate.getTime()) / DAY_MS);
  return [finding({ ...base, ageDays, verdict: 'COMPLIANT', detail: null }, 'NONE', null)];
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

/** A credential's fields in a finding: whose, which (by kind and id), its status and dates. */
function credentialFields(user: IamUser, credential: Credential) {
  const certificate = credential.type === 'signing-certificate';
  return {
    userName: user.userName,
    userArn: user.userArn,
    // A certificate keeps every field it had; another kind is named by credentialType and credentialId.
    certificateId: certificate ? credential.credentialId : null,
    credentialType: credential.type,
    credentialId: credential.credentialId,
    serviceName: credential.type === 'service-specific-credential' ? credential.serviceName : null,
    status: credential.status,
    uploadDate: credential.uploadDate?.toISOString() ?? null,
    certificate: certificate ? identityOf(credential) : null,
  };
}

/**
 * What the mode's change to a credential becomes under the policy: made only to the kinds
 * `remediateKinds` names (the others are reported, so an upgrade never starts switching off a
 * kind it never touched), and a kind whose deletion cannot be undone (restore `reactivate-only`:
 * a service-specific credential, whose secret is never readable again) deleted only with
 * `deleteServiceCredentials`. The constructs' grants follow the same rule (lib/auditor-permissions.ts).
 */
function remediable(
  policy: Policy,
  credential: Credential,
  action: PlannedAction | undefined,
): { readonly action?: PlannedAction; readonly why?: string } {
  if (action === undefined) return {};
  if (!policy.remediateKinds.includes(credential.type)) {
    return { why: `not changed: remediateKinds does not name ${credential.type}` };
  }
  const kind = kindOf(credential.type);
  if (
    action === 'DELETE' &&
    kind.restore === 'reactivate-only' &&
    !policy.deleteServiceCredentials
  ) {
    return {
      why: `not deleted: a ${kind.label} can never be restored, and deleteServiceCredentials is off`,
    };
  }
  return { action };
}

/** The policy a kind is judged by: its own maximum age where the policy sets one. */
function policyForKind(policy: Policy, type: Credential['type']): Policy {
  const own = maxAgeDaysOf(policy, type);
  if (own === policy.maxAgeDays) return policy;
  // The delete grace period after the maximum age stays the account's.
  return {
    ...policy,
    maxAgeDays: own,
    deleteAfterDays: own + (policy.deleteAfterDays - policy.maxAgeDays),
  };
}
