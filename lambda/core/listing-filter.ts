import { SEVERITIES, type Severity } from './checks/check';
import type { Verdict } from './checks/table';

/** What a filter reads of a finding (report.ts's Finding has it; not imported, as report.ts imports this). */
interface Listable {
  readonly severity: Severity;
  readonly verdict: Verdict;
}

/** Which findings a report lists: those at or above a severity, of some verdicts (the CLI's --severity, --verdict). */
export interface ListingCriteria {
  /** The least severity listed (CRITICAL > HIGH > MEDIUM > LOW > INFO); null for every severity. */
  readonly severity: Severity | null;
  /** The verdicts listed; null for every verdict. */
  readonly verdicts: readonly Verdict[] | null;
}

/**
 * What a filtered report says of its filter (the report's `filter`, an addition): the criteria,
 * and how many of the run's findings are listed. The summary stays the whole run's.
 */
export interface ListingFilter extends ListingCriteria {
  /** Findings listed. */
  readonly listed: number;
  /** Findings the run had. */
  readonly of: number;
}

/** True when `finding` is listed under `criteria`. */
export function isListed(finding: Listable, criteria: ListingCriteria): boolean {
  const severe =
    criteria.severity === null ||
    SEVERITIES.indexOf(finding.severity) <= SEVERITIES.indexOf(criteria.severity);
  return severe && (criteria.verdicts === null || criteria.verdicts.includes(finding.verdict));
}

/**
 * A report with only the findings `criteria` list, saying so in `filter`; the summary, severity
 * and everything else stay the whole run's. Undefined criteria return the report as it is.
 */
export function filterReport<R extends { readonly findings: readonly Listable[] }>(
  report: R,
  criteria: ListingCriteria | undefined,
): R & { readonly filter?: ListingFilter } {
  if (criteria === undefined) return report;
  const findings = report.findings.filter((finding) => isListed(finding, criteria));
  return {
    ...report,
    filter: { ...criteria, listed: findings.length, of: report.findings.length },
    findings,
  };
}

/** The filter in words, for the table, CSV and HTML: `severity HIGH or above, verdict NON_COMPLIANT: 3 of 7 findings listed`. */
export function describeFilter(filter: ListingFilter): string {
  const parts = [
    ...(filter.severity === null ? [] : [`severity ${filter.severity} or above`]),
    ...(filter.verdicts === null ? [] : [`verdict ${filter.verdicts.join(', ')}`]),
  ];
  return `filter: ${parts.join('; ')}: ${filter.listed} of ${filter.of} findings listed; the summary is the whole run's`;
}
