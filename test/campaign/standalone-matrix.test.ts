import { expect } from 'chai';
import { buildCells } from '../../src/campaign/matrix.js';
import { campaignSchema } from '../../src/campaign/config/schema.js';

function cellsOf(matrix: Record<string, unknown>): { id: string; mode: string; reset: string }[] {
  const config = campaignSchema.parse({ board: { port: 'sim' }, accessPoints: [{ name: 'lab', ssid: 'picow-lab' }], matrix });
  return buildCells(config).map((cell) => ({ id: cell.id, mode: cell.mode, reset: cell.reset }));
}

describe('the execution-mode axis of the matrix', () => {
  it('leaves interactive cell ids as they were when modes is absent', () => {
    expect(cellsOf({ resets: ['hard'], wifi: [{ ap: 'lab' }], certs: ['valid'], rtc: ['cold'] })).to.deep.equal([{ id: 'hard/lab-pm-default/valid/cold', mode: 'interactive', reset: 'hard' }]);
  });

  it('adds standalone/ twins that always power-cycle and keep only the runner’s clock modes (cold, ntp)', () => {
    const cells = cellsOf({ modes: ['interactive', 'standalone'], resets: ['soft', 'hard'], wifi: [{ ap: 'lab' }], certs: ['issued-now'], rtc: ['cold', 'ntp', 'host:utc'] });
    expect(cells.filter((cell) => cell.mode === 'standalone')).to.deep.equal([
      { id: 'standalone/power-cycle/lab-pm-default/issued-now/cold', mode: 'standalone', reset: 'power-cycle' },
      { id: 'standalone/power-cycle/lab-pm-default/issued-now/ntp', mode: 'standalone', reset: 'power-cycle' },
    ]);
    expect(cells.filter((cell) => cell.mode === 'interactive')).to.have.length(6);
  });

  it('refuses a standalone-only matrix the runner cannot run (no Wi-Fi axis)', () => {
    expect(() => cellsOf({ modes: ['standalone'], resets: ['hard'] })).to.throw(/standalone cells need the wifi axis/);
  });
});
