import { expect } from 'chai';
import { buildSummary, formatSummaryJson, SUMMARY_JSON_SCHEMA, type RunExit } from '../../src/report/summary-json.js';
import { wilsonInterval } from '../../src/results/stats/index.js';
import { tally, type ExpectationOutcome } from '../../src/results/tally.js';
import { attempt, plan, REAL_RUN, SIM_RUN, tlsResult, wifiResult } from './support.js';

const records = [
  attempt({ seq: 0, cell: 'cold', iteration: 1, class: 'tls.verify.future', detail: 'cert not yet valid at 2021-01-01' }),
  attempt({ seq: 1, cell: 'hard', iteration: 1, tls: tlsResult({ handshakeMs: 700 }), wifi: wifiResult({ timeToIpMs: 2000 }) }),
  attempt({ seq: 2, cell: 'hard', iteration: 2, tls: tlsResult({ handshakeMs: 900 }), wifi: wifiResult({ timeToIpMs: 3000 }) }),
];
const outcomes: ExpectationOutcome[] = [{ cell: 'cold', rule: 'fails', held: true, observed: 0, text: 'cold: fails held: 0 of 1 attempts ended tls.ok' }];
const cells = [plan('cold', 1), plan('hard', 2), plan('later', 4)];
const exit: RunExit = { code: 0, reason: 'completed', message: null };

describe('summary.json', () => {
  it('has a fixed top-level field order', () => {
    const parsed = JSON.parse(formatSummaryJson(SIM_RUN, tally(records, cells, outcomes), exit)) as Record<string, unknown>;
    expect(Object.keys(parsed)).to.deep.equal(['schema', 'runId', 'board', 'startedAt', 'finishedAt', 'attempts', 'exit', 'totals', 'cells', 'expectations']);
    expect(parsed['schema']).to.equal(SUMMARY_JSON_SCHEMA);
    const cell = (parsed['cells'] as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(Object.keys(cell)).to.deep.equal([
      'id', 'status', 'planned', 'attempts', 'okClass', 'ok', 'okRate', 'okInterval', 'classes', 'reached',
      'timeToIpMs', 'handshakeMs', 'durationMs', 'boardMs', 'expectation', 'expectations',
    ]);
  });

  it('is byte-identical for the same records in a different order', () => {
    const a = formatSummaryJson(SIM_RUN, tally(records, cells, outcomes), exit);
    const b = formatSummaryJson(SIM_RUN, tally([...records].reverse(), cells, outcomes), exit);
    expect(b).to.equal(a);
    expect(a.endsWith('}\n')).to.be.true;
  });

  it('labels a simulated run and says how to reproduce it', () => {
    const summary = buildSummary(SIM_RUN, tally(records, cells), exit);
    expect(summary.board).to.deep.equal({
      kind: 'sim',
      label: 'SIMULATED',
      sim: SIM_RUN.board.sim,
      serialNumber: 'e6614c311b7a8c2d',
      firmware: 'v1.24.1',
    });
    const real = buildSummary(REAL_RUN, tally(records, cells), exit);
    expect(real.board.label).to.equal(null);
    expect(real.board.sim).to.equal(null);
    expect(real.finishedAt).to.equal(null);
  });

  it('gives each cell that ran the Wilson 95 % interval of its ok rate', () => {
    const [cold, hard] = buildSummary(SIM_RUN, tally(records, cells), exit).cells;
    expect(cold?.okInterval).to.deep.equal({ method: 'wilson', confidence: 0.95, low: 0, high: wilsonInterval(0, 1)?.high });
    expect(hard?.okInterval?.high).to.equal(1);
    expect(hard?.okInterval?.low).to.be.closeTo(0.342380227506653, 1e-12);
  });

  it('carries planned and done counts, per-cell tallies, first failures, timings and the exit status', () => {
    const summary = buildSummary(SIM_RUN, tally(records, cells, outcomes), { code: 1, reason: 'expectation-failed', message: null });
    expect(summary.attempts).to.deep.equal({ planned: 7, done: 3, ok: 2, duplicatesIgnored: 0 });
    expect(summary.exit).to.deep.equal({ code: 1, reason: 'expectation-failed', message: null });
    const [cold, hard, later] = summary.cells;
    expect(cold?.classes).to.deep.equal([
      {
        name: 'tls.verify.future',
        count: 1,
        ok: false,
        firstFailure: { seq: 0, iteration: 1, transcript: 'transcripts/00000.txt', detail: 'cert not yet valid at 2021-01-01' },
      },
    ]);
    expect(cold?.expectation).to.equal('held');
    expect(hard?.handshakeMs).to.deep.equal({ count: 2, min: 700, max: 900, mean: 800, p50: 800, p90: 880, p99: 898 });
    expect(hard?.timeToIpMs).to.deep.equal({ count: 2, min: 2000, max: 3000, mean: 2500, p50: 2500, p90: 2900, p99: 2990 });
    expect(later).to.include({ status: 'not-run', attempts: 0, okRate: null, okInterval: null });
    expect(later?.handshakeMs).to.deep.equal({ count: 0, min: null, max: null, mean: null, p50: null, p90: null, p99: null });
    expect(summary.totals.byStatus).to.deep.equal({ pass: 1, fail: 1, flaky: 0, 'not-run': 1 });
    expect(summary.expectations).to.deep.equal([{ cell: 'cold', rule: 'fails', held: true, observed: 0, text: outcomes[0]?.text }]);
  });
});
