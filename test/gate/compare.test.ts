/**
 * The gate's statistics on counts alone: which cells are compared, how, and what the verdict is.
 * Synthetic nights are seeded (test/gate/synthetic.ts): every run draws the same numbers.
 */
import { expect } from 'chai';
import { compareWithBaseline, type CountRow } from '../../src/gate/index.js';
import { fisherWorseThan, holmAdjust } from '../../src/results/stats/index.js';

const row = (cell: string, ok: number, attempts: number, board = '/dev/ttyACM0'): CountRow => ({ cell, board, ok, attempts });

describe('gate comparison (per-cell counts)', () => {
  it('flags a cell whose rate fell significantly, with its raw and Holm-adjusted p-values, rates, intervals and drop', () => {
    const result = compareWithBaseline(
      [row('a', 14, 20), row('b', 20, 20), row('c', 19, 20)],
      [row('a', 139, 140), row('b', 138, 140), row('c', 133, 140)],
    );
    const a = result.cells.find((cell) => cell.cell === 'a');
    expect(a?.status).to.equal('regressed');
    expect(a?.pValue).to.equal(fisherWorseThan({ ok: 14, attempts: 20 }, { ok: 139, attempts: 140 }));
    const raw = result.cells.map((cell) => cell.pValue as number);
    expect(result.cells.map((cell) => cell.adjustedP)).to.deep.equal(holmAdjust(raw));
    expect(a?.run).to.include({ ok: 14, attempts: 20, rate: 0.7 });
    expect(a?.run.low).to.be.within(0.48, 0.7);
    expect(a?.run.high).to.be.within(0.7, 0.9);
    expect(a?.drop).to.be.closeTo(139 / 140 - 0.7, 1e-12);
    expect(result.cells.filter((cell) => cell.status === 'passed').map((cell) => cell.cell)).to.deep.equal(['b', 'c']);
    expect(result).to.include({ compared: 3, regressed: 1, test: 'fisher-exact-one-sided', correction: 'holm', alpha: 0.05 });
  });

  it('never flags a cell that got better, however much', () => {
    const result = compareWithBaseline([row('a', 20, 20)], [row('a', 10, 140)]);
    expect(result.cells[0]).to.include({ status: 'passed', pValue: 1 });
  });

  it('applies Holm across the cells compared: a drop significant alone is not a regression among many cells', () => {
    const alone = compareWithBaseline([row('a', 17, 20)], [row('a', 138, 140)]);
    expect(alone.cells[0]?.pValue).to.be.below(0.05);
    expect(alone.regressed).to.equal(1);
    const others = Array.from({ length: 19 }, (_, index) => row(`z${index}`, 20, 20));
    const among = compareWithBaseline([row('a', 17, 20), ...others], [row('a', 138, 140), ...others.map((r) => row(r.cell, 140, 140))]);
    expect(among.compared).to.equal(20);
    expect(among.cells.find((cell) => cell.cell === 'a')?.pValue).to.equal(alone.cells[0]?.pValue);
    expect(among.regressed).to.equal(0);
  });

  it('reports cells missing in the baseline as new and cells with too few attempts as flagged, outside the Holm family', () => {
    const result = compareWithBaseline(
      [row('old', 0, 20), row('fresh', 0, 20), row('thin', 0, 3), row('thin-baseline', 0, 20)],
      [row('old', 140, 140), row('thin', 140, 140), row('thin-baseline', 4, 4), row('gone', 10, 10)],
    );
    const byCell = new Map(result.cells.map((cell) => [cell.cell, cell]));
    expect(byCell.get('fresh')).to.include({ status: 'new', pValue: null, baseline: null });
    expect(byCell.get('fresh')?.note).to.match(/^new — not in the baseline, not compared/);
    expect(byCell.get('thin')).to.include({ status: 'too-few', pValue: null });
    expect(byCell.get('thin')?.note).to.match(/too few attempts to gate \(run 3, baseline 140; at least 5 each\)/);
    expect(byCell.get('thin-baseline')?.status).to.equal('too-few');
    expect(byCell.get('old')?.status).to.equal('regressed');
    expect(result.compared).to.equal(1);
    expect(byCell.get('old')?.adjustedP).to.equal(byCell.get('old')?.pValue);
    expect(result.missing).to.deep.equal(['gone']);
  });

  it('pools a multi-night baseline and its boards and firmware, but compares per board when the run has several boards', () => {
    const single = compareWithBaseline([row('a', 20, 20)], [row('a', 10, 10, 'x'), row('a', 5, 10, 'y'), row('a', 10, 10, 'x')]);
    expect(single.perBoard).to.equal(false);
    expect(single.cells[0]?.baseline).to.include({ ok: 25, attempts: 30 });
    expect(single.cells[0]?.board).to.equal(null);

    const rack = compareWithBaseline([row('a', 2, 20, 'left'), row('a', 20, 20, 'right'), row('a', 20, 20, 'spare')], [row('a', 40, 40, 'left'), row('a', 40, 40, 'right')]);
    expect(rack.perBoard).to.equal(true);
    expect(rack.cells.map((cell) => [cell.key, cell.status])).to.deep.equal([
      ['a @ left', 'regressed'],
      ['a @ right', 'passed'],
      ['a @ spare', 'new'],
    ]);
  });

  it('does not count a significant drop smaller than minDrop', () => {
    const options = { minDrop: 0.5 };
    const result = compareWithBaseline([row('a', 14, 20)], [row('a', 140, 140)], options);
    expect(result.cells[0]?.adjustedP).to.be.below(0.05);
    expect(result.cells[0]?.status).to.equal('passed');
    expect(result.cells[0]?.note).to.match(/below --min-drop 0.5/);
  });

  it('rejects options outside their range', () => {
    expect(() => compareWithBaseline([], [], { alpha: 0 })).to.throw(RangeError, /alpha 0/);
    expect(() => compareWithBaseline([], [], { alpha: 1.5 })).to.throw(RangeError, /alpha 1.5/);
    expect(() => compareWithBaseline([], [], { minAttempts: 0 })).to.throw(RangeError, /minAttempts 0/);
    expect(() => compareWithBaseline([], [], { minDrop: -0.1 })).to.throw(RangeError, /minDrop -0.1/);
  });
});
