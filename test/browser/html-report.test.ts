/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type Finding } from '../../lambda/core/report';
import { renderHtml } from '../../lambda/render/html';
import { ACCOUNT_ID, NOW, policyWith } from '../unit/fixtures';

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
  policy: policyWith({ mode: 'deactivate' }),
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
    await page.focus('th:nth-child(6) button');
    await page.keyboard.press('Enter');
    const ascending = await userColumn();
    const order = await page.$eval('th:nth-child(6)', (th) => th.getAttribute('aria-sort'));
    await page.keyboard.press('Enter');
    const descending = await userColumn();

    expect(order).toBe('ascending');
    expect(ascending).toEqual(['bob', 'carol', HOSTILE]);
    expect(descending).toEqual([HOSTILE, 'carol', 'bob']);
  });

  it('renders the tiles, the chart and what to do; the docs screenshot comes from this run', async () => {
    const risk = await page.$$eval('.tile.risk span', (spans) =>
      spans.map((span) => span.textContent),
    );
    const dots = await page.$$('svg circle');

    expect(risk).toContain('non compliant');
    expect(dots).toHaveLength(3);
    expect(await page.$eval('.todo', (dl) => dl.textContent)).toContain('EXPIRING_SOON');
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      const dir = new URL('../../docs/images/', import.meta.url);
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: new URL('html-report.png', dir).pathname, fullPage: true });
    }
  });
});
