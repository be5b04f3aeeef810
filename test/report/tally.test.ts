import { expect } from 'chai';
import { Tallier, tally, type ExpectationOutcome } from '../../src/results/tally.js';
import { attempt, plan, tlsResult, wifiResult } from './support.js';

describe('tally', () => {
  const cells = [plan('cold/valid', 4), plan('hard/valid', 3), plan('wifi-only', 2, 'wifi.ok'), plan('never', 5)];
  const records = [
    attempt({ seq: 0, cell: 'cold/valid', iteration: 1, class: 'tls.verify.future' }),
    attempt({ seq: 1, cell: 'hard/valid', iteration: 1 }),
    attempt({ seq: 2, cell: 'cold/valid', iteration: 2, class: 'tls.ok', tls: tlsResult({ handshakeMs: 910 }) }),
    attempt({ seq: 3, cell: 'wifi-only', iteration: 1, class: 'wifi.ok', tls: null, wifi: wifiResult({ timeToIpMs: 3100 }) }),
    attempt({ seq: 4, cell: 'cold/valid', iteration: 3, class: 'tls.verify.future', transcript: null }),
    attempt({ seq: 5, cell: 'hard/valid', iteration: 2 }),
    attempt({ seq: 6, cell: 'cold/valid', iteration: 4, class: 'wifi.connect-fail', tls: null, wifi: wifiResult({ timeToIpMs: null, finalStatus: -1 }) }),
    attempt({ seq: 7, cell: 'wifi-only', iteration: 2, class: 'wifi.ok', tls: null, wifi: wifiResult({ timeToIpMs: 2900 }) }),
  ];
  const result = tally(records, cells);
  const cell = (id: string) => {
    const found = result.cells.find((entry) => entry.cell === id);
    if (found === undefined) throw new Error(`no cell ${id}`);
    return found;
  };

  it('counts attempts per class, most frequent first, with the ok rate of the cell\'s own ok class', () => {
    const cold = cell('cold/valid');
    expect(cold.attempts).to.equal(4);
    expect(cold.ok).to.equal(1);
    expect(cold.okRate).to.equal(0.25);
    expect(cold.classes.map((entry) => [entry.name, entry.count, entry.ok])).to.deep.equal([
      ['tls.verify.future', 2, false],
      ['tls.ok', 1, true],
      ['wifi.connect-fail', 1, false],
    ]);
    expect(cell('wifi-only').okClass).to.equal('wifi.ok');
    expect(cell('wifi-only').okRate).to.equal(1);
  });

  it('gives each cell a status from its ok rate: pass, fail, flaky or not-run', () => {
    const failing = tally([attempt({ seq: 0, cell: 'x', iteration: 1, class: 'tls.alloc' })], [plan('x', 1)]);
    expect(failing.cells[0]?.status).to.equal('fail');
    expect(cell('cold/valid').status).to.equal('flaky');
    expect(cell('hard/valid').status).to.equal('pass');
    expect(cell('never').status).to.equal('not-run');
    expect(cell('never').okRate).to.equal(null);
    expect(cell('never').planned).to.equal(5);
  });

  it('keeps the first attempt of each failure class as its example, by seq, whatever the record order', () => {
    const reversed = tally([...records].reverse(), cells);
    const future = reversed.cells.find((entry) => entry.cell === 'cold/valid')?.classes.find((entry) => entry.name === 'tls.verify.future');
    expect(future?.firstFailure).to.deep.equal({ seq: 0, iteration: 1, transcript: 'transcripts/00000.txt', detail: 'failed: tls.verify.future' });
    expect(cell('cold/valid').classes.find((entry) => entry.ok)?.firstFailure).to.equal(null);
  });

  it('collects every measured time to IP and handshake time, skipping attempts that measured none', () => {
    expect(cell('cold/valid').timeToIpMs).to.deep.equal([2400, 2400, 2400]);
    expect(cell('cold/valid').handshakeMs).to.deep.equal([910]);
    expect(cell('wifi-only').timeToIpMs).to.deep.equal([3100, 2900]);
    expect(cell('wifi-only').handshakeMs).to.deep.equal([]);
  });

  it('gives the ok rate a Wilson 95 % interval, and none to a cell that did not run', () => {
    const cold = cell('cold/valid');
    expect(cold.okInterval?.rate).to.equal(0.25);
    expect(cold.okInterval?.low).to.be.closeTo(0.0455872608097006, 1e-12);
    expect(cold.okInterval?.high).to.be.closeTo(0.699358157417598, 1e-12);
    expect(cell('wifi-only').okInterval?.high).to.equal(1);
    expect(cell('never').okInterval).to.equal(null);
  });

  it('gives time-to-IP and handshake p50/p90/p99 over the measured attempts, and none when nothing was measured', () => {
    expect(cell('wifi-only').timeToIp).to.deep.equal({ p50: 3000, p90: 3080, p99: 3098 });
    expect(cell('cold/valid').handshake).to.deep.equal({ p50: 910, p90: 910, p99: 910 });
    expect(cell('wifi-only').handshake).to.equal(null);
    expect(cell('never').timeToIp).to.equal(null);
  });

  it('counts the classes an attempt reached on the way as well as its final class', () => {
    expect(cell('cold/valid').reached).to.deep.include({ name: 'wifi.ok', count: 3 });
  });

  it('sums the run: planned, done, ok, statuses, classes and time', () => {
    expect(result.totals).to.include({ cells: 4, planned: 14, attempts: 8, ok: 5, durationMs: 32000, boardMs: 28000, duplicates: 0 });
    expect(result.totals.byStatus).to.deep.equal({ pass: 2, fail: 0, flaky: 1, 'not-run': 1 });
    expect(result.totals.classes[0]).to.deep.equal({ name: 'tls.ok', count: 3 });
  });

  it('attaches expectation outcomes to their cells and judges the cell failed when any rule failed', () => {
    const outcomes: ExpectationOutcome[] = [
      { cell: 'cold/valid', rule: 'fails', held: false, observed: 1, text: 'cold/valid: fails not met: 1 of 4 attempts ended tls.ok' },
      { cell: 'hard/valid', rule: 'ok >= 0.95', held: true, observed: 1, text: 'hard/valid: ok held: 1 (2/2)' },
      { cell: 'cold/valid', rule: 'wifi.ok >= 0.5', held: true, observed: 0.75, text: 'held' },
    ];
    const judged = tally(records, cells, outcomes);
    expect(judged.cells.find((entry) => entry.cell === 'cold/valid')?.expectation).to.equal('failed');
    expect(judged.cells.find((entry) => entry.cell === 'cold/valid')?.expectations).to.have.length(2);
    expect(judged.cells.find((entry) => entry.cell === 'hard/valid')?.expectation).to.equal('held');
    expect(judged.cells.find((entry) => entry.cell === 'never')?.expectation).to.equal('none');
    expect(judged.totals.expectations).to.deep.equal({ total: 3, held: 2, failed: 1 });
  });

  it('counts a repeated (cell, iteration) once and reports the duplicate', () => {
    const tallier = new Tallier([plan('a', 2)]);
    tallier.add(attempt({ seq: 0, cell: 'a', iteration: 1 }));
    tallier.add(attempt({ seq: 0, cell: 'a', iteration: 1, class: 'tls.alloc' }));
    const once = tallier.result();
    expect(once.cells[0]?.attempts).to.equal(1);
    expect(once.cells[0]?.classes.map((entry) => entry.name)).to.deep.equal(['tls.ok']);
    expect(once.totals.duplicates).to.equal(1);
  });

  it('shows records of a cell outside the plan after the planned cells, inferring its ok class', () => {
    const extra = tally(
      [attempt({ seq: 9, cell: 'old-cell', iteration: 1, class: 'wifi.no-ap-found', tls: null }), attempt({ seq: 10, cell: 'old-tls', iteration: 1 })],
      [plan('a', 1)],
    );
    expect(extra.cells.map((entry) => [entry.cell, entry.planned, entry.okClass])).to.deep.equal([
      ['a', 1, 'tls.ok'],
      ['old-cell', 0, 'wifi.ok'],
      ['old-tls', 0, 'tls.ok'],
    ]);
  });

  it('keeps the plan\'s cell order', () => {
    expect(result.cells.map((entry) => entry.cell)).to.deep.equal(['cold/valid', 'hard/valid', 'wifi-only', 'never']);
  });
});
