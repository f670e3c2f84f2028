import { VERDICTS } from '../core/checks/table';
import { type Finding, type Report, SEVERITIES, type Severity } from '../core/report';

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
  MEDIUM: '#d35400',
  LOW: '#b7950b',
  INFO: '#566573',
};

// Sorting by a column on a click: inline, no external asset, reading only the table's own cells.
const SORT_SCRIPT = `document.querySelectorAll('th[data-sort]').forEach(function (th) {
  th.addEventListener('click', function () {
    var table = th.closest('table'); var body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th').forEach(function (other) { other.removeAttribute('aria-sort'); });
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

const STYLE = `body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1b1f23}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#586069;margin:0 0 16px}.tiles{display:flex;flex-wrap:wrap;gap:8px}
.tile{border:1px solid #d1d5da;border-radius:6px;padding:8px 12px;min-width:110px}
.tile b{display:block;font-size:22px}.tile span{color:#586069;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e1e4e8;padding:4px 6px;text-align:left;vertical-align:top}
th[data-sort]{cursor:pointer;user-select:none}th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
.sev{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;font-weight:600}
.incomplete{background:#fff5b1;border:1px solid #d9c200;padding:8px;border-radius:6px}
code{font-size:12px}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{color:#586069}`;

/**
 * The report as one self-contained HTML page (no external asset, so it opens from an email
 * link or an auditor's laptop): summary tiles, the findings most severe first and sortable by
 * any column, the policy and run details. Every value is escaped; the certificate body is not
 * in a report, so it cannot be here.
 */
export function renderHtml(report: Report): string {
  const findings = [...report.findings].sort(
    (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
  );
  const tiles = Object.entries(report.summary)
    .map(
      ([name, value]) =>
        `<div class="tile"><b>${escapeHtml(value)}</b><span>${escapeHtml(name)}</span></div>`,
    )
    .join('');
  const rows = findings.map(findingRow).join('\n');
  const policy = Object.entries(report.policy)
    .map(
      ([name, value]) => `<dt>${escapeHtml(name)}</dt><dd><code>${escapeHtml(value)}</code></dd>`,
    )
    .join('');
  const incomplete = report.complete
    ? ''
    : `<p class="incomplete"><b>Incomplete run:</b> ${escapeHtml(report.incompleteReason)}. The findings cover only part of the account.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Signing certificate audit ${escapeHtml(report.accountId)} ${escapeHtml(report.evaluatedAt)}</title>
<style>${STYLE}</style></head>
<body>
<h1>Signing certificate audit: account ${escapeHtml(report.accountId)}</h1>
<p class="meta">Evaluated at ${escapeHtml(report.evaluatedAt)} · ${escapeHtml(report.policy.mode)} mode${report.policy.dryRun ? ' (dry run)' : ''} · severity <span class="sev" style="background:${SEVERITY_COLOURS[report.severity]}">${escapeHtml(report.severity)}</span> · run <code>${escapeHtml(report.runId)}</code></p>
${incomplete}
<div class="tiles">${tiles}</div>
<h2>Findings (${findings.length})</h2>
${
  findings.length === 0
    ? '<p>No findings: every certificate is within the policy.</p>'
    : `<table id="findings"><thead><tr>
<th data-sort>severity</th><th data-sort>user</th><th data-sort>certificate</th><th data-sort>status</th><th data-sort>age (days)</th><th data-sort>verdict</th><th data-sort>plan</th><th data-sort>action</th><th>detail</th></tr></thead>
<tbody>
${rows}
</tbody></table>`
}
<h2>Policy and run</h2>
<dl>${policy}
<dt>scan</dt><dd><code>${escapeHtml(report.scan.strategy)}</code>${report.scan.fallbackReason ? ` (${escapeHtml(report.scan.fallbackReason)})` : ''}</dd>
<dt>complete</dt><dd><code>${escapeHtml(report.complete)}</code></dd>
<dt>schema</dt><dd><code>${escapeHtml(report.source)} ${escapeHtml(report.schemaVersion)}</code></dd></dl>
<script>${SORT_SCRIPT}</script>
</body></html>
`;
}

function findingRow(finding: Finding): string {
  const rank = SEVERITIES.indexOf(finding.severity);
  const detail = finding.error
    ? `${finding.error.code}: ${finding.error.message}`
    : (finding.detail ?? VERDICTS[finding.verdict]?.title ?? '');
  const cells = [
    `<td data-key="${rank}"><span class="sev" style="background:${SEVERITY_COLOURS[finding.severity]}">${escapeHtml(finding.severity)}</span></td>`,
    `<td title="${escapeHtml(finding.userArn)}">${escapeHtml(finding.userName)}</td>`,
    `<td><code>${escapeHtml(finding.certificateId ?? '-')}</code>${finding.certificate ? `<br><small>${escapeHtml(finding.certificate.fingerprint256)}</small>` : ''}</td>`,
    `<td>${escapeHtml(finding.status ?? '-')}</td>`,
    `<td data-key="${String(finding.ageDays ?? -1).padStart(6, '0')}">${escapeHtml(finding.ageDays ?? '-')}</td>`,
    `<td>${escapeHtml(finding.verdict)}</td>`,
    `<td>${escapeHtml(finding.plannedAction ?? '-')}</td>`,
    `<td>${escapeHtml(finding.action)}</td>`,
    `<td>${escapeHtml(detail)}</td>`,
  ];
  return `<tr data-severity="${escapeHtml(finding.severity)}">${cells.join('')}</tr>`;
}
