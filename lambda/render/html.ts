import { createHash } from 'node:crypto';
import { VERDICTS } from '../core/checks/table';
import { CREDENTIAL_TYPES } from '../core/credential';
import {
  credentialIdOf,
  credentialTypeOf,
  forKind,
  KIND_WORDING,
  maxAgeDaysOf,
  speaksOfKinds,
} from '../core/credential-wording';
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

// Sorting by a column from its header's button (mouse or keyboard): no external asset, reading
// only the table's own cells; aria-sort says the order to assistive technology.
const SORT_SCRIPT = `document.querySelectorAll('th[aria-sort] button').forEach(function (button) {
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
});`;

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1b1f23;max-width:1200px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#586069;margin:0 0 16px}.tiles{display:flex;flex-wrap:wrap;gap:8px}
.tile{border:1px solid #d1d5da;border-radius:6px;padding:8px 12px;min-width:110px}
.tile b{display:block;font-size:22px}.tile span{color:#586069;font-size:12px}
.tile.zero{border-color:#eaecef;color:#959da5}.tile.zero span{color:#959da5}
.tile.risk{border-color:#c0392b;background:#fdecea}.tile.watch{border-color:#b7950b;background:#fff8e1}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e1e4e8;padding:4px 6px;text-align:left;vertical-align:top}
th button{font:inherit;font-weight:600;border:0;background:none;padding:0;cursor:pointer;color:inherit}
th button:focus-visible{outline:2px solid #0366d6;outline-offset:2px}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
.sev{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;font-weight:600}
${SEVERITIES.map((severity) => `.sev-${severity}{background:${SEVERITY_COLOURS[severity]}}`).join('')}
.incomplete{background:#fff5b1;border:1px solid #d9c200;padding:8px;border-radius:6px}
code{font-size:12px}small{color:#586069}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{color:#586069}
.todo dt{font-weight:600;color:#1b1f23}.todo dd{margin:0 0 8px}
svg text{font-size:11px;fill:#586069}
@media print{body{margin:0;font-size:11px}th button::after{content:none!important}.tile{break-inside:avoid}tr{break-inside:avoid}}`;

/** `'sha256-…'`: a CSP source that allows exactly this inline script or style. */
function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/**
 * The page's policy: nothing from anywhere, the one style and the one script allowed by their
 * hashes (not `'unsafe-inline'`: a value that escaped escaping could still not run).
 */
const CSP = `default-src 'none'; style-src ${cspHash(STYLE)}; script-src ${cspHash(SORT_SCRIPT)}; base-uri 'none'; form-action 'none'`;

/**
 * The report as one self-contained HTML page (no external asset, so it opens from an email
 * link or an auditor's laptop): summary tiles (risks highlighted, zeros quiet), the certificates'
 * ages against the policy, the findings most severe first and sortable by any column from the
 * keyboard, what to do about each verdict found, the policy and run details, and a print style.
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
  const tiles = Object.entries(report.summary)
    .map(([name, value]) => {
      const level =
        typeof value === 'number' && value === 0
          ? 'zero'
          : RISK_COUNTS.has(name)
            ? 'risk'
            : WATCH_COUNTS.has(name)
              ? 'watch'
              : '';
      return `<div class="tile ${level}"><b>${escapeHtml(value)}</b><span>${escapeHtml(labelOf(name))}</span></div>`;
    })
    .join('');
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
    ...(kinds ? ['kind', 'credential'] : ['certificate']),
    'subject',
    'status',
    'age (days)',
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
<div class="tiles">${tiles}</div>
${ageCharts(report, kinds)}
<h2>Findings (${findings.length})</h2>
${report.filter ? `<p class="filter">${escapeHtml(describeFilter(report.filter))}</p>\n` : ''}${
  findings.length === 0
    ? `<p>No findings: every ${kinds ? 'credential' : 'certificate'} is within the policy.</p>`
    : `<table id="findings"><thead><tr>${headers}</tr></thead>
<tbody>
${rows}
</tbody></table>`
}
${whatToDo(findings, kinds)}
<h2>Policy and run</h2>
<dl>${policy}
<dt>scan</dt><dd><code>${escapeHtml(report.scan.strategy)}</code>${report.scan.fallbackReason ? ` (${escapeHtml(report.scan.fallbackReason)})` : ''}</dd>
${scope}<dt>complete</dt><dd><code>${escapeHtml(report.complete)}</code></dd>
<dt>schema</dt><dd><code>${escapeHtml(report.source)} ${escapeHtml(report.schemaVersion)}</code></dd></dl>
<script>${SORT_SCRIPT}</script>
</body></html>
`;
}

/** A fingerprint's first eight bytes, the whole one on hover: enough to tell two apart. */
function shortFingerprint(fingerprint: string): string {
  const parts = fingerprint.split(':');
  return parts.length > 8 ? `${parts.slice(0, 8).join(':')}…` : fingerprint;
}

/** A finding's kind, and a service credential's service under it: `service-specific credential` / `bedrock.amazonaws.com`. */
function kindCell(finding: Finding): string {
  const type = credentialTypeOf(finding);
  const service = finding.serviceName
    ? `<br><small>${escapeHtml(finding.serviceName)}</small>`
    : '';
  return `<td data-kind="${escapeHtml(type ?? '')}">${escapeHtml(type ? KIND_WORDING[type].label : '-')}${service}</td>`;
}

function findingRow(finding: Finding, kinds: boolean): string {
  const rank = SEVERITIES.indexOf(finding.severity);
  const type = credentialTypeOf(finding);
  const title = VERDICTS[finding.verdict]?.title;
  const detail = finding.error
    ? `${finding.error.code}: ${finding.error.message}`
    : (finding.detail ?? (title === undefined ? '' : forKind(title, type)));
  const fingerprint = finding.certificate?.fingerprint256;
  const id = kinds ? credentialIdOf(finding) : finding.certificateId;
  const cells = [
    `<td data-key="${rank}"><span class="sev sev-${escapeHtml(finding.severity)}">${escapeHtml(finding.severity)}</span></td>`,
    `<td title="${escapeHtml(finding.userArn)}">${escapeHtml(finding.userName)}</td>`,
    ...(kinds ? [kindCell(finding)] : []),
    `<td><code>${escapeHtml(id ?? '-')}</code>${fingerprint ? `<br><small title="SHA-256 ${escapeHtml(fingerprint)}">${escapeHtml(shortFingerprint(fingerprint))}</small>` : ''}</td>`,
    `<td>${escapeHtml(finding.certificate?.subject ?? '-')}</td>`,
    `<td>${escapeHtml(finding.status ?? '-')}</td>`,
    `<td data-key="${String(finding.ageDays ?? -1).padStart(6, '0')}">${escapeHtml(finding.ageDays ?? '-')}</td>`,
    `<td>${escapeHtml(finding.verdict)}</td>`,
    `<td>${escapeHtml(finding.plannedAction ?? '-')}</td>`,
    `<td>${escapeHtml(finding.action)}</td>`,
    `<td>${escapeHtml(detail)}</td>`,
  ];
  return `<tr data-severity="${escapeHtml(finding.severity)}">${cells.join('')}</tr>`;
}

/**
 * What to do about each verdict the report holds, from the check table's remediation; on a page
 * that speaks of kinds, about each verdict of each kind, in the kind's words (an SSH key is
 * rotated with its own command).
 */
function whatToDo(findings: readonly Finding[], kinds: boolean): string {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
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

function ageChart(
  title: string,
  noun: string,
  aged: readonly (Finding & { ageDays: number })[],
  max: number,
  report: Report,
): string {
  if (aged.length === 0) return '';
  const warn = Math.max(0, max - report.policy.warnBeforeDays);
  const top = Math.max(max * 1.25, ...aged.map((finding) => finding.ageDays)) * 1.05;
  const width = 800;
  const x = (days: number) => Math.round(20 + (days / top) * (width - 40));
  const dots = aged
    .map(
      (finding, index) =>
        `<circle cx="${x(finding.ageDays)}" cy="${30 + (index % 5) * 8}" r="4" fill="${SEVERITY_COLOURS[finding.severity]}"><title>${escapeHtml(finding.userName)}: ${finding.ageDays} days (${escapeHtml(finding.verdict)})</title></circle>`,
    )
    .join('');
  // The warning label left of its line, the maximum's right of its: they never overlap.
  const line = (days: number, colour: string, label: string, side: 'start' | 'end') =>
    `<line x1="${x(days)}" y1="14" x2="${x(days)}" y2="76" stroke="${colour}" stroke-dasharray="4 3"/><text x="${x(days) + (side === 'start' ? 4 : -4)}" y="12" text-anchor="${side}">${label}</text>`;
  return `<h2>${title}</h2>
<svg role="img" aria-label="Ages of the listed ${noun} against the maximum age of ${max} days" viewBox="0 0 ${width} 96" width="100%" height="96" preserveAspectRatio="xMinYMid meet">
<line x1="20" y1="78" x2="${width - 20}" y2="78" stroke="#d1d5da"/>
<text x="20" y="92">0 days</text><text x="${width - 80}" y="92">${Math.round(top)} days</text>
${report.policy.warnBeforeDays > 0 ? line(warn, '#b7950b', `warn ${warn}`, 'end') : ''}${line(max, '#c0392b', `max ${max}`, 'start')}
${dots}
</svg>`;
}
