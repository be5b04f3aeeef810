import { expect } from 'chai';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { copySampleRun, facets, roundRobin, writeRunDir } from './run-dir.js';

function collector(): { write(chunk: string | Uint8Array): boolean; text: () => string } {
  let text = '';
  return {
    write(chunk) {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    },
    text: () => text,
  };
}

async function report(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(['report', ...argv], { stdout, stderr, env: { NO_COLOR: '1' } });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('picow-harness report', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'picow-report-cli-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('rebuilds every report of a run directory, prints their paths and the findings, and exits 0', async () => {
    const dir = await copySampleRun(join(base, '20261122-002422-9dfe'));
    const run = await report([dir]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).to.equal('SIMULATED run 20261122-002422-9dfe: 20 attempts in 4 cells, 5 ok');
    for (const file of ['report.html', 'summary.md', 'summary.json', 'results.csv', 'junit.xml']) {
      expect(lines).to.include(`  ${join(dir, file)}`);
      expect((await stat(join(dir, file))).size).to.be.greaterThan(0);
    }
    expect(run.stdout).to.match(/\nFindings: \d+ strong/);
    expect(run.stdout).to.include("[strong] TLS fails after cold boots: the board's clock is not set");
  });

  it('finds a run by its id under --reports', async () => {
    const reports = join(base, 'reports');
    const cells = [facets('hard/lab/valid')];
    await writeRunDir(join(reports, 'run-1'), { cells, iterations: 2, records: roundRobin(cells, 2) });
    const run = await report(['run-1', '--reports', reports]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include(join(reports, 'run-1', 'report.html'));
    expect(run.stdout).to.include('Findings: none');
  });

  it('exits 2 with one line when there is no such run', async () => {
    const run = await report(['nope', '--reports', join(base, 'reports')]);
    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal(`picow-harness: report nope: no run directory there or under ${join(base, 'reports')}/\n`);
  });

  it('exits 2 with one line naming manifest.json for a directory that is not a run', async () => {
    const dir = join(base, 'not-a-run');
    await mkdir(dir);
    const run = await report([dir]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal(`picow-harness: ${join(dir, 'manifest.json')}: missing; ${dir} is not a picow-harness run directory\n`);
  });

  it('exits 2 with one line naming the byte offset when the records are damaged', async () => {
    const cells = [facets('hard/lab/valid')];
    const dir = await writeRunDir(join(base, 'damaged'), { cells, iterations: 2, records: roundRobin(cells, 2) });
    await writeFile(join(dir, 'attempts.jsonl'), 'not json\n{"v":1}\n');
    const run = await report([dir]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal(`picow-harness: ${join(dir, 'attempts.jsonl')}: line 1 at byte 0 is not valid JSON (only a torn last line is skipped)\n`);
  });

  it('prints a note about a torn last line on stderr and still exits 0', async () => {
    const cells = [facets('hard/lab/valid')];
    const dir = await writeRunDir(join(base, 'torn'), { cells, iterations: 2, records: roundRobin(cells, 2) });
    await writeFile(join(dir, 'attempts.jsonl'), `${JSON.stringify(roundRobin(cells, 1)[0])}\n{"v":1,"ru`);
    const run = await report([dir]);
    expect(run.code).to.equal(0);
    expect(run.stderr).to.match(/^note: .*attempts\.jsonl: skipped a torn last line at byte \d+ \(10 bytes without a newline: an interrupted write\)\n$/);
  });
});
