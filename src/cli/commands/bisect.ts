import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { bisectCaveats, buildLabel, classesText, formatRate, outcomeLine, runBisect, type BisectResult } from '../../firmware/bisect/index.js';
import { defineCommand } from '../command.js';
import { writeLine } from '../io.js';
import { parseWholeNumber, type GlobalArgs } from '../options.js';
import { DEFAULT_CAMPAIGN } from './run.js';

interface BisectArgs extends GlobalArgs {
  readonly firmware?: string | undefined;
  readonly scenario?: string | undefined;
  readonly config?: string | undefined;
  readonly k?: string | undefined;
  readonly n?: string | undefined;
  readonly 'bad-class'?: readonly string[] | undefined;
  readonly dir?: string | undefined;
  readonly resume?: string | undefined;
  readonly reports: string;
}

/** Exit codes: 0 boundary found, 1 no boundary in the range (an endpoint has the wrong verdict), 130 stopped (resumable). */
const BISECT_EXIT = { found: 0, noBoundary: 1, interrupted: 130 } as const;

async function resumeDirectory(value: string, reports: string): Promise<string> {
  for (const candidate of [value, join(reports, value)]) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isDirectory() === true) return resolve(candidate);
  }
  throw new UsageError(`--resume ${value}: no bisect folder there or under ${reports}/`);
}

function exitOf(result: BisectResult): number {
  if (!result.finished) return BISECT_EXIT.interrupted;
  return result.state.outcome?.kind === 'found' ? BISECT_EXIT.found : BISECT_EXIT.noBoundary;
}

export const bisectCommand = defineCommand<BisectArgs>({
  command: 'bisect',
  describe: 'Find the first firmware build that fails a campaign cell: flash each build, run the cell n times, judge k-of-n, binary search',
  builder: (yargs) =>
    yargs
      .option('firmware', { type: 'string', requiresArg: true, describe: 'the builds, oldest first: FILE.uf2,FILE.uf2,…, a file listing UF2 paths, or a folder of UF2s (ordered by the version in their binary info)' })
      .option('scenario', { type: 'string', requiresArg: true, describe: 'the campaign cell to run on each build, e.g. hard/hidden-pm-0xa11140/issued-now/cold' })
      .option('config', { type: 'string', requiresArg: true, describe: 'campaign YAML the cell comes from (default: the built-in campaign on the simulated board)' })
      .option('k', { type: 'string', requiresArg: true, describe: 'a build is bad when at least k of its n attempts fail (default 1)' })
      .option('n', { type: 'string', requiresArg: true, describe: 'attempts per build (default 8)' })
      .option('bad-class', { type: 'string', array: true, requiresArg: true, describe: 'the failure hunted: attempt classes (glob, e.g. "tls.verify.*") that count against a build; repeatable (default: every failing class except harness.*)' })
      .option('dir', { type: 'string', requiresArg: true, describe: 'the bisect folder to create (default <reports>/bisect-<time>)' })
      .option('resume', { type: 'string', requiresArg: true, describe: 'continue the bisect in this folder (finished steps are kept)' })
      .option('reports', { type: 'string', default: 'reports', requiresArg: true, describe: 'where bisect folders go' })
      .example('$0 bisect --firmware builds/ --config campaigns/bisect-cold-boot.yaml --scenario "hard/lab-pm-0xa11140/issued-now/wrap_socket/cold" --bad-class "tls.verify.*" -n 2', 'simulated board (after `firmware sim-builds builds/` and `certs --key rsa-2048 --out certs-rsa`): the first build that rejects certificates after a cold boot — v1.19.1-236')
      .example('$0 bisect --firmware a.uf2,b.uf2,c.uf2 --config lab.yaml --scenario "wlan-deinit/hidden-pm-default" -k 4 -n 8', 'a flaky Wi-Fi failure: bad = 4 or more of 8 joins fail')
      .epilogue(
        'Every build is flashed (machine.bootloader(), the BOOTSEL drive, sys.version checked afterwards) and the cell runs n times as a campaign run of its own under <dir>/steps/. bisect.json is saved after every step; bisect.md is the report.\nExit codes: 0 first bad build found, 1 no boundary in the range (oldest build already bad, or newest good), 2 usage or config error, 3 infrastructure, 130 interrupted (continue with --resume).',
      ),
  async run(args, { io, env, signal }) {
    if (args.profile !== undefined) throw new UsageError('--profile: a bisect flashes its builds; the firmware comes from each UF2');
    if (args.world !== undefined) throw new UsageError('--world: name the world in the campaign config (board.world) for a bisect');
    let resumeDir: string | undefined;
    if (args.resume !== undefined) {
      const given = (['firmware', 'scenario', 'config', 'k', 'n', 'dir'] as const).filter((name) => args[name] !== undefined);
      if (given.length > 0 || args['bad-class'] !== undefined || args.port !== undefined || args.seed !== undefined) {
        throw new UsageError(`--resume: the bisect continues with the builds, cell and verdict it began with; drop ${[...given.map((name) => `--${name}`), ...(args.port !== undefined ? ['--port'] : [])].join(' ') || 'the other options'}`);
      }
      resumeDir = await resumeDirectory(args.resume, args.reports);
    } else {
      if (args.firmware === undefined) throw new UsageError('--firmware: name the builds (FILE,FILE,…, a list file or a folder of UF2s)');
      if (args.scenario === undefined) throw new UsageError('--scenario: name the campaign cell to run on each build');
    }
    const n = parseWholeNumber('n', args.n, { min: 1, max: 100_000 }) ?? 8;
    const k = parseWholeNumber('k', args.k, { min: 1, max: n }) ?? 1;
    const seed = parseWholeNumber('seed', args.seed, { min: 0, max: 2 ** 31 - 1 });
    const result = await runBisect({
      ...(resumeDir === undefined
        ? {
            start: {
              firmware: args.firmware ?? '',
              configFile: args.config ?? DEFAULT_CAMPAIGN.pathname,
              port: args.port,
              cell: args.scenario ?? '',
              k,
              n,
              badClasses: args['bad-class'] ?? null,
              seed,
              dir: args.dir,
            },
          }
        : { resumeDir }),
      reportsDir: args.reports,
      env,
      signal,
      events: {
        start: ({ dir, state, resumed }) =>
          writeLine(io.stderr, `${resumed ? 'resuming' : 'bisect'} ${state.builds.length} builds for ${state.setup.cell}, ${state.setup.rule.k}-of-${state.setup.rule.n} → ${dir}`),
        stepStart: ({ step, build, resumed }) => writeLine(io.stderr, `step ${step.number} (${step.role}${resumed ? ', resumed' : ''}): ${buildLabel(build)} — flashing ${build.file}`),
        flash: (event) => {
          if (event.step === 'query-after') writeLine(io.stderr, `  board now runs ${event.version}`);
        },
        stepDone: ({ step, build }) =>
          writeLine(io.stderr, `  ${buildLabel(build)}: ${step.verdict ?? '?'} — ${step.counts?.bad ?? 0} of ${step.counts?.attempts ?? 0} showed the failure, ok ${formatRate(step.okRate)} (${classesText(step.counts)})`),
        message: (text) => writeLine(io.stderr, `  ${text}`),
      },
    });
    writeLine(io.stdout, outcomeLine(result.state));
    const { summary } = result;
    for (const [label, build] of [
      ['last good', summary.lastGood],
      ['first bad', summary.firstBad],
    ] as const) {
      if (build === null) continue;
      writeLine(io.stdout, `  ${label.padEnd(9)} ${build.tag ?? build.file}  board: ${build.boardVersion ?? '-'}  ok ${build.counts?.ok ?? 0}/${build.counts?.attempts ?? 0} ${formatRate(build.okRate)}`);
    }
    writeLine(io.stdout, `  pooled    good ${formatRate(summary.good.okRate)} over ${summary.good.counts.attempts} attempts; bad ${formatRate(summary.bad.okRate)} over ${summary.bad.counts.attempts}`);
    for (const caveat of bisectCaveats(result.state)) writeLine(io.stdout, `  caveat: ${caveat}`);
    for (const finding of summary.findings) writeLine(io.stdout, `  finding: ${finding.title}`);
    writeLine(io.stdout, `report: ${result.files.markdown}`);
    if (!result.finished) writeLine(io.stderr, `picow-harness: bisect stopped before it finished; continue with --resume ${result.dir}`);
    return exitOf(result);
  },
});
