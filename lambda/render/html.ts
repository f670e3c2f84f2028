import { createHash } from 'node:crypto';
import { isCompliant, VERDICTS } from '../core/checks/table';
import { CREDENTIAL_TYPES } from '../core/credential';
import {
  credentialIdOf,
  credentialTypeOf,
  forKind,
  KIND_WORDING,
  maxAgeDaysOf,
  speaksOfKinds,
} from '../core/credential-wording';
import { exemptionLines } from '../core/exemptions';
import { describeFilter } from '../core/listing-filter';
import { type Finding, type Report, SEVERITIES, type Severity } from '../core/report';
import { describeScope } from '../core/scope';

/** Every character that means something in HTML, as its entity. */
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an HTML text node or a quoted attribute; every report value goes through it. */
export function escapeHtml(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return text.replace(/[&<>"'`]/g, (character) => ENTITIES[character] ?? character);
}

const SEVERITY_COLOURS: Readonly<Record<Severity, string>> = {
  CRITICAL: '#7a0019',
  HIGH: '#c0392b',
  MEDIUM: '#b34700',
  LOW: '#8a6d00',
  INFO: '#566573',
};

/**
 * The summary counts that are risks when above zero: highlighted then, quiet at zero. The other
 * counts (scanned, deactivated, …) describe the run.
 */
const RISK_COUNTS: ReadonlySet<string> = new Set([
  'nonCompliant',
  'failing',
  'rootSigningCertificate',
  'contentIssues',
  'withheld',
  'errors',
  'unread',
]);
/** Counts worth a look when above zero, short of a risk. */
const WATCH_COUNTS: ReadonlySet<string> = new Set(['expiringSoon', 'overridden', 'gone']);

/** `usersScanned` → `users scanned`: a tile's label from the summary field's name. */
export function labelOf(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

// Sorting by a column from its header's button (mouse or keyboard), and filtering the rows by the
// controls above the table (a search over each row's text, and a user, kind, verdict and severity
// chosen from those the report holds), counting the rows shown: no external asset, reading only
// the page's own elements; aria-sort says the order to assistive technology. A constant text, so
// its hash in the CSP is the same for every report.
const SCRIPT = `document.querySelectorAll('th[aria-sort] button').forEach(function (button) {
  button.addEventListener('click', function () {
    var th = button.parentNode; var table = th.closest('table'); var body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th[aria-sort]').forEach(function (other) { other.setAttribute('aria-sort', 'none'); });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute('data-key') || a.cells[index].textContent;
      var y = b.cells[index].getAttribute('data-key') || b.cells[index].textContent;
      var order = x.localeCompare(y, undefined, { numeric: true });
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
(function () {
  var filters = document.getElementById('filters'); var table = document.getElementById('findings');
  if (!filters || !table) return;
  var controls = filters.querySelectorAll('[data-filter]'); var shown = document.getElementById('shown');
  function apply() {
    var visible = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var match = Array.prototype.every.call(controls, function (control) {
        var value = control.value; var field = control.getAttribute('data-filter');
        if (value === '') return true;
        if (field === 'search') return row.textContent.toLowerCase().indexOf(value.trim().toLowerCase()) !== -1;
        return row.getAttribute('data-' + field) === value;
      });
      row.hidden = !match;
      if (match) visible += 1;
    });
    shown.textContent = String(visible);
  }
  filters.addEventListener('input', apply);
  filters.addEventListener('change', apply);
  apply();
})();`;

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1b1f23;max-width:1600px}
td.date{white-space:nowrap}h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#586069;margin:0 0 16px}.tiles{display:flex;flex-wrap:wrap;gap:8px}
.tile{border:1px solid #d1d5da;border-radius:6px;padding:8px 12px;min-width:110px}
.tile b{display:block;font-size:22px}.tile span{color:#586069;font-size:12px}
.zeros{color:#586069;font-size:12px;margin:8px 0 0}.zeros summary{cursor:pointer}
.tile.risk{border-color:#c0392b;background:#fdecea}.tile.watch{border-color:#b7950b;background:#fff8e1}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e1e4e8;padding:4px 6px;text-align:left;vertical-align:top}
th button{font:inherit;font-weight:600;border:0;background:none;padding:0;cursor:pointer;color:inherit}
th button:focus-visible{outline:2px solid #0366d6;outline-offset:2px}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
.sev{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;font-weight:600}
${SEVERITIES.map((severity) => `.sev-${severity}{background:${SEVERITY_COLOURS[severity]}}`).join('')}
.incomplete{background:#fff5b1;border:1px solid #d9c200;padding:8px;border-radius:6px}
.filters{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:end;margin:0 0 8px}
.filters label{display:flex;flex-direction:column;font-size:12px;color:#586069}
.filters input,.filters select{font:inherit;font-size:13px;padding:2px 4px}
.wrap{overflow-x:auto}.arn{word-break:break-all;min-width:14em}
.fp{word-break:break-all;user-select:all;-webkit-user-select:all;min-width:16em}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:#586069;margin:0}
.swatch{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:middle}
.line{display:inline-block;width:16px;border-top:2px dashed;margin-right:4px;vertical-align:middle}
.line.warn{border-color:#b7950b}.line.max{border-color:#c0392b}
code{font-size:12px}small{color:#586069}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{color:#586069}
.todo dt{font-weight:600;color:#1b1f23}.todo dd{margin:0 0 8px}
svg text{font-size:11px;fill:#586069}
@media print{body{margin:0;font-size:11px}.filters{display:none}th button::after{content:none!important}.tile{break-inside:avoid}tr{break-inside:avoid}}`;

/** `'sha256-…'`: a CSP source that allows exactly this inline script or style. */
function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/**
 * The page's policy: nothing from anywhere, the one style and the one script allowed by their
 * hashes (not `'unsafe-inline'`: a value that escaped escaping could still not run).
 */
const CSP = `default-src 'none'; style-src ${cspHash(STYLE)}; script-src ${cspHash(SCRIPT)}; base-uri 'none'; form-action 'none'`;

/**
 * The report as one self-contained HTML page (no external asset, so it opens from an email
 * link or an auditor's laptop): summary tiles (risks highlighted, the zeros collapsed into one
 * line), the certificates' ages against the policy (a legend, and outliers past a break so they
 * do not flatten the rest), the findings most severe first, sortable by any column from the
 * keyboard and filtered by a search, a user, a kind, a verdict and a severity (the rows shown
 * counted), with the user's path and ARN, the upload date, the notAfter and the whole
 * fingerprint, what to do about each verdict found, the policy and run details, and a print
 * style. The one script and the one style are allowed by their hashes.
 * Every value is escaped; the certificate body is not in a report, so it cannot be here. A report
 * that speaks of more than signing certificates (core/credential-wording.ts) is a credential
 * audit: a `kind` column, a `credential` column (IAM's id, whatever the kind) where a
 * certificates-only page has `certificate`, and what to do said for each kind in its words.
 */
export function renderHtml(report: Report): string {
  const kinds = speaksOfKinds(report);
  const what = kinds ? 'IAM credential audit' : 'Signing certificate audit';
  const findings = [...report.findings].sort(
    (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
  );
  const tiles = summaryTiles(report);
  const rows = findings.map((finding) => findingRow(finding, kinds)).join('\n');
  const policy = Object.entries(report.policy)
    .map(
      ([name, value]) => `<dt>${escapeHtml(name)}</dt><dd><code>${escapeHtml(value)}</code></dd>`,
    )
    .join('');
  // Only a users-scoped run says its scope: it covers those users, not the account.
  const scope =
    report.scope.kind === 'users'
      ? `<dt>scope</dt><dd>${escapeHtml(describeScope(report.scope))} (not the whole account)</dd>\n`
      : '';
  const incomplete = report.complete
    ? ''
    : `<p class="incomplete"><b>Incomplete run:</b> ${escapeHtml(report.incompleteReason)}. The findings cover only part of the account.</p>`;
  const headers = [
    'severity',
    'user',
    'path',
    'user ARN',
    ...(kinds ? ['kind', 'credential'] : ['certificate']),
    'fingerprint (SHA-256)',
    'subject',
    'status',
    'uploaded',
    'age (days)',
    'not after',
    'verdict',
    'plan',
    'action',
    'detail',
  ]
    .map(
      (header) => `<th aria-sort="none" scope="col"><button type="button">${header}</button></th>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${what} ${escapeHtml(report.accountId)} ${escapeHtml(report.evaluatedAt)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${what}: account ${escapeHtml(report.accountId)}</h1>
<p class="meta">Evaluated at ${escapeHtml(report.evaluatedAt)} · ${escapeHtml(report.policy.mode)} mode${report.policy.dryRun ? ' (dry run: nothing was changed)' : ''} · severity <span class="sev sev-${escapeHtml(report.severity)}">${escapeHtml(report.severity)}</span> · run <code>${escapeHtml(report.runId)}</code></p>
${incomplete}
${tiles}
${ageCharts(report, kinds)}
<h2>Findings (${findings.length})</h2>
${report.filter ? `<p class="filter">${escapeHtml(describeFilter(report.filter))}</p>\n` : ''}${
  findings.length === 0
    ? `<p>No findings: every ${kinds ? 'credential' : 'certificate'} is within the policy.</p>`
    : `${filterControls(findings, kinds)}
<div class="wrap"><table id="findings"><thead><tr>${headers}</tr></thead>
<tbody>
${rows}
</tbody></table></div>`
}
${whatToDo(findings, kinds)}
${exemptionsSection(report)}<h2>Policy and run</h2>
<dl>${policy}
<dt>scan</dt><dd><code>${escapeHtml(report.scan.strategy)}</code>${report.scan.fallbackReason ? ` (${escapeHtml(report.scan.fallbackReason)})` : ''}</dd>
${scope}<dt>complete</dt><dd><code>${escapeHtml(report.complete)}</code></dd>
<dt>schema</dt><dd><code>${escapeHtml(report.source)} ${escapeHtml(report.schemaVersion)}</code></dd></dl>
<script>${SCRIPT}</script>
</body></html>
`;
}

/**
 * What the exemptions file came to, when the run had one: its counts, and each expired and each
 * stale entry, to renew or remove.
 */
function exemptionsSection(report: Report): string {
  const lines = exemptionLines(report.exemptions);
  if (lines.length === 0) return '';
  return `<h2>Exemptions file</h2>\n${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}\n`;
}

/**
 * The summary tiles: a tile for each count above zero (risks highlighted), and the counts at zero
 * collapsed into one line under them, named but not drawn: a dozen empty tiles would bury the
 * few that say something.
 */
function summaryTiles(report: Report): string {
  const entries = Object.entries(report.summary);
  const zeros = entries.filter(([, value]) => value === 0).map(([name]) => labelOf(name));
  const tiles = entries
    .filter(([, value]) => value !== 0)
    .map(([name, value]) => {
      const level = RISK_COUNTS.has(name) ? 'risk' : WATCH_COUNTS.has(name) ? 'watch' : '';
      return `<div class="tile ${level}"><b>${escapeHtml(value)}</b><span>${escapeHtml(labelOf(name))}</span></div>`;
    })
    .join('');
  const collapsed =
    zeros.length === 0
      ? ''
      : `\n<details class="zeros"><summary>${zeros.length} ${zeros.length === 1 ? 'count' : 'counts'} at zero</summary><p>${zeros.map(escapeHtml).join(', ')}</p></details>`;
  return `<div class="tiles">${tiles}</div>${collapsed}`;
}

/** One `<select>` of the filters: every value the findings hold, in the order given, and "all". */
function filterSelect(
  field: string,
  label: string,
  values: readonly (readonly [string, string])[],
): string {
  const options = values
    .map(([value, text]) => `<option value="${escapeHtml(value)}">${escapeHtml(text)}</option>`)
    .join('');
  return `<label>${label}<select data-filter="${field}"><option value="">all</option>${options}</select></label>`;
}

/**
 * The controls the page's script filters the findings by (each row carries its user, kind,
 * verdict and severity as data attributes), and the count of the rows shown. Without the script
 * they do nothing and every row stays shown, as the count says.
 */
function filterControls(findings: readonly Finding[], kinds: boolean): string {
  const distinct = (values: readonly string[]) => [...new Set(values)];
  const users = distinct(findings.map((finding) => finding.userName)).sort();
  const types = distinct(findings.map((finding) => credentialTypeOf(finding) ?? '-'));
  const verdicts = distinct(findings.map((finding) => finding.verdict)).sort();
  const severities = SEVERITIES.filter((severity) =>
    findings.some((finding) => finding.severity === severity),
  );
  const kindOptions = CREDENTIAL_TYPES.filter((type) => types.includes(type)).map(
    (type) => [type, KIND_WORDING[type].label] as const,
  );
  return `<div id="filters" class="filters" role="search">
<label>Search<input type="search" data-filter="search" placeholder="user, ARN, id, fingerprint…" aria-label="Search the findings"></label>
${filterSelect(
  'user',
  'User',
  users.map((user) => [user, user] as const),
)}
${kinds ? `${filterSelect('kind', 'Kind', types.includes('-') ? [...kindOptions, ['-', 'none'] as const] : kindOptions)}\n` : ''}${filterSelect(
  'verdict',
  'Verdict',
  verdicts.map((verdict) => [verdict, verdict] as const),
)}
${filterSelect(
  'severity',
  'Severity',
  severities.map((severity) => [severity, severity] as const),
)}
<p>Showing <b id="shown">${findings.length}</b> of ${findings.length}</p>
</div>`;
}

/**
 * A user's path from their ARN: `arn:aws:iam::…:user/engineering/alice` → `/engineering/`, `/`
 * for a user at the root; null for an ARN that is not a user's (the root user's).
 */
export function userPathOf(userArn: string): string | null {
  const resource = userArn.split(':').slice(5).join(':');
  if (!resource.startsWith('user/')) return null;
  const parts = resource.slice('user/'.length).split('/');
  return parts.length > 1 ? `/${parts.slice(0, -1).join('/')}/` : '/';
}

/** A date cell: the day shown, the whole timestamp on hover and as the sort key. */
function dateCell(timestamp: string | null | undefined): string {
  if (!timestamp) return '<td data-key="">-</td>';
  return `<td class="date" data-key="${escapeHtml(timestamp)}" title="${escapeHtml(timestamp)}">${escapeHtml(timestamp.slice(0, 10))}</td>`;
}

/** A finding's kind, and a service credential's service under it: `service-specific credential` / `bedrock.amazonaws.com`. */
function kindCell(finding: Finding): string {
  const type = credentialTypeOf(finding);
  const service = finding.serviceName
    ? `<br><small>${escapeHtml(finding.serviceName)}</small>`
    : '';
  return `<td data-kind="${escapeHtml(type ?? '')}">${escapeHtml(type ? KIND_WORDING[type].label : '-')}${service}</td>`;
}

/**
 * One finding's row. The detail is the finding's own (an exemption, a weak key, an error), never
 * its verdict's title: that is said once under "What to do", and on the verdict's hover.
 */
function findingRow(finding: Finding, kinds: boolean): string {
  const rank = SEVERITIES.indexOf(finding.severity);
  const type = credentialTypeOf(finding);
  const spec = VERDICTS[finding.verdict];
  const title = spec === undefined ? undefined : forKind(spec.title, type);
  const own = finding.error ? `${finding.error.code}: ${finding.error.message}` : finding.detail;
  const detail = own && own !== title ? own : '-';
  const fingerprint = finding.certificate?.fingerprint256;
  const id = kinds ? credentialIdOf(finding) : finding.certificateId;
  const path = userPathOf(finding.userArn);
  const cells = [
    `<td data-key="${rank}"><span class="sev sev-${escapeHtml(finding.severity)}">${escapeHtml(finding.severity)}</span></td>`,
    `<td>${escapeHtml(finding.userName)}</td>`,
    `<td><code>${escapeHtml(path ?? '-')}</code></td>`,
    `<td class="arn"><code>${escapeHtml(finding.userArn)}</code></td>`,
    ...(kinds ? [kindCell(finding)] : []),
    `<td><code>${escapeHtml(id ?? '-')}</code></td>`,
    fingerprint
      ? `<td><code class="fp" title="SHA-256 (a click selects it all)">${escapeHtml(fingerprint)}</code></td>`
      : '<td>-</td>',
    `<td>${escapeHtml(finding.certificate?.subject ?? '-')}</td>`,
    `<td>${escapeHtml(finding.status ?? '-')}</td>`,
    dateCell(finding.uploadDate),
    `<td data-key="${String(finding.ageDays ?? -1).padStart(6, '0')}">${escapeHtml(finding.ageDays ?? '-')}</td>`,
    dateCell(finding.certificate?.notAfter),
    `<td${title === undefined ? '' : ` title="${escapeHtml(title)}"`}>${escapeHtml(finding.verdict)}</td>`,
    `<td>${escapeHtml(finding.plannedAction ?? '-')}</td>`,
    `<td>${escapeHtml(finding.action)}</td>`,
    `<td>${escapeHtml(detail)}</td>`,
  ];
  const data = [
    ['severity', finding.severity],
    ['user', finding.userName],
    ['kind', type ?? '-'],
    ['verdict', finding.verdict],
  ]
    .map(([name, value]) => `data-${name}="${escapeHtml(value)}"`)
    .join(' ');
  return `<tr ${data}>${cells.join('')}</tr>`;
}

/**
 * What to do about each verdict the report holds but COMPLIANT, from the check table's remediation; on a page
 * that speaks of kinds, about each verdict of each kind, in the kind's words (an SSH key is
 * rotated with its own command).
 */
function whatToDo(findings: readonly Finding[], kinds: boolean): string {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    // A compliant credential (listed with includeCompliant) asks nothing of anyone.
    if (isCompliant(finding.verdict)) continue;
    const key = kinds ? `${finding.verdict} ${credentialTypeOf(finding) ?? ''}` : finding.verdict;
    groups.set(key, [...(groups.get(key) ?? []), finding]);
  }
  if (groups.size === 0) return '';
  const items = [...groups.values()]
    .map((group) => {
      const [first] = group as [Finding, ...Finding[]];
      const { verdict } = first;
      const type = kinds ? credentialTypeOf(first) : null;
      const spec = VERDICTS[verdict];
      const of = type ? ` (${KIND_WORDING[type].label})` : '';
      const title = spec ? forKind(spec.title, type) : verdict;
      const remediation = spec
        ? forKind(spec.remediation, type)
        : 'Look at these findings: the verdict is newer than this page.';
      return `<dt>${escapeHtml(verdict)}${escapeHtml(of)} (${group.length}): ${escapeHtml(title)}</dt><dd>${escapeHtml(remediation)}</dd>`;
    })
    .join('');
  return `<h2>What to do</h2>\n<dl class="todo">${items}</dl>`;
}

/**
 * The ages of the listed certificates against the policy: one dot each (coloured by severity),
 * the warning line and the maximum age. An SVG drawn inline: no script, no asset. On a page that
 * speaks of kinds, one chart a kind, each against the maximum age that kind is judged by.
 */
function ageCharts(report: Report, kinds: boolean): string {
  const aged = report.findings.filter(
    (finding): finding is Finding & { ageDays: number } => typeof finding.ageDays === 'number',
  );
  if (!kinds) {
    return ageChart('Certificate ages', 'certificates', aged, report.policy.maxAgeDays, report);
  }
  return CREDENTIAL_TYPES.map((type) => {
    const words = KIND_WORDING[type];
    const title = `${words.label.charAt(0).toUpperCase()}${words.label.slice(1)} ages`;
    const ofKind = aged.filter((finding) => credentialTypeOf(finding) === type);
    return ageChart(title, words.plural, ofKind, maxAgeDaysOf(report.policy, type), report);
  })
    .filter((chart) => chart !== '')
    .join('\n');
}

/** A step of 1, 2 or 5 times a power of ten that cuts `span` into about five. */
function tickStep(span: number): number {
  const rough = span / 5;
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  return ([1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough) ?? 10 * power) || 1;
}

/**
 * The axis's end: past the maximum age, and past every age but the outliers, an age more than
 * three times both the maximum and the ages' upper quartile. One credential 2,000 days old
 * beside others of a hundred does not flatten them: it is drawn past a break at the axis's end,
 * its age written there.
 */
export function axisOf(ages: readonly number[], max: number): { top: number; outliers: number } {
  const sorted = [...ages].sort((a, b) => a - b);
  const quartile = sorted[Math.floor((sorted.length - 1) * 0.75)] ?? 0;
  const limit = 3 * Math.max(max, quartile);
  const inside = sorted.filter((age) => age <= limit);
  const top = Math.max(max * 1.25, ...inside) * 1.05;
  return { top, outliers: sorted.length - inside.length };
}

function ageChart(
  title: string,
  noun: string,
  aged: readonly (Finding & { ageDays: number })[],
  max: number,
  report: Report,
): string {
  if (aged.length === 0) return '';
  const warn = Math.max(0, max - report.policy.warnBeforeDays);
  const { top, outliers } = axisOf(
    aged.map((finding) => finding.ageDays),
    max,
  );
  const width = 800;
  // The axis runs to `end`; past its break, outliers are drawn at `beyond`.
  const end = outliers > 0 ? width - 90 : width - 20;
  const beyond = width - 50;
  const x = (days: number) => (days > top ? beyond : Math.round(20 + (days / top) * (end - 20)));
  const dots = aged
    .map(
      (finding, index) =>
        `<circle cx="${x(finding.ageDays)}" cy="${30 + (index % 5) * 8}" r="4" fill="${SEVERITY_COLOURS[finding.severity]}"><title>${escapeHtml(finding.userName)}: ${finding.ageDays} days (${escapeHtml(finding.verdict)})</title></circle>`,
    )
    .join('');
  const step = tickStep(top);
  const ticks = Array.from({ length: Math.floor(top / step) + 1 }, (_, i) => i * step)
    .map(
      (days) =>
        `<line x1="${x(days)}" y1="78" x2="${x(days)}" y2="82" stroke="#d1d5da"/><text x="${x(days)}" y="94" text-anchor="middle">${days}</text>`,
    )
    .join('');
  const far = aged.filter((finding) => finding.ageDays > top).map((finding) => finding.ageDays);
  const broken =
    outliers > 0
      ? `<line x1="${end + 10}" y1="78" x2="${width - 20}" y2="78" stroke="#d1d5da"/><text x="${end + 5}" y="82" text-anchor="middle" class="break">//</text><text x="${beyond}" y="94" text-anchor="middle">${far.length === 1 ? far[0] : `${Math.min(...far)}–${Math.max(...far)}`}</text>`
      : '';
  // The warning label left of its line, the maximum's right of its: they never overlap.
  const line = (days: number, colour: string, label: string, side: 'start' | 'end') =>
    `<line x1="${x(days)}" y1="14" x2="${x(days)}" y2="76" stroke="${colour}" stroke-dasharray="4 3"/><text x="${x(days) + (side === 'start' ? 4 : -4)}" y="12" text-anchor="${side}">${label}</text>`;
  const severities = SEVERITIES.filter((severity) =>
    aged.some((finding) => finding.severity === severity),
  );
  const legend = [
    ...severities.map(
      (severity) => `<span><span class="swatch sev-${severity}"></span>${severity}</span>`,
    ),
    ...(report.policy.warnBeforeDays > 0
      ? [`<span><span class="line warn"></span>warning from ${warn} days</span>`]
      : []),
    `<span><span class="line max"></span>maximum age ${max} days</span>`,
    ...(outliers > 0
      ? [
          `<span>// ${outliers} ${outliers === 1 ? 'outlier' : 'outliers'} past the axis’s break, at their age</span>`,
        ]
      : []),
    '<span>one dot a credential, its age in days; hover for the user</span>',
  ].join('');
  return `<h2>${title}</h2>
<svg role="img" aria-label="Ages of the listed ${noun} against the maximum age of ${max} days" viewBox="0 0 ${width} 100" width="100%" height="100" preserveAspectRatio="xMinYMid meet">
<line x1="20" y1="78" x2="${end}" y2="78" stroke="#d1d5da"/>
${ticks}${broken}
${report.policy.warnBeforeDays > 0 ? line(warn, '#b7950b', `warn ${warn}`, 'end') : ''}${line(max, '#c0392b', `max ${max}`, 'start')}
${dots}
</svg>
<p class="legend">${legend}</p>`;
}
