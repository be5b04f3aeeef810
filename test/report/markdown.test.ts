import { expect } from 'chai';
import { formatSummaryMarkdown, mdCode, mdProse, mdText } from '../../src/report/markdown.js';
import { COLD_BOOT_FINDING, reportData } from './report-data.js';
import { attempt, plan, REAL_RUN, SIM_RUN, wifiResult } from './support.js';
import { facets } from './run-dir.js';

/** The lines of the Markdown table that starts with `header`. */
function tableAfter(markdown: string, header: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(header));
  if (start < 0) throw new Error(`no table starting ${header}`);
  const rows: string[] = [];
  for (let index = start; index < lines.length && (lines[index] as string).startsWith('|'); index += 1) rows.push(lines[index] as string);
  return rows;
}

/** Table cells of a row, splitting at pipes that are not backslash-escaped. */
const cellsOf = (row: string): string[] => row.slice(2, -2).split(/(?<!\\) \| /);

describe('summary.md', () => {
  it('keeps `code` in finding text as code spans and escapes the rest', () => {
    expect(mdProse('run `ntptime.settime()` *before* TLS')).to.equal('run `ntptime.settime()` \\*before\\* TLS');
  });

  const cell = 'hard/lab/valid';
  const records = Array.from({ length: 10 }, (_, index) =>
    attempt({
      seq: index,
      cell,
      iteration: index + 1,
      class: index < 8 ? 'tls.ok' : 'tls.verify.future',
      wifi: wifiResult({ timeToIpMs: (index + 1) * 100 }),
    }),
  );

  it('opens with a SIMULATED banner naming the world hash, seed and time scale for a sim run', () => {
    const markdown = formatSummaryMarkdown(reportData({ records, plan: [plan(cell, 10)] }));
    const banner = markdown.split('\n').find((line) => line.startsWith('> '));
    expect(banner).to.include('**SIMULATED**');
    expect(banner).to.include('world 3f2a9c1e04b7, seed 42, time scale 20x');
    expect(markdown).to.include('| World hash | `3f2a9c1e04b7d5a6c8e9f00112233445566778899aabbccddeeff00112233445` |');
    expect(markdown).to.include('| Seed | 42 |');
    expect(markdown).to.match(/\| Time scale \| 20x /);
  });

  it('has no SIMULATED banner for a real board, and says it was a real board', () => {
    const markdown = formatSummaryMarkdown(reportData({ run: REAL_RUN, records, plan: [plan(cell, 10)] }));
    expect(markdown).not.to.include('SIMULATED');
    expect(markdown).to.include('| Board | real Pico W |');
    expect(markdown).to.include('| Firmware | v1.22.2 |');
  });

  it('gives each cell its ok rate with the Wilson 95% interval and timing p50/p90/p99', () => {
    const markdown = formatSummaryMarkdown(reportData({ records, plan: [plan(cell, 10)] }));
    const rows = tableAfter(markdown, '| Cell | n |');
    expect(rows).to.have.length(3);
    const row = cellsOf(rows[2] as string);
    expect(row[0]).to.equal(cell);
    expect(row[1]).to.equal('10/10');
    // 8 of 10: Wilson 95 % interval 0.4902–0.9433.
    expect(row[3]).to.equal('80.0% (49.0–94.3%)');
    expect(row[4]).to.equal('flaky');
    expect(row[5]).to.equal('tls.ok 8, tls.verify.future 2');
    // Time to IP 100, 200, … 1000 ms: p50 550, p90 910, p99 991 (linear interpolation).
    expect(row[6]).to.equal('550 / 910 / 991');
    // Handshakes: 850 ms in each of the 8 ok attempts.
    expect(row[7]).to.equal('850 / 850 / 850');
  });

  it('links the first failure of each class to its transcript with a relative link', () => {
    const markdown = formatSummaryMarkdown(reportData({ records, plan: [plan(cell, 10)] }));
    expect(markdown).to.include('- `tls.verify.future` ×2: seq 8, iteration 9: failed: tls.verify.future ([transcript](<transcripts/00008.txt>))');
  });

  it('does not link a transcript path that is absolute or leaves the run directory', () => {
    const odd = [
      attempt({ seq: 0, cell, iteration: 1, class: 'tls.alloc', transcript: '/etc/passwd' }),
      attempt({ seq: 1, cell, iteration: 2, class: 'tls.timeout', transcript: '../other/x.log' }),
    ];
    const markdown = formatSummaryMarkdown(reportData({ records: odd, plan: [plan(cell, 2)] }));
    expect(markdown).not.to.include('](<');
    expect(markdown).to.include('seq 0, iteration 1');
  });

  it('escapes Markdown in cell ids and record texts so a table keeps its columns', () => {
    const nasty = 'hard/a|b*c_[x](y)<b>';
    const weird = [attempt({ seq: 0, cell: nasty, iteration: 1, class: 'tls.alloc', detail: 'line one\nline | two `code` <script>' })];
    const markdown = formatSummaryMarkdown(reportData({ records: weird, plan: [plan(nasty, 1)] }));
    const rows = tableAfter(markdown, '| Cell | n |');
    const row = cellsOf(rows[2] as string);
    expect(row).to.have.length(9);
    expect(row[0]).to.equal('hard/a\\|b\\*c\\_\\[x\\](y)\\<b\\>');
    expect(markdown).not.to.include('<script>');
    expect(markdown).to.include('line one line \\| two \\`code\\` \\<script\\>');
  });

  it('shows each finding with its explanation, advice, caveats, evidence and the Holm-adjusted comparison', () => {
    const markdown = formatSummaryMarkdown(reportData({ records, plan: [plan(cell, 10)], findings: [COLD_BOOT_FINDING] }));
    expect(markdown).to.include("### 1. TLS fails after cold boots: the board's clock is not set");
    expect(markdown).to.include('*strong* · rule `cold-boot-clock`');
    expect(markdown).to.include('8 of 10 attempts after a hard reset ended tls.verify.future');
    expect(markdown).to.include('- Set the clock with ntptime.settime() after the link is up and before TLS.');
    expect(markdown).to.include('- Only one firmware version was tested.');
    const evidence = tableAfter(markdown, '| Cell | attempts | matching |');
    const row = cellsOf(evidence[2] as string);
    expect(row.slice(0, 5)).to.deep.equal(['hard/lab/valid', '10', '8', '2', '20.0% (5.7–51.0%)']);
    expect(row[5]).to.include('flag: BADCERT\\_FUTURE');
    expect(row[6]).to.include('[transcript](<transcripts/00003.txt>)');
    expect(markdown).to.include('- cold boot (hard reset): 2 ok of 10 (20.0%; cells hard/lab/valid)');
    expect(markdown).to.include('- p = 7.1e-4; Holm-adjusted p = 0.0021 (over every comparison of the run)');
  });

  it('says so when no finding was made', () => {
    const markdown = formatSummaryMarkdown(reportData({ records, plan: [plan(cell, 10)] }));
    expect(markdown).to.include('No finding: no diagnosis rule recognised a pattern in these records.');
  });

  it('lists the expectations with held or FAILED, and the conditions of each cell', () => {
    const expectations = [
      { cell, rule: 'ok >= 0.9', held: false, observed: 0.8, text: `${cell}: ok (tls.ok) ≥ 0.9 not met: 0.8 (8/10)` },
      { cell, rule: 'tls.verify.future <= 0.5', held: true, observed: 0.2, text: `${cell}: tls.verify.future ≤ 0.5 held: 0.2 (2/10)` },
    ];
    const markdown = formatSummaryMarkdown(reportData({ records, plan: [plan(cell, 10)], expectations, facets: [facets(cell)] }));
    expect(markdown).to.include('- **FAILED**: hard/lab/valid: ok (tls.ok) ≥ 0.9 not met: 0.8 (8/10) (observed 0.8)');
    expect(markdown).to.include('- held: hard/lab/valid: tls.verify.future ≤ 0.5 held: 0.2 (2/10) (observed 0.2)');
    expect(markdown).to.include('- hard/lab/valid: reset hard · SSID picow-lab · PM default · channel 6 · country XX · certs valid · TLS API SSLContext · RTC cold');
  });

  it('shows a cell that did not run with no rate and no times', () => {
    const markdown = formatSummaryMarkdown(reportData({ records, plan: [plan(cell, 10), plan('soft/lab/valid', 10)] }));
    const row = cellsOf(tableAfter(markdown, '| Cell | n |')[3] as string);
    expect(row.slice(0, 5)).to.deep.equal(['soft/lab/valid', '0/10', '0 tls.ok', '-', 'not-run']);
    expect(row[6]).to.equal('-');
  });

  it('keeps notes about the data', () => {
    const markdown = formatSummaryMarkdown(reportData({ records, plan: [plan(cell, 10)], notes: ['attempts.jsonl: skipped a torn last line at byte 123'] }));
    expect(markdown).to.include('## Notes on the data');
    expect(markdown).to.include('- attempts.jsonl: skipped a torn last line at byte 123');
  });

  it('describes a sim run in its title and says the run id', () => {
    const markdown = formatSummaryMarkdown(reportData({ records, plan: [plan(cell, 10)] }));
    expect(markdown.split('\n')[0]).to.equal(`# picow-harness run ${SIM_RUN.runId} (SIMULATED)`);
  });
});

describe('Markdown escaping', () => {
  it('backslash-escapes the characters that start markup and flattens newlines', () => {
    expect(mdText('a*b_c|d\ne<f>&g[h]')).to.equal('a\\*b\\_c\\|d e\\<f\\>\\&g\\[h\\]');
  });

  it('fences a code span longer than any backtick run inside it', () => {
    expect(mdCode('tls.ok')).to.equal('`tls.ok`');
    expect(mdCode('a`b')).to.equal('``a`b``');
    expect(mdCode('`x')).to.equal('`` `x ``');
  });
});
