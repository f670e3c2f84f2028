import type { CredentialType, CredentialView } from '../credential';
import type { Policy } from '../settings';

/** How urgently a human should look, highest first. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'] as const;
/** One of {@link SEVERITIES}. */
export type Severity = (typeof SEVERITIES)[number];

/** A change a check wants made to one certificate. */
export type PlannedAction = 'DEACTIVATE' | 'DELETE';

/**
 * Where a verdict's findings are counted: a field of the report's summary and the run metric of
 * the same count. Verdicts may share one (the content check's all count as `contentIssues`).
 */
export interface VerdictCount<K extends string = string> {
  /** The summary field, camelCase: part of the report schema once published, so never rename. */
  readonly key: K;
  /** The CloudWatch metric it is emitted as once per run, PascalCase; alarms read it by name. */
  readonly metric: string;
}

/** What one verdict of a check means: the row of the verdict table (README, Security Hub, digest). */
export interface VerdictSpec<K extends string = string> {
  /** A short title, e.g. for a Security Hub finding (at most 256 characters). */
  readonly title: string;
  /** When the verdict is given, in a sentence. */
  readonly when: string;
  readonly severity: Severity;
  /** The severity when the certificate was Inactive when listed, if different. */
  readonly severityWhenInactive?: Severity;
  /** What a human should do, in at most 512 characters. */
  readonly remediation: string;
  /** False for report-only verdicts that never describe a problem (an exemption). */
  readonly failing: boolean;
  /** Where its findings are counted, and the metric they are emitted as. */
  readonly count: VerdictCount<K>;
}

/** The verdict table of one check; `K` names the summary counts its verdicts add to. */
export type VerdictTable<V extends string, K extends string = string> = {
  readonly [P in V]: VerdictSpec<K>;
};

/** What a user's maximum-age tag changed: the tag, and what the account policy alone would say. */
export interface TagOverride {
  /** `key=value` as found on the user. */
  readonly tag: string;
  readonly accountVerdict: 'COMPLIANT' | 'EXPIRING_SOON' | 'NON_COMPLIANT';
  readonly accountPlannedAction: PlannedAction | null;
}

/** One listed outcome of a check: a verdict, and what goes with it. */
export interface Outcome<V extends string = string> {
  readonly verdict: V;
  readonly detail: string | null;
  /** Whole days since upload, for age verdicts; null otherwise. */
  readonly ageDays: number | null;
  /** The change the check wants; only checks that may act set it. */
  readonly plannedAction?: PlannedAction;
  readonly override?: TagOverride;
}

/** A maximum age granted to one user by its tag. */
export interface MaxAgeOverride {
  /** The tag as found, `key=value`. */
  readonly tag: string;
  readonly days: number;
}

/** How a user's tags bend the account policy for that user (see rules.ts). */
export interface UserRules {
  /** The user's own maximum age, when its tag applies. */
  readonly override: MaxAgeOverride | undefined;
  /** Set when the user is exempt: the reason, as reported. */
  readonly exemptReason: string | undefined;
  /** When an exemption with an end date ends (the start of the day after it, UTC). */
  readonly exemptUntil?: Date;
  /** Set when the user's exemption has ended: a sentence saying which tag and when. */
  readonly endedExemption?: string;
}

/** The rules of a user whose tags were not read, or say nothing: the account policy. */
export const ACCOUNT_RULES: UserRules = { override: undefined, exemptReason: undefined };

/** A signing certificate as the checks see it: its listing facts and what is inside it, never its body. */
export type CertificateView = Extract<CredentialView, { readonly type: 'signing-certificate' }>;

/** What a certificate check is judged against. */
export interface CertificateContext {
  readonly now: Date;
  readonly policy: Policy;
  readonly rules: UserRules;
}

/** Account-level facts gathered once per run. */
export interface AccountFacts {
  /** From GetAccountSummary's AccountSigningCertificatesPresent. */
  readonly rootSigningCertificatePresent: boolean;
}

/** What every check declares, in the spirit of a cdk-nag rule: an id, its verdicts, a pure evaluate. */
interface CheckBase<V extends string, K extends string> {
  /** Stable id, also part of Security Hub finding ids: never rename. */
  readonly id: string;
  readonly description: string;
  readonly verdicts: VerdictTable<V, K>;
}

/**
 * A check of one credential (a certificate, an SSH key, a service credential). Pure: no I/O,
 * `now` comes in the context. It is given only credentials of the kinds it declares.
 */
export interface CertificateCheck<V extends string = string, K extends string = string>
  extends CheckBase<V, K> {
  readonly scope: 'certificate';
  /** The kinds of credential it judges. */
  readonly kinds: readonly CredentialType[];
  /** True when a user's tags (exemption, maximum age) can change the outcome. */
  readonly usesUserRules: boolean;
  evaluate(credential: CredentialView, context: CertificateContext): readonly Outcome<V>[];
}

/** A check of the account as a whole. Pure. */
export interface AccountCheck<V extends string = string, K extends string = string>
  extends CheckBase<V, K> {
  readonly scope: 'account';
  evaluate(account: AccountFacts): readonly Outcome<V>[];
}

/** Any check. */
export type Check<V extends string = string, K extends string = string> =
  | CertificateCheck<V, K>
  | AccountCheck<V, K>;
