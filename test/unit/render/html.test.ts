import { type DefaultTreeAdapterMap, parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { buildReport, type Finding } from '../../../lambda/core/report';
import { escapeHtml, renderHtml } from '../../../lambda/render/html';
import { ACCOUNT_ID, findingOf, NOW, policyWith, reportOf as sharedReportOf } from '../fixtures';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'\``;

const finding = (overrides: Partial<Finding>): Finding =>
  findingOf({ plannedAction: 'DEACTIVATE', action: 'DEACTIVATED', ...overrides });

const reportOf = (findings: Finding[]) =>
  sharedReportOf(findings, {
    policy: policyWith({ mode: 'deactivate' }),
    usersScanned: 3,
    certificatesScanned: 3,
  });

function elements(node: Node): Element[] {
  const children = 'childNodes' in node ? node.childNodes : [];
  const own = 'tagName' in node ? [node as Element] : [];
  return [...own, ...children.flatMap(elements)];
}

function text(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value;
  return 'childNodes' in node ? node.childNodes.map(text).join('') : '';
}

describe('renderHtml', () => {
  const findings = [
    finding({
      userName: 'bob',
      severity: 'LOW',
      verdict: 'EXPIRING_SOON',
      certificateId: 'CERTBOB',
    }),
    finding({ userName: HOSTILE, detail: HOSTILE, certificateId: 'CERTEVIL' }),
    finding({
      userName: '<root>',
      verdict: 'ROOT_SIGNING_CERTIFICATE',
      severity: 'CRITICAL',
      certificateId: null,
      status: null,
    }),
  ];
  const html = renderHtml(reportOf(findings));
  const document = parse(html);
  const all = elements(document);

  it('is one self-contained page: no external script, style, image or link', () => {
    const external = all.filter((element) =>
      element.attrs.some(
        (attribute) => ['src', 'href'].includes(attribute.name) && attribute.value !== '',
      ),
    );

    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(external).toEqual([]);
    expect(all.filter((element) => element.tagName === 'script')).toHaveLength(1);
  });

  it('lists every finding once, most severe first, with severity as a sort key', () => {
    const rows = all.filter(
      (element) =>
        element.tagName === 'tr' && element.attrs.some((a) => a.name === 'data-severity'),
    );

    expect(rows.map((row) => row.attrs.find((a) => a.name === 'data-severity')?.value)).toEqual([
      'CRITICAL',
      'HIGH',
      'LOW',
    ]);
    expect(rows.map((row) => text(row.childNodes[2] as Node))).toEqual([
      '-AB:CD',
      'CERTEVILAB:CD',
      'CERTBOBAB:CD',
    ]);
  });

  it('escapes every hostile value: it reads as text, never as markup', () => {
    const cells = all.filter((element) => element.tagName === 'td').map(text);

    expect(all.filter((element) => element.tagName === 'img')).toEqual([]);
    expect(all.filter((element) => element.tagName === 'script')).toHaveLength(1);
    expect(cells).toContain(HOSTILE);
    expect(cells).toContain('<root>');
    expect(html).not.toContain('<img src=x');
  });

  it('shows the summary tiles and the policy', () => {
    const page = text(document);

    for (const name of ['usersScanned', 'nonCompliant', 'deactivated', 'maxAgeDays', 'mode']) {
      expect(page).toContain(name);
    }
    expect(page).toContain(`account ${ACCOUNT_ID}`);
  });

  it('says so when a run is incomplete, and when there are no findings', () => {
    const partial = renderHtml(
      buildReport({ ...reportInputs(), incompleteReason: 'stopped early (deadline)' }),
    );

    expect(text(parse(partial))).toContain('Incomplete run: stopped early (deadline)');
    expect(text(parse(partial))).toContain('No findings');
  });
});

function reportInputs() {
  return {
    runId: 'run-2',
    accountId: ACCOUNT_ID,
    now: NOW,
    policy: policyWith(),
    dryRun: false,
    usersScanned: 0,
    certificatesScanned: 0,
    findings: [],
  };
}

describe('escapeHtml', () => {
  it('escapes the characters that mean something in HTML', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
    expect(escapeHtml(null)).toBe('');
  });
});
