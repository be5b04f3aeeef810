import { expect } from 'chai';
import { evaluateExpectations, parseExpectationRule, type CellTally, type Expectation, type ExpectationRule } from '../../../src/campaign/expect.js';

/** Tallies for expectations from attempt records (`class` and the step `classes` of each). */
function tallyCells(records: Iterable<{ readonly cell: string; readonly class: string; readonly classes: readonly string[] }>): CellTally[] {
  const byCell = new Map<string, { total: number; counts: Record<string, number>; reached: Record<string, number> }>();
  for (const record of records) {
    let tally = byCell.get(record.cell);
    if (tally === undefined) {
      tally = { total: 0, counts: {}, reached: {} };
      byCell.set(record.cell, tally);
    }
    tally.total += 1;
    tally.counts[record.class] = (tally.counts[record.class] ?? 0) + 1;
    for (const name of new Set([record.class, ...record.classes])) tally.reached[name] = (tally.reached[name] ?? 0) + 1;
  }
  return [...byCell].map(([cell, tally]) => ({ cell, ...tally }));
}


function rule(text: string): ExpectationRule {
  const parsed = parseExpectationRule(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.rule;
}

function problem(text: string): string {
  const parsed = parseExpectationRule(text);
  if (parsed.ok) throw new Error(`${text} was accepted`);
  return parsed.problem;
}

const TLS_CELL = { id: 'hard/lab/issued-now/cold', successClass: 'tls.ok' };
const WIFI_CELL = { id: 'hard/hidden', successClass: 'wifi.ok' };

describe('campaign expectations', () => {
  describe('rules', () => {
    it('reads rates as fractions or percentages, with any comparison', () => {
      expect(rule('tls.ok >= 0.95')).to.deep.equal({ kind: 'rate', className: 'tls.ok', op: '>=', threshold: 0.95, text: 'tls.ok >= 0.95' });
      expect(rule('wifi.ok≥90%')).to.include({ className: 'wifi.ok', op: '>=', threshold: 0.9 });
      expect(rule('class tls.verify.future >= 0.5')).to.include({ className: 'tls.verify.future', threshold: 0.5 });
      expect(rule('wifi.timeout@2 < 0.1')).to.include({ className: 'wifi.timeout@2', op: '<' });
      expect(rule('ok == 1')).to.include({ className: 'ok', op: '==', threshold: 1 });
      expect(rule('  fails ')).to.deep.equal({ kind: 'fails', text: 'fails' });
    });

    it('says what is wrong with a rule in one phrase', () => {
      expect(problem('tls.ok >= 1.5')).to.equal('the rate "1.5" must be a number from 0 to 1 or a percentage like 95%');
      expect(problem('tls.ok >= lots')).to.match(/^the rate "lots"/);
      expect(problem('TLS OK >= 0.9')).to.match(/^must be fails, ok >= RATE/);
      expect(problem('Tls.ok >= 0.9')).to.equal('"Tls.ok" is not a class name (like tls.ok, wifi.no-ap-found, tls.verify.future)');
      expect(problem('fail')).to.match(/^must be fails/);
      expect(problem('tls.ok => 0.9')).to.match(/^must be fails/);
    });
  });

  describe('evaluation', () => {
    const tallies: CellTally[] = [
      { cell: TLS_CELL.id, total: 20, counts: { 'tls.ok': 19, 'tls.verify.future': 1 }, reached: { 'wifi.ok': 20, 'tls.ok': 19, 'tls.verify.future': 1 } },
      { cell: WIFI_CELL.id, total: 10, counts: { 'wifi.ok': 5, 'wifi.connect-fail': 5 } },
    ];
    const evaluate = (cell: string, text: string) => evaluateExpectations([{ cell, rule: rule(text) }], [TLS_CELL, WIFI_CELL], tallies);

    it('holds a rate that meets its threshold exactly (19/20 ≥ 0.95)', () => {
      expect(evaluate(TLS_CELL.id, 'tls.ok >= 0.95')).to.deep.equal([
        { cell: TLS_CELL.id, rule: 'tls.ok >= 0.95', held: true, observed: 0.95, text: `${TLS_CELL.id}: tls.ok ≥ 0.95 held: 0.95 (19/20)` },
      ]);
      expect(evaluate(TLS_CELL.id, 'tls.ok > 0.95')[0]?.held).to.equal(false);
    });

    it('counts a class reached on the way (wifi.ok in an attempt that ended tls.ok)', () => {
      expect(evaluate(TLS_CELL.id, 'wifi.ok >= 1')[0]).to.include({ held: true, observed: 1 });
    });

    it('reads ok as the cell’s own success class', () => {
      expect(evaluate('**', 'ok >= 0.9').map((result) => [result.cell, result.held, result.observed])).to.deep.equal([
        [TLS_CELL.id, true, 0.95],
        [WIFI_CELL.id, false, 0.5],
      ]);
    });

    it('holds fails only when no attempt ended in the success class', () => {
      expect(evaluate(TLS_CELL.id, 'fails')[0]).to.include({ held: false, observed: 19 });
      const failing = evaluateExpectations([{ cell: '*', rule: rule('fails') }], [{ id: 'x', successClass: 'tls.ok' }], [{ cell: 'x', total: 4, counts: { 'tls.verify.future': 4 }, reached: { 'wifi.ok': 4, 'tls.verify.future': 4 } }]);
      expect(failing).to.deep.equal([{ cell: 'x', rule: 'fails', held: true, observed: 0, text: 'x: fails held: 0 of 4 attempts ended tls.ok' }]);
    });

    it('holds nothing for a cell without attempts', () => {
      const cells = [{ id: 'never', successClass: 'tls.ok' }];
      const expectations: Expectation[] = [
        { cell: 'never', rule: rule('fails') },
        { cell: 'never', rule: rule('tls.ok <= 1') },
      ];
      const results = evaluateExpectations(expectations, cells, []);
      expect(results.map((result) => [result.held, result.text])).to.deep.equal([
        [false, 'never: fails not met: no attempts'],
        [false, 'never: tls.ok ≤ 1 not met: no attempts'],
      ]);
    });

    it('evaluates one expectation against every cell its glob matches, in plan order', () => {
      const cells = [
        { id: 'soft/a', successClass: 'wifi.ok' },
        { id: 'hard/a', successClass: 'wifi.ok' },
        { id: 'hard/b', successClass: 'wifi.ok' },
      ];
      const results = evaluateExpectations([{ cell: '*/a', rule: rule('wifi.ok >= 0.5') }], cells, [
        { cell: 'soft/a', total: 2, counts: { 'wifi.ok': 2 } },
        { cell: 'hard/a', total: 2, counts: { 'wifi.no-ap-found': 2 } },
      ]);
      expect(results.map((result) => [result.cell, result.held])).to.deep.equal([
        ['soft/a', true],
        ['hard/a', false],
      ]);
    });
  });

  it('tallies records by final class and by every class reached', () => {
    const tallies = tallyCells([
      { cell: 'a', class: 'tls.ok', classes: ['wifi.ok', 'tls.ok'] },
      { cell: 'a', class: 'tls.verify.future', classes: ['wifi.ok', 'tls.verify.future'] },
      { cell: 'b', class: 'wifi.no-ap-found', classes: ['wifi.no-ap-found'] },
    ]);
    expect(tallies).to.deep.equal([
      { cell: 'a', total: 2, counts: { 'tls.ok': 1, 'tls.verify.future': 1 }, reached: { 'tls.ok': 1, 'wifi.ok': 2, 'tls.verify.future': 1 } },
      { cell: 'b', total: 1, counts: { 'wifi.no-ap-found': 1 }, reached: { 'wifi.no-ap-found': 1 } },
    ]);
  });
});
