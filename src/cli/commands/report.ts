import { stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { rebuildReports } from '../../report/rebuild.js';
import { painter, shouldUseColor } from '../../report/color.js';
import { SIMULATED_LABEL } from '../../report/run-info.js';
import { formatFindingsText } from '../../results/findings/index.js';
import { defineCommand } from '../command.js';
import { writeLine } from '../io.js';
import type { GlobalArgs } from '../options.js';

interface ReportArgs extends GlobalArgs {
  readonly run: string;
  readonly reports: string;
}

/** RUN as given (a directory), or a run id under --reports. */
async function runDirectory(value: string, reports: string): Promise<string> {
  for (const candidate of [value, join(reports, value)]) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isDirectory() === true) return resolve(candidate);
  }
  throw new UsageError(`report ${value}: no run directory there or under ${reports}/`);
}

/** A path as the user would type it from here: relative when that is shorter. */
function shown(path: string): string {
  const near = relative(process.cwd(), path);
  return near !== '' && !near.startsWith('..') && near.length < path.length ? near : path;
}

export const reportCommand = defineCommand<ReportArgs>({
  command: 'report <run>',
  describe: "Rebuild a run's reports (summary.json, results.csv, junit.xml, summary.md, report.html) from its records, and print the findings",
  builder: (yargs) =>
    yargs
      .positional('run', { type: 'string', demandOption: true, describe: 'a run directory, or a run id under --reports' })
      .option('reports', { type: 'string', default: 'reports', requiresArg: true, describe: 'where run directories are' })
      .example('$0 report reports/20250102-030405-ab12', 'rebuild the reports of that run')
      .example('$0 report 20250102-030405-ab12', 'the same, by run id')
      .epilogue('Reads only manifest.json and attempts.jsonl (and status.json for how the run ended).\nExit codes: 0 reports written, 2 not a run directory or damaged records, 3 files could not be written.'),
  async run(args, { io, env }) {
    const dir = await runDirectory(args.run, args.reports);
    const result = await rebuildReports(dir, { onNote: (text) => writeLine(io.stderr, `note: ${text}`) });
    const { run, tally, paths } = result;
    writeLine(io.stdout, `${run.board.kind === 'sim' ? `${SIMULATED_LABEL} ` : ''}run ${run.runId}: ${tally.totals.attempts} attempts in ${tally.totals.cells} cells, ${tally.totals.ok} ok`);
    writeLine(io.stdout, 'reports:');
    for (const path of [paths.reportHtml, paths.summaryMd, paths.summaryJson, paths.resultsCsv, paths.junitXml]) writeLine(io.stdout, `  ${shown(path)}`);
    writeLine(io.stdout);
    const stdout = io.stdout as { isTTY?: boolean; columns?: number };
    const paint = painter(shouldUseColor(stdout, env));
    writeLine(io.stdout, formatFindingsText(result.findings, { width: Math.min(stdout.columns ?? 100, 120), paint }).trimEnd());
    return 0;
  },
});
