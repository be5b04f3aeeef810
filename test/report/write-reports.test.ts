import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatJunitXml } from '../../src/report/junit.js';
import { formatResultsCsv } from '../../src/report/results-csv.js';
import { formatSummaryJson } from '../../src/report/summary-json.js';
import { writeReportFiles } from '../../src/report/write-reports.js';
import { tally } from '../../src/results/tally.js';
import { attempt, plan, SIM_RUN } from './support.js';

describe('writing the report files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-reports-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes summary.json, results.csv and junit.xml into the run directory and leaves no temporary files', async () => {
    const records = Array.from({ length: 3000 }, (_, seq) => attempt({ seq, cell: `c${seq % 3}`, iteration: Math.floor(seq / 3) + 1 }));
    const result = tally(records, [plan('c0', 1000), plan('c1', 1000), plan('c2', 1000)]);
    const exit = { code: 0, reason: 'completed', message: null } as const;
    async function* stream() {
      yield* records;
    }
    const paths = await writeReportFiles(dir, { run: SIM_RUN, tally: result, exit, records: stream() });
    expect((await readdir(dir)).sort()).to.deep.equal(['junit.xml', 'results.csv', 'summary.json']);
    expect(await readFile(paths.resultsCsv, 'utf8')).to.equal(formatResultsCsv(records, 'sim'));
    expect(await readFile(paths.summaryJson, 'utf8')).to.equal(formatSummaryJson(SIM_RUN, result, exit));
    expect(await readFile(paths.junitXml, 'utf8')).to.equal(formatJunitXml(SIM_RUN, result));
  });
});
