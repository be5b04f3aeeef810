import { expect } from 'chai';
import { shouldUseColor } from '../../src/report/color.js';
import { formatRateWithInterval, formatTerminalSummary } from '../../src/report/terminal-summary.js';
import { wilsonInterval } from '../../src/results/stats/index.js';
import { tally, type ExpectationOutcome } from '../../src/results/tally.js';
import { attempt, plain, plan, REAL_RUN, SIM_RUN, tlsResult, wifiResult } from './support.js';

const LONG_CELL = 'reset=power-cycle/wifi=picow-lab-13-hidden/pm=performance/certs=not-yet-valid/api=wrap_socket/rtc=skew:-2h';

function sampleTally(outcomes: ExpectationOutcome[] = []) {
  const records = [
    ...[1, 2, 3, 4].map((iteration) => attempt({ seq: iteration, cell: 'cold/valid', iteration, class: 'tls.verify.future' })),
    ...[1, 2, 3].map((iteration) => attempt({ seq: 10 + iteration, cell: 'hard/valid', iteration })),
    attempt({ seq: 20, cell: 'hard/valid', iteration: 4, class: 'tls.alloc' }),
    attempt({ seq: 21, cell: LONG_CELL, iteration: 1, class: 'wifi.connect-fail' }),
    attempt({ seq: 22, cell: LONG_CELL, iteration: 2, class: 'wifi.no-ap-found' }),
    attempt({ seq: 23, cell: LONG_CELL, iteration: 3, class: 'wifi.wrong-password' }),
    attempt({ seq: 24, cell: LONG_CELL, iteration: 4, class: 'wifi.timeout@2' }),
    attempt({ seq: 25, cell: LONG_CELL, iteration: 5, class: 'wifi.ok' }),
  ];
  return tally(records, [plan('cold/valid', 4), plan('hard/valid', 4), plan(LONG_CELL, 6, 'wifi.ok'), plan('skipped/cell', 3)], outcomes);
}

const outcomes: ExpectationOutcome[] = [
  { cell: 'cold/valid', rule: 'fails', held: true, observed: 0, text: 'cold/valid: fails held: 0 of 4 attempts ended tls.ok' },
  { cell: 'hard/valid', rule: 'ok >= 0.95', held: false, observed: 0.75, text: 'hard/valid: ok (tls.ok) ≥ 0.95 not met: 0.75 (3/4)' },
];

const rowOf = (text: string, cell: string): string => {
  const line = plain(text).split('\n').find((candidate) => candidate.startsWith(cell));
  if (line === undefined) throw new Error(`no row for ${cell} in\n${text}`);
  return line;
};

describe('terminal summary', () => {
  it('shows one row per cell with n, ok rate with its Wilson 95 % interval, status, top classes with counts and the expectation result', () => {
    const text = formatTerminalSummary(REAL_RUN, sampleTally(outcomes), { color: false });
    expect(text).to.match(/\bok \[95% CI\]/);
    expect(rowOf(text, 'cold/valid')).to.match(/^cold\/valid\s+4\/4\s+0\.0% \[0\.0–49\.0\]\s+fail\s+tls\.verify\.future 4\s+held: fails\b/);
    expect(rowOf(text, 'hard/valid')).to.match(/^hard\/valid\s+4\/4\s+75\.0% \[30\.1–95\.4\]\s+flaky\s+tls\.ok 3, tls\.alloc 1\s+FAILED: ok >= 0\.95/);
    expect(rowOf(text, 'skipped/cell')).to.match(/^skipped\/cell\s+0\/3\s+-\s+not-run\s+-\s+-$/);
  });

  it('prints an interval bound as 0.0 or 100.0 only when it is exactly that', () => {
    expect(formatRateWithInterval(2, 2, wilsonInterval(2, 2))).to.equal('100.0% [34.2–100.0]');
    expect(formatRateWithInterval(1999, 2000, wilsonInterval(1999, 2000))).to.equal('99.9% [99.7–99.9]');
    expect(formatRateWithInterval(1, 2000, wilsonInterval(1, 2000))).to.equal('0.1% [0.1–0.3]');
    expect(formatRateWithInterval(0, 0, null)).to.equal('-');
  });

  it('lists time-to-IP and handshake p50/p90/p99 with the number measured for every cell that ran', () => {
    const records = [
      ...[2000, 3000, 2500].map((timeToIpMs, index) =>
        attempt({ seq: index, cell: 'a', iteration: index + 1, wifi: wifiResult({ timeToIpMs }), tls: tlsResult({ handshakeMs: 800 + 100 * index }) }),
      ),
      attempt({ seq: 9, cell: 'b', iteration: 1, class: 'wifi.no-ap-found', tls: null, wifi: wifiResult({ timeToIpMs: null }) }),
    ];
    const text = formatTerminalSummary(REAL_RUN, tally(records, [plan('a', 3), plan('b', 1), plan('c', 2)]), { color: false });
    const timings = text.slice(text.indexOf('timings in ms: p50/p90/p99'));
    expect(rowOf(timings, 'a ')).to.match(/^a\s+2500\/2900\/2990 \(3\)\s+900\/980\/998 \(3\)$/);
    expect(rowOf(timings, 'b ')).to.match(/^b\s+-\s+-$/);
    expect(timings).not.to.match(/^c /m);
  });

  it('lists the top classes and folds the rest into "+N more (count)"', () => {
    const text = plain(formatTerminalSummary(REAL_RUN, sampleTally(), { color: false, topClasses: 2, width: 200 }));
    expect(rowOf(text, 'reset=')).to.contain('wifi.connect-fail 1, wifi.no-ap-found 1, +3 more (3)');
  });

  it('gives the totals and the unmet expectations in words', () => {
    const text = formatTerminalSummary(REAL_RUN, sampleTally(outcomes), { color: false });
    expect(text).to.contain('attempts 13/17, ok 4 (30.8%)');
    expect(text).to.contain('cells 4: 0 pass, 1 fail, 2 flaky, 1 not run');
    expect(text).to.contain('expectations: 1 held, 1 failed');
    expect(text).to.contain('unmet expectations:\n  hard/valid: ok (tls.ok) ≥ 0.95 not met: 0.75 (3/4)');
  });

  it('fits every line into 100 columns, wrapping a long cell id inside its column', () => {
    const text = formatTerminalSummary(SIM_RUN, sampleTally(outcomes), { color: false });
    const lines = text.split('\n');
    for (const line of lines) expect(Array.from(line).length, line).to.be.at.most(100);
    // Every piece of the long id is shown, in order, at the start of consecutive lines.
    const start = lines.findIndex((line) => line.startsWith('reset='));
    const pieces: string[] = [];
    for (const line of lines.slice(start)) {
      const piece = /^\S+/.exec(line)?.[0];
      if (piece === undefined || (pieces.length > 0 && line.startsWith('skipped/'))) break;
      pieces.push(piece);
    }
    expect(pieces.length).to.be.greaterThan(1);
    expect(pieces.join('')).to.equal(LONG_CELL);
  });

  it('fits a narrower width too', () => {
    const text = formatTerminalSummary(SIM_RUN, sampleTally(outcomes), { color: false, width: 72 });
    for (const line of text.split('\n')) expect(Array.from(line).length, line).to.be.at.most(72);
  });

  it('opens a simulated run with a SIMULATED banner naming world hash, seed and time scale', () => {
    const text = formatTerminalSummary(SIM_RUN, sampleTally(), { color: false });
    const first = text.split('\n').slice(0, 2).join(' ');
    expect(first).to.match(/^SIMULATED run/);
    expect(first).to.contain('world 3f2a9c1e04b7').and.contain('seed 42').and.contain('time scale 20x');
    expect(text).to.contain('board SIMULATED');
    expect(text).to.match(/\nSIMULATED attempts/);
  });

  it('says nothing about simulation for a real board', () => {
    const text = formatTerminalSummary(REAL_RUN, sampleTally(), { color: false });
    expect(text).not.to.contain('SIMULATED');
    expect(text).to.contain('board real, serial e66130100f5b2a2f, firmware v1.22.2');
  });

  it('writes no escape sequences without colour, and colours statuses and the banner with it', () => {
    const bare = formatTerminalSummary(SIM_RUN, sampleTally(outcomes), { color: false });
    expect(bare).not.to.contain('\x1b');
    const coloured = formatTerminalSummary(SIM_RUN, sampleTally(outcomes), { color: true });
    expect(coloured).to.contain('\x1b[31mfail\x1b[39m');
    expect(coloured).to.contain('\x1b[33mflaky\x1b[39m');
    expect(coloured).to.match(/\x1b\[[0-9;]*mSIMULATED/);
    // Colour changes nothing but the escapes.
    expect(plain(coloured)).to.equal(bare);
  });

  it('shows only what was measured: a run with no records has no rates', () => {
    const text = formatTerminalSummary(REAL_RUN, tally([], [plan('a', 2)]), { color: false });
    expect(rowOf(text, 'a ')).to.match(/^a\s+0\/2\s+-\s+not-run/);
    expect(text).to.contain('attempts 0/2, ok 0 (-)');
    expect(text).not.to.match(/\d+\.\d%/);
    expect(text).not.to.contain('timings');
  });
});

describe('colour decision', () => {
  it('colours a TTY unless NO_COLOR is set to something or TERM is dumb', () => {
    expect(shouldUseColor({ isTTY: true }, {})).to.be.true;
    expect(shouldUseColor({ isTTY: false }, {})).to.be.false;
    expect(shouldUseColor({}, {})).to.be.false;
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '1' })).to.be.false;
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '' })).to.be.true;
    expect(shouldUseColor({ isTTY: true }, { TERM: 'dumb' })).to.be.false;
  });
});
