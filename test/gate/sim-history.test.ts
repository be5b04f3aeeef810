/**
 * Three nights on the simulated board, each a real campaign run (`picow-harness run`), judged by
 * `picow-harness gate` against the history. Nothing edits a record: the regression on night 3 is
 * injected the way one happens on a rig — the campaign's hidden-AP variant (same cell id, `hidden`)
 * changes from PM off to the firmware's default power saving, under which this world's hidden AP
 * misses every association response (pm-join fault, missProbability 1). Same world, same campaign
 * name: one series.
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { defaultHistoryPath, History, readRunRows } from '../../src/history/index.js';
import { runCliCaptured, type CliRun } from '../support/cli.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args, { NO_COLOR: '1' });

const WORLD = {
  timeScale: 50,
  accessPoints: [
    { ssid: 'gate-lab', bssid: '02:50:43:57:06:31', channel: 6, security: 'wpa2', password: 'gate-lab-pass', hidden: false, rssi: -48, country: 'DE' },
    { ssid: 'gate-hidden', bssid: '02:50:43:57:06:32', channel: 6, security: 'wpa2', password: 'gate-hidden-pass', hidden: true, rssi: -50, country: 'DE' },
  ],
  faults: [{ name: 'pm-during-join', kind: 'pm-join', factor: 'PM at connect()', source: 'model', when: { ssid: 'gate-hidden' }, missProbability: 1, eapolMissProbability: 0 }],
};

function campaign(hiddenPm: 'none' | 'default', seed: number): Record<string, unknown> {
  return {
    name: 'gate three nights',
    board: { port: 'sim', world: 'world.yaml' },
    accessPoints: [
      { name: 'lab', ssid: 'gate-lab' },
      { name: 'hidden', ssid: 'gate-hidden', hidden: true },
    ],
    matrix: { wifi: [{ ap: 'lab' }, { name: 'hidden', ap: 'hidden', pm: hiddenPm }] },
    iterations: 5,
    seed,
    timeouts: { connectMs: 5000, resetMs: 20_000, attemptMs: 60_000 },
    transcripts: { keep: 'none' },
  };
}

describe('gate over a three-night simulated history', function () {
  this.timeout(240_000);
  let dir: string;
  let reports: string;
  const nights: string[] = [];

  async function runNight(hiddenPm: 'none' | 'default', seed: number): Promise<string> {
    const config = join(dir, `night-${seed}.yaml`);
    await writeFile(config, stringify(campaign(hiddenPm, seed)));
    const before = new Set(await readdir(reports).catch(() => []));
    const result = await cli(['run', config, '--reports', reports]);
    expect(result.code, result.stderr).to.equal(0);
    const created = (await readdir(reports)).filter((name) => !before.has(name) && !name.includes('.'));
    expect(created).to.have.length(1);
    return join(reports, created[0] as string);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-gate-nights-'));
    reports = join(dir, 'reports');
    await mkdir(reports);
    await writeFile(join(dir, 'world.yaml'), stringify(WORLD));
    nights.push(await runNight('none', 1), await runNight('none', 2), await runNight('default', 3));
  });

  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('passes night 2 against night 1 (exit 0) and records the verdict', async () => {
    const result = await cli(['gate', nights[1] as string, '--baseline', 'rolling:7', '--reports', reports]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^SIMULATED gate /);
    expect(result.stdout).to.include('verdict: pass — no regression in 2 compared cell(s)');
    const gate = JSON.parse(await readFile(join(nights[1] as string, 'gate.json'), 'utf8'));
    expect(gate).to.include({ verdict: 'pass', compared: 2, regressed: 0, test: 'fisher-exact-one-sided', correction: 'holm' });
  });

  it('catches the injected regression on night 3 against rolling:7: exit 1, the cell and its numbers printed, JUnit failure, verdict in the history', async () => {
    const result = await cli(['gate', nights[2] as string, '--baseline', 'rolling:7', '--reports', reports]);
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stdout).to.match(/REGRESSED \(1\):\n {2}hidden: run 0\/5 = 0\.0% \[0\.0%, 43\.4%\]; baseline 10\/10 = 100\.0% \[72\.2%, 100\.0%\]; drop 100\.0 pts, p 3\.33e-4, Holm-adjusted p 6\.66e-4/);
    expect(result.stdout).to.include('verdict: REGRESSION in 1 of 2 compared cell(s)');

    const gate = JSON.parse(await readFile(join(nights[2] as string, 'gate.json'), 'utf8'));
    expect(gate.verdict).to.equal('regression');
    expect(gate.baseline.runs.map((run: { id: string }) => run.id)).to.have.length(2);
    expect(gate.cells.map((cell: { cell: string; status: string }) => [cell.cell, cell.status])).to.deep.equal([
      ['hidden', 'regressed'],
      ['lab-pm-default', 'passed'],
    ]);
    const junit = await readFile(join(nights[2] as string, 'gate-junit.xml'), 'utf8');
    expect(junit.match(/<failure /g)).to.have.length(1);
    expect(junit).to.match(/<testcase name="hidden" classname="picow-harness\.gate\.SIMULATED"[^]*?<failure message="regression: hidden: run 0\/5/);
    expect(junit).to.include('tests="2" failures="1"');

    const history = History.open(defaultHistoryPath(reports));
    try {
      const rows = await readRunRows(nights[2] as string);
      expect(history.run(rows.run.id)?.gateVerdict).to.equal('regression');
    } finally {
      history.close();
    }
  });

  it('against last-good, night 3 is compared with night 2 (the last run that passed) and still fails', async () => {
    const result = await cli(['gate', nights[2] as string, '--baseline', 'last-good', '--reports', reports]);
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    const night2 = (await readRunRows(nights[1] as string)).run.id;
    expect(result.stdout).to.include(`vs last-good = run ${night2}`);
    expect(result.stdout).to.match(/hidden: run 0\/5 .*; baseline 5\/5 /);
  });

  it('refuses a baseline that is a real run: exit 2 with one line naming both kinds', async () => {
    const history = History.open(defaultHistoryPath(reports));
    const rows = await readRunRows(nights[0] as string);
    try {
      history.storeRun({ ...rows, run: { ...rows.run, id: 'real-run-1', dir: join(dir, 'real-run-1'), kind: 'real', sim: null, seriesKey: 'real:gate three nights' } });
    } finally {
      history.close();
    }
    const result = await cli(['gate', nights[2] as string, '--baseline', 'real-run-1', '--reports', reports]);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/sim run and baseline real-run-1 is a real run/);
  });

  it('exits 2 for an unknown run, a bad baseline spec, and a run with no earlier run in its series', async () => {
    const unknown = await cli(['gate', 'no-such-run', '--baseline', 'rolling:7', '--reports', reports]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/gate no-such-run: unknown run/);
    const badSpec = await cli(['gate', nights[2] as string, '--baseline', 'rolling:x', '--reports', reports]);
    expect(badSpec.code).to.equal(2);
    expect(badSpec.stderr).to.match(/--baseline rolling:x: expected rolling:N/);
    const badAlpha = await cli(['gate', nights[2] as string, '--baseline', 'rolling:7', '--alpha', '2', '--reports', reports]);
    expect(badAlpha.code).to.equal(2);
    expect(badAlpha.stderr).to.match(/--alpha: expected a number/);
    const first = await cli(['gate', nights[0] as string, '--baseline', 'rolling:7', '--reports', reports]);
    expect(first.code).to.equal(2);
    expect(first.stderr).to.match(/no baseline available for rolling:7/);
  });

  it('exits 3 when the run folder cannot be read (its attempts file is not readable as a file)', async () => {
    const unreadable = join(dir, 'unreadable-run');
    await cp(nights[2] as string, unreadable, { recursive: true });
    await rm(join(unreadable, 'attempts.jsonl'));
    await mkdir(join(unreadable, 'attempts.jsonl'));
    const result = await cli(['gate', unreadable, '--baseline', 'rolling:7', '--reports', reports]);
    expect(result.code, result.stderr).to.equal(3);
    expect(result.stderr).to.match(/unreadable-run: cannot be read \(EISDIR\)/);
  });

  it('exits 3 when the history database cannot be used', async () => {
    const broken = join(dir, 'broken.sqlite');
    await writeFile(broken, 'this is not a SQLite database, it is plain text '.repeat(100));
    const result = await cli(['gate', nights[2] as string, '--baseline', 'rolling:7', '--reports', reports, '--db', broken]);
    expect(result.code, result.stderr).to.equal(3);
    expect(result.stderr).to.match(/history .*broken\.sqlite: cannot be used/);
  });
});
