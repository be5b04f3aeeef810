import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sqlite from 'node-sqlite3-wasm';
import { History, defaultHistoryPath, resolveBaseline } from '../../src/history/index.js';
import { night, writeRunFolder, type SyntheticCell } from './support.js';

const REPO = new URL('../../', import.meta.url).pathname;

const CELLS: SyntheticCell[] = [
  { id: 'hard/lab/valid', ok: 9, n: 10 },
  { id: 'hard/lab/issued-now', ok: 0, n: 10, failClass: 'tls.verify.future' },
  { id: 'soft/lab/valid', ok: 10, n: 10 },
];

function tableRows(file: string): Record<string, unknown[]> {
  const db = new sqlite.Database(file, { readOnly: true, fileMustExist: true });
  try {
    const rows: Record<string, unknown[]> = {};
    for (const table of ['runs', 'boards', 'firmware', 'cells', 'outcomes', 'timings']) {
      rows[table] = db.all(`SELECT * FROM ${table} ORDER BY 1, 2`).map((row) => {
        const { imported_at: _ignored, ...rest } = row as Record<string, unknown>;
        return rest;
      });
    }
    return rows;
  } finally {
    db.close();
  }
}

describe('history: indexing run folders', function () {
  this.timeout(30_000);
  let dir: string;
  let reports: string;
  let history: History | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-history-'));
    reports = join(dir, 'reports');
    await mkdir(reports);
  });

  afterEach(async () => {
    history?.close();
    history = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('stores per (cell, board, firmware) attempts, ok and classes, and per-cell timing percentiles', async () => {
    const runDir = await writeRunFolder(reports, { ...night(0), kind: 'sim', cells: CELLS });
    history = History.open(defaultHistoryPath(reports));
    const { run, replaced } = await history.importRun(runDir);
    expect(replaced).to.equal(false);
    expect(run).to.include({ kind: 'sim', campaign: 'nightly', exitCode: 0, attempts: 30, ok: 19, planned: 30 });
    const counts = history.cellCounts(run.id);
    expect(counts.map((c) => [c.cell, c.board, c.attempts, c.ok])).to.deep.equal([
      ['hard/lab/issued-now', 'sim-a', 10, 0],
      ['hard/lab/valid', 'sim-a', 10, 9],
      ['soft/lab/valid', 'sim-a', 10, 10],
    ]);
    expect(counts[0]?.classes).to.deep.equal({ 'tls.verify.future': 10 });
    const timing = history.timings(run.id).find((t) => t.cell === 'hard/lab/valid');
    expect(timing?.timeToIp.count).to.equal(10);
    expect(timing?.timeToIp.p50).to.equal(1055);
    expect(timing?.handshake.count).to.equal(9);
  });

  it('re-importing a run replaces its rows: the database is the same afterwards', async () => {
    const runDir = await writeRunFolder(reports, { ...night(0), kind: 'sim', cells: CELLS });
    const file = defaultHistoryPath(reports);
    history = History.open(file);
    await history.importRun(runDir);
    const before = tableRows(file);
    const again = await history.importRun(runDir);
    expect(again.replaced).to.equal(true);
    expect(tableRows(file)).to.deep.equal(before);
  });

  it('keeps a gate verdict across a re-import, and takes one from gate.json when rebuilding', async () => {
    const runDir = await writeRunFolder(reports, { ...night(0), kind: 'sim', cells: CELLS });
    history = History.open(join(dir, 'a.sqlite'));
    const { run } = await history.importRun(runDir);
    history.setGateVerdict(run.id, 'regression');
    await history.importRun(runDir);
    expect(history.run(run.id)?.gateVerdict).to.equal('regression');
    expect(() => history?.setGateVerdict('20990101-000000-zzzz', 'pass')).to.throw(/not in the history/);
    history.close();
    await writeFile(join(runDir, 'gate.json'), JSON.stringify({ verdict: 'pass' }));
    history = History.open(join(dir, 'b.sqlite'));
    expect((await history.importRun(runDir)).run.gateVerdict).to.equal('pass');
  });

  it('imports what is complete of a run whose last line was torn by an interrupted write', async () => {
    const runDir = await writeRunFolder(reports, { ...night(0), kind: 'sim', cells: CELLS });
    await appendFile(join(runDir, 'attempts.jsonl'), '{"v":1,"runId":"20260101-020000-aaaa","seq":30,"cell":"hard/la');
    history = History.open(join(dir, 'h.sqlite'));
    const result = await history.importRun(runDir);
    expect(result.run.attempts).to.equal(30);
    expect(result.notes.join('\n')).to.match(/torn last line/);
  });

  it('puts sim and real runs of one campaign in different series, and sim runs of different worlds too', async () => {
    history = History.open(join(dir, 'h.sqlite'));
    const sim = await history.importRun(await writeRunFolder(reports, { ...night(0, 'sima'), kind: 'sim', cells: CELLS }));
    const real = await history.importRun(await writeRunFolder(reports, { ...night(0, 'real'), kind: 'real', cells: CELLS }));
    const otherWorld = await history.importRun(await writeRunFolder(reports, { ...night(1, 'simb'), kind: 'sim', worldHash: 'sha256:bbbbbbbbbbbbbbbb', cells: CELLS }));
    const sameWorld = await history.importRun(await writeRunFolder(reports, { ...night(2, 'simc'), kind: 'sim', cells: CELLS }));
    expect(sim.run.seriesKey).to.not.equal(real.run.seriesKey);
    expect(sim.run.seriesKey).to.not.equal(otherWorld.run.seriesKey);
    expect(sim.run.seriesKey).to.equal(sameWorld.run.seriesKey);
    expect(history.runs({ series: real.run.seriesKey }).map((r) => r.kind)).to.deep.equal(['real']);
    expect(history.runs({ kind: 'sim' }).map((r) => r.id)).to.deep.equal([sameWorld.run.id, otherWorld.run.id, sim.run.id]);
  });

  it('filters runs and counts by board and by firmware', async () => {
    history = History.open(join(dir, 'h.sqlite'));
    const a = await history.importRun(await writeRunFolder(reports, { ...night(0, 'aaaa'), kind: 'real', cells: CELLS, board: { label: 'rig-1', serialNumber: 's1', uniqueId: 'u1' } }));
    const b = await history.importRun(
      await writeRunFolder(reports, { ...night(1, 'bbbb'), kind: 'real', cells: CELLS, board: { label: 'rig-2', serialNumber: 's2', uniqueId: 'u2' }, firmware: '3.4.0; MicroPython v1.25.0 on 2025-04-15' }),
    );
    expect(history.runs({ board: 'rig-1' }).map((r) => r.id)).to.deep.equal([a.run.id]);
    expect(history.runs({ board: 'u2' }).map((r) => r.id)).to.deep.equal([b.run.id]);
    expect(history.runs({ firmware: 'v1.25.0' }).map((r) => r.id)).to.deep.equal([b.run.id]);
    expect(history.cellCounts(b.run.id, { board: 'rig-1' })).to.deep.equal([]);
    expect(history.boards().map((board) => board.label)).to.deep.equal(['rig-1', 'rig-2']);
    expect(history.firmwareVersions().map((f) => f.runs)).to.deep.equal([1, 1]);
  });
});

describe('history: baselines', function () {
  this.timeout(30_000);
  let dir: string;
  let reports: string;
  let history: History;
  const ids: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-baseline-'));
    reports = join(dir, 'reports');
    history = History.open(join(dir, 'h.sqlite'));
    // Night 0 good, 1 good, 2 exit 1, 3 good but gated as a regression, 4 current; a real run in between.
    for (const [index, exitCode] of [0, 0, 1, 0, 0].entries()) {
      const { run } = await history.importRun(await writeRunFolder(reports, { ...night(index), kind: 'sim', exitCode, cells: CELLS }));
      ids.push(run.id);
    }
    history.setGateVerdict(ids[3] as string, 'regression');
    await history.importRun(await writeRunFolder(reports, { ...night(2, 'real'), kind: 'real', cells: CELLS }));
    await history.importRun(await writeRunFolder(reports, { ...night(1, 'othr'), kind: 'sim', campaign: 'another campaign', cells: CELLS }));
  });

  after(async () => {
    history.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('last-good is the newest earlier run of the series that exited 0 and was not gated a regression', async () => {
    const baseline = await resolveBaseline(history, ids[4] as string, 'last-good');
    expect(baseline.runs.map((r) => r.id)).to.deep.equal([ids[1]]);
  });

  it('last-good of the first night of a series is empty', async () => {
    expect((await resolveBaseline(history, ids[0] as string, 'last-good')).runs).to.deep.equal([]);
  });

  it('rolling:N is the N newest earlier runs of the series whatever their outcome, fewer when the series is shorter', async () => {
    expect((await resolveBaseline(history, ids[4] as string, 'rolling:3')).runs.map((r) => r.id)).to.deep.equal([ids[3], ids[2], ids[1]]);
    expect((await resolveBaseline(history, ids[2] as string, 'rolling:7')).runs.map((r) => r.id)).to.deep.equal([ids[1], ids[0]]);
  });

  it('a named run id or run folder of the same series is the baseline', async () => {
    expect((await resolveBaseline(history, ids[4] as string, ids[0] as string)).runs.map((r) => r.id)).to.deep.equal([ids[0]]);
    expect((await resolveBaseline(history, ids[4] as string, join(reports, ids[2] as string))).runs.map((r) => r.id)).to.deep.equal([ids[2]]);
  });

  it('refuses a real baseline for a sim run, naming both kinds', async () => {
    const real = history.runs({ kind: 'real' })[0];
    let error: unknown;
    try {
      await resolveBaseline(history, ids[4] as string, real?.id as string);
    } catch (caught) {
      error = caught;
    }
    expect((error as { code?: string }).code).to.equal('USAGE');
    expect((error as Error).message).to.match(/sim run/).and.to.match(/real run/);
  });

  it('refuses a baseline from another campaign, and names what a spec may be when it names nothing', async () => {
    const other = history.runs({ campaign: 'another campaign' })[0];
    await resolveBaseline(history, ids[4] as string, other?.id as string).then(
      () => expect.fail('resolved'),
      (error: Error) => expect(error.message).to.match(/different series/),
    );
    await resolveBaseline(history, ids[4] as string, 'yesterday').then(
      () => expect.fail('resolved'),
      (error: Error) => expect(error.message).to.match(/last-good, rolling:N/),
    );
    await resolveBaseline(history, ids[4] as string, 'rolling:0').then(
      () => expect.fail('resolved'),
      (error: Error) => expect(error.message).to.match(/between 1 and/),
    );
  });
});

describe('history: a damaged, locked or shared database file', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-history-db-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file in one line when it is not a database', async () => {
    const file = join(dir, 'history.sqlite');
    await writeFile(file, 'this is not sqlite, just some text that is long enough to look like a header'.repeat(20));
    expect(() => History.open(file)).to.throw(/history\.sqlite: not a usable history database/).with.property('code', 'CONFIG_INVALID');
    try {
      History.open(file);
    } catch (error) {
      expect((error as Error).message).to.not.include('\n');
    }
  });

  it('gives up on a database another process keeps locked, naming the file and its lock', async () => {
    const file = join(dir, 'history.sqlite');
    History.open(file).close();
    await mkdir(`${file}.lock`);
    expect(() => History.open(file, { busyTimeoutMs: 200 })).to.throw(/history\.sqlite: locked by another process .*history\.sqlite\.lock/);
  });

  it('removes a lock left by a process that died long ago', async () => {
    const file = join(dir, 'history.sqlite');
    History.open(file).close();
    await mkdir(`${file}.lock`);
    const history = History.open(file, { busyTimeoutMs: 200, staleLockMs: 0 });
    expect(history.runs()).to.deep.equal([]);
    history.close();
  });

  it('two processes importing into one database at once lose nothing and leave it intact', async () => {
    const reports = join(dir, 'reports');
    const runs: string[] = [];
    for (let index = 0; index < 8; index += 1) runs.push(await writeRunFolder(reports, { ...night(index, index % 2 === 0 ? 'even' : 'oddd'), kind: 'sim', cells: CELLS }));
    const file = join(dir, 'history.sqlite');
    const script = `
      import { History } from ${JSON.stringify(join(REPO, 'src/history/index.ts'))};
      const dirs = process.argv.slice(1);
      for (let round = 0; round < 3; round += 1) {
        for (const dir of dirs) { const h = History.open(${JSON.stringify(file)}); await h.importRun(dir); h.close(); }
      }`;
    const child = (dirs: string[]): Promise<number | null> =>
      new Promise((resolve) => {
        const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...dirs], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
        proc.on('close', (code) => resolve(code));
      });
    const codes = await Promise.all([child(runs.filter((_, i) => i % 2 === 0)), child(runs.filter((_, i) => i % 2 === 1))]);
    expect(codes).to.deep.equal([0, 0]);
    const history = History.open(file);
    expect(history.runs().length).to.equal(8);
    for (const run of history.runs()) expect(run.attempts).to.equal(30);
    history.close();
    const db = new sqlite.Database(file, { readOnly: true, fileMustExist: true });
    expect(db.get('PRAGMA integrity_check')).to.deep.equal({ integrity_check: 'ok' });
    expect(db.get('SELECT count(*) AS n FROM outcomes')).to.deep.equal({ n: 24 });
    db.close();
  });
});
