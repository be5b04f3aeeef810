import { randomInt } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { CampaignBoard } from '../../campaign/board/campaign-board.js';
import { openConfiguredBoard } from '../../campaign/board/open-configured.js';
import { runCampaign, type CampaignResult } from '../../campaign/campaign.js';
import { isSimBoard, loadCampaignConfig, type LoadedCampaign } from '../../campaign/config/index.js';
import { planCampaign, type Cell } from '../../campaign/matrix.js';
import type { AttemptRecord } from '../../campaign/types.js';
import { HarnessError, UsageError } from '../../errors.js';
import { openRunData } from '../../results/run-data.js';
import { DEFAULT_WORLD, loadWorld } from '../../sim/world.js';
import { flashFirmware, type FlashProgress, type FlashTimeouts } from '../flash.js';
import { buildLabel, resolveBuilds, type BisectBuild } from './builds.js';
import { formatBisectMarkdown, summarizeBisect, type BisectSummary } from './report.js';
import { nextStep } from './search.js';
import { BISECT_REPORT_FILE, BISECT_STATE_FILE, loadBisectState, newBisectState, outcomeOf, saveBisectState, type BisectState, type BisectStep } from './state.js';
import { checkVerdictRule, countClasses, judge, okRate, type VerdictRule } from './verdict.js';

export interface BisectEvents {
  /** The bisect folder exists and its state is saved. */
  start?(info: { readonly dir: string; readonly state: BisectState; readonly resumed: boolean }): void;
  stepStart?(info: { readonly step: BisectStep; readonly build: BisectBuild; readonly resumed: boolean }): void;
  flash?(event: FlashProgress, build: BisectBuild): void;
  attempt?(record: AttemptRecord): void;
  stepDone?(info: { readonly step: BisectStep; readonly build: BisectBuild }): void;
  /** One line for the operator. */
  message?(text: string): void;
}

export interface NewBisect {
  /** `--firmware`: FILE,FILE,…, a list file, or a folder of UF2 files. */
  readonly firmware: string;
  /** The campaign config whose cell is the scenario. */
  readonly configFile: string;
  /** `--port`: overrides the config's board.port. */
  readonly port?: string | undefined;
  /** The cell id (or a glob matching exactly one cell). */
  readonly cell: string;
  readonly k: number;
  readonly n: number;
  readonly badClasses?: readonly string[] | null | undefined;
  /** The campaign seed every step uses (default: the config's, else random; recorded). */
  readonly seed?: number | undefined;
  /** The bisect folder to create (default `<reportsDir>/bisect-<time>`). */
  readonly dir?: string | undefined;
}

export interface RunBisectOptions {
  /** Start a bisect, or continue the one in `resumeDir`. */
  readonly start?: NewBisect | undefined;
  readonly resumeDir?: string | undefined;
  readonly reportsDir?: string | undefined;
  readonly cwd?: string | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly timeZone?: string | undefined;
  readonly flashTimeouts?: Partial<FlashTimeouts> | undefined;
  readonly events?: BisectEvents | undefined;
}

export interface BisectResult {
  readonly dir: string;
  readonly state: BisectState;
  readonly summary: BisectSummary;
  /** False when a signal or the campaign's maxDuration stopped it (continue with `resumeDir`). */
  readonly finished: boolean;
  readonly files: { readonly json: string; readonly markdown: string };
}

/**
 * Each build's simulated attempts are numbered from its own base, so every step draws its own luck
 * (the simulator's randomness depends on seed, board and attempt number). A real board's attempts
 * are independent anyway; without this every step of a sim bisect would replay the same draws.
 */
const SIM_ATTEMPTS_PER_BUILD = 1_000_000;

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_');
}

async function loadForSteps(state: BisectState, cwd: string): Promise<LoadedCampaign> {
  const { setup } = state;
  return loadCampaignConfig(setup.configFile, { cwd, overrides: { port: setup.port ?? undefined, iterations: setup.rule.n, seed: setup.seed } });
}

function resolveCell(loaded: LoadedCampaign, wanted: string, seed: number): Cell {
  let plan: ReturnType<typeof planCampaign>;
  try {
    plan = planCampaign(loaded.config, { seed, only: [wanted] });
  } catch (error) {
    if (error instanceof UsageError && error.message.startsWith('--only ')) throw new UsageError(`--scenario ${error.message.slice('--only '.length)} (cells of ${loaded.file})`);
    throw error;
  }
  const exact = plan.cells.find((cell) => cell.id === wanted);
  const cell = exact ?? (plan.cells.length === 1 ? plan.cells[0] : undefined);
  if (cell === undefined) {
    throw new UsageError(`--scenario ${wanted}: matches ${plan.cells.length} cells of ${loaded.file} (${plan.cells.map((c) => c.id).slice(0, 4).join(', ')}${plan.cells.length > 4 ? ', …' : ''}); name exactly one`);
  }
  if (cell.successClass === null) throw new UsageError(`--scenario ${cell.id}: a reset-only cell has no success class to judge builds by`);
  return cell;
}

async function startNew(start: NewBisect, options: RunBisectOptions, cwd: string): Promise<{ dir: string; state: BisectState }> {
  const rule: VerdictRule = { k: start.k, n: start.n, badClasses: start.badClasses === undefined || start.badClasses === null || start.badClasses.length === 0 ? null : [...start.badClasses] };
  checkVerdictRule(rule);
  const configFile = resolve(cwd, start.configFile);
  const probe = await loadCampaignConfig(configFile, { cwd, overrides: { port: start.port, iterations: start.n, seed: start.seed } });
  const seed = start.seed ?? probe.config.seed ?? randomInt(0, 2 ** 31);
  const cell = resolveCell(probe, start.cell, seed);
  const builds = await resolveBuilds(start.firmware, { cwd });
  const dir = resolve(cwd, start.dir ?? join(options.reportsDir ?? 'reports', `bisect-${stamp(new Date())}`));
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.includes(BISECT_STATE_FILE)) throw new UsageError(`${dir} already holds a bisect; continue it with --resume ${dir}`);
  await mkdir(dir, { recursive: true });
  const state = newBisectState({ configFile, port: start.port ?? null, cell: cell.id, successClass: cell.successClass ?? '', seed, rule }, builds);
  await saveBisectState(dir, state);
  return { dir, state };
}

/** The newest campaign run directory under a step folder (a step interrupted before its state was saved). */
async function latestRunDir(stepDir: string): Promise<string | undefined> {
  const names = (await readdir(stepDir).catch(() => [] as string[])).sort();
  for (const name of names.reverse()) {
    const found = await stat(join(stepDir, name, 'manifest.json')).catch(() => undefined);
    if (found?.isFile() === true) return join(stepDir, name);
  }
  return undefined;
}

async function openBoardFor(loaded: LoadedCampaign, seed: number, reportsDir: string, env: NodeJS.ProcessEnv): Promise<CampaignBoard> {
  const world = !isSimBoard(loaded.config) ? undefined : loaded.paths.world === undefined ? DEFAULT_WORLD : await loadWorld(loaded.paths.world);
  // The same board, world and power driver runCampaign opens.
  return openConfiguredBoard(loaded, { world, seed, reportsDir, env });
}

async function classesOf(runDir: string, cell: string): Promise<string[]> {
  const data = await openRunData(runDir);
  const classes: string[] = [];
  for await (const record of data.records()) if (record.cell === cell) classes.push(record.class);
  return classes;
}

/**
 * Binary search for the first bad build: flash each build (through the board's BOOTSEL drive, the
 * version proved by sys.version afterwards), run the cell n times as a campaign run of its own, and
 * judge the build k-of-n. The endpoints are checked first. Every decision is saved in bisect.json
 * before the next action, so an interrupted bisect continues with `resumeDir` (finished steps kept,
 * an interrupted step's campaign run resumed). Device failures are results; the rig failing throws.
 */
export async function runBisect(options: RunBisectOptions): Promise<BisectResult> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const signal = options.signal ?? new AbortController().signal;
  const events = options.events ?? {};
  let dir: string;
  let state: BisectState;
  const resumed = options.resumeDir !== undefined;
  if (options.resumeDir !== undefined) {
    dir = resolve(cwd, options.resumeDir);
    state = await loadBisectState(dir);
  } else if (options.start !== undefined) {
    ({ dir, state } = await startNew(options.start, options, cwd));
  } else {
    throw new UsageError('bisect: name the builds and the scenario, or a bisect folder to resume');
  }
  const loaded = await loadForSteps(state, cwd);
  const cell = resolveCell(loaded, state.setup.cell, state.setup.seed);
  events.start?.({ dir, state, resumed });

  let finished = false;
  if (state.outcome === null) {
    const board = await openBoardFor(loaded, state.setup.seed, dir, env);
    try {
      finished = await runSteps({ dir, state, loaded, cell, board, env, signal, events, options });
    } finally {
      await board.close().catch(() => undefined);
    }
  } else {
    finished = true;
  }
  const json = join(dir, BISECT_STATE_FILE);
  const markdown = join(dir, BISECT_REPORT_FILE);
  const summary = summarizeBisect(state);
  state.summary = summary;
  await saveBisectState(dir, state);
  await writeFile(markdown, formatBisectMarkdown(state, dir));
  return { dir, state, summary, finished, files: { json, markdown } };
}

interface StepContext {
  readonly dir: string;
  readonly state: BisectState;
  readonly loaded: LoadedCampaign;
  readonly cell: Cell;
  readonly board: CampaignBoard;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly events: BisectEvents;
  readonly options: RunBisectOptions;
}

/** Runs steps until the search ends (true) or a step is stopped before it finished (false). */
async function runSteps(context: StepContext): Promise<boolean> {
  const { dir, state } = context;
  for (;;) {
    let step = state.steps.find((candidate) => candidate.status === 'running');
    const resumedStep = step !== undefined;
    if (step === undefined) {
      const verdicts = new Map(state.steps.flatMap((done) => (done.verdict === null ? [] : [[done.buildIndex, done.verdict] as const])));
      const next = nextStep(verdicts, state.builds.length);
      if (next.kind !== 'test') {
        state.outcome = outcomeOf(next);
        return true;
      }
      const build = state.builds[next.index] as BisectBuild;
      const number = state.steps.length + 1;
      step = {
        number,
        buildIndex: next.index,
        role: next.role,
        stepDir: join('steps', `${String(number).padStart(2, '0')}-${safeName(buildLabel(build))}`),
        runDir: null,
        status: 'running',
        flash: null,
        counts: null,
        verdict: null,
        okRate: null,
        findings: [],
        startedAt: new Date().toISOString(),
        finishedAt: null,
      };
      state.steps.push(step);
      await mkdir(join(dir, step.stepDir), { recursive: true });
      await saveBisectState(dir, state);
    }
    if (!(await runStep(context, step, resumedStep))) return false;
  }
}

async function runStep(context: StepContext, step: BisectStep, resumedStep: boolean): Promise<boolean> {
  const { dir, state, loaded, cell, board, env, signal, events, options } = context;
  const build = state.builds[step.buildIndex] as BisectBuild;
  events.stepStart?.({ step, build, resumed: resumedStep });
  // A resumed step flashes again: the board may have been re-flashed or power-cycled since.
  const flash = await flashFirmware({ board, uf2File: build.file, signal, env, timeouts: options.flashTimeouts, onProgress: (event) => events.flash?.(event, build) });
  step.flash = { programVersion: flash.uf2.programVersion, before: flash.before.version, after: flash.after.version, durationMs: Math.round(flash.durationMs) };
  await saveBisectState(dir, state);

  const stepDir = join(dir, step.stepDir);
  const resumeDir = step.runDir !== null ? join(dir, step.runDir) : await latestRunDir(stepDir);
  let saving: Promise<void> = Promise.resolve();
  const result: CampaignResult = await runCampaign({
    loaded,
    only: [cell.id],
    board,
    attemptNumberBase: (build.index + 1) * SIM_ATTEMPTS_PER_BUILD,
    reportsDir: stepDir,
    resumeDir,
    env,
    signal,
    timeZone: options.timeZone,
    events: {
      start: ({ runDir }) => {
        step.runDir = relative(dir, runDir);
        saving = saveBisectState(dir, state);
      },
      attempt: (record) => events.attempt?.(record),
      message: (text) => events.message?.(text),
    },
  });
  await saving;
  step.runDir = relative(dir, result.runDir);
  if (result.end === 'quarantined') {
    await saveBisectState(dir, state);
    throw new HarnessError('DEVICE_HUNG', `bisect step ${step.number} (${buildLabel(build)}): ${result.exit.message}; fix the rig and continue with --resume ${dir}`);
  }
  if (result.end !== 'completed') {
    await saveBisectState(dir, state);
    return false;
  }
  const counts = countClasses(await classesOf(result.runDir, cell.id), state.setup.successClass, state.setup.rule);
  step.counts = counts;
  step.verdict = judge(counts, state.setup.rule);
  step.okRate = okRate(counts.ok, counts.attempts);
  step.findings = result.findings;
  step.status = 'done';
  step.finishedAt = new Date().toISOString();
  await saveBisectState(dir, state);
  events.stepDone?.({ step, build });
  return true;
}
