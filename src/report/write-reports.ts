/** Writes a run's machine-readable reports next to its records, each replaced atomically. */
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttemptRecord } from '../campaign/types.js';
import type { Tally } from '../results/tally.js';
import { formatJunitXml, JUNIT_XML_FILE } from './junit.js';
import { RESULTS_CSV_FILE, resultsCsvHeader, resultsCsvRow } from './results-csv.js';
import type { RunInfo } from './run-info.js';
import { formatSummaryJson, SUMMARY_JSON_FILE, type RunExit } from './summary-json.js';

export interface ReportPaths {
  readonly summaryJson: string;
  readonly resultsCsv: string;
  readonly junitXml: string;
}

export interface ReportInputs {
  readonly run: RunInfo;
  readonly tally: Tally;
  readonly exit: RunExit;
  /** The run's records in seq order (read again for the CSV, so a large run is streamed). */
  readonly records: Iterable<AttemptRecord> | AsyncIterable<AttemptRecord>;
}

/** Writes chunks to `path` through a temporary file renamed into place, so a reader never sees half a file. */
async function writeAtomically(path: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  const handle = await open(temporary, 'w');
  try {
    let pending = '';
    for await (const chunk of chunks) {
      pending += chunk;
      if (pending.length >= 64 * 1024) {
        await handle.write(pending);
        pending = '';
      }
    }
    await handle.write(pending);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
}

async function* csvChunks(records: Iterable<AttemptRecord> | AsyncIterable<AttemptRecord>, board: 'sim' | 'real'): AsyncIterable<string> {
  yield resultsCsvHeader();
  for await (const record of records) yield resultsCsvRow(record, board);
}

/** summary.json, results.csv and junit.xml in `runDir`. */
export async function writeReportFiles(runDir: string, inputs: ReportInputs): Promise<ReportPaths> {
  const paths: ReportPaths = {
    summaryJson: join(runDir, SUMMARY_JSON_FILE),
    resultsCsv: join(runDir, RESULTS_CSV_FILE),
    junitXml: join(runDir, JUNIT_XML_FILE),
  };
  await writeAtomically(paths.resultsCsv, csvChunks(inputs.records, inputs.run.board.kind));
  await writeAtomically(paths.junitXml, [formatJunitXml(inputs.run, inputs.tally)]);
  await writeAtomically(paths.summaryJson, [formatSummaryJson(inputs.run, inputs.tally, inputs.exit)]);
  return paths;
}
