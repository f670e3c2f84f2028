import { type RunSimulationResults, runSimulation } from '@cloud-copilot/iam-simulate';
import type { Mode } from '../../lambda/core/settings';
import { KIND_INDEX } from '../../lambda/kinds';
import type { CredentialKind } from '../../lambda/kinds/kind';
import type { Principal } from '../../tools/emulator/call-record';
import type { DeployedSide, Deployment } from './deployments';
import type { AttributedCall, CallRecord, KindSettings, RunSettings } from './record';
import { type PolicyDocument, type ResolvedTemplate, resourcePolicyOf } from './template';

/** One request put to the policy evaluator. */
export interface ProofRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string>>;
  /** Where it comes from: the recorded call's session, the declared path, or the call it is derived from. */
  readonly why: string;
  readonly origin: 'recorded' | 'declared' | 'derived' | 'refusal';
  /** Why the deployment needs it, in a few words, for the reference page: the same for every run. */
  readonly reason: string;
}

/** The evaluator's answer to one request. */
export interface ProofVerdict {
  readonly request: ProofRequest;
  /** `Outside` when nothing in the templates governs it (a topic or bucket the user brings). */
  readonly result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Outside' | 'Invalid';
  /** The identity statements that allowed it: `role|policy|statement|action pattern`. */
  readonly allowedBy: readonly string[];
  readonly detail?: string;
}

/** A granted action of a role: one action pattern of one Allow statement. */
export interface Grant {
  readonly role: string;
  readonly policy: string;
  readonly statement: string;
  readonly action: string;
  readonly resources: readonly string[];
}

/** The proof of one deployment, in both directions. */
export interface DeploymentProof {
  readonly deployment: string;
  /** Every call the deployment's code was recorded making, declared path and derived call: each must be allowed. */
  readonly expected: readonly ProofVerdict[];
  /** Calls the deployment's settings must not allow (other modes, features, paths, principals): each must be refused. */
  readonly refusals: readonly ProofVerdict[];
  readonly grants: readonly Grant[];
  /** The grants no expected call exercised. */
  readonly unexercised: readonly Grant[];
  /**
   * The grants of a kind's action that the role's settings never make (by the kind table: a
   * write of a kind it does not change, any write in report mode, a restore): none may be held.
   */
  readonly ruledOutByKinds: readonly Grant[];
  /** For each grant (`role|policy|statement|action`), why it is used: the requests' reasons. */
  readonly uses: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The key of a grant, as the evaluator's answers name the statements that allowed a request. */
export function grantKey(grant: Grant): string {
  return `${grant.role}|${grant.policy}|${grant.statement}|${grant.action}`;
}

/**
 * The IAM calls on `*` a users-scoped run makes too: GetAccountSummary (no resource-level
 * permissions), for the root user's signing certificate.
 */
export const USERS_SCOPED_ON_EVERY_RESOURCE: ReadonlySet<string> = new Set([
  'iam:GetAccountSummary',
]);

/** IAM answers these without any permission (STS API Reference: GetCallerIdentity). */
const NO_PERMISSION_NEEDED = new Set(['sts:GetCallerIdentity']);
const MODE_ORDER: readonly Mode[] = ['report', 'deactivate', 'delete'];
/** A principal outside the organization, allowed everything by its own account. */
const OUTSIDER = 'arn:aws:iam::999999999999:role/outsider';
const ALLOW_ALL: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

/** Who makes a recorded call, in the reference page's words, where the principal's name does not say. */
const WHO: Readonly<Record<string, string>> = {
  member: 'member account’s audit',
  trusted: 'worker or CLI entering the member account',
  'config-rule': 'Config rule function’s code',
  realtime: 'real-time function’s code',
  'org-realtime': 'organization’s real-time function’s code',
};

/** What a kind's action is for. */
type Purpose = keyof CredentialKind['actions'];
const PURPOSES: readonly Purpose[] = ['read', 'deactivate', 'delete', 'restore'];

/** The kinds that take an action, and what for (an action may serve two: a deactivation and a reactivation). */
function purposesOf(action: string): { kind: CredentialKind; purpose: Purpose }[] {
  return KIND_INDEX.flatMap((kind) =>
    PURPOSES.filter((purpose) => kind.actions[purpose].includes(action)).map((purpose) => ({
      kind,
      purpose,
    })),
  );
}

/** What a principal's code runs with, as far as the kinds go. */
export type KindRun = KindSettings & { readonly mode: Mode };

/**
 * Whether code running with these settings makes a kind's action, by the kind table, stated here
 * apart from the constructs' grants (lib/auditor-permissions.ts) so the proof checks them: a
 * kind's reads when credentialKinds names it; its deactivation outside report mode when
 * remediateKinds names it too; its deletion in delete mode only, and for a kind whose deletion is
 * final (restore `reactivate-only`, a service-specific credential) only with
 * deleteServiceCredentials; a restore never (only the operator restores, with its own
 * credentials). Undefined for an action no kind takes.
 */
export function kindMakes(action: string, run: KindRun): boolean | undefined {
  const purposes = purposesOf(action);
  if (purposes.length === 0) return undefined;
  return purposes.some(({ kind, purpose }) => {
    const read = run.credentialKinds.includes(kind.type);
    const changed = read && run.mode !== 'report' && run.remediateKinds.includes(kind.type);
    if (purpose === 'read') return read;
    if (purpose === 'deactivate') return changed;
    if (purpose === 'delete') {
      return (
        changed &&
        run.mode === 'delete' &&
        (kind.restore !== 'reactivate-only' || run.deleteServiceCredentials)
      );
    }
    return false;
  });
}

/** Runs nothing of any kind: the roles that never touch a user's credentials. */
const NO_KINDS: KindRun = {
  mode: 'report',
  credentialKinds: [],
  remediateKinds: [],
  deleteServiceCredentials: false,
};

/**
 * What a role of the deployment runs with, as far as the kinds go: the audit function, the
 * real-time function and the member role its settings; the Config rule's function the same kinds
 * in report mode; any other role (the organization's worker, enumerate, summarize, real-time
 * function, which enter the member role for their IAM calls) nothing of any kind.
 */
function kindRunOf(role: string, deployment: Deployment): KindRun {
  const { settings, roleOf } = deployment;
  const rule = roleOf['config-rule'];
  if (rule !== undefined && roleKey(rule, deployment) === role)
    return { ...settings, mode: 'report' };
  const auditsUsers = [roleOf.function, roleOf.realtime].filter(
    (r): r is string => r !== undefined,
  );
  if (
    auditsUsers.some((r) => roleKey(r, deployment) === role) ||
    role === `member:${settings.memberRoleName}` ||
    role.endsWith(`:role/${settings.memberRoleName}`)
  ) {
    return settings;
  }
  return NO_KINDS;
}

/** Which deployments a recorded call belongs to, and as which of their principals. */
function roleKinds(call: AttributedCall): { kind: Deployment['kind']; as: string }[] {
  const { principal } = call.session;
  if (call.assumedRole) {
    // The member role: the StackSet's template in the organization; the same template deployed
    // alone, trusting the CLI's operator (or whoever its TrustedRoleArn names). The organization's
    // real-time function enters the StackSet's only: the template alone refuses realtime.
    if (principal === 'worker')
      return [
        { kind: 'organization', as: 'member' },
        { kind: 'member', as: 'member' },
      ];
    if (principal === 'org-realtime') return [{ kind: 'organization', as: 'member' }];
    if (principal === 'operator') return [{ kind: 'member', as: 'member' }];
    return [];
  }
  if (principal === 'function') return [{ kind: 'account', as: 'function' }];
  if (principal === 'config-rule') return [{ kind: 'account', as: 'config-rule' }];
  if (principal === 'realtime') return [{ kind: 'account', as: 'realtime' }];
  // Its AssumeRole is held to its own policy here and, as it names the member role, to that
  // role's trust policy in the StackSet's template (which trusts it only with realtime on).
  if (principal === 'org-realtime') return [{ kind: 'organization', as: 'org-realtime' }];
  if (principal === 'worker' || principal === 'enumerate' || principal === 'summarize') {
    const own = { kind: 'organization' as const, as: principal };
    // The worker's AssumeRole is also how the member template alone is entered (as its trusted principal).
    return principal === 'worker' && call.call.action === 'sts:AssumeRole'
      ? [own, { kind: 'member', as: 'trusted' }]
      : [own];
  }
  // The operator's own calls run with the operator's own policy: not a template's to prove; its
  // AssumeRole enters the member template deployed for it.
  if (principal === 'operator' && call.call.action === 'sts:AssumeRole') {
    return [{ kind: 'member', as: 'trusted' }];
  }
  return [];
}

/**
 * Whether a deployment's code makes the calls a session made: the session's mode is the same or
 * less (report ⊂ deactivate ⊂ delete), a credential-report scan needs a credential-report
 * deployment (whose full-scan schedule and fallback make full scans too), Security Hub calls
 * need Security Hub, the session's users are under the deployment's path, and a users-scoped
 * run (a real-time function's: GetUser for each named user, GetAccountSummary for the root user,
 * the window guard's counters under guard/ outside report mode) needs realtime on. A
 * users-scoped run never reads the credential report, so its scan strategy does not matter.
 */
export function compatible(session: RunSettings, deployment: Deployment): boolean {
  const d = deployment.settings;
  if (MODE_ORDER.indexOf(session.mode) > MODE_ORDER.indexOf(d.mode)) return false;
  if (session.scope === 'users' && !d.realtime) return false;
  if (
    session.scope === 'account' &&
    session.scanStrategy === 'credential-report' &&
    d.scanStrategy !== 'credential-report'
  )
    return false;
  if (session.securityHubRegion !== undefined && !d.securityHub) return false;
  if (!session.userPathPrefix.startsWith(d.userPathPrefix)) return false;
  if (session.memberRoleName !== d.memberRoleName) return false;
  return selects(session, d);
}

/** An enumerate step's selection: OUs walked exactly when the deployment's selection names them. */
function selects(session: RunSettings, d: Deployment['settings']): boolean {
  if (!session.selection) return true;
  return (
    session.selection.includeOus === d.selection.includeOus &&
    (!session.selection.excludeOus || d.selection.excludeOus)
  );
}

/** Renames the session's resources (topic, bucket, Security Hub region) to the deployment's. */
function bind(resource: string, session: RunSettings, deployment: Deployment): string {
  let bound = resource;
  const { topicArn, archiveBucket, securityHubRegion } = deployment.bindings;
  if (session.topicArn && topicArn) bound = bound.split(session.topicArn).join(topicArn);
  if (session.archiveBucket && archiveBucket) {
    bound = bound.replace(
      new RegExp(`^arn:aws:s3:::${escapeRegExp(session.archiveBucket)}(?=/|$)`),
      `arn:aws:s3:::${archiveBucket}`,
    );
  }
  if (session.securityHubRegion && securityHubRegion) {
    bound = bound.replace(
      `:securityhub:${session.securityHubRegion}:`,
      `:securityhub:${securityHubRegion}:`,
    );
  }
  if (deployment.organizationId)
    bound = bound.replace('{organizationId}', deployment.organizationId);
  return bound;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A role as one grant is held: a member account's role by its name (the StackSet deploys the same
 * template in every account), the central account's by its ARN.
 */
export function roleKey(arn: string, deployment: Deployment): string {
  const central = deployment.central?.template.pseudo.accountId;
  const account = accountOf(arn);
  if (account && account !== central && /:role\//.test(arn))
    return `member:${arn.replace(/^.*:role\//, '')}`;
  return arn;
}

function accountOf(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

/** A recorded call as a request to one deployment, with the settings of the session that made it. */
export interface RecordedRequest {
  readonly request: ProofRequest;
  readonly settings: RunSettings;
  /** Whether the deployment's code makes this call (see {@link compatible}). */
  readonly compatible: boolean;
}

/** The recorded calls that concern this deployment, bound to its resources and principals. */
export function recordedRequests(record: CallRecord, deployment: Deployment): RecordedRequest[] {
  const requests: RecordedRequest[] = [];
  for (const attributed of record.calls) {
    const { call, session } = attributed;
    if (!session.settings || NO_PERMISSION_NEEDED.has(call.action)) continue;
    for (const kind of roleKinds(attributed)) {
      if (kind.kind !== deployment.kind) continue;
      const principal =
        kind.as === 'member'
          ? attributed.assumedRole?.roleArn
          : kind.as === 'trusted'
            ? deployment.roleOf.trusted
            : deployment.roleOf[kind.as as Principal];
      if (!principal) continue;
      requests.push({
        request: {
          principal,
          action: call.action,
          resource: bind(call.resource, session.settings, deployment),
          context: { 'aws:RequestedRegion': call.region },
          why: `${session.source}: ${session.label}`,
          origin: 'recorded',
          reason: `the ${WHO[kind.as] ?? `${kind.as} code`} (${call.operation})`,
        },
        settings: session.settings,
        // The session's settings cover the deployment's, and the deployment's role makes this
        // call of its kind (a session reading every kind also makes the calls of a deployment
        // reading fewer: those of the kinds that deployment reads).
        compatible:
          compatible(session.settings, deployment) &&
          kindMakes(call.action, kindRunOf(roleKey(principal, deployment), deployment)) !== false,
      });
    }
  }
  return requests;
}

/** The calls AWS makes on a caller's behalf for a request: the keys behind SSE-KMS buckets and encrypted topics. */
export function derivedRequests(request: ProofRequest, deployment: Deployment): ProofRequest[] {
  const side = deployment.central;
  if (!side) return [];
  const kms = (action: string, key: string, service: string, reason: string): ProofRequest => ({
    principal: request.principal,
    action,
    resource: key,
    context: {
      ...request.context,
      'kms:ViaService': `${service}.${side.template.pseudo.region}.amazonaws.com`,
      'kms:CallerAccount': accountOf(request.principal) ?? side.template.pseudo.accountId,
    },
    why: `${request.action} on ${request.resource} (${request.why})`,
    origin: 'derived',
    reason,
  });
  const bucket = /^arn:aws:s3:::([^/]+)\//.exec(request.resource)?.[1];
  if (bucket) {
    // S3 with SSE-KMS: a write needs kms:GenerateDataKey, a read kms:Decrypt, on the bucket's key
    // (S3 User Guide, "Using server-side encryption with AWS KMS keys": permissions).
    const key = bucketKey(side.template, bucket);
    if (!key) return [];
    if (request.action === 's3:PutObject') {
      return [kms('kms:GenerateDataKey', key, 's3', 'S3 encrypts what it writes to the archive')];
    }
    if (request.action === 's3:GetObject') {
      return [kms('kms:Decrypt', key, 's3', 'S3 decrypts what it reads from the archive')];
    }
    return [];
  }
  if (request.action === 'sns:Publish') {
    // SNS with a customer key: the publisher needs kms:GenerateDataKey* and kms:Decrypt on it
    // (SNS Developer Guide, "Encryption at rest": key management).
    const key = topicKey(side.template, request.resource);
    if (!key) return [];
    const why = 'SNS encrypts what it publishes to the topic';
    return [kms('kms:GenerateDataKey', key, 'sns', why), kms('kms:Decrypt', key, 'sns', why)];
  }
  return [];
}

function bucketKey(template: ResolvedTemplate, bucket: string): string | undefined {
  for (const [id] of template.ofType('AWS::S3::Bucket')) {
    if (template.ref(id) !== bucket) continue;
    const encryption = template.property(id, 'BucketEncryption') as
      | {
          ServerSideEncryptionConfiguration?: {
            ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string };
          }[];
        }
      | undefined;
    const rule = encryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
    return rule?.SSEAlgorithm === 'aws:kms' ? rule.KMSMasterKeyID : undefined;
  }
  return undefined;
}

function topicKey(template: ResolvedTemplate, topicArn: string): string | undefined {
  for (const [id] of template.ofType('AWS::SNS::Topic')) {
    if (template.ref(id) === topicArn)
      return template.property(id, 'KmsMasterKeyId') as string | undefined;
  }
  return undefined;
}

/** The declared service paths, as requests. */
export function declaredRequests(deployment: Deployment): ProofRequest[] {
  return deployment.paths.map((path) => ({
    principal: 'service' in path.principal ? path.principal.service : path.principal.roleArn,
    action: path.action,
    resource: path.resource,
    context: path.context ?? {},
    why: `${path.description} (${path.declaredBy})`,
    origin: 'declared',
    reason: path.description,
  }));
}

/** The side (central or a member account's) whose template holds `arn`, if any. */
function sideHolding(
  deployment: Deployment,
  arn: string,
  principalAccount: string | undefined,
): DeployedSide | undefined {
  const account = accountOf(arn);
  const sides = [deployment.central, account ? deployment.member(account) : undefined].filter(
    (s): s is DeployedSide => s !== undefined,
  );
  const holds = (side: DeployedSide) =>
    side.policies.resource.has(arn) ||
    side.policies.trust.has(arn) ||
    resourcePolicyOf(side.policies, arn) !== undefined ||
    side.policies.identity.has(arn);
  return (
    sides.find(holds) ??
    (principalAccount && principalAccount === deployment.central?.template.pseudo.accountId
      ? deployment.central
      : undefined)
  );
}

/** Asks the evaluator about one request in one deployment. */
export async function evaluate(
  request: ProofRequest,
  deployment: Deployment,
  extraIdentity?: PolicyDocument,
): Promise<ProofVerdict> {
  const isService = !request.principal.startsWith('arn:');
  const principalAccount = isService ? undefined : accountOf(request.principal);
  const principalSide = principalAccount
    ? [deployment.central, deployment.member(principalAccount)].find((side) =>
        side?.policies.identity.has(request.principal),
      )
    : undefined;
  // The member template alone trusts a principal of the user's: its own policy lets it assume the role by name.
  const trustedOwn: PolicyDocument | undefined =
    deployment.kind === 'member' && request.principal === deployment.roleOf.trusted
      ? {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Resource: `arn:aws:iam::*:role/${deployment.settings.memberRoleName}`,
            },
          ],
        }
      : undefined;
  const ownPolicy = extraIdentity ?? trustedOwn;
  const identity = ownPolicy
    ? [{ name: 'its own account', policy: ownPolicy }]
    : (principalSide?.policies.identity.get(request.principal) ?? []).map((p) => ({
        name: p.name,
        policy: p.document,
      }));
  if (!isService && !principalSide && !ownPolicy) {
    return {
      request,
      result: 'Invalid',
      allowedBy: [],
      detail: `no role ${request.principal} in the templates`,
    };
  }
  let resourcePolicy: PolicyDocument | undefined;
  let resourceAccount =
    accountOf(request.resource) ??
    principalAccount ??
    deployment.central?.template.pseudo.accountId ??
    '';
  if (request.resource !== '*') {
    const holder = sideHolding(deployment, request.resource, principalAccount);
    if (holder) {
      resourceAccount = accountOf(request.resource) ?? holder.template.pseudo.accountId;
      resourcePolicy =
        request.action === 'sts:AssumeRole'
          ? holder.policies.trust.get(request.resource)
          : resourcePolicyOf(holder.policies, request.resource);
    } else if (isService) {
      return {
        request,
        result: 'Outside',
        allowedBy: [],
        detail: 'the resource is not in the templates: its policy is its owner’s',
      };
    }
  }
  const inOrganization = (account: string | undefined) =>
    deployment.organizationId !== undefined && account !== undefined && account !== '999999999999';
  const context: Record<string, string> = {
    // The SDK reaches AWS over HTTPS: every call of the code is TLS.
    'aws:SecureTransport': 'true',
    'aws:CurrentTime': new Date().toISOString(),
    'aws:ResourceAccount': resourceAccount,
    ...(isService
      ? { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': request.principal }
      : {
          'aws:PrincipalArn': request.principal,
          'aws:PrincipalAccount': principalAccount ?? '',
          'aws:PrincipalIsAWSService': 'false',
          'aws:PrincipalType': 'AssumedRole',
          ...(inOrganization(principalAccount) && deployment.organizationId
            ? { 'aws:PrincipalOrgID': deployment.organizationId }
            : {}),
        }),
    ...(inOrganization(resourceAccount) && deployment.organizationId
      ? { 'aws:ResourceOrgID': deployment.organizationId }
      : {}),
    ...request.context,
  };
  const result: RunSimulationResults = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount },
        contextVariables: context,
      },
      identityPolicies: identity,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    return { request, result: 'Invalid', allowedBy: [], detail: result.errors.message };
  }
  const analyses = result.resultType === 'single' ? [result.result] : result.results;
  const allowedBy = analyses.flatMap((analysis) =>
    (analysis.analysis.identityAnalysis?.allowStatements ?? []).flatMap((statement) =>
      [statement.explain.actions ?? []]
        .flat()
        .filter((action) => action.matches)
        .map(
          (action) =>
            `${roleKey(request.principal, deployment)}|${statement.policyId}|${statement.explain.identifier}|${action.action}`,
        ),
    ),
  );
  return { request, result: result.overallResult, allowedBy };
}

/** Every granted action pattern of every role in the deployment's templates. */
export function grantsOf(deployment: Deployment, memberAccounts: readonly string[]): Grant[] {
  const sides = [deployment.central, ...memberAccounts.map((a) => deployment.member(a))].filter(
    (s): s is DeployedSide => s !== undefined,
  );
  const grants: Grant[] = [];
  const seen = new Set<string>();
  for (const side of sides) {
    for (const [role, policies] of side.policies.identity) {
      for (const policy of policies) {
        policy.document.Statement.forEach((statement, index) => {
          if (statement.Effect !== 'Allow' || statement.Action === undefined) return;
          const identifier = statement.Sid ?? String(index + 1);
          for (const action of [statement.Action].flat()) {
            const key = `${roleKey(role, deployment)}|${policy.name}|${identifier}|${action}`;
            if (seen.has(key)) continue;
            seen.add(key);
            grants.push({
              role: roleKey(role, deployment),
              policy: policy.name,
              statement: identifier,
              action,
              resources: [statement.Resource ?? '*'].flat() as string[],
            });
          }
        });
      }
    }
  }
  return grants;
}

/** Runs the evaluator over requests, once per distinct request. */
async function evaluateAll(
  requests: readonly ProofRequest[],
  deployment: Deployment,
  extraIdentity?: PolicyDocument,
): Promise<ProofVerdict[]> {
  const unique = new Map<string, ProofRequest>();
  for (const request of requests) {
    const key = JSON.stringify([
      request.principal,
      request.action,
      request.resource,
      request.context,
    ]);
    if (!unique.has(key)) unique.set(key, request);
  }
  const verdicts: ProofVerdict[] = [];
  for (const request of unique.values())
    verdicts.push(await evaluate(request, deployment, extraIdentity));
  return verdicts;
}

/**
 * What each setting of a deployment rules out: an action its value never makes, though another
 * value does (the writes of a stronger mode, the credential report, Security Hub). Read from the
 * record: the actions of every session whose value for that setting the deployment covers.
 */
function ruledOut(recorded: readonly RecordedRequest[], deployment: Deployment): RecordedRequest[] {
  const d = deployment.settings;
  const settings: ((s: RunSettings) => boolean)[] = [
    (s) => MODE_ORDER.indexOf(s.mode) <= MODE_ORDER.indexOf(d.mode),
    (s) =>
      s.scope === 'users' ||
      s.scanStrategy !== 'credential-report' ||
      d.scanStrategy === 'credential-report',
    // What only a real-time run does through the member role (GetUser in report mode) is
    // refused by a member role that does not trust the real-time function.
    (s) => s.scope === 'account' || d.realtime,
    (s) => s.securityHubRegion === undefined || d.securityHub,
    (s) => selects(s, d),
  ];
  const out = new Map<string, RecordedRequest>();
  // What the deployment's kinds rule out, call by call: the record's calls of a kind its role
  // does not read, change or delete (the kind table's rule, kindMakes).
  for (const r of recorded) {
    const run = kindRunOf(roleKey(r.request.principal, deployment), deployment);
    if (kindMakes(r.request.action, run) === false) out.set(JSON.stringify(r.request), r);
  }
  for (const covers of settings) {
    const key = (r: RecordedRequest) =>
      `${roleKey(r.request.principal, deployment)}|${r.request.action}`;
    const made = new Set(recorded.filter((r) => covers(r.settings)).map(key));
    for (const r of recorded) {
      if (!covers(r.settings) && !made.has(key(r))) {
        out.set(JSON.stringify(r.request), r);
      }
    }
  }
  return [...out.values()];
}

/** The proof of one deployment against the record. */
export async function proveDeployment(
  record: CallRecord,
  deployment: Deployment,
): Promise<DeploymentProof> {
  const all = recordedRequests(record, deployment);
  const recorded = all.filter((r) => r.compatible).map((r) => r.request);
  const declared = declaredRequests(deployment);
  const direct = [...recorded, ...declared];
  const derived = direct.flatMap((request) => derivedRequests(request, deployment));
  const expected = await evaluateAll([...direct, ...derived], deployment);

  const refusals: ProofVerdict[] = [];
  const refuse = async (
    requests: readonly ProofRequest[],
    why: string,
    identity?: PolicyDocument,
  ) =>
    refusals.push(
      ...(await evaluateAll(
        requests.map((r) => ({ ...r, origin: 'refusal' as const, why: `${why}: ${r.why}` })),
        deployment,
        identity,
      )),
    );
  // Nothing more: what only other settings do (a stronger mode's writes, a feature's calls) is refused.
  await refuse(
    ruledOut(all, deployment).map((r) => r.request),
    'only another setting makes this call',
  );
  // Users outside the path prefix are out of reach.
  if (deployment.settings.userPathPrefix !== '/') {
    await refuse(
      all
        .map((r) => r.request)
        .filter((r) => {
          const path = /^arn:aws:iam::\d{12}:user(\/.*\/|\/)[^/]+$/.exec(r.resource)?.[1];
          return path !== undefined && !path.startsWith(deployment.settings.userPathPrefix);
        }),
      `a user outside ${deployment.settings.userPathPrefix}`,
    );
  }
  // By the kind table, whatever the record holds: what each role that audits users never does
  // (a kind's reads it does not read, the writes its mode and remediateKinds rule out, a final
  // deletion without deleteServiceCredentials, and every restore: only the operator restores,
  // with its own credentials), tried as that role on a user under the path, is refused.
  await refuse(kindProbes(all, deployment), 'the kind table rules this out for the role');
  // The Config rule's function only reads and evaluates: whatever the audit function's code does
  // that the rule's code never does (IAM writes, the archive, the topic, Security Hub, the
  // credential report), tried as the rule's role, is refused, in every mode.
  const ruleRole = deployment.roleOf['config-rule'];
  if (ruleRole) {
    const ruleActions = new Set(
      all.filter((r) => r.request.principal === ruleRole).map((r) => r.request.action),
    );
    await refuse(
      all
        .map((r) => r.request)
        .filter((r) => r.principal === deployment.roleOf.function && !ruleActions.has(r.action))
        .map((r) => ({ ...r, principal: ruleRole })),
      'the Config rule’s role does what only the audit function does',
    );
  }
  // The real-time function's role is users-scoped: what only an account-wide scan does (listing
  // every user, the credential report), as the audit function's code does it, tried as the
  // real-time role, is refused, in every mode. A kind's account-wide listing is not tried: it is
  // the kind's read action on `*`, which a policy cannot tell from the same action on a user the
  // role reads by name (the evaluator lets `user/*` match it): that the real-time runs never make
  // it (lambda/engine/scan.ts, scanNamedUsers) is checked on the record (permissions.test.ts).
  const realtimeRole = deployment.roleOf.realtime;
  if (realtimeRole) {
    await refuse(
      all
        .map((r) => r.request)
        .filter(
          (r) =>
            r.principal === deployment.roleOf.function &&
            r.action.startsWith('iam:') &&
            r.resource === '*' &&
            !USERS_SCOPED_ON_EVERY_RESOURCE.has(r.action) &&
            purposesOf(r.action).length === 0,
        )
        .map((r) => ({ ...r, principal: realtimeRole })),
      'the real-time role does what only an account-wide scan does',
    );
  }
  const assumes = recorded.filter((r) => r.action === 'sts:AssumeRole');
  // The worker (or operator) cannot assume a role of another name.
  await refuse(
    assumes.map((r) => ({
      ...r,
      resource: r.resource.replace(/:role\/.*$/, ':role/OrganizationAccountAccessRole'),
    })),
    'a role of another name',
  );
  // The member role refuses principals outside the organization, and any other principal inside it.
  const central = deployment.central?.template.pseudo.accountId ?? '123456789012';
  for (const stranger of [OUTSIDER, `arn:aws:iam::${central}:role/another-role`]) {
    await refuse(
      assumes.map((r) => ({ ...r, principal: stranger })),
      `${stranger} assumes the member role`,
      ALLOW_ALL,
    );
  }
  // Another account cannot publish to the topic.
  await refuse(
    recorded.filter((r) => r.action === 'sns:Publish').map((r) => ({ ...r, principal: OUTSIDER })),
    'another account publishes',
    ALLOW_ALL,
  );

  const memberAccounts = [
    ...new Set(
      recorded
        .filter((r) => /:role\//.test(r.principal) && accountOf(r.principal) !== central)
        .map((r) => accountOf(r.principal))
        .filter((a): a is string => a !== undefined),
    ),
  ];
  const grants = grantsOf(deployment, memberAccounts);
  const uses = new Map<string, Set<string>>();
  for (const verdict of expected) {
    if (verdict.result !== 'Allowed') continue;
    for (const key of verdict.allowedBy) {
      uses.set(key, (uses.get(key) ?? new Set()).add(verdict.request.reason));
    }
  }
  const unexercised = grants.filter((g) => !uses.has(grantKey(g)));
  const ruledOutByKinds = grants.filter((g) =>
    KIND_ACTIONS.some(
      (action) =>
        matchesAction(g.action, action) &&
        kindMakes(action, kindRunOf(g.role, deployment)) === false,
    ),
  );
  return {
    deployment: deployment.name,
    expected,
    refusals,
    grants,
    unexercised,
    ruledOutByKinds,
    uses,
  };
}

/** Every action of the kind table. */
const KIND_ACTIONS: readonly string[] = [
  ...new Set(KIND_INDEX.flatMap((kind) => PURPOSES.flatMap((purpose) => kind.actions[purpose]))),
];

/** Whether a policy's action pattern (`iam:Update*`, `iam:*`, `*`) covers an action, as IAM matches them. */
function matchesAction(pattern: string, action: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

/**
 * The kind table's refusals: for each role of the deployment that audits users (the audit
 * function, the Config rule's function, the member role as the record shows it assumed), every
 * action of every kind its settings never make ({@link kindMakes}), on a user under the
 * deployment's path (an account-wide listing on `*`, as its call names no user).
 */
function kindProbes(recorded: readonly RecordedRequest[], deployment: Deployment): ProofRequest[] {
  const { roleOf, settings } = deployment;
  const roles = new Set<string>(
    [roleOf.function, roleOf['config-rule'], roleOf.realtime].filter(
      (r): r is string => r !== undefined,
    ),
  );
  for (const r of recorded) {
    if (r.request.principal.endsWith(`:role/${settings.memberRoleName}`)) {
      roles.add(r.request.principal);
    }
  }
  const central = deployment.central?.template.pseudo.accountId ?? '123456789012';
  return [...roles].flatMap((principal) => {
    const run = kindRunOf(roleKey(principal, deployment), deployment);
    const user = `arn:aws:iam::${accountOf(principal) ?? central}:user${settings.userPathPrefix}kind-probe`;
    return KIND_ACTIONS.filter((action) => kindMakes(action, run) === false).map((action) => {
      const takers = purposesOf(action);
      const accountWide = takers.some(
        ({ kind, purpose }) => purpose === 'read' && kind.listing === 'account-wide',
      );
      const what = takers.map(({ kind, purpose }) => `${kind.type} ${purpose}`).join(', ');
      return {
        principal,
        action,
        resource: accountWide ? '*' : user,
        context: { 'aws:RequestedRegion': 'us-east-1' },
        why: `${what}, as ${roleKey(principal, deployment)} (mode ${run.mode}, credentialKinds ${run.credentialKinds.join(',') || 'none'}, remediateKinds ${run.remediateKinds.join(',') || 'none'})`,
        origin: 'refusal' as const,
        reason: `the ${what} of a kind its settings rule out`,
      };
    });
  });
}
