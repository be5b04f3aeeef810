import { expect } from 'chai';
import { formatReportHtml } from '../../src/report/html.js';
import { MAX_STRIP_POINTS, STRIP_POINTS_PER_CHART, TIMELINES_PER_OUTCOME } from '../../src/report/html/report-data.js';
import { COLD_BOOT_FINDING, reportData } from './report-data.js';
import { attempt, plan, REAL_RUN, wifiResult } from './support.js';
import { roundRobin, facets } from './run-dir.js';

/** Decodes the five entities and numeric references the report writes. */
const decode = (text: string): string =>
  text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name] as string);

const dataCells = (html: string): string[] => [...html.matchAll(/<tr data-cell="([^"]*)"/g)].map((match) => decode(match[1] as string));

const count = (html: string, needle: string): number => html.split(needle).length - 1;

describe('report.html', () => {
  const cells = [facets('hard/lab/valid'), facets('soft/lab/valid', { reset: 'soft' }), facets('hard/lab/issued-now', { certs: 'issued-now' })];
  const records = roundRobin(cells, 12, (cell, iteration) => (cell === 'hard/lab/issued-now' ? (iteration % 3 === 0 ? 'wifi.connect-fail' : 'tls.verify.future') : 'tls.ok'));
  const planned = cells.map((cell) => plan(cell.id, 12));

  it('has one row with a data-cell attribute per cell, including a cell that did not run', () => {
    const html = formatReportHtml(reportData({ records, plan: [...planned, plan('none/lab/valid', 12)], facets: cells }));
    expect(dataCells(html)).to.deep.equal(['hard/lab/valid', 'soft/lab/valid', 'hard/lab/issued-now', 'none/lab/valid']);
  });

  it('carries a visible SIMULATED banner for a sim run, with world hash, seed and time scale in the metadata', () => {
    const html = formatReportHtml(reportData({ records, plan: planned }));
    expect(html).to.match(/<p class="banner simulated" id="simulated-banner" role="note">SIMULATED: every result in this report comes from the simulated Pico W \(world 3f2a9c1e04b7, seed 42, time scale 20x\)/);
    expect(html).to.include('<th scope="row">World hash</th><td><code>3f2a9c1e04b7d5a6c8e9f00112233445566778899aabbccddeeff00112233445</code></td>');
    expect(html).to.include('<th scope="row">Seed</th><td>42</td>');
    expect(html).to.include('<title>picow-harness run 20250102-030405-sim (SIMULATED)</title>');
  });

  it('has no SIMULATED banner for a real board', () => {
    const html = formatReportHtml(reportData({ run: REAL_RUN, records, plan: planned }));
    expect(html).not.to.include('SIMULATED');
    expect(html).to.include('id="board-banner">Real board e66130100f5b2a2f</p>');
  });

  it('is self-contained: no script, no external resource, and a Content-Security-Policy that forbids both', () => {
    const html = formatReportHtml(reportData({ records, plan: planned, findings: [COLD_BOOT_FINDING] }));
    expect(html).not.to.match(/<script/i);
    expect(html).not.to.match(/<(link|img|iframe|object|embed)\b/i);
    expect(html).not.to.match(/\b(src|href)="(https?:)?\/\//i);
    expect(html).not.to.match(/url\(/i);
    expect(html).to.include(`<meta http-equiv="Content-Security-Policy" content="default-src &apos;none&apos;; style-src &apos;unsafe-inline&apos;;`);
  });

  it('escapes cell ids and error texts everywhere (no markup from the records reaches the page)', () => {
    const evil = 'hard/"><img src=x onerror=alert(1)>&amp;';
    const detail = '</code><script>alert("x")</script> \u0007bell';
    const hostile = [attempt({ seq: 0, cell: evil, iteration: 1, class: 'tls.alloc', detail }), attempt({ seq: 1, cell: evil, iteration: 2 })];
    const html = formatReportHtml(reportData({ records: hostile, plan: [plan(evil, 2)] }));
    expect(html).not.to.include('<img');
    expect(html).not.to.include('<script');
    expect(html).not.to.include('\u0007');
    expect(dataCells(html)).to.deep.equal([evil]);
    expect(html).to.include('&lt;/code&gt;&lt;script&gt;alert("x")&lt;/script&gt; \\x07bell');
    expect(html).to.include('hard/"&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;');
  });

  it('draws outcome bars with one segment per class of each cell and a legend of the class colours', () => {
    const html = formatReportHtml(reportData({ records, plan: planned }));
    expect(count(html, '<g class="bar-row">')).to.equal(3);
    expect(html).to.include('<title>hard/lab/issued-now: tls.verify.future 8 of 12 (66.7%)</title>');
    expect(html).to.include('<title>hard/lab/issued-now: wifi.connect-fail 4 of 12 (33.3%)</title>');
    expect(html).to.include('<title>hard/lab/valid: tls.ok 12 of 12 (100.0%)</title>');
    const legend = /<ul class="legend"[^>]*>(.*?)<\/ul>/.exec(html)?.[1] ?? '';
    expect([...legend.matchAll(/<code>([^<]*)<\/code>/g)].map((match) => match[1])).to.deep.equal(['tls.ok', 'tls.verify.future', 'wifi.connect-fail']);
  });

  it('draws the ok rate of each cell with its Wilson interval', () => {
    const html = formatReportHtml(reportData({ records, plan: planned }));
    expect(count(html, '<g class="rate-row">')).to.equal(3);
    // 0 of 12 ok: Wilson 95 % interval 0–24.2 %.
    expect(html).to.include('hard/lab/issued-now: 0 of 12 tls.ok (0.0%), 95% CI 0.0–24.2%');
  });

  it('shows timing distributions per cell from order statistics, with a bounded number of points', () => {
    const many = Array.from({ length: 5000 }, (_, index) => attempt({ seq: index, cell: 'hard/lab/valid', iteration: index + 1, wifi: wifiResult({ timeToIpMs: 1000 + index }) }));
    const html = formatReportHtml(reportData({ records: many, plan: [plan('hard/lab/valid', 5000)] }));
    // time-to-IP 1000…5999: min 1000, p50 3499.5, max 5999; handshake all 850.
    expect(html).to.include('<title>hard/lab/valid: n=5000, min 1000, p25 2250, p50 3500, p75 4749, p90 5499, p99 5949, max 5999 ms</title>');
    expect(count(html, '<circle class="point"')).to.equal(2 * MAX_STRIP_POINTS);
  });

  it('draws fewer points per cell when there are many cells, so a chart stays bounded', () => {
    const wide = Array.from({ length: 150 }, (_, index) => facets(`cell-${index}`));
    const html = formatReportHtml(reportData({ records: roundRobin(wide, 150), plan: wide.map((cell) => plan(cell.id, 150)) }));
    expect(count(html, '<tr data-cell=')).to.equal(150);
    const points = count(html, '<circle class="point"');
    expect(points).to.be.greaterThan(0);
    expect(points).to.be.at.most(2 * STRIP_POINTS_PER_CHART);
  });

  it('says "no measurement" for a cell without timings', () => {
    const failing = roundRobin([facets('x')], 3, () => 'wifi.connect-fail');
    const html = formatReportHtml(reportData({ records: failing, plan: [plan('x', 3)] }));
    expect(count(html, 'no measurement')).to.equal(2);
  });

  it('draws a few Wi-Fi status timelines per cell as step lines, however many attempts there are', () => {
    const many = roundRobin(cells, 200, (cell, iteration) => (iteration % 2 === 0 ? 'wifi.connect-fail' : 'tls.ok'));
    const html = formatReportHtml(reportData({ records: many, plan: cells.map((cell) => plan(cell.id, 200)) }));
    expect(count(html, '<g class="timeline">')).to.equal(cells.length * 2 * TIMELINES_PER_OUTCOME);
    expect(count(html, 'stroke-dasharray="5 3"')).to.equal(cells.length * TIMELINES_PER_OUTCOME);
    expect(html).to.include('<title>seq 3, iteration 2: wifi.connect-fail; 1@0ms → -1@1502ms</title>');
    expect(html).to.match(/<path d="M\d+(\.\d)? \d+(\.\d)? H\d+(\.\d)? V\d+(\.\d)?" stroke="#d62728"/);
  });

  it('keeps the page size bounded by cells, not by records', () => {
    const size = (iterations: number): number =>
      formatReportHtml(reportData({ records: roundRobin(cells, iterations, (_, iteration) => (iteration % 4 === 0 ? 'tls.alloc' : 'tls.ok')), plan: cells.map((cell) => plan(cell.id, iterations)) })).length;
    const small = size(400);
    const large = size(4000);
    expect(large).to.be.below(small * 1.05);
  });

  it('shows findings with evidence, facts and the comparison', () => {
    const html = formatReportHtml(reportData({ records, plan: planned, findings: [COLD_BOOT_FINDING] }));
    expect(html).to.include('<article class="finding strength-strong" data-finding="cold-boot-clock">');
    expect(html).to.include("<h3>1. TLS fails after cold boots: the board's clock is not set<span class=\"badge\">strong</span></h3>");
    expect(html).to.include('<li>Set the clock with ntptime.settime() after the link is up and before TLS.</li>');
    expect(html).to.include('flag: <code>BADCERT_FUTURE</code>');
    expect(html).to.include('<a href="transcripts/00003.txt">transcript</a>');
    expect(html).to.include('p = <strong>7.1e-4</strong>; Holm-adjusted over every comparison of the run: p = <strong>0.0021</strong>');
  });

  it('links first failures to their transcripts relative to the run directory, encoding odd characters', () => {
    const odd = [attempt({ seq: 0, cell: 'c', iteration: 1, class: 'tls.alloc', transcript: 'transcripts/000000 c#1?.log' })];
    const html = formatReportHtml(reportData({ records: odd, plan: [plan('c', 1)] }));
    expect(html).to.include('<a href="transcripts/000000%20c%231%3F.log">transcript</a>');
  });

  it('lists the expectations and the classes with their meaning', () => {
    const expectations = [{ cell: 'hard/lab/issued-now', rule: 'fails', held: true, observed: 0, text: 'hard/lab/issued-now: fails held: 0 of 12 attempts ended tls.ok' }];
    const html = formatReportHtml(reportData({ records, plan: planned, expectations }));
    expect(html).to.include('<li><span class="held">held</span>: hard/lab/issued-now: fails held: 0 of 12 attempts ended tls.ok');
    expect(html).to.match(/<code>tls.verify.future<\/code><\/td><td class="num">8<\/td><td>Verification failed with BADCERT_FUTURE only/);
  });
});
