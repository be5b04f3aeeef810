import { cp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import sqlite from 'node-sqlite3-wasm';
import { runCli } from '../../src/cli/main.js';
import { History } from '../../src/history/index.js';
import { CANARY_PASSWORD, canaryCampaign, onlyRunDir, writeCampaign, type CampaignDir } from '../campaign/support.js';
import { night, writeRunFolder } from '../history/support.js';
import { OutputCollector as Collector, runCliCaptured, type CliRun } from '../support/cli.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args, { PICOW_TEST_WIFI_PASSWORD: CANARY_PASSWORD, NO_COLOR: '1' });

function rowsOf(file: string): unknown {
  const db = new sqlite.Database(file, { readOnly: true, fileMustExist: true });
  try {
    return ['runs', 'boards', 'firmware', 'cells', 'outcomes', 'timings'].map((table) =>
      db.all(`SELECT * FROM ${table} ORDER BY 1, 2`).map((row) => ({ ...row, imported_at: null })),
    );
  } finally {
    db.close();
  }
}

describe('picow-harness history (runs of a campaign on the simulated board)', function () {
  this.timeout(120_000);
  let campaign: CampaignDir;
  let runDir: string;
  let runOutput: { code: number; stdout: string; stderr: string };

  before(async () => {
    campaign = await writeCampaign(canaryCampaign({ matrix: { wifi: [{ ap: 'lab' }], certs: ['valid', 'issued-now'] }, iterations: 3, expect: [{ cell: '**/issued-now', rule: 'fails' }] }));
    runOutput = await cli(['run', campaign.config, '--reports', campaign.reports]);
    runDir = await onlyRunDir(campaign.reports);
  });

  after(async () => {
    await campaign.dispose();
  });

  it('run indexes the finished run in reports/history.sqlite, with the counts of summary.json', async () => {
    expect(runOutput.code, runOutput.stderr).to.equal(0);
    expect(runOutput.stdout).to.include(`history: ${join(campaign.reports, 'history.sqlite')}`);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as { runId: string; cells: { id: string; attempts: number; ok: number }[]; attempts: { done: number; ok: number } };
    const history = History.open(join(campaign.reports, 'history.sqlite'));
    try {
      const run = history.run(summary.runId);
      expect(run).to.include({ kind: 'sim', exitCode: 0, attempts: summary.attempts.done, ok: summary.attempts.ok });
      const counts = history.cellCounts(summary.runId).map((count) => ({ id: count.cell, attempts: count.attempts, ok: count.ok }));
      expect(counts).to.have.deep.members(summary.cells.map((cell) => ({ id: cell.id, attempts: cell.attempts, ok: cell.ok })));
    } finally {
      history.close();
    }
  });

  it('history import rebuilds a deleted database from the run folders with the same rows', async () => {
    const file = join(campaign.reports, 'history.sqlite');
    const before = rowsOf(file);
    await rm(file);
    const result = await cli(['history', 'import', '--reports', campaign.reports]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/imported \d{8}-\d{6}-\w+ \(sim, series sim:/);
    expect(result.stdout).to.include('1 of 1 run folder');
    expect(rowsOf(file)).to.deep.equal(before);
  });

  it('a history that cannot be written costs a warning, not the run: the exit code is the run’s', async () => {
    const blocked = join(campaign.dir, 'blocked');
    await cp(join(campaign.dir, 'world.yaml'), blocked); // a file where the history's folder would be
    const result = await cli(['run', campaign.config, '--reports', join(campaign.dir, 'second'), '--history', join(blocked, 'history.sqlite')]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/warning: the run was not indexed in the history .*blocked\/history\.sqlite/);
    expect(result.stderr).to.include('picow-harness history import');
    expect(await stat(join(campaign.dir, 'second', 'history.sqlite')).catch(() => null)).to.equal(null);
  });

  it('indexes a run that ended in failure and one that was interrupted, with their exit codes', async () => {
    const failing = await writeCampaign(canaryCampaign({ iterations: 1, expect: [{ cell: '**/valid', rule: 'fails' }] }));
    try {
      const failed = await cli(['run', failing.config, '--reports', failing.reports]);
      expect(failed.code).to.equal(1);
      const stop = new AbortController();
      const stderr = new Collector();
      const write = stderr.write.bind(stderr);
      stderr.write = (chunk) => {
        const result = write(chunk);
        if (stderr.text.includes(' → ')) stop.abort();
        return result;
      };
      const interrupted = await runCli(['run', failing.config, '--reports', failing.reports, '--iterations', '50'], {
        stdout: new Collector(),
        stderr,
        signal: stop.signal,
        env: { PICOW_TEST_WIFI_PASSWORD: CANARY_PASSWORD, NO_COLOR: '1' },
      });
      expect(interrupted).to.equal(130);
      const history = History.open(join(failing.reports, 'history.sqlite'));
      try {
        expect(history.runs().map((run) => run.exitCode)).to.deep.equal([130, 1]);
      } finally {
        history.close();
      }
    } finally {
      await failing.dispose();
    }
  });

  it('--no-history leaves no database', async () => {
    const reports = join(campaign.dir, 'third');
    const result = await cli(['run', campaign.config, '--reports', reports, '--no-history', '--iterations', '1']);
    expect(result.code, result.stderr).to.equal(0);
    expect(await stat(join(reports, 'history.sqlite')).catch(() => null)).to.equal(null);
  });
});

describe('picow-harness history (table, JSON and HTML trend)', function () {
  this.timeout(60_000);
  let campaign: CampaignDir;
  let reports: string;

  before(async () => {
    campaign = await writeCampaign(canaryCampaign());
    reports = join(campaign.dir, 'nights');
    const cells = (ok: number) => [
      { id: 'hard/lab/valid', ok, n: 10 },
      { id: 'soft/lab/valid', ok: 10, n: 10 },
    ];
    for (let index = 0; index < 4; index += 1) {
      await writeRunFolder(reports, { ...night(index, 'sims'), kind: 'sim', cells: cells(index === 3 ? 2 : 10) });
      await writeRunFolder(reports, { ...night(index, 'real'), kind: 'real', cells: cells(9) });
    }
    const imported = await cli(['history', 'import', '--reports', reports]);
    expect(imported.code, imported.stderr).to.equal(0);
  });

  after(async () => {
    await campaign.dispose();
  });

  it('prints one table per series with each run’s ok/n, and marks a cell whose newest run fell below the earlier ones', async () => {
    const result = await cli(['history', '--reports', reports, '--last', '3']);
    expect(result.code, result.stderr).to.equal(0);
    const sim = result.stdout.indexOf('SIMULATED series sim:');
    const real = result.stdout.indexOf('REAL series real:');
    expect(sim).to.be.greaterThan(-1);
    expect(real).to.be.greaterThan(-1);
    const simPart = result.stdout.slice(sim, real > sim ? real : undefined);
    expect(simPart).to.include('3 runs');
    const hardRow = simPart.split('\n').find((line) => line.startsWith('hard/lab/valid')) ?? '';
    expect(hardRow).to.match(/10\/10\s+10\/10\s+2\/10\s+22\/30/);
    expect(hardRow).to.include('▼ down');
    const softRow = simPart.split('\n').find((line) => line.startsWith('soft/lab/valid')) ?? '';
    expect(softRow).to.include('= flat');
  });

  it('--json gives the same numbers per series, sim and real never in one series', async () => {
    const result = await cli(['history', '--reports', reports, '--json', '--cell', 'hard/**']);
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout) as { series: { kind: string; runs: { kind: string }[]; cells: { key: string; total: { ok: number; attempts: number } }[] }[] };
    expect(report.series.map((s) => s.kind).sort()).to.deep.equal(['real', 'sim']);
    for (const series of report.series) {
      expect(new Set(series.runs.map((run) => run.kind))).to.deep.equal(new Set([series.kind]));
      expect(series.cells.map((cell) => cell.key)).to.deep.equal(['hard/lab/valid']);
    }
    const real = report.series.find((s) => s.kind === 'real');
    expect(real?.cells[0]?.total).to.include({ ok: 36, attempts: 40 });
  });

  it('--html writes a self-contained page with one section per series and a point with an error bar per run', async () => {
    const file = join(campaign.dir, 'trend.html');
    const result = await cli(['history', '--reports', reports, '--html', file]);
    expect(result.code, result.stderr).to.equal(0);
    const html = await readFile(file, 'utf8');
    const sections = [...html.matchAll(/<section class="series" data-series="([^"]+)" data-kind="(sim|real)">([\s\S]*?)<\/section>/g)];
    expect(sections.map((m) => m[2]).sort()).to.deep.equal(['real', 'sim']);
    for (const section of sections) {
      const body = section[3] as string;
      const chart = /<figure data-cell="hard\/lab\/valid">([\s\S]*?)<\/figure>/.exec(body)?.[1] ?? '';
      expect(chart.match(/<circle /g)).to.have.length(4);
      expect(chart.match(/<line class="bar"/g)).to.have.length(4);
    }
    const sim = sections.find((m) => m[2] === 'sim')?.[3] ?? '';
    expect(sim).to.match(/data-ok="2" data-n="10"/);
    expect(html).to.not.match(/<script|src="http|href="http|@import|url\(/);
    expect(html).to.include('Content-Security-Policy');
  });

  it('filters by board and firmware, and says so when nothing matches', async () => {
    const byBoard = await cli(['history', '--reports', reports, '--board', 'rig-1', '--json']);
    const report = JSON.parse(byBoard.stdout) as { series: { kind: string; boards: { key: string }[] }[] };
    expect(report.series.map((s) => s.kind)).to.deep.equal(['real']);
    expect(report.series[0]?.boards.map((b) => b.key)).to.deep.equal(['rig-1']);
    const none = await cli(['history', '--reports', reports, '--firmware', 'v9.9.9']);
    expect(none.code).to.equal(0);
    expect(none.stdout).to.match(/no runs in the history match/);
  });

  it('exits 2 naming the file when there is no history yet, and for a corrupt one', async () => {
    const missing = await cli(['history', '--db', join(campaign.dir, 'none.sqlite')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/none\.sqlite: no history yet/);
    const corrupt = join(campaign.dir, 'corrupt.sqlite');
    await cp(join(campaign.dir, 'campaign.yaml'), corrupt);
    const damaged = await cli(['history', '--db', corrupt]);
    expect(damaged.code).to.equal(2);
    expect(damaged.stderr.trim().split('\n')).to.have.length(1);
    expect(damaged.stderr).to.match(/corrupt\.sqlite: not a usable history database/);
  });
});
