import { expect } from 'chai';
import { columnWidths, type Column } from '../../src/report/text-table.js';

describe('text table column widths', () => {
  it('never gives an early flexible column so much that a later one with a large minimum is pushed past the width', () => {
    const columns: Column[] = [
      { header: 'a', flexible: true, minWidth: 6 },
      { header: 'b', flexible: true, minWidth: 6 },
      { header: 'c', flexible: true, minWidth: 30 },
    ];
    const rows = [['x'.repeat(20), 'y'.repeat(30), 'z'.repeat(40)]];
    const widths = columnWidths(columns, rows, 54, 2);
    expect(widths.reduce((sum, w) => sum + w, 0) + 2 * 2).to.be.at.most(54);
    expect(widths[2]).to.be.at.least(30);
  });
});
