/**
 * `npm run docs:screenshot`: the HTML report's picture in the docs (docs/images/html-report.png),
 * taken of the demo account as a reader sees it. Starts the demo emulator (`npm run emulator`'s),
 * runs the command line's audit of it (`--format html`), opens the page in the headless Chromium the browser suite uses, and
 * writes the full-page screenshot. Nothing of a test's hostile data is in it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import chromium from '@sparticuz/chromium';
import puppeteer from 'puppeteer-core';
import { main as cli } from '../cli/main';
import { type DemoEmulator, startDemoEmulator } from '../tools/emulator/demo-emulator';

const OUT = fileURLToPath(new URL('../docs/images/html-report.png', import.meta.url));

async function main(): Promise<number> {
  let emulator: DemoEmulator | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'signing-cert-audit-screenshot-'));
  try {
    console.error('Starting the demo emulator…');
    emulator = await startDemoEmulator();
    // The SDK reads its endpoint and credentials from the process environment.
    Object.assign(process.env, emulator.exports);
    const page = join(scratch, 'report.html');
    const quiet = { write: () => true };
    const status = await cli(['--format', 'html', '--output', page, '--quiet'], {
      stdout: quiet,
      stderr: process.stderr,
      env: { ...process.env },
    });
    // 1: the demo account holds failing findings, as it should; anything else is a failure.
    if (status !== 1) throw new Error(`the audit of the demo account exited ${status}, not 1`);
    if (!readFileSync(page, 'utf8').includes('vendor-acme')) {
      throw new Error('the report does not name the demo account’s users');
    }
    const browser = await puppeteer.launch({
      executablePath: await chromium.executablePath(),
      args: [...chromium.args, '--no-sandbox', '--disable-background-networking'],
      headless: true,
    });
    try {
      const tab = await browser.newPage();
      // The top of the page: the tiles, the age charts, the filters and the first findings. The
      // whole page (every finding, what to do, the policy) is several screens long.
      await tab.setViewport({ width: 1600, height: 1300 });
      await tab.goto(`file://${page}`, { waitUntil: 'load' });
      await tab.screenshot({ path: OUT, fullPage: false });
    } finally {
      await browser.close();
    }
    console.error(`Wrote ${OUT}.`);
    return 0;
  } finally {
    await emulator?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = await main();
