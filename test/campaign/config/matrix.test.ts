import { expect } from 'chai';
import { parseCampaignConfig, type CampaignConfig } from '../../../src/campaign/config/index.js';
import {
  buildCells,
  cellMatcher,
  DEFAULT_STEP_ESTIMATES,
  describeDryRun,
  estimateDuration,
  interleave,
  planCampaign,
  selectCells,
  type StepEstimates,
} from '../../../src/campaign/matrix.js';

function config(matrix: string, extra = ''): CampaignConfig {
  const text = `board: { port: sim }
accessPoints:
  - { name: lab, ssid: picow-lab }
  - { name: hidden, ssid: picow-lab-hidden, hidden: true }
matrix:
${matrix}
${extra}`;
  return parseCampaignConfig(text, 'm.yaml').config;
}

const FULL = `  resets: [soft, hard]
  wifi:
    - { ap: hidden }
    - { ap: hidden, pm: 0xa11140 }
    - { ap: lab, pm: none, pinBssid: true, pinChannel: true, country: DE, connect: as-is }
    - { name: pinned, ap: hidden, pinBssid: true }
  certs: [issued-now, expired]
  tlsApi: [SSLContext, tls]
  rtc: [cold, host:local, skew:-2h]`;

function usageMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect((error as { code?: string }).code).to.equal('USAGE');
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('campaign matrix', () => {
  it('gives every combination of the axes a readable id, resets first', () => {
    const cells = buildCells(config(FULL));
    expect(cells).to.have.length(2 * 4 * 2 * 2 * 3);
    expect(cells[0]?.id).to.equal('soft/hidden-pm-default/issued-now/SSLContext/cold');
    expect(cells.map((cell) => cell.id)).to.include.members([
      'hard/hidden-pm-0xa11140/expired/tls/skew:-2h',
      'soft/lab-pm-none-bssid-ch-DE-as-is/issued-now/SSLContext/host:local',
      'hard/pinned/issued-now/tls/cold',
    ]);
    expect(new Set(cells.map((cell) => cell.id)).size).to.equal(cells.length);
  });

  it('resolves each cell’s settings: PM values, the access point, the RTC mode and the success class', () => {
    const cell = buildCells(config(FULL)).find((candidate) => candidate.id === 'soft/lab-pm-none-bssid-ch-DE-as-is/expired/tls/skew:-2h');
    expect(cell?.wifi?.pmValue).to.equal(0x10);
    expect(cell?.wifi?.ap.ssid).to.equal('picow-lab');
    expect(cell?.wifi?.connect).to.equal('as-is');
    expect(cell?.rtc.mode).to.deep.equal({ kind: 'skew', offsetMs: -7_200_000 });
    expect(cell?.successClass).to.equal('tls.ok');
    const defaultPm = buildCells(config(FULL))[0];
    expect(defaultPm?.wifi?.pmValue).to.equal(null);
  });

  it('drops axes the config leaves out from the ids and uses their neutral values', () => {
    const cells = buildCells(config('  wifi:\n    - { ap: lab }\n  certs: [valid]'));
    expect(cells.map((cell) => cell.id)).to.deep.equal(['lab-pm-default/valid']);
    expect(cells[0]).to.include({ reset: 'none', tlsApi: 'SSLContext', certs: 'valid', successClass: 'tls.ok' });
    expect(cells[0]?.rtc.mode).to.deep.equal({ kind: 'cold' });
    const wifiOnly = buildCells(config('  resets: [hard]\n  wifi:\n    - { ap: lab }\n  certs: []'));
    expect(wifiOnly.map((cell) => [cell.id, cell.certs, cell.tlsApi, cell.successClass])).to.deep.equal([['hard/lab-pm-default', null, null, 'wifi.ok']]);
    expect(buildCells(config('  resets: [soft, hard]')).map((cell) => cell.successClass)).to.deep.equal([null, null]);
  });

  describe('--only', () => {
    const cells = buildCells(config(FULL));

    it('selects a cell by its exact id', () => {
      expect(selectCells(cells, ['hard/pinned/expired/tls/cold']).map((cell) => cell.id)).to.deep.equal(['hard/pinned/expired/tls/cold']);
    });

    it('selects by glob: * within one axis, ** across axes', () => {
      expect(selectCells(cells, ['hard/*/issued-now/SSLContext/cold'])).to.have.length(4);
      expect(selectCells(cells, ['**/skew:-2h'])).to.have.length(32);
      expect(selectCells(cells, ['soft/**'])).to.have.length(48);
      expect(selectCells(cells, ['hard/pinned/**', 'hard/**/tls/cold'])).to.have.length(12 + 8 - 2);
      expect(cellMatcher('*/cold')('hard/x/cold'), '* does not cross /').to.equal(false);
      expect(cellMatcher('hard/**/cold')('hard/cold')).to.equal(true);
    });

    it('keeps the plan order whatever order the patterns come in', () => {
      const ids = selectCells(cells, ['hard/**', 'soft/**']).map((cell) => cell.id);
      expect(ids).to.deep.equal(cells.map((cell) => cell.id));
    });

    it('names an unknown cell and the ids it was probably meant to be', () => {
      expect(usageMessage(() => selectCells(cells, ['hard/pinnned/expired/tls/cold']))).to.equal('--only hard/pinnned/expired/tls/cold: no such cell; did you mean hard/pinned/expired/tls/cold?');
      expect(usageMessage(() => selectCells(cells, ['sfot/**']))).to.equal('--only sfot/**: no such cell; did you mean soft/**?');
      expect(usageMessage(() => selectCells(cells, ['zzz']))).to.match(/^--only zzz: no such cell; cells are like soft\/hidden-pm-default/);
    });
  });

  describe('attempt order', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];

    it('is every cell × iteration exactly once, numbered in order', () => {
      const order = interleave(ids, 7, 42);
      expect(order).to.have.length(35);
      expect(order.map((attempt) => attempt.seq)).to.deep.equal([...Array(35).keys()]);
      expect(new Set(order.map((attempt) => `${attempt.cell}#${attempt.iteration}`)).size).to.equal(35);
    });

    it('is the same for the same seed and differs for another', () => {
      expect(interleave(ids, 10, 7)).to.deep.equal(interleave(ids, 10, 7));
      expect(interleave(ids, 10, 7).map((attempt) => attempt.cell)).to.not.deep.equal(interleave(ids, 10, 8).map((attempt) => attempt.cell));
    });

    it('runs iteration r of every cell before iteration r+1 of any, and never one cell twice in a row', () => {
      for (let seed = 0; seed < 50; seed++) {
        const order = interleave(ids, 6, seed);
        order.forEach((attempt, index) => {
          expect(attempt.iteration).to.equal(Math.floor(index / ids.length) + 1);
          if (index > 0) expect(attempt.cell, `seed ${seed} at ${index}`).to.not.equal(order[index - 1]?.cell);
        });
      }
    });

    it('shuffles the rounds: each cell leads a round about equally often', () => {
      const firsts = new Map<string, number>();
      const order = interleave(ids, 500, 3);
      for (let round = 0; round < 500; round++) {
        const first = order[round * ids.length]?.cell ?? '';
        firsts.set(first, (firsts.get(first) ?? 0) + 1);
      }
      for (const id of ids) expect(firsts.get(id) ?? 0, id).to.be.within(60, 140);
    });

    it('plans the selected cells with the config’s iterations', () => {
      const plan = planCampaign(config(FULL, 'iterations: 3'), { seed: 5, only: ['hard/pinned/**'] });
      expect(plan.cells).to.have.length(12);
      expect(plan.attempts).to.have.length(36);
      expect(plan.seed).to.equal(5);
      expect(new Set(plan.attempts.map((attempt) => attempt.cell))).to.deep.equal(new Set(plan.cells.map((cell) => cell.id)));
    });
  });

  describe('dry-run estimate', () => {
    const estimates: StepEstimates = {
      reset: { none: 0, soft: 1000, hard: 3000, 'power-cycle': 9000, 'wlan-deinit': 200 },
      wifi: { fresh: 4000, 'as-is': 2000 },
      rtc: { cold: 0, host: 100, ntp: 1000, skew: 100 },
      tls: 5000,
      overheadMs: 500,
    };

    it('adds the steps of each cell, times the iterations', () => {
      const plan = planCampaign(config('  resets: [soft, hard]\n  wifi:\n    - { ap: lab }\n  certs: [valid]\n  rtc: [cold, ntp]', 'iterations: 4'), { seed: 1 });
      const estimate = estimateDuration(plan, estimates);
      // soft/cold 1000+4000+0+5000+500 = 10500; soft/ntp 11500; hard/cold 12500; hard/ntp 13500
      expect(estimate.perAttemptMs).to.deep.equal({
        'soft/lab-pm-default/valid/cold': 10_500,
        'soft/lab-pm-default/valid/ntp': 11_500,
        'hard/lab-pm-default/valid/cold': 12_500,
        'hard/lab-pm-default/valid/ntp': 13_500,
      });
      expect(estimate).to.include({ cells: 4, iterations: 4, attempts: 16, totalMs: 4 * (10_500 + 11_500 + 12_500 + 13_500), cappedMs: undefined });
    });

    it('divides board time by a simulator’s time scale but not the harness overhead, and caps at the max duration', () => {
      const plan = planCampaign(config('  resets: [hard]\n  wifi:\n    - { ap: lab, connect: as-is }', 'iterations: 10'), { seed: 1 });
      const estimate = estimateDuration(plan, estimates, { timeScale: 10, maxDurationMs: 20_000 });
      expect(estimate.perAttemptMs['hard/lab-pm-default-as-is']).to.equal((3000 + 2000) / 10 + 500);
      expect(estimate.totalMs).to.equal(10 * 1000);
      expect(estimate.cappedMs).to.equal(undefined);
      expect(estimateDuration(plan, estimates, { timeScale: 10, maxDurationMs: 5000 }).cappedMs).to.equal(5000);
    });

    it('prints cells × iterations and says the duration is an estimate', () => {
      const plan = planCampaign(config('  resets: [soft, hard]', 'iterations: 3'), { seed: 11 });
      const lines = describeDryRun(plan, estimateDuration(plan, DEFAULT_STEP_ESTIMATES, { maxDurationMs: 1000 }));
      expect(lines[0]).to.equal('2 cells × 3 iterations = 6 attempts, seed 11');
      expect(lines[1]).to.match(/^estimated duration \S+ \(an estimate from typical per-step times, not a measurement\)$/);
      expect(lines[2]).to.equal('the run stops starting attempts after 1s (max duration)');
      expect(lines.slice(3)).to.deep.equal(['  soft  3 × ~2.1s', '  hard  3 × ~4.6s']);
    });
  });
});
