/// <reference lib="dom" />
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type Finding } from '../../lambda/core/report';
import { renderHtml } from '../../lambda/render/html';
import { ACCOUNT_ID, NOW } from '../unit/fixtures';
import {
  bedrockKeyFinding,
  certificatesOnlyPolicy,
  everyKindPolicy,
  sshKeyFinding,
} from '../unit/kind-findings';

/**
 * The HTML report in a real browser: the headless Chromium that `npm ci` brings
 * (@sparticuz/chromium ships the binary inside the package), driven by puppeteer-core. The
 * report is loaded from a file, as an auditor opens it, with hostile names and subjects that
 * would run a script if anything escaped escaping.
 */
const HOSTILE = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"'><svg onload="window.__pwned=3">`;

const finding = (overrides: Partial<Finding>): Finding => ({
  userName: 'alice',
  userArn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
  certificateId: 'CERTALICE0000000000000001',
  credentialType: 'signing-certificate',
  credentialId: 'CERTALICE0000000000000001',
  serviceName: null,
  status: 'Active',
  uploadDate: '2026-01-01T00:00:00.000Z',
  ageDays: 326,
  verdict: 'NON_COMPLIANT',
  plannedAction: 'DEACTIVATE',
  override: null,
  action: 'DEACTIVATED',
  severity: 'HIGH',
  error: null,
  certificate: {
    fingerprint256: 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
    subject: 'CN=alice',
    notAfter: '2030-01-01T00:00:00.000Z',
  },
  detail: null,
  ...overrides,
});

const REPORT = buildReport({
  runId: 'browser-run',
  accountId: ACCOUNT_ID,
  now: NOW,
  // A certificates-only run: the columns below (the age is the tenth) are that layout's.
  policy: certificatesOnlyPolicy({ mode: 'deactivate' }),
  dryRun: false,
  usersScanned: 4,
  certificatesScanned: 4,
  findings: [
    finding({
      userName: 'bob',
      ageDays: 80,
      verdict: 'EXPIRING_SOON',
      severity: 'LOW',
      certificateId: 'CERTBOB',
    }),
    finding({
      userName: HOSTILE,
      detail: HOSTILE,
      certificateId: 'CERTEVIL',
      ageDays: 500,
      certificate: {
        fingerprint256: 'AB:CD',
        subject: HOSTILE,
        notAfter: '2030-01-01T00:00:00.000Z',
      },
    }),
    finding({
      userName: 'carol',
      ageDays: 200,
      severity: 'MEDIUM',
      status: 'Inactive',
      certificateId: 'CERTCAROL',
    }),
  ],
});

let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  browser = await puppeteer.launch({
    executablePath: await chromium.executablePath(),
    args: [...chromium.args, '--no-sandbox', '--disable-background-networking'],
    headless: true,
  });
  page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  // Every CSP violation the page raises, recorded from the page's own event.
  await page.evaluateOnNewDocument(() => {
    (window as unknown as { __violations: string[] }).__violations = [];
    document.addEventListener('securitypolicyviolation', (event) =>
      (window as unknown as { __violations: string[] }).__violations.push(event.violatedDirective),
    );
  });
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, renderHtml(REPORT));
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`file://${file}`, { waitUntil: 'load' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** The users of the rows the browser lays out (a hidden row has no box), in their order. */
const visibleUsers = (on: Page) =>
  on.$$eval('#findings tbody tr', (rows) =>
    rows
      .filter((row) => row.getClientRects().length > 0)
      .map((row) => (row as HTMLTableRowElement).cells[1]?.textContent ?? ''),
  );
/** The count of rows shown, as the page says it. */
const shownCount = (on: Page) => on.$eval('#shown', (shown) => shown.textContent);

const userColumn = () =>
  page.$$eval('#findings tbody tr', (rows) =>
    rows.map((row) => (row as HTMLTableRowElement).cells[1]?.textContent ?? ''),
  );

describe('the HTML report in headless Chromium', () => {
  it('loads with no console error and no CSP violation', async () => {
    const violations = await page.evaluate(
      () => (window as unknown as { __violations: string[] }).__violations,
    );

    expect(consoleErrors).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('runs no injected script, shows the hostile values as text', async () => {
    const pwned = await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned);
    const users = await userColumn();

    expect(pwned).toBeUndefined();
    expect(users).toContain(HOSTILE);
    expect(await page.$$('#findings img')).toHaveLength(0);
  });

  it('runs its own script: a CSP that blocked it would block the sorting too (the control)', async () => {
    const sorted = await page.$eval('th', (th) => th.getAttribute('aria-sort'));
    expect(sorted).toBe('none');
    // Blocked scripts raise violations, so the empty list above also proves the script ran, as
    // the keyboard test below shows it doing its work.
  });

  it('sorts from the keyboard: Tab to a header, Enter, and again for the other order', async () => {
    expect(await userColumn()).toEqual([HOSTILE, 'carol', 'bob']);
    await page.focus('th:nth-child(10) button');
    await page.keyboard.press('Enter');
    const ascending = await userColumn();
    const order = await page.$eval('th:nth-child(10)', (th) => th.getAttribute('aria-sort'));
    await page.keyboard.press('Enter');
    const descending = await userColumn();

    expect(await page.$eval('th:nth-child(10)', (th) => th.textContent)).toBe('age (days)');
    expect(order).toBe('ascending');
    expect(ascending).toEqual(['bob', 'carol', HOSTILE]);
    expect(descending).toEqual([HOSTILE, 'carol', 'bob']);
  });

  it('filters by verdict: the rows shown and the count change, and come back', async () => {
    const before = await visibleUsers(page);
    const countBefore = await shownCount(page);
    await page.select('select[data-filter="verdict"]', 'EXPIRING_SOON');
    const filtered = await visibleUsers(page);
    const countFiltered = await shownCount(page);
    await page.select('select[data-filter="verdict"]', '');

    // The control: every row is shown before the filter and after it is cleared.
    expect(before).toHaveLength(3);
    expect(countBefore).toBe('3');
    expect(filtered).toEqual(['bob']);
    expect(countFiltered).toBe('1');
    expect(await visibleUsers(page)).toHaveLength(3);
  });

  it('filters by user (the hostile name too), and by user and verdict together', async () => {
    await page.select('select[data-filter="user"]', HOSTILE);
    const hostile = await visibleUsers(page);
    await page.select('select[data-filter="user"]', 'carol');
    const carol = await visibleUsers(page);
    await page.select('select[data-filter="verdict"]', 'EXPIRING_SOON');
    const none = await visibleUsers(page);
    const countNone = await shownCount(page);
    await page.select('select[data-filter="verdict"]', '');
    await page.select('select[data-filter="user"]', '');

    expect(hostile).toEqual([HOSTILE]);
    expect(carol).toEqual(['carol']);
    expect(none).toEqual([]);
    expect(countNone).toBe('0');
    expect(await visibleUsers(page)).toHaveLength(3);
  });

  it('filters by severity, and by a search typed into the box (a fingerprint, a name)', async () => {
    await page.select('select[data-filter="severity"]', 'MEDIUM');
    const medium = await visibleUsers(page);
    await page.select('select[data-filter="severity"]', '');
    await page.type('input[data-filter="search"]', 'CERTBOB');
    const searched = await visibleUsers(page);
    await page.$eval('input[data-filter="search"]', (input) => {
      (input as HTMLInputElement).value = '';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });

    expect(medium).toEqual(['carol']);
    expect(searched).toEqual(['bob']);
    expect(await visibleUsers(page)).toHaveLength(3);
  });

  it('still has no CSP violation after the filters ran', async () => {
    const violations = await page.evaluate(
      () => (window as unknown as { __violations: string[] }).__violations,
    );

    expect(consoleErrors).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('renders the tiles, the chart and what to do', async () => {
    const risk = await page.$$eval('.tile.risk span', (spans) =>
      spans.map((span) => span.textContent),
    );
    const dots = await page.$$('svg circle');

    expect(risk).toContain('non compliant');
    expect(dots).toHaveLength(3);
    expect(await page.$eval('.legend', (legend) => legend.textContent)).toContain(
      'maximum age 90 days',
    );
    expect(await page.$$('.tile')).toHaveLength(
      Object.values(REPORT.summary).filter((value) => value !== 0).length,
    );
    expect(await page.$eval('.todo', (dl) => dl.textContent)).toContain('EXPIRING_SOON');
  });
});

/**
 * A report of every kind: a certificate, an SSH key and a Bedrock API key among the rows (one
 * hostile user among them), in its own page of the same browser.
 */
const KINDS_REPORT = buildReport({
  runId: 'browser-kinds-run',
  accountId: ACCOUNT_ID,
  now: NOW,
  policy: everyKindPolicy({ mode: 'deactivate', sshKeyMaxAgeDays: 365 }),
  dryRun: false,
  usersScanned: 3,
  certificatesScanned: 1,
  findings: [
    finding({ userName: 'alice', ageDays: 120 }),
    sshKeyFinding({
      userName: 'bob',
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/bob`,
      ageDays: 400,
      plannedAction: 'DEACTIVATE',
      action: 'DEACTIVATED',
    }),
    bedrockKeyFinding({
      userName: HOSTILE,
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/mallory`,
      serviceName: HOSTILE,
      detail: HOSTILE,
      ageDays: 200,
      status: 'Expired',
      severity: 'MEDIUM',
    }),
  ],
});

describe('the HTML report of every kind in headless Chromium', () => {
  let kinds: Page;
  const kindErrors: string[] = [];

  beforeAll(async () => {
    kinds = await browser.newPage();
    kinds.on('console', (message) => {
      if (message.type() === 'error') kindErrors.push(message.text());
    });
    kinds.on('pageerror', (error) => kindErrors.push(String(error)));
    await kinds.evaluateOnNewDocument(() => {
      (window as unknown as { __violations: string[] }).__violations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        (window as unknown as { __violations: string[] }).__violations.push(
          event.violatedDirective,
        ),
      );
    });
    const file = join(mkdtempSync(join(tmpdir(), 'report-kinds-')), 'report.html');
    writeFileSync(file, renderHtml(KINDS_REPORT));
    await kinds.setViewport({ width: 1280, height: 900 });
    await kinds.goto(`file://${file}`, { waitUntil: 'load' });
  }, 60_000);

  const column = (index: number) =>
    kinds.$$eval(
      '#findings tbody tr',
      (rows, i) => rows.map((row) => (row as HTMLTableRowElement).cells[i]?.textContent ?? ''),
      index,
    );

  it('loads with no console error, no CSP violation and no injected script', async () => {
    const violations = await kinds.evaluate(
      () => (window as unknown as { __violations: string[] }).__violations,
    );
    const pwned = await kinds.evaluate(() => (window as unknown as { __pwned?: number }).__pwned);

    expect(kindErrors).toEqual([]);
    expect(violations).toEqual([]);
    expect(pwned).toBeUndefined();
    expect(await kinds.$$('#findings img')).toHaveLength(0);
  });

  it('shows each row’s kind and credential, the Bedrock key’s service as text', async () => {
    const headers = await kinds.$$eval('#findings th', (ths) => ths.map((th) => th.textContent));

    expect(headers.slice(0, 7)).toEqual([
      'severity',
      'user',
      'path',
      'user ARN',
      'kind',
      'credential',
      'fingerprint (SHA-256)',
    ]);
    expect(await column(4)).toEqual([
      'signing certificate',
      'SSH public key',
      `service-specific credential${HOSTILE}`,
    ]);
    expect(await column(5)).toEqual([
      'CERTALICE0000000000000001',
      'APKAALICE000000000001',
      'ACCAALICE000000000001',
    ]);
    expect(await column(6)).toEqual(['AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99', '-', '-']);
    expect(await column(3)).toEqual([
      `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
      `arn:aws:iam::${ACCOUNT_ID}:user/bob`,
      `arn:aws:iam::${ACCOUNT_ID}:user/mallory`,
    ]);
  });

  it('sorts by kind from the keyboard', async () => {
    await kinds.focus('th:nth-child(5) button');
    await kinds.keyboard.press('Enter');
    const ascending = await column(4);
    await kinds.keyboard.press('Enter');
    const descending = await column(4);

    expect(ascending.map((cell) => cell.split(HOSTILE)[0])).toEqual([
      'service-specific credential',
      'signing certificate',
      'SSH public key',
    ]);
    expect(descending).toEqual([...ascending].reverse());
  });

  it('filters by kind: the SSH key’s row alone, then every row again', async () => {
    const before = await visibleUsers(kinds);
    await kinds.select('select[data-filter="kind"]', 'ssh-public-key');
    const ssh = await visibleUsers(kinds);
    const count = await shownCount(kinds);
    await kinds.select('select[data-filter="kind"]', '');
    const violations = await kinds.evaluate(
      () => (window as unknown as { __violations: string[] }).__violations,
    );

    expect(before).toHaveLength(3);
    expect(ssh).toEqual(['bob']);
    expect(count).toBe('1');
    expect(await visibleUsers(kinds)).toHaveLength(3);
    expect(violations).toEqual([]);
  });

  it('draws each kind’s ages against its own maximum', async () => {
    const charts = await kinds.$$eval('svg', (svgs) => svgs.map((svg) => svg.textContent ?? ''));
    const titles = await kinds.$$eval('h2', (h2s) => h2s.map((h2) => h2.textContent));

    expect(titles).toEqual(
      expect.arrayContaining([
        'Signing certificate ages',
        'SSH public key ages',
        'Service-specific credential ages',
      ]),
    );
    expect(charts[1]).toContain('max 365');
    expect(charts[2]).toContain('max 90');
  });
});
