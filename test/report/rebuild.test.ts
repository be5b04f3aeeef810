import { expect } from 'chai';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttemptRecord } from '../../src/campaign/types.js';
import { formatResultsCsv } from '../../src/report/results-csv.js';
import { rebuildReports } from '../../src/report/rebuild.js';
import type { SummaryJson } from '../../src/report/summary-json.js';
import { FindingsAccumulator } from '../../src/results/findings/index.js';
import { openRunData } from '../../src/results/run-data.js';
import { copySampleRun, facets, roundRobin, SAMPLE_RUN_DIR, writeRunDir } from './run-dir.js';
import { parseCsv } from './support.js';

async function collect(records: AsyncIterable<AttemptRecord>): Promise<AttemptRecord[]> {
  const all: AttemptRecord[] = [];
  for await (const record of records) all.push(record);
  return all;
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

describe('reading a run directory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-run-data-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cells = [facets('hard/lab/valid'), facets('soft/lab/valid', { reset: 'soft' })];

  it('gives the manifest, the cells and certificate sets it lists, and the records in file order', async () => {
    const records = roundRobin(cells, 3);
    await writeRunDir(dir, { cells, iterations: 3, records });
    const data = await openRunData(dir);
    expect(data.manifest.runId).to.equal(records[0]?.runId);
    expect(data.cells).to.deep.equal(cells);
    expect(data.cellsFrom).to.equal('manifest');
    expect(data.plannedIterations).to.equal(3);
    expect(await collect(data.records())).to.deep.equal(records);
    // Each call reads the file again.
    expect(await collect(data.records())).to.have.length(6);
  });

  it('skips a torn last line (no newline) with a note naming the byte offset', async () => {
    const records = roundRobin(cells, 2);
    await writeRunDir(dir, { cells, iterations: 2, records });
    const size = (await readFile(join(dir, 'attempts.jsonl'))).length;
    await appendFile(join(dir, 'attempts.jsonl'), '{"v":1,"runId":"x","seq":4,"ce');
    const heard: string[] = [];
    const data = await openRunData(dir, { onNote: (text) => heard.push(text) });
    expect(await collect(data.records())).to.deep.equal(records);
    expect(heard).to.deep.equal([`${join(dir, 'attempts.jsonl')}: skipped a torn last line at byte ${size} (30 bytes without a newline: an interrupted write)`]);
    await collect(data.records());
    expect(data.notes).to.have.length(1);
  });

  it('skips a last line that is not JSON, and reads lines longer than one read chunk', async () => {
    const long = { ...roundRobin(cells, 1)[0], detail: 'x'.repeat(600_000) } as AttemptRecord;
    await writeRunDir(dir, { cells, iterations: 1, records: [long] });
    await appendFile(join(dir, 'attempts.jsonl'), '{"v":1,"run\n');
    const data = await openRunData(dir);
    expect(await collect(data.records())).to.deep.equal([long]);
    expect(data.notes[0]).to.match(/skipped a torn last line at byte \d+ \(not valid JSON/);
  });

  it('stops with an error naming the file, line and byte offset when a line before the last is damaged', async () => {
    const records = roundRobin(cells, 2);
    await writeRunDir(dir, { cells, iterations: 2, records });
    const file = join(dir, 'attempts.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    const offset = Buffer.byteLength(`${lines[0]}\n`);
    lines[1] = '{"damaged": ';
    await writeFile(file, lines.join('\n'));
    const data = await openRunData(dir);
    const error = await collect(data.records()).then(
      () => undefined,
      (caught: unknown) => caught as Error & { code?: string },
    );
    expect(error?.code).to.equal('CONFIG_INVALID');
    expect(error?.message).to.equal(`${file}: line 2 at byte ${offset} is not valid JSON (only a torn last line is skipped)`);
  });

  it('refuses a record of another run, naming the byte offset', async () => {
    const records = roundRobin(cells, 1);
    await writeRunDir(dir, { cells, iterations: 1, records: [records[0] as AttemptRecord, { ...(records[1] as AttemptRecord), runId: 'other' }] });
    const data = await openRunData(dir);
    const offset = Buffer.byteLength(`${JSON.stringify(records[0])}\n`);
    await collect(data.records()).then(
      () => expect.fail('read a record of another run'),
      (error: Error) => expect(error.message).to.equal(`${join(dir, 'attempts.jsonl')}: the record on line 2 at byte ${offset} belongs to run "other", not "20250102-030405-sim"`),
    );
  });

  it('names manifest.json when it is missing, not JSON, or lacks a field reports need', async () => {
    const file = join(dir, 'manifest.json');
    const missing = await openRunData(dir).catch((error: Error) => error);
    expect((missing as Error).message).to.equal(`${file}: missing; ${dir} is not a picow-harness run directory`);
    await writeFile(file, '{"runId": ');
    const broken = await openRunData(dir).catch((error: Error) => error);
    expect((broken as Error).message).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON \\(`));
    await writeFile(file, JSON.stringify({ runId: 'r', board: { kind: 'robot' } }));
    const shape = await openRunData(dir).catch((error: Error & { code?: string }) => error);
    expect((shape as Error & { code?: string }).code).to.equal('CONFIG_INVALID');
    expect((shape as Error).message).to.match(/manifest\.json: board\.kind: /);
  });

  it('names the field of a damaged cell in extra.cells', async () => {
    await writeRunDir(dir, { cells: [{ ...facets('a'), reset: 'sideways' as never }], iterations: 1, records: [] });
    const error = await openRunData(dir).catch((caught: Error) => caught);
    expect((error as Error).message).to.match(/manifest\.json: extra\.cells\[0\]\.reset: /);
  });

  it('derives the cells from the records when the manifest does not list them, and says so', async () => {
    const records = roundRobin(cells, 2);
    await writeRunDir(dir, { cells, iterations: 2, records, withoutCells: true });
    const data = await openRunData(dir);
    expect(data.cellsFrom).to.equal('records');
    expect(data.cells.map((cell) => [cell.id, cell.reset, cell.successClass])).to.deep.equal([
      ['hard/lab/valid', 'hard', 'tls.ok'],
      ['soft/lab/valid', 'hard', 'tls.ok'],
    ]);
    expect(data.notes[0]).to.include('no extra.cells; the cells were derived from the records');
  });

  it('reads a run without attempts.jsonl as a run without records', async () => {
    await writeRunDir(dir, { cells, iterations: 2, records: [] });
    await rm(join(dir, 'attempts.jsonl'));
    expect(await collect((await openRunData(dir)).records())).to.deep.equal([]);
  });
});

describe('rebuilding the reports of a run', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-rebuild-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cells = [facets('hard/lab/valid'), facets('soft/lab/valid', { reset: 'soft' }), facets('hard/lab/issued-now', { certs: 'issued-now' })];
  const classOf = (cell: string, iteration: number): string => (cell === 'hard/lab/issued-now' ? 'tls.verify.future' : iteration === 4 ? 'wifi.connect-fail' : 'tls.ok');

  it('writes summary.json, results.csv, junit.xml, summary.md and report.html from the records alone', async () => {
    const records = roundRobin(cells, 10, classOf);
    await writeRunDir(dir, { cells, iterations: 10, records, expect: [{ cell: '**/issued-now', rule: { kind: 'fails', text: 'fails' } }, { cell: 'soft/**', rule: 'ok >= 0.95' }] });
    const result = await rebuildReports(dir);
    expect((await readdir(dir)).sort()).to.deep.equal(['attempts.jsonl', 'junit.xml', 'manifest.json', 'report.html', 'results.csv', 'status.json', 'summary.json', 'summary.md']);
    expect(result.paths.reportHtml).to.equal(join(dir, 'report.html'));

    const summary = await readJson<SummaryJson>(result.paths.summaryJson);
    expect(summary.runId).to.equal('20250102-030405-sim');
    expect(summary.board.label).to.equal('SIMULATED');
    expect(summary.board.firmware).to.equal('3.4.0; MicroPython v1.24.1 on 2024-11-29');
    expect(summary.board.sim).to.deep.equal({ worldHash: 'sha256:3f2a9c1e04b7d5a6c8e9f001', seed: 42, timeScale: 20 });
    expect(summary.startedAt).to.equal('2025-01-02T03:04:05.678Z');
    expect(summary.finishedAt).to.equal('2025-01-02T03:09:00.000Z');
    expect(summary.cells.map((cell) => [cell.id, cell.planned, cell.attempts, cell.ok])).to.deep.equal([
      ['hard/lab/valid', 10, 10, 9],
      ['soft/lab/valid', 10, 10, 9],
      ['hard/lab/issued-now', 10, 10, 0],
    ]);
    expect(summary.expectations.map((outcome) => [outcome.cell, outcome.rule, outcome.held])).to.deep.equal([
      ['hard/lab/issued-now', 'fails', true],
      ['soft/lab/valid', 'ok >= 0.95', false],
    ]);
    expect(summary.exit).to.deep.equal({ code: 1, reason: 'expectation-failed', message: '1 expectation(s) not met' });
    expect(result.exit.code).to.equal(1);

    expect(await readFile(result.paths.resultsCsv, 'utf8')).to.equal(formatResultsCsv(records, 'sim'));
    const junit = await readFile(result.paths.junitXml, 'utf8');
    expect(junit).to.include('failures="1"');

    const html = await readFile(result.paths.reportHtml, 'utf8');
    expect([...html.matchAll(/<tr data-cell="([^"]*)"/g)].map((match) => match[1])).to.deep.equal(summary.cells.map((cell) => cell.id));
    const markdown = await readFile(result.paths.summaryMd, 'utf8');
    for (const cell of summary.cells) expect(markdown).to.include(`| ${cell.id} | ${cell.attempts}/${cell.planned} |`);
  });

  it('puts every finding the records support into the result, summary.md and report.html', async () => {
    await copySampleRun(dir);
    const data = await openRunData(dir);
    const accumulator = new FindingsAccumulator(data.cells, data.certificateSets, '3.4.0; MicroPython v1.24.1 on 2024-11-29');
    for await (const record of data.records()) accumulator.add(record);
    const expected = accumulator.findings();
    expect(expected).not.to.deep.equal([]);
    const result = await rebuildReports(dir);
    expect(result.findings).to.deep.equal(expected);
    const [markdown, html] = await Promise.all([readFile(result.paths.summaryMd, 'utf8'), readFile(result.paths.reportHtml, 'utf8')]);
    for (const finding of expected) {
      expect(html).to.include(`data-finding="${finding.id}"`);
      expect(markdown).to.include(`rule \`${finding.id}\``);
      for (const evidence of finding.evidence) expect(markdown).to.include(`| ${evidence.cell} | ${evidence.attempts} | ${evidence.matching} | ${evidence.ok} |`);
    }
  });

  it('gives the same bytes when run again', async () => {
    await writeRunDir(dir, { cells, iterations: 6, records: roundRobin(cells, 6, classOf) });
    const first = await rebuildReports(dir);
    const files = Object.values(first.paths);
    const before = await Promise.all(files.map((file) => readFile(file, 'utf8')));
    await rebuildReports(dir);
    expect(await Promise.all(files.map((file) => readFile(file, 'utf8')))).to.deep.equal(before);
  });

  it('counts a record of an attempt already recorded once, everywhere', async () => {
    const records = roundRobin(cells, 3, classOf);
    const duplicate = { ...(records[0] as AttemptRecord), seq: 99, class: 'tls.alloc' };
    await writeRunDir(dir, { cells, iterations: 3, records: [...records, duplicate] });
    const result = await rebuildReports(dir);
    const summary = await readJson<SummaryJson>(result.paths.summaryJson);
    expect(summary.attempts.duplicatesIgnored).to.equal(1);
    expect(summary.attempts.done).to.equal(9);
    expect(parseCsv(await readFile(result.paths.resultsCsv, 'utf8'))).to.have.length(1 + 9);
    expect(await readFile(result.paths.summaryMd, 'utf8')).to.include('| Duplicates ignored | 1 |');
  });

  it('reports a torn last line as a note and builds the reports from the whole lines', async () => {
    const records = roundRobin(cells, 2, classOf);
    await writeRunDir(dir, { cells, iterations: 2, records });
    await appendFile(join(dir, 'attempts.jsonl'), '{"v":1,');
    const heard: string[] = [];
    const result = await rebuildReports(dir, { onNote: (text) => heard.push(text) });
    expect(heard).to.have.length(1);
    expect(result.notes).to.deep.equal(heard);
    expect(result.tally.totals.attempts).to.equal(6);
    expect(await readFile(result.paths.summaryMd, 'utf8')).to.include('skipped a torn last line');
  });

  it('takes how the run ended from status.json: a run still marked running is not finished', async () => {
    await writeRunDir(dir, { cells, iterations: 4, records: roundRobin(cells, 2), state: 'running' });
    const result = await rebuildReports(dir);
    expect(result.exit.code).to.equal(130);
    expect(result.exit.reason).to.equal('interrupted');
    expect(result.run.finishedAt).to.equal(null);
    const summary = await readJson<SummaryJson>(result.paths.summaryJson);
    expect(summary.attempts).to.deep.include({ planned: 12, done: 6 });
  });

  it("keeps an earlier summary's reason for a run that stopped early (only run knew it)", async () => {
    await writeRunDir(dir, { cells, iterations: 4, records: roundRobin(cells, 2), state: 'stopped' });
    await writeFile(join(dir, 'summary.json'), JSON.stringify({ exit: { code: 3, reason: 'infrastructure', message: 'board quarantined: device hung' } }));
    const result = await rebuildReports(dir);
    expect(result.exit).to.deep.equal({ code: 3, reason: 'infrastructure', message: 'board quarantined: device hung' });
  });

  it("uses the caller's exit and end time when given (the campaign that just ran)", async () => {
    await writeRunDir(dir, { cells, iterations: 2, records: roundRobin(cells, 2) });
    const exit = { code: 0, reason: 'time-limit', message: 'stopped at the maximum duration; continue with --resume' } as const;
    const result = await rebuildReports(dir, { exit, finishedAt: '2025-01-02T04:00:00.000Z' });
    const summary = await readJson<SummaryJson>(result.paths.summaryJson);
    expect(summary.exit).to.deep.equal(exit);
    expect(summary.finishedAt).to.equal('2025-01-02T04:00:00.000Z');
  });

  it('refuses a damaged expect rule in the manifest, naming where it is', async () => {
    await writeRunDir(dir, { cells, iterations: 2, records: roundRobin(cells, 2), expect: [{ cell: '**', rule: 'ok >= lots' }] });
    const error = await rebuildReports(dir).catch((caught: Error) => caught);
    expect((error as Error).message).to.match(/manifest\.json: config\.redacted\.config\.expect\[0\]\.rule: the rate "lots" must be/);
  });

  it('rebuilds a run of the default campaign to the same numbers the run reported', async () => {
    await copySampleRun(dir);
    const original = await readJson<SummaryJson>(join(SAMPLE_RUN_DIR, 'summary.json'));
    const result = await rebuildReports(dir);
    const rebuilt = await readJson<SummaryJson>(result.paths.summaryJson);
    const essentials = (summary: SummaryJson): unknown => ({
      runId: summary.runId,
      board: summary.board,
      startedAt: summary.startedAt,
      finishedAt: summary.finishedAt,
      attempts: summary.attempts,
      exit: summary.exit,
      cells: summary.cells.map((cell) => ({ id: cell.id, status: cell.status, planned: cell.planned, attempts: cell.attempts, ok: cell.ok, classes: cell.classes, expectations: cell.expectations })),
      expectations: summary.expectations,
    });
    expect(essentials(rebuilt)).to.deep.equal(essentials(original));
  });
});
