/** What the gate writes for people and for CI, from a comparison alone; and the --baseline check. */
import { expect } from 'chai';
import { compareWithBaseline, formatGateJunit, formatGateText, parseBaselineSpec, type CountRow } from '../../src/gate/index.js';

const row = (cell: string, ok: number, attempts: number): CountRow => ({ cell, board: '/dev/ttyACM0', ok, attempts });

function judged(kind: 'sim' | 'real') {
  const comparison = compareWithBaseline(
    [row('a/b', 10, 20), row('ok-cell', 20, 20), row('fresh', 3, 20), row('thin', 1, 2)],
    [row('a/b', 140, 140), row('ok-cell', 139, 140), row('thin', 70, 70)],
  );
  return {
    verdict: 'regression' as const,
    run: { id: 'run-3', dir: '/r/run-3', kind, series: `${kind}:nightly`, startedAt: null },
    baseline: { spec: 'rolling:7', runs: [{ id: 'run-2', dir: '/r/run-2', kind, series: `${kind}:nightly`, startedAt: null }] },
    comparison,
  };
}

describe('gate output', () => {
  it('prints the regressed cell with both rates, their 95 % Wilson intervals, the drop and both p-values, then what was not compared', () => {
    const lines = formatGateText(judged('real'));
    expect(lines[0]).to.equal('gate run-3 vs rolling:7 = run run-2');
    expect(lines).to.include('REGRESSED (1):');
    const cell = lines.find((line) => line.startsWith('  a/b:'));
    expect(cell).to.match(/^ {2}a\/b: run 10\/20 = 50\.0% \[29\.9%, 70\.1%\]; baseline 140\/140 = 100\.0% \[97\.3%, 100\.0%\]; drop 50\.0 pts, p \d\.\d\de-\d+, Holm-adjusted p \d\.\d\de-\d+$/);
    expect(lines).to.include('new — not compared (1): fresh');
    expect(lines.some((line) => line.startsWith('  thin: run 1/2') && line.includes('too few attempts'))).to.equal(true);
    expect(lines.at(-1)).to.equal('verdict: REGRESSION in 1 of 2 compared cell(s)');
    expect(formatGateText(judged('sim'))[0]).to.match(/^SIMULATED gate /);
  });

  it('writes JUnit with one testcase per cell: a failure for the regression, skipped for new and too-few cells', () => {
    const xml = formatGateJunit(judged('sim'));
    expect(xml).to.match(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="picow-harness gate SIMULATED run run-3 vs rolling:7" tests="4" failures="1" errors="0" skipped="2"/);
    expect(xml.match(/<testcase /g)).to.have.length(4);
    expect(xml).to.match(/<testcase name="a\/b" classname="picow-harness\.gate\.SIMULATED" time="0\.000">[^]*?<failure message="regression: a\/b: run 10\/20[^"]*" type="regression">/);
    expect(xml).to.match(/<testcase name="fresh"[^]*?<skipped message="new — not in the baseline, not compared"\/>/);
    expect(xml).to.match(/<testcase name="thin"[^]*?<skipped message="too few attempts to gate/);
    expect(xml).to.match(/<testcase name="ok-cell"(?:(?!<\/testcase>)[^])*<system-out>/);
    expect(xml.match(/<failure /g)).to.have.length(1);
    expect(formatGateJunit(judged('real'))).to.include('classname="picow-harness.gate"');
  });

  it('accepts last-good, rolling:N and run names as --baseline and rejects malformed keywords in one line', () => {
    expect(parseBaselineSpec('last-good')).to.equal('last-good');
    expect(parseBaselineSpec(' rolling:7 ')).to.equal('rolling:7');
    expect(parseBaselineSpec('20250102-030405-ab12')).to.equal('20250102-030405-ab12');
    expect(() => parseBaselineSpec('rolling:0')).to.throw(/expected rolling:N with N a whole number from 1 to 1000/);
    expect(() => parseBaselineSpec('rolling:1001')).to.throw(/from 1 to 1000/);
    expect(() => parseBaselineSpec('rolling')).to.throw(/expected rolling:N/);
    expect(() => parseBaselineSpec('lastgood')).to.throw(/did you mean last-good\?/);
    expect(() => parseBaselineSpec('')).to.throw(/got nothing/);
  });
});
