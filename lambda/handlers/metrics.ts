import type { Metrics } from '@aws-lambda-powertools/metrics';
import { countFindings, METRIC_OF, type MetricKey, POSTURE } from '../core/counts';
import type { CredentialType } from '../core/credential';
import { credentialTypeOf, speaksOfKinds } from '../core/credential-wording';
import type { OrgReport } from '../core/org-report';
import { type Report, unreadSubjects } from '../core/report';
import { coversAccount } from '../core/scope';

/** Service name on every log line and the `service` dimension of every metric. */
export const SERVICE_NAME = 'signing-cert-audit';
/** CloudWatch namespace of the run metrics; the stack's alarms read from it. */
export const METRICS_NAMESPACE = 'SigningCertAudit';

/**
 * Metric names, each emitted once per run as a Count; the stack imports them for its alarms.
 * Derived from the check table and the engine's counts (lambda/core/counts.ts): a new check's
 * counts are emitted under the metric its verdict rows name, with no change here.
 */
export const METRIC_NAMES: Readonly<Record<MetricKey, string>> = METRIC_OF;

/** The run-level metric: 1 when the run did not see the whole account (deadline, listing failed). */
export const INCOMPLETE_METRIC = 'Incomplete';
/** The run's duration, in milliseconds. */
export const DURATION_METRIC = 'RunDuration';

/**
 * The dimension a users-scoped run's metrics carry (`scope` = `users`): CloudWatch keeps a
 * metric with another set of dimensions as another metric, so such a run's counts never land in
 * the account-wide series the alarms and the dashboard read (`service` alone), and a run about
 * one user never reads as "the account holds 0".
 */
export const SCOPE_DIMENSION = 'scope';

/**
 * The dimension of the counts per kind of credential (`credentialType` = `ssh-public-key`…):
 * another set of dimensions, so another metric than the account-wide one of the same name that
 * the alarms read (`service` alone), which keeps counting every kind together.
 */
export const CREDENTIAL_TYPE_DIMENSION = 'credentialType';

/**
 * The counts emitted per kind as well: those every kind shares, the age check's (it judges every
 * kind) and the changes the run made, so an operator sees which kind is over age and which the
 * run switched off. A check of one kind alone needs none: its own metric is about that kind.
 */
export const KIND_METRIC_KEYS = [
  'nonCompliant',
  'expiringSoon',
  'deactivated',
  'deleted',
  'withheld',
] as const satisfies readonly MetricKey[];

/**
 * Adds one Count per summary figure, `Incomplete` and the run's duration to the Powertools
 * Metrics buffer (flushed as EMF by the caller; publishing clears the run's dimension). A
 * users-scoped run's metrics carry {@link SCOPE_DIMENSION}. A posture count that is zero while some of its
 * subjects were not read (a user whose certificates could not be listed, root when
 * GetAccountSummary failed, users never reached by a partial run) is left out: no data point
 * says "unknown", where a 0 would say "fixed". A count above zero is emitted: there are at least
 * that many, and its alarm fires. `Unread` says how many subjects were not read. A run that
 * lists more than signing certificates also emits {@link KIND_METRIC_KEYS} per kind it listed
 * (see {@link recordKindMetrics}).
 */
export function recordRunMetrics(metrics: Metrics, report: Report, durationMs: number): void {
  if (!coversAccount(report.scope)) metrics.addDimension(SCOPE_DIMENSION, report.scope.kind);
  const unread = unreadSubjects(report.findings);
  const unknown = { users: unread.userArns.size > 0 || !report.complete, root: unread.root };
  for (const [key, name] of Object.entries(METRIC_NAMES) as [MetricKey, string][]) {
    const covers = POSTURE[key];
    if (covers && unknown[covers] && report.summary[key] === 0) continue;
    metrics.addMetric(name, 'Count', report.summary[key]);
  }
  metrics.addMetric(INCOMPLETE_METRIC, 'Count', report.complete ? 0 : 1);
  metrics.addMetric(DURATION_METRIC, 'Milliseconds', durationMs);
  recordKindMetrics(metrics, report, unknown.users);
}

/**
 * The counts of {@link KIND_METRIC_KEYS} for each kind the run listed, each with the
 * {@link CREDENTIAL_TYPE_DIMENSION} of its kind (and a users-scoped run's
 * {@link SCOPE_DIMENSION}), for a run that speaks of more than signing certificates (a
 * certificates-only run's counts are the account-wide ones already). Each is its own EMF
 * document (Powertools' single metric: one set of dimensions a document), emitted at once. A
 * posture count at zero is left out while some user was not read, as the account-wide ones are;
 * a kind the run did not list gets no data point: nothing is known of it.
 */
export function recordKindMetrics(metrics: Metrics, report: Report, usersUnknown: boolean): void {
  if (!speaksOfKinds(report)) return;
  const listed = report.policy.credentialKinds as readonly CredentialType[];
  for (const type of listed) {
    const counts = countFindings(report.findings.filter((f) => credentialTypeOf(f) === type));
    for (const key of KIND_METRIC_KEYS) {
      if (POSTURE[key] === 'users' && usersUnknown && counts[key] === 0) continue;
      const single = metrics.singleMetric();
      if (!coversAccount(report.scope)) single.addDimension(SCOPE_DIMENSION, report.scope.kind);
      single.addDimension(CREDENTIAL_TYPE_DIMENSION, type);
      single.addMetric(METRIC_NAMES[key], 'Count', counts[key]);
    }
  }
}

/**
 * The organization run's metrics, each emitted once per run as a Count by the summarize step,
 * in the same namespace and with the same `service` dimension as the run metrics above: how the
 * accounts' audits ended, and what they found, summed over the accounts. Their own names, so an
 * organization deployment beside an account one never mixes its data points into the other's
 * alarms. The organization stack builds its alarms and dashboard from these names.
 */
export const ORG_METRIC_NAMES = {
  /** Accounts audited whole. */
  accountsAudited: 'OrgAccountsAudited',
  /** Accounts that could not be audited (the role, the worker, a delivery). */
  accountsFailed: 'OrgAccountsFailed',
  /** Accounts audited in part (stopped by the deadline, or some subject not read). */
  accountsIncomplete: 'OrgAccountsIncomplete',
  /** Non-compliant certificates over the audited accounts. */
  nonCompliant: 'OrgNonCompliant',
  /** Changes the blast-radius guard withheld, over the audited accounts. */
  withheld: 'OrgWithheld',
  /** Accounts whose root user holds a signing certificate. */
  rootSigningCertificate: 'OrgRootSigningCertificate',
} as const;

/**
 * Adds the organization run's metrics to the Powertools Metrics buffer (flushed as EMF by the
 * caller). As for one account: a posture total (non-compliant, root) that is zero while some
 * account was not audited whole is left out, since what that account holds is unknown, not
 * none; a total above zero is emitted, and its alarm fires.
 */
export function recordOrgRunMetrics(metrics: Metrics, report: OrgReport): void {
  const unknown = report.counts.failed + report.counts.incomplete > 0;
  const counts: Record<keyof typeof ORG_METRIC_NAMES, { value: number; posture: boolean }> = {
    accountsAudited: { value: report.counts.audited, posture: false },
    accountsFailed: { value: report.counts.failed, posture: false },
    accountsIncomplete: { value: report.counts.incomplete, posture: false },
    nonCompliant: { value: report.totals.nonCompliant, posture: true },
    withheld: { value: report.totals.withheld, posture: false },
    rootSigningCertificate: { value: report.totals.rootSigningCertificate, posture: true },
  };
  for (const [key, { value, posture }] of Object.entries(counts) as [
    keyof typeof ORG_METRIC_NAMES,
    { value: number; posture: boolean },
  ][]) {
    if (posture && unknown && value === 0) continue;
    metrics.addMetric(ORG_METRIC_NAMES[key], 'Count', value);
  }
}
