import { createHash } from 'node:crypto';
import { type DefaultTreeAdapterMap, parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { buildReport, type Finding } from '../../../lambda/core/report';
import { usersScope } from '../../../lambda/core/scope';
import { axisOf, escapeHtml, renderHtml, userPathOf } from '../../../lambda/render/html';
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
    expect(rows.map((row) => text(row.childNodes[4] as Node))).toEqual([
      '-',
      'signing certificate',
      'signing certificate',
    ]);
    expect(rows.map((row) => text(row.childNodes[5] as Node))).toEqual([
      '-',
      'CERTEVIL',
      'CERTBOB',
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

  it('highlights the risks, and collapses the zeros into one line instead of tiles', () => {
    const summary = reportOf(findings).summary;
    const tiles = all.filter((element) =>
      element.attrs.some((a) => a.name === 'class' && a.value.startsWith('tile ')),
    );
    const classOf = (label: string) =>
      tiles.find((tile) => text(tile).endsWith(label))?.attrs.find((a) => a.name === 'class')
        ?.value;
    const zeros = all.find((element) =>
      element.attrs.some((a) => a.name === 'class' && a.value === 'zeros'),
    ) as Element;
    const zeroCount = Object.values(summary).filter((value) => value === 0).length;

    expect(classOf('non compliant')).toBe('tile risk');
    expect(classOf('users scanned')).toBe('tile ');
    // A tile for each count above zero, none for a zero.
    expect(tiles).toHaveLength(Object.keys(summary).length - zeroCount);
    expect(classOf('withheld')).toBeUndefined();
    expect(zeroCount).toBeGreaterThan(1);
    expect(zeros.tagName).toBe('details');
    expect(text(zeros)).toContain(`${zeroCount} counts at zero`);
    expect(text(zeros)).toContain('withheld');
    expect(text(zeros)).not.toContain('non compliant');
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
      'path',
      'user ARN',
      'kind',
      'credential',
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

  it('shows the whole fingerprint, selectable at a click, and the subject', () => {
    const long =
      'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';
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
    const fingerprints = nodes.filter((n) =>
      n.attrs.some((a) => a.name === 'class' && a.value === 'fp'),
    );

    expect(fingerprints.map(text)).toEqual([long]);
    expect(page).not.toContain('…</');
    expect(nodes.filter((n) => n.tagName === 'td').map(text)).toContain(HOSTILE);
    expect(nodes.filter((n) => n.tagName === 'img')).toEqual([]);
  });

  it('shows the user’s path and ARN, the upload date and the notAfter in their columns', () => {
    const arn = `arn:aws:iam::${ACCOUNT_ID}:user/engineering/platform/dora`;
    const page = parse(
      renderHtml(
        reportOf([
          finding({
            userName: 'dora',
            userArn: arn,
            uploadDate: '2025-03-04T05:06:07.000Z',
            certificate: {
              fingerprint256: 'AB:CD',
              subject: 'CN=dora',
              notAfter: '2027-08-09T10:11:12.000Z',
            },
          }),
        ]),
      ),
    );
    const headers = elements(page)
      .filter((element) => element.tagName === 'th')
      .map(text);
    const row = elements(page).find(
      (element) => element.tagName === 'tr' && element.attrs.some((a) => a.name === 'data-user'),
    ) as Element;
    const cells = row.childNodes.filter((n) => n.nodeName === 'td') as Element[];
    const cell = (header: string) => cells[headers.indexOf(header)] as Element;

    expect(text(cell('path'))).toBe('/engineering/platform/');
    expect(text(cell('user ARN'))).toBe(arn);
    expect(text(cell('uploaded'))).toBe('2025-03-04');
    expect(cell('uploaded').attrs.find((a) => a.name === 'data-key')?.value).toBe(
      '2025-03-04T05:06:07.000Z',
    );
    expect(text(cell('not after'))).toBe('2027-08-09');
    expect(text(cell('fingerprint (SHA-256)'))).toBe('AB:CD');
  });

  it('names a user at the root path `/`, and the root user none', () => {
    expect(userPathOf(`arn:aws:iam::${ACCOUNT_ID}:user/alice`)).toBe('/');
    expect(userPathOf(`arn:aws:iam::${ACCOUNT_ID}:user/a/b/alice`)).toBe('/a/b/');
    expect(userPathOf(`arn:aws:iam::${ACCOUNT_ID}:root`)).toBeNull();
  });

  it('does not repeat the verdict’s title in the detail: the finding’s own detail or `-`', () => {
    const detailOf = (row: Element) => text(row.childNodes.at(-1) as Node);
    const rows = all.filter(
      (element) => element.tagName === 'tr' && element.attrs.some((a) => a.name === 'data-user'),
    );

    // bob's EXPIRING_SOON has no detail of its own; the hostile user's has one.
    expect(rows.map(detailOf)).toEqual([expect.any(String), HOSTILE, '-']);
    expect(text(document)).toContain('IAM signing certificate close to the maximum age');
    expect(
      rows.some((row) =>
        detailOf(row).includes('IAM signing certificate close to the maximum age'),
      ),
    ).toBe(false);
  });

  it('offers the filters: a search, and each user, verdict and severity the findings hold', () => {
    const select = (field: string) =>
      all.find(
        (element) =>
          element.tagName === 'select' &&
          element.attrs.some((a) => a.name === 'data-filter' && a.value === field),
      ) as Element;
    const options = (field: string) =>
      elements(select(field))
        .filter((element) => element.tagName === 'option')
        .map((option) => option.attrs.find((a) => a.name === 'value')?.value);
    const rows = all.filter(
      (element) => element.tagName === 'tr' && element.attrs.some((a) => a.name === 'data-user'),
    );

    expect(
      all.some((element) =>
        element.attrs.some((a) => a.name === 'data-filter' && a.value === 'search'),
      ),
    ).toBe(true);
    expect(options('user')).toEqual(['', '<root>', HOSTILE, 'bob'].sort());
    expect(options('verdict')).toEqual([
      '',
      'EXPIRING_SOON',
      'NON_COMPLIANT',
      'ROOT_SIGNING_CERTIFICATE',
    ]);
    expect(options('severity')).toEqual(['', 'CRITICAL', 'HIGH', 'LOW']);
    expect(options('kind')).toEqual(['', 'signing-certificate', '-']);
    expect(rows.map((row) => row.attrs.find((a) => a.name === 'data-user')?.value)).toEqual([
      '<root>',
      HOSTILE,
      'bob',
    ]);
    expect(text(document)).toContain('Showing 3 of 3');
  });

  it('draws the certificates’ ages against the maximum and warning lines', () => {
    const svg = all.find((element) => element.tagName === 'svg') as Element;

    expect(svg).toBeDefined();
    // bob's and the hostile user's; root's finding has no age.
    expect(elements(svg).filter((element) => element.tagName === 'circle')).toHaveLength(2);
    expect(text(svg)).toContain('max 90');
    expect(text(svg)).toContain('warn 76');
  });

  it('gives each chart a legend: the severities drawn and the two lines', () => {
    const legend = all.find((element) =>
      element.attrs.some((a) => a.name === 'class' && a.value === 'legend'),
    ) as Element;

    expect(text(legend)).toContain('HIGH');
    expect(text(legend)).toContain('LOW');
    expect(text(legend)).not.toContain('CRITICAL');
    expect(text(legend)).toContain('warning from 76 days');
    expect(text(legend)).toContain('maximum age 90 days');
  });

  it('keeps one outlier from flattening the other ages: it sits past a break', () => {
    const ages = [80, 100, 120, 140, 2000];
    const page = parse(
      renderHtml(
        sharedReportOf(
          ages.map((ageDays, i) =>
            finding({ userName: `u${i}`, ageDays, certificateId: `CERT${i}` }),
          ),
          { policy: certificatesOnlyPolicy() },
        ),
      ),
    );
    const svg = elements(page).find((element) => element.tagName === 'svg') as Element;
    const xs = elements(svg)
      .filter((element) => element.tagName === 'circle')
      .map((circle) => Number(circle.attrs.find((a) => a.name === 'cx')?.value));

    // 80 to 140 days spread over more than a third of the axis (about 690 wide before the
    // break); on an axis to 2,000 days they would take 22 pixels.
    expect((xs[3] as number) - (xs[0] as number)).toBeGreaterThan(230);
    expect(xs[4]).toBeGreaterThan(xs[3] as number);
    expect(text(svg)).toContain('2000');
    expect(text(page)).toContain('1 outlier past the axis’s break');
    expect(axisOf(ages, 90)).toEqual({ top: 140 * 1.05, outliers: 1 });
    // The control: without the outlier there is no break.
    expect(axisOf([80, 100, 120, 140], 90).outliers).toBe(0);
    expect(axisOf([80, 100, 120, 140, 400], 90).outliers).toBe(0);
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
    expect(headers.slice(0, 8)).toEqual([
      'severity',
      'user',
      'path',
      'user ARN',
      'kind',
      'credential',
      'fingerprint (SHA-256)',
      'subject',
    ]);
  });

  it('names each row’s kind, its id, and a service credential’s service', () => {
    expect(rows.map((row) => [row.childNodes.length, ...cells(row).slice(4, 8)])).toEqual([
      [16, 'signing certificate', 'CERTALICE0000000000000001', 'AB:CD', 'CN=alice'],
      [16, 'SSH public key', 'APKAALICE000000000001', '-', '-'],
      [16, 'service-specific credentialbedrock.amazonaws.com', 'ACCAALICE000000000001', '-', '-'],
    ]);
    expect(rows.map((row) => cells(row)[8])).toEqual(['Active', 'Active', 'Expired']);
    expect(rows.map((row) => row.attrs.find((a) => a.name === 'data-kind')?.value)).toEqual([
      'signing-certificate',
      'ssh-public-key',
      'service-specific-credential',
    ]);
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

    expect(headers.slice(0, 6)).toEqual([
      'severity',
      'user',
      'path',
      'user ARN',
      'certificate',
      'fingerprint (SHA-256)',
    ]);
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

describe('renderHtml: COMPLIANT findings (includeCompliant)', () => {
  const young = findingOf({
    certificateId: 'CERTALICEYOUNG00000000001',
    credentialId: 'CERTALICEYOUNG00000000001',
    ageDays: 10,
    verdict: 'COMPLIANT',
    severity: 'INFO',
  });
  const document = parse(renderHtml(reportOf([finding({}), young])));
  const all = elements(document);

  it('lists each as a row, and offers COMPLIANT in the verdict filter', () => {
    const rows = all.filter(
      (element) => element.tagName === 'tr' && element.attrs.some((a) => a.name === 'data-verdict'),
    );
    const verdictOptions = all
      .filter(
        (element) =>
          element.tagName === 'select' &&
          element.attrs.some((a) => a.name === 'data-filter' && a.value === 'verdict'),
      )
      .flatMap((select) => elements(select).filter((e) => e.tagName === 'option'))
      .map((option) => option.attrs.find((a) => a.name === 'value')?.value);

    expect(rows.map((row) => row.attrs.find((a) => a.name === 'data-verdict')?.value)).toEqual([
      'NON_COMPLIANT',
      'COMPLIANT',
    ]);
    expect(text(rows[1] as Element)).toContain('CERTALICEYOUNG00000000001');
    expect(verdictOptions).toEqual(['', 'COMPLIANT', 'NON_COMPLIANT']);
    expect(text(document)).toContain('Showing 2 of 2');
  });

  it('asks nothing of a compliant credential under What to do, only of the others (the control)', () => {
    const page = text(document);

    expect(page).toMatch(/NON_COMPLIANT \(signing certificate\) \(1\): /);
    expect(page).not.toMatch(/(?<!NON_)COMPLIANT \(signing certificate\) \(1\)/);
    expect(page).not.toContain('Nothing to do: the certificate is within the policy.');
  });
});
