import { createHash } from 'node:crypto';
import { type DefaultTreeAdapterMap, parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { buildReport, type Finding } from '../../../lambda/core/report';
import { usersScope } from '../../../lambda/core/scope';
import { escapeHtml, renderHtml } from '../../../lambda/render/html';
import { ACCOUNT_ID, findingOf, NOW, policyWith, reportOf as sharedReportOf } from '../fixtures';
import {
  bedrockKeyFinding,
  certificatesOnlyPolicy,
  everyKindPolicy,
  ofUser,
  sshKeyFinding,
} from '../kind-findings';

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
    // As the engine makes it: about root's signing certificates, none of them in particular.
    finding({
      userName: '<root>',
      verdict: 'ROOT_SIGNING_CERTIFICATE',
      severity: 'CRITICAL',
      certificateId: null,
      credentialId: null,
      status: null,
      ageDays: null,
      certificate: null,
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
    // Every kind is listed by default: a kind column, then the credential's id.
    expect(rows.map((row) => text(row.childNodes[2] as Node))).toEqual([
      '-',
      'signing certificate',
      'signing certificate',
    ]);
    expect(rows.map((row) => text(row.childNodes[3] as Node))).toEqual([
      '-',
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

    for (const name of ['users scanned', 'non compliant', 'deactivated', 'maxAgeDays', 'mode']) {
      expect(page).toContain(name);
    }
    expect(page).toContain(`account ${ACCOUNT_ID}`);
  });

  it('highlights the risks and quiets the zeros among the tiles', () => {
    const tiles = all.filter((element) =>
      element.attrs.some((a) => a.name === 'class' && a.value.startsWith('tile')),
    );
    const classOf = (label: string) =>
      tiles.find((tile) => text(tile).endsWith(label))?.attrs.find((a) => a.name === 'class')
        ?.value;

    expect(classOf('non compliant')).toBe('tile risk');
    expect(classOf('withheld')).toBe('tile zero');
    expect(classOf('users scanned')).toBe('tile ');
  });

  it('allows its one script and one style by their hashes, never unsafe-inline', () => {
    const csp = all
      .find((element) => element.attrs.some((a) => a.value === 'Content-Security-Policy'))
      ?.attrs.find((a) => a.name === 'content')?.value as string;
    const hash = (element: Element) =>
      `'sha256-${createHash('sha256').update(text(element)).digest('base64')}'`;
    const script = all.find((element) => element.tagName === 'script') as Element;
    const style = all.find((element) => element.tagName === 'style') as Element;

    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain("default-src 'none'");
    // No style attribute: the hash admits only the style element.
    expect(all.filter((element) => element.attrs.some((a) => a.name === 'style'))).toEqual([]);
  });

  it('sorts from buttons in the headers, which say their order', () => {
    const headers = all.filter((element) => element.tagName === 'th');

    expect(headers.map(text)).toEqual([
      'severity',
      'user',
      'kind',
      'credential',
      'subject',
      'status',
      'age (days)',
      'verdict',
      'plan',
      'action',
      'detail',
    ]);
    for (const header of headers) {
      expect(header.attrs.find((a) => a.name === 'aria-sort')?.value).toBe('none');
      expect(elements(header).some((element) => element.tagName === 'button')).toBe(true);
    }
  });

  it('says what to do about each verdict found, from the check table', () => {
    const page = text(document);

    expect(page).toContain('What to do');
    expect(page).toMatch(/NON_COMPLIANT \(signing certificate\) \(1\): /);
    expect(page).toMatch(/ROOT_SIGNING_CERTIFICATE \(1\): /);
    expect(page).toContain('sign in as the root user');
  });

  it('shows a short fingerprint with the whole on hover, and the subject', () => {
    const long = 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';
    const page = renderHtml(
      reportOf([
        finding({
          certificate: {
            fingerprint256: long,
            subject: HOSTILE,
            notAfter: '2030-01-01T00:00:00.000Z',
          },
        }),
      ]),
    );
    const nodes = elements(parse(page));

    expect(text(parse(page))).toContain('AA:BB:CC:DD:EE:FF:00:11…');
    expect(
      nodes.some((n) => n.attrs.some((a) => a.name === 'title' && a.value === `SHA-256 ${long}`)),
    ).toBe(true);
    expect(nodes.filter((n) => n.tagName === 'td').map(text)).toContain(HOSTILE);
    expect(nodes.filter((n) => n.tagName === 'img')).toEqual([]);
  });

  it('draws the certificates’ ages against the maximum and warning lines', () => {
    const svg = all.find((element) => element.tagName === 'svg') as Element;

    expect(svg).toBeDefined();
    // bob's and the hostile user's; root's finding has no age.
    expect(elements(svg).filter((element) => element.tagName === 'circle')).toHaveLength(2);
    expect(text(svg)).toContain('max 90');
    expect(text(svg)).toContain('warn 76');
  });

  it('says so when a run is incomplete, and when there are no findings', () => {
    const partial = renderHtml(
      buildReport({ ...reportInputs(), incompleteReason: 'stopped early (deadline)' }),
    );

    expect(text(parse(partial))).toContain('Incomplete run: stopped early (deadline)');
    expect(text(parse(partial))).toContain('No findings');
  });

  it('says the scope of a users-scoped run, and nothing of an account run’s', () => {
    const scoped = renderHtml(buildReport({ ...reportInputs(), scope: usersScope(['alice']) }));

    expect(text(parse(scoped))).toContain('scopeusers: alice (not the whole account)');
    expect(text(parse(renderHtml(buildReport(reportInputs()))))).not.toContain('scope');
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

describe('renderHtml: every kind of credential', () => {
  const kindsReport = (findings: Finding[], policy = everyKindPolicy({ mode: 'deactivate' })) =>
    sharedReportOf(findings, { policy });
  const html = renderHtml(
    kindsReport([
      finding({}),
      ofUser('bob', sshKeyFinding({ ageDays: 200 })),
      ofUser('carol', bedrockKeyFinding({ status: 'Expired', severity: 'MEDIUM', ageDays: 400 })),
    ]),
  );
  const document = parse(html);
  const all = elements(document);
  const rows = all.filter(
    (element) => element.tagName === 'tr' && element.attrs.some((a) => a.name === 'data-severity'),
  );
  const cells = (row: Element) => row.childNodes.filter((n) => n.nodeName === 'td').map(text);

  it('is a credential audit with a kind column and a credential column', () => {
    const headers = all.filter((element) => element.tagName === 'th').map(text);

    expect(text(document)).toContain(`IAM credential audit: account ${ACCOUNT_ID}`);
    expect(headers.slice(0, 5)).toEqual(['severity', 'user', 'kind', 'credential', 'subject']);
  });

  it('names each row’s kind, its id, and a service credential’s service', () => {
    expect(rows.map((row) => cells(row).slice(1, 5))).toEqual([
      ['alice', 'signing certificate', 'CERTALICE0000000000000001AB:CD', 'CN=alice'],
      ['bob', 'SSH public key', 'APKAALICE000000000001', '-'],
      ['carol', 'service-specific credentialbedrock.amazonaws.com', 'ACCAALICE000000000001', '-'],
    ]);
    expect(rows.map((row) => cells(row)[5])).toEqual(['Active', 'Active', 'Expired']);
  });

  it('says what to do about each verdict of each kind, in the kind’s words', () => {
    const todo = all.filter((element) => element.tagName === 'dt').map(text);

    expect(todo).toEqual(
      expect.arrayContaining([
        'NON_COMPLIANT (signing certificate) (1): IAM signing certificate older than the maximum age',
        'NON_COMPLIANT (SSH public key) (1): IAM SSH public key older than the maximum age',
        'NON_COMPLIANT (service-specific credential) (1): IAM service-specific credential older than the maximum age',
      ]),
    );
    expect(text(document)).toContain('`aws iam upload-ssh-public-key`');
  });

  it('draws each kind’s ages against the maximum age that kind is judged by', () => {
    const page = parse(
      renderHtml(
        kindsReport(
          [finding({}), ofUser('bob', sshKeyFinding({ ageDays: 200 }))],
          everyKindPolicy({ sshKeyMaxAgeDays: 365 }),
        ),
      ),
    );
    const charts = elements(page).filter((element) => element.tagName === 'svg');
    const titles = elements(page)
      .filter((element) => element.tagName === 'h2')
      .map(text);

    expect(titles).toEqual(
      expect.arrayContaining(['Signing certificate ages', 'SSH public key ages']),
    );
    expect(charts).toHaveLength(2);
    expect(text(charts[0] as Element)).toContain('max 90');
    expect(text(charts[1] as Element)).toContain('max 365');
  });

  it('keeps its CSP: no style attribute, one script, nothing external', () => {
    expect(all.filter((element) => element.attrs.some((a) => a.name === 'style'))).toEqual([]);
    expect(all.filter((element) => element.tagName === 'script')).toHaveLength(1);
    expect(html).toContain("default-src 'none'");
  });

  it('has no kind column for a certificates-only report (the control)', () => {
    const page = parse(
      renderHtml(sharedReportOf([finding({})], { policy: certificatesOnlyPolicy() })),
    );
    const headers = elements(page)
      .filter((element) => element.tagName === 'th')
      .map(text);
    const titles = elements(page)
      .filter((element) => element.tagName === 'h2')
      .map(text);

    expect(headers.slice(0, 3)).toEqual(['severity', 'user', 'certificate']);
    expect(text(page)).toContain('Signing certificate audit');
    expect(titles).toContain('Certificate ages');
    expect(text(page)).toMatch(/NON_COMPLIANT \(1\): /);
  });
});

describe('escapeHtml', () => {
  it('escapes the characters that mean something in HTML', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
    expect(escapeHtml(null)).toBe('');
  });
});
