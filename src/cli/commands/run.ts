import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runCampaign, RUN_EXIT } from '../../campaign/campaign.js';
import { isSimBoard, loadCampaignConfig, type CampaignOverrides } from '../../campaign/config/index.js';
import { describeDryRun, estimateDuration, planCampaign } from '../../campaign/matrix.js';
import { UsageError } from '../../errors.js';
import { CampaignProgress } from '../../report/progress.js';
import { formatFindingsText } from '../../results/findings/index.js';
import { formatTerminalSummary } from '../../report/terminal-summary.js';
import { shouldUseColor } from '../../report/color.js';
import { loadWorld, DEFAULT_WORLD } from '../../sim/world.js';
import { defineCommand } from '../command.js';
import { writeLine } from '../io.js';
import { defaultHistoryPath, indexRunInHistory } from '../../history/index.js';
import { parseWholeNumber, type GlobalArgs } from '../options.js';
import { parseDuration } from '../../campaign/config/units.js';
import { runRackFromCli } from './run-rack.js';
import { BoardLock, lockKeyOfPort } from '../../transport/board-lock.js';

interface RunArgs extends GlobalArgs {
  readonly config?: string | undefined;
  readonly iterations?: string | undefined;
  readonly only?: readonly string[] | undefined;
  readonly 'dry-run': boolean;
  readonly 'max-duration'?: string | undefined;
  readonly resume?: string | undefined;
  readonly reports: string;
  /** A path, or false for --no-history. */
  readonly history?: string | boolean | undefined;
  readonly boards?: string | undefined;
  readonly inventory?: string | undefined;
  readonly 'wait-lock'?: string | undefined;
}

/** The campaign `run` uses when none is named: a short default on the simulated board. */
export const DEFAULT_CAMPAIGN = new URL('../../../campaigns/default.yaml', import.meta.url);

/** --wait-lock DURATION in host ms (0 without the flag). */
function waitLockMs(value: string | undefined): number {
  if (value === undefined) return 0;
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new UsageError(`--wait-lock ${value}: ${parsed.problem}`);
  return parsed.ms;
}

async function resumeDirectory(value: string, reports: string): Promise<string> {
  for (const candidate of [value, join(reports, value)]) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isDirectory() === true) return resolve(candidate);
  }
  throw new UsageError(`--resume ${value}: no run directory there or under ${reports}/`);
}

export const runCommand = defineCommand<RunArgs>({
  command: 'run [config]',
  describe: 'Run a campaign: Wi-Fi and TLS probes across a matrix of conditions, every attempt recorded under reports/',
  builder: (yargs) =>
    yargs
      .positional('config', { type: 'string', describe: 'campaign YAML (default: the built-in short campaign on the simulated board)' })
      .option('iterations', { type: 'string', requiresArg: true, describe: 'attempts per cell (overrides the config)' })
      .option('only', { type: 'string', array: true, requiresArg: true, describe: 'run only cells matching this id or glob (* within an axis, ** across); repeatable' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'print cells × iterations and an estimated duration, run nothing' })
      .option('max-duration', { type: 'string', requiresArg: true, describe: 'start no attempt after this long, e.g. 30m, 8h (the run stays resumable)' })
      .option('resume', { type: 'string', requiresArg: true, describe: 'continue the run in this directory (or run id under --reports)' })
      .option('reports', { type: 'string', default: 'reports', requiresArg: true, describe: 'where run directories go' })
      .option('boards', { type: 'string', requiresArg: true, describe: 'run on several boards of the inventory at once: all, or LABEL,LABEL (every board runs the whole plan)' })
      .option('inventory', { type: 'string', requiresArg: true, describe: 'the inventory YAML for --boards (default: board.inventory in the config)' })
      .option('wait-lock', { type: 'string', requiresArg: true, describe: 'wait this long (e.g. 30s, 5m) for another picow-harness process to release a board (locked by serial number) instead of exiting 3' })
      .option('history', { type: 'string', describe: 'index the run in this history database (default: <reports>/history.sqlite); --no-history to skip' })
      .example('$0 run examples/campaign.yaml --dry-run', 'show the plan')
      .example('$0 run campaign.yaml --only "hard/**" --iterations 50', 'one slice, more attempts')
      .example('$0 run campaign.yaml --inventory rack.yaml --boards all', 'every board of the rack in parallel')
      .epilogue(
        'Secrets (Wi-Fi passwords) come from the environment or files named in the config, never from the command line.\nExit codes: 0 campaign completed and every expectation held, 1 an expectation failed, 2 usage or config error, 3 infrastructure (preflight, board hung, board locked by another process, a rack board stopped), 130 interrupted (resume with --resume).',
      ),
  async run(args, { io, env, signal }) {
    const iterations = parseWholeNumber('iterations', args.iterations, { min: 1, max: 1_000_000 });
    const seed = parseWholeNumber('seed', args.seed, { min: 0, max: Number.MAX_SAFE_INTEGER });
    const overrides: CampaignOverrides = {
      port: args.port,
      profile: args.profile,
      world: args.world,
      iterations,
      seed,
      maxDuration: args['max-duration'],
    };
    const file = args.config ?? DEFAULT_CAMPAIGN.pathname;
    const loaded = await loadCampaignConfig(file, { overrides });
    const only = args.only === undefined || args.only.length === 0 ? undefined : args.only;

    if (args['dry-run']) {
      const plan = planCampaign(loaded.config, { seed: loaded.config.seed ?? 0, ...(only === undefined ? {} : { only }) });
      const world = isSimBoard(loaded.config) ? (loaded.paths.world === undefined ? DEFAULT_WORLD : await loadWorld(loaded.paths.world)) : undefined;
      const estimate = estimateDuration(plan, undefined, { timeScale: world?.timeScale ?? 1, maxDurationMs: loaded.config.maxDuration });
      if (world !== undefined) writeLine(io.stdout, 'SIMULATED board');
      for (const line of describeDryRun(plan, estimate)) writeLine(io.stdout, line);
      if (loaded.config.seed === undefined) writeLine(io.stdout, '(the order shown uses seed 0; a real run picks a seed and records it)');
      return 0;
    }

    const resumeDir = args.resume === undefined ? undefined : await resumeDirectory(args.resume, args.reports);
    const stderr = io.stderr as { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
    let progress: CampaignProgress | undefined;
    let startedRunDir: string | undefined;
    const historyFile = args.history === false ? undefined : typeof args.history === 'string' && args.history !== '' ? args.history : defaultHistoryPath(args.reports);
    // The run folder is the record; a history that cannot be written costs a warning, never the run's exit code.
    const indexRun = async (runDir: string): Promise<void> => {
      if (historyFile === undefined) return;
      const indexed = await indexRunInHistory(runDir, historyFile);
      if (indexed.ok) writeLine(io.stdout, `history: ${indexed.file}`);
      else writeLine(io.stderr, `picow-harness: warning: the run was not indexed in the history ${indexed.file}: ${indexed.message} (index it later with \`picow-harness history import ${runDir}\`)`);
    };
    if (args.boards !== undefined) {
      const rack = await runRackFromCli({
        loaded,
        boards: args.boards,
        inventory: args.inventory,
        only,
        resumeDir,
        reportsDir: args.reports,
        waitLockMs: waitLockMs(args['wait-lock']),
        io,
        env,
        signal,
      });
      if (rack.exit.code !== RUN_EXIT.ok) writeLine(io.stderr, `picow-harness: ${rack.exit.message ?? ''}`);
      await indexRun(rack.runDir);
      return rack.exit.code;
    }
    if (args.inventory !== undefined) throw new UsageError('--inventory goes with --boards');
    // A board named by its serial number is locked like a rack's, so two processes never share it.
    const lockKey = lockKeyOfPort(loaded.config.board.port);
    const boardLock =
      lockKey === undefined ? undefined : await BoardLock.acquire(lockKey, { what: `run on ${loaded.config.board.port}`, waitMs: waitLockMs(args['wait-lock']), signal });
    const result = await runCampaign({
      loaded,
      ...(only === undefined ? {} : { only }),
      resumeDir,
      reportsDir: args.reports,
      env,
      signal,
      ...(process.stdin.isTTY ? { terminal: { input: process.stdin, output: process.stderr } } : {}),
      events: {
        preflight: (check) => writeLine(io.stderr, `preflight  ${check.name.padEnd(18)} ${check.detail}`),
        message: (text) => (progress === undefined ? writeLine(io.stderr, text) : progress.message(text)),
        start: ({ runDir, plan, resumed, run }) => {
          startedRunDir = runDir;
          writeLine(io.stderr, `${run.board.kind === 'sim' ? 'SIMULATED ' : ''}run ${run.runId} → ${runDir}${resumed === null ? '' : ` (resumed: ${resumed.done.size} attempts already recorded)`}`);
          progress = new CampaignProgress({
            stream: stderr,
            cells: plan.cells.map((cell) => ({ id: cell.id, iterations: plan.iterations, okClass: cell.successClass ?? 'reset.ok' })),
            simulated: run.board.kind === 'sim',
          });
          if (resumed !== null) progress.resume(resumed.records);
        },
        attemptStart: (attempt) => progress?.attemptStarted(attempt.cell, attempt.iteration),
        attempt: (record) => progress?.attemptFinished(record),
      },
    }).catch(async (error: unknown) => {
      progress?.finish();
      if (startedRunDir !== undefined) await indexRun(startedRunDir);
      throw error;
    }).finally(() => boardLock?.release());
    progress?.finish();
    writeLine(io.stdout, formatTerminalSummary(result.run, result.tally, { color: shouldUseColor(io.stdout as { isTTY?: boolean }, env) }).trimEnd());
    writeLine(io.stdout);
    writeLine(io.stdout, formatFindingsText(result.findings, { width: Math.min(100, (io.stdout as { columns?: number }).columns ?? 100) }).trimEnd());
    writeLine(io.stdout);
    writeLine(io.stdout, `records: ${result.runDir}`);
    writeLine(io.stdout, `report:  ${result.reports.reportHtml}`);
    writeLine(io.stdout, `summary: ${result.reports.summaryMd}`);
    if (result.exit.code !== RUN_EXIT.ok) writeLine(io.stderr, `picow-harness: ${result.exit.message}`);
    await indexRun(result.runDir);
    return result.exit.code;
  },
});
