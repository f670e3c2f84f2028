import {
  isFailing,
  type Scope,
  VERDICTS,
  type Verdict,
  type VerdictCountKey,
} from './checks/table';

/** What the counts read of a finding (the report model's Finding has all of it). */
export interface CountedFinding {
  readonly verdict: Verdict;
  readonly action: string;
  readonly override: unknown;
}

/**
 * The counts the engine keeps whatever the checks: what became of each finding (its action) and
 * what a tag changed. A finding adds to a count when its verdict's row names the count, or when
 * the engine's rule for it here holds (a FAILED change is an error whatever its verdict).
 */
const ENGINE_COUNTS = {
  deactivated: { metric: 'Deactivated', counts: (f: CountedFinding) => f.action === 'DEACTIVATED' },
  deleted: { metric: 'Deleted', counts: (f: CountedFinding) => f.action === 'DELETED' },
  overridden: { metric: 'Overridden', counts: (f: CountedFinding) => f.override !== null },
  withheld: { metric: 'Withheld', counts: (f: CountedFinding) => f.action === 'WITHHELD' },
  errors: { metric: 'Errors', counts: (f: CountedFinding) => f.action === 'FAILED' },
  gone: { metric: 'Gone', counts: (f: CountedFinding) => f.action === 'GONE' },
} as const;

/** The counts of the run itself, handed in by the engine, and their metrics. */
const RUN_COUNTS = {
  usersScanned: 'UsersScanned',
  certificatesScanned: 'CertificatesScanned',
  unread: 'Unread',
} as const;

/** A count of findings: by the check table's verdicts, or by the engine's rules. */
export type FindingCountKey = VerdictCountKey | keyof typeof ENGINE_COUNTS;
/** Every field of a report's summary. */
export type SummaryKey = FindingCountKey | keyof typeof RUN_COUNTS | 'failing';
/** The summary fields emitted as run metrics: all but `failing` (the exit rule's own count). */
export type MetricKey = Exclude<SummaryKey, 'failing'>;

/**
 * The first report schema's summary fields, in its order: they stay, each derived from the table
 * (a renamed or missing one fails the tests). A new check's counts follow them.
 */
const SCHEMA_ONE_ORDER = [
  'usersScanned',
  'certificatesScanned',
  'nonCompliant',
  'expiringSoon',
  'deactivated',
  'deleted',
  'exempt',
  'overridden',
  'withheld',
  'errors',
  'gone',
  'contentIssues',
  'rootSigningCertificate',
  'failing',
  'unread',
] as const satisfies readonly SummaryKey[];

/** One finding count: its metric, the verdicts that add to it, and what its subjects are. */
interface FindingCount {
  readonly metric: string;
  readonly verdicts: ReadonlySet<Verdict>;
  readonly engine?: (finding: CountedFinding) => boolean;
  /** Whose state it describes: users (a certificate check's) or root (an account check's). */
  readonly posture?: 'users' | 'root';
}

const POSTURE_OF: Readonly<Record<Scope, FindingCount['posture']>> = {
  certificate: 'users',
  account: 'root',
  engine: undefined,
};

/** Every finding count, from the verdict table and the engine's rules. */
function findingCounts(): ReadonlyMap<string, FindingCount> {
  const counts = new Map<string, FindingCount>();
  for (const [verdict, row] of Object.entries(VERDICTS) as [
    Verdict,
    (typeof VERDICTS)[Verdict],
  ][]) {
    // A verdict counted nowhere (COMPLIANT) adds to no count: the summary is as without it.
    if (row.count === null) continue;
    const { key, metric } = row.count;
    const known = counts.get(key);
    if (known && known.metric !== metric) {
      throw new RangeError(`the count ${key} is emitted as both ${known.metric} and ${metric}`);
    }
    counts.set(key, {
      metric,
      verdicts: new Set([...(known?.verdicts ?? []), verdict]),
      posture: known?.posture ?? POSTURE_OF[row.scope],
    });
  }
  for (const [key, { metric, counts: rule }] of Object.entries(ENGINE_COUNTS)) {
    const known = counts.get(key);
    if (known && known.metric !== metric) {
      throw new RangeError(`the count ${key} is emitted as both ${known.metric} and ${metric}`);
    }
    counts.set(key, { ...known, metric, verdicts: known?.verdicts ?? new Set(), engine: rule });
  }
  return counts;
}

const FINDING_COUNTS = findingCounts();

/** Every summary field, in order: the first schema's, then any a new check adds. */
export const SUMMARY_KEYS: readonly SummaryKey[] = [
  ...SCHEMA_ONE_ORDER,
  ...([...FINDING_COUNTS.keys()].filter(
    (key) => !(SCHEMA_ONE_ORDER as readonly string[]).includes(key),
  ) as SummaryKey[]),
];

/** The run metric of every summary field but `failing`, by field. */
export const METRIC_OF: Readonly<Record<MetricKey, string>> = Object.fromEntries([
  ...Object.entries(RUN_COUNTS),
  ...[...FINDING_COUNTS].map(([key, count]) => [key, count.metric]),
]) as Record<MetricKey, string>;

/**
 * The counts that describe the account rather than the run, and whose subjects they cover: a
 * subject the run could not read may hold any number of them, so a zero is unknown, not none.
 * From the check table: a certificate check's counts cover users, an account check's root.
 */
export const POSTURE: Readonly<Partial<Record<MetricKey, 'users' | 'root'>>> = Object.fromEntries(
  [...FINDING_COUNTS].flatMap(([key, count]) => (count.posture ? [[key, count.posture]] : [])),
);

/** The counts of findings, by summary field: every count of the table, zero included. */
export function countFindings(
  findings: readonly CountedFinding[],
): Record<FindingCountKey | 'failing', number> {
  const totals: Record<string, number> = { failing: 0 };
  for (const key of FINDING_COUNTS.keys()) totals[key] = 0;
  for (const finding of findings) {
    for (const [key, count] of FINDING_COUNTS) {
      if (count.verdicts.has(finding.verdict) || count.engine?.(finding)) {
        totals[key] = (totals[key] ?? 0) + 1;
      }
    }
    if (isFailing(finding.verdict)) totals.failing = (totals.failing ?? 0) + 1;
  }
  return totals as Record<FindingCountKey | 'failing', number>;
}
