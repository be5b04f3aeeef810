import { readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError, exitCodeFor } from '../../errors.js';
import { shouldUseColor } from '../../report/color.js';
import { History, defaultHistoryPath } from '../../history/index.js';
import { buildTrend, DEFAULT_TREND_RUNS } from '../../history/trend.js';
import { formatTrendText } from '../../history/trend-text.js';
import { formatTrendHtml } from '../../history/trend-html.js';
import { MANIFEST_FILE } from '../../campaign/records/manifest.js';
import { defineCommand } from '../command.js';
import { writeLine } from '../io.js';
import { parseWholeNumber, type GlobalArgs } from '../options.js';

interface HistoryArgs extends GlobalArgs {
  readonly action: string;
  readonly dirs?: readonly string[] | undefined;
  readonly db?: string | undefined;
  readonly reports: string;
  readonly last?: string | undefined;
  readonly cell?: string | undefined;
  readonly board?: string | undefined;
  readonly firmware?: string | undefined;
  readonly series?: string | undefined;
  readonly html?: string | undefined;
  readonly json: boolean;
}

const ACTIONS = ['show', 'import'] as const;

/** Every run folder directly under `reports` (a folder with a manifest.json), oldest first by name. */
async function runFoldersUnder(reports: string): Promise<string[]> {
  const entries = await readdir(reports, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new UsageError(`history import: ${reports}/ does not exist (name run folders, or --reports)`);
    throw error;
  });
  const folders: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const info = await stat(join(reports, entry.name, MANIFEST_FILE)).catch(() => undefined);
    if (info?.isFile() === true) folders.push(join(reports, entry.name));
  }
  return folders;
}

export const historyCommand = defineCommand<HistoryArgs>({
  command: 'history [action] [dirs..]',
  describe: 'Success rate per cell, board and firmware over the last runs (table or HTML trend chart); `history import` indexes run folders',
  builder: (yargs) =>
    yargs
      .positional('action', { type: 'string', choices: ACTIONS, default: 'show', describe: 'show the trend (default), or import run folders' })
      .positional('dirs', { type: 'string', array: true, describe: 'import: run folders (default: every run under --reports)' })
      .option('db', { type: 'string', requiresArg: true, describe: 'the history database (default: <reports>/history.sqlite)' })
      .option('reports', { type: 'string', default: 'reports', requiresArg: true, describe: 'where run folders are' })
      .option('last', { type: 'string', requiresArg: true, describe: `runs per series to show (default ${DEFAULT_TREND_RUNS})` })
      .option('cell', { type: 'string', requiresArg: true, describe: 'only cells matching this id or glob (* within an axis, ** across)' })
      .option('board', { type: 'string', requiresArg: true, describe: 'only this board (label, serial number or unique id)' })
      .option('firmware', { type: 'string', requiresArg: true, describe: 'only this firmware (sys.version, or part of it such as v1.24.1)' })
      .option('series', { type: 'string', requiresArg: true, describe: 'only this series (default: every series, each shown on its own)' })
      .option('html', { type: 'string', requiresArg: true, describe: 'also write a self-contained HTML trend chart to this file' })
      .option('json', { type: 'boolean', default: false, describe: 'print the trend as JSON instead of a table' })
      .example('$0 history --last 14', 'the last two weeks of nightly runs, per cell')
      .example('$0 history --cell "hard/**" --board rig-1 --html trend.html', 'one board, a slice of cells, as a chart')
      .example('$0 history import', 'index every run under reports/ (rebuilds a deleted database)')
      .epilogue(
        'Runs are grouped in series: board kind (sim or real), campaign name and, for the simulator, the world. Series are never mixed.\nExit codes: 0 ok, 2 usage error or a damaged run folder/database, 3 files could not be written.',
      ),
  async run(args, { io, env }) {
    const file = resolve(args.db ?? defaultHistoryPath(args.reports));
    if (args.action === 'import') {
      const dirs = args.dirs !== undefined && args.dirs.length > 0 ? [...args.dirs] : await runFoldersUnder(args.reports);
      const history = History.open(file);
      let worst = 0;
      let imported = 0;
      try {
        for (const dir of dirs) {
          try {
            const result = await history.importRun(dir);
            for (const note of result.notes) writeLine(io.stderr, `note: ${note}`);
            const { run } = result;
            imported += 1;
            writeLine(io.stdout, `${result.replaced ? 'replaced' : 'imported'} ${run.id} (${run.kind}, series ${run.seriesKey}): ${run.ok}/${run.attempts} ok, exit ${run.exitCode ?? '?'}`);
          } catch (error) {
            worst = Math.max(worst, exitCodeFor(error));
            writeLine(io.stderr, `picow-harness: ${dir}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      } finally {
        history.close();
      }
      writeLine(io.stdout, `${imported} of ${dirs.length} run folder${dirs.length === 1 ? '' : 's'} in ${file}`);
      return worst;
    }
    if (args.dirs !== undefined && args.dirs.length > 0) throw new UsageError(`history: unexpected ${args.dirs.join(' ')} (only \`history import\` takes run folders)`);
    const last = parseWholeNumber('last', args.last, { min: 1, max: 10_000 });
    if ((await stat(file).catch(() => undefined)) === undefined) {
      throw new UsageError(`${file}: no history yet (runs are indexed as they finish; \`picow-harness history import\` indexes existing run folders)`);
    }
    const history = History.open(file);
    try {
      const report = buildTrend(history, {
        ...(last === undefined ? {} : { last }),
        ...(args.cell === undefined ? {} : { cell: args.cell }),
        ...(args.board === undefined ? {} : { board: args.board }),
        ...(args.firmware === undefined ? {} : { firmware: args.firmware }),
        ...(args.series === undefined ? {} : { series: args.series }),
      });
      if (args.html !== undefined) {
        await writeFile(args.html, formatTrendHtml(report, { generatedAt: new Date().toISOString() }));
        writeLine(io.stderr, `trend chart: ${args.html}`);
      }
      if (args.json) writeLine(io.stdout, JSON.stringify(report, null, 2));
      else {
        const stdout = io.stdout as { isTTY?: boolean; columns?: number };
        io.stdout.write(formatTrendText(report, { width: Math.min(stdout.columns ?? 120, 160), color: shouldUseColor(stdout, env) }));
      }
      return 0;
    } finally {
      history.close();
    }
  },
});
