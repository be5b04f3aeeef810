import { UsageError } from '../../errors.js';
import { DEFAULT_ALPHA, DEFAULT_MIN_ATTEMPTS, formatGateText, parseBaselineSpec, PASS_VERDICT, runGate } from '../../gate/index.js';
import { defaultHistoryPath } from '../../history/index.js';
import { defineCommand } from '../command.js';
import { writeLine } from '../io.js';
import { parseWholeNumber, type GlobalArgs } from '../options.js';

interface GateArgs extends GlobalArgs {
  readonly run: string;
  readonly baseline: string;
  readonly alpha?: string | undefined;
  readonly 'min-drop'?: string | undefined;
  readonly 'min-attempts'?: string | undefined;
  readonly db?: string | undefined;
  readonly reports: string;
  readonly all: boolean;
}

/** A probability option: `0.05` or `5%`, strictly between the bounds given. */
function parseRate(option: string, value: string | undefined, range: { min: number; max: number; inclusiveMin: boolean }): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const match = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text);
  const number = match === null ? Number.NaN : Number(match[1]) / (match[2] === '%' ? 100 : 1);
  const inRange = (range.inclusiveMin ? number >= range.min : number > range.min) && number < range.max;
  if (!inRange) {
    throw new UsageError(`--${option}: expected a number ${range.inclusiveMin ? '≥' : '>'} ${range.min} and < ${range.max} (e.g. 0.05 or 5%), got ${JSON.stringify(value)}`);
  }
  return number;
}

export const gateCommand = defineCommand<GateArgs>({
  command: 'gate <run>',
  describe: 'Judge a run against its baseline in the history: per cell, is the ok rate significantly worse? (exit 1 on a regression)',
  builder: (yargs) =>
    yargs
      .positional('run', { type: 'string', demandOption: true, describe: 'a run folder, or a run id under --reports (or in the history)' })
      .option('baseline', { type: 'string', demandOption: true, requiresArg: true, describe: 'last-good | rolling:N (the N previous runs, pooled) | a run id or folder' })
      .option('alpha', { type: 'string', requiresArg: true, describe: `family-wise false-alarm rate per run, Holm-corrected across cells (default ${DEFAULT_ALPHA})` })
      .option('min-drop', { type: 'string', requiresArg: true, describe: 'ignore significant drops smaller than this rate (e.g. 0.1 or 10%; default 0)' })
      .option('min-attempts', { type: 'string', requiresArg: true, describe: `cells with fewer attempts (run or pooled baseline) are flagged, not gated (default ${DEFAULT_MIN_ATTEMPTS})` })
      .option('db', { type: 'string', requiresArg: true, describe: 'the history database (default: <reports>/history.sqlite)' })
      .option('reports', { type: 'string', default: 'reports', requiresArg: true, describe: 'where run directories are' })
      .option('all', { type: 'boolean', default: false, describe: 'list every cell, not only regressed, new and too-few ones' })
      .example('$0 gate reports/20250102-030405-ab12 --baseline rolling:7', 'compare with the 7 previous runs of the series')
      .example('$0 gate 20250102-030405-ab12 --baseline last-good --alpha 0.01', 'with the last run that passed, stricter')
      .epilogue(
        'Per cell: one-sided Fisher exact test of the run against the pooled baseline; Holm adjustment across the cells compared, so the chance of any false alarm on a night is at most α. Simulated runs are only compared with simulated runs of the same world and campaign, real with real. Run folders under --reports the history does not know yet are imported first. Writes <run>/gate.json and <run>/gate-junit.xml and records the verdict in the history.\n' +
          'Exit codes: 0 no regression, 1 regression, 2 usage or config (unknown run, bad baseline, no baseline available, sim vs real), 3 infrastructure (history or run folder unreadable).',
      ),
  async run(args, { io }) {
    const baseline = parseBaselineSpec(args.baseline);
    const alpha = parseRate('alpha', args.alpha, { min: 0, max: 1, inclusiveMin: false });
    const minDrop = parseRate('min-drop', args['min-drop'], { min: 0, max: 1, inclusiveMin: true });
    const minAttempts = parseWholeNumber('min-attempts', args['min-attempts'], { min: 1, max: 1_000_000 });
    const outcome = await runGate({
      run: args.run,
      baseline,
      reportsDir: args.reports,
      historyPath: args.db ?? defaultHistoryPath(args.reports),
      onNote: (text) => writeLine(io.stderr, `note: ${text}`),
      ...(alpha === undefined ? {} : { alpha }),
      ...(minDrop === undefined ? {} : { minDrop }),
      ...(minAttempts === undefined ? {} : { minAttempts }),
    });
    for (const line of formatGateText(outcome, { all: args.all })) writeLine(io.stdout, line);
    writeLine(io.stdout, `gate: ${outcome.files.json}`);
    writeLine(io.stdout, `junit: ${outcome.files.junit}`);
    return outcome.verdict === PASS_VERDICT ? 0 : 1;
  },
});
