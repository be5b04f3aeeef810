/**
 * report.html in a real browser: Debian's chromium driven by playwright-core (browser downloads do
 * not work here, so the system binary is used). Without chromium the tests skip locally and FAIL
 * under CI=true, where .ci/run installs it.
 */
import { expect } from 'chai';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { rebuildReports } from '../../src/report/rebuild.js';
import type { SummaryJson } from '../../src/report/summary-json.js';
import { copySampleRun, facets, roundRobin, writeRunDir } from './run-dir.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PICOW_CHROMIUM, Debian's /usr/bin/chromium, or a chromium on PATH. */
function findChromium(): string | undefined {
  const fromEnv = process.env.PICOW_CHROMIUM;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (executable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (dir !== '' && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

interface PageVisit {
  readonly page: Page;
  readonly problems: string[];
  readonly requests: string[];
}

/** Opens `file` and records console errors, page errors and every request the page makes. */
async function visit(browser: Browser, file: string): Promise<PageVisit> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  const url = pathToFileURL(file).href;
  const response = await page.goto(url, { waitUntil: 'load', timeout: 20_000 });
  expect(response?.ok() ?? true, `loading ${url}`).to.equal(true);
  return { page, problems, requests };
}

describe('report.html in headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let dir: string;

  before(async function () {
    const path = findChromium();
    if (path === undefined) {
      if (process.env.CI === 'true') throw new Error('chromium is not installed (apt-get install chromium); CI must run the browser test');
      console.log('      (skipped: chromium not found at /usr/bin/chromium or on PATH; set PICOW_CHROMIUM)');
      this.skip();
    }
    browser = await chromium.launch({ executablePath: path, args: ['--no-sandbox'], timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-browser-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('shows a sim run with no console error, a row per cell of summary.json, a visible SIMULATED banner, and takes a screenshot', async () => {
    const runDir = await copySampleRun(join(dir, 'run'));
    const result = await rebuildReports(runDir);
    const summary = JSON.parse(await readFile(result.paths.summaryJson, 'utf8')) as SummaryJson;
    const { page, problems, requests } = await visit(browser as Browser, result.paths.reportHtml);
    try {
      expect(problems).to.deep.equal([]);
      expect(requests).to.deep.equal([pathToFileURL(result.paths.reportHtml).href]);
      expect(summary.cells.length).to.be.greaterThan(0);
      expect(await page.locator('[data-cell]').count()).to.equal(summary.cells.length);
      const ids = await page.locator('[data-cell]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-cell')));
      expect(ids).to.deep.equal(summary.cells.map((cell) => cell.id));
      const banner = page.locator('#simulated-banner');
      expect(await banner.isVisible()).to.equal(true);
      expect(await banner.textContent()).to.match(/^SIMULATED: /);
      expect(await page.locator('svg.chart').count()).to.be.greaterThan(3);
      expect(await page.locator('[data-finding]').count()).to.equal(result.findings.length);

      const screenshot = join(dir, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      const png = await readFile(screenshot);
      expect((await stat(screenshot)).size).to.be.greaterThan(1000);
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).to.equal(true);
    } finally {
      await page.close();
    }
  });

  it('shows a real-board run without the SIMULATED banner, escaping hostile text, with no console error', async () => {
    const cells = [facets('hard/lab/valid'), facets('soft/"<b>x</b>/valid', { reset: 'soft' }), facets('none/lab/issued-now', { reset: 'none', certs: 'issued-now' })];
    const records = roundRobin(cells, 20, (cell, iteration) => (cell.startsWith('none') ? 'tls.verify.future' : iteration % 5 === 0 ? 'wifi.connect-fail' : 'tls.ok')).map((record) =>
      record.class === 'tls.verify.future' ? { ...record, detail: '<script>window.__pwned = true</script>' } : record,
    );
    const runDir = await writeRunDir(join(dir, 'real'), { kind: 'real', cells, iterations: 20, records });
    const result = await rebuildReports(runDir);
    const { page, problems } = await visit(browser as Browser, result.paths.reportHtml);
    try {
      expect(problems).to.deep.equal([]);
      expect(await page.locator('[data-cell]').count()).to.equal(3);
      expect(await page.locator('#simulated-banner').count()).to.equal(0);
      expect(await page.locator('#board-banner').textContent()).to.match(/^Real board/);
      expect(await page.evaluate(() => (globalThis as { __pwned?: boolean }).__pwned)).to.equal(undefined);
      expect(await page.locator('script').count()).to.equal(0);
      expect(await page.locator('[data-cell="soft/\\"<b>x</b>/valid"]').count()).to.equal(1);
    } finally {
      await page.close();
    }
  });
});
