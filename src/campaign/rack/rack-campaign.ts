import { createHash, randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { generateCertificateSets, loadCertificateSet } from '../../pki/index.js';
import { boardReportDir, rebuildReports, type RebuiltReports } from '../../report/rebuild.js';
import type { RunExit } from '../../report/summary-json.js';
import { DEFAULT_WORLD, loadWorld, type World } from '../../sim/world.js';
import { BoardLock } from '../../transport/board-lock.js';
import { openCampaignBoard, type CampaignBoard } from '../board/campaign-board.js';
import { certificateKeySecrets, runCampaign, RUN_EXIT, usedCertSets, type CampaignEvents, type CampaignResult, type RunCampaignOptions } from '../campaign.js';
import { configHash, resolveSecrets, type LoadedCampaign } from '../config/index.js';
import { planCampaign, type CampaignPlan } from '../matrix.js';
import { createPowerDriver, scaledClock, type PowerDriver } from '../power/index.js';
import type { PowerConfig } from '../power/config.js';
import { SIM_BOARD_POWER } from '../board/open-configured.js';
import { readManifest, type RunManifest } from '../records/manifest.js';
import type { ResumeState, RunStore } from '../records/run-store.js';
import { openRunStore } from '../open-run-store.js';
import { Redactor, type Secret } from '../redact.js';
import type { RunEnd } from '../runner.js';
import type { RackBoard } from '../inventory/load.js';
import type { RackMember } from './member.js';
import { GroupPowerDriver, PowerGroup, type GangedBoards } from './power-group.js';

export interface RackEvents {
  /** The run directory exists and every board is locked and open. */
  start?(info: { runDir: string; runId: string; plan: CampaignPlan; boards: readonly string[]; resumed: ResumeState | null }): void;
  /** A board is open (tests reach the simulator through `board.sim`). */
  boardOpen?(label: string, board: CampaignBoard): void;
  /** The events of one board's campaign. */
  board?(label: string): CampaignEvents;
  /** A board stopped: quarantined after infrastructure failures, vanished, or failed its preflight. */
  boardStopped?(label: string, reason: string): void;
  /** Power groups' timeline (attempt start/end, power wait/start/end). */
  group?(event: import('./power-group.js').PowerGroupEvent): void;
  message?(text: string): void;
}

export interface RunRackCampaignOptions extends Omit<RunCampaignOptions, 'board' | 'rackMember' | 'events'> {
  /** The boards to run on (inventory order), at least one. */
  readonly boards: readonly RackBoard[];
  readonly quarantineAfter: number;
  /** Board lock folder (default `$XDG_RUNTIME_DIR/picow-harness/locks`). */
  readonly lockDir?: string | undefined;
  /** Wait this long (host ms) for another process to release a board; 0 fails at once. */
  readonly waitLockMs?: number | undefined;
  readonly events?: RackEvents;
}

export type BoardEnd = RunEnd | 'failed';

export interface RackBoardResult {
  readonly label: string;
  readonly end: BoardEnd;
  /** Why the board stopped early (quarantine, preflight failure), one line. */
  readonly reason: string | null;
  /** The board's own campaign result (its reports under boards/<label>/), when it got that far. */
  readonly result: CampaignResult | null;
}

export interface RackResult {
  readonly runId: string;
  readonly runDir: string;
  readonly exit: RunExit;
  readonly boards: readonly RackBoardResult[];
  /** The merged reports at the top of the run directory (every board's records). */
  readonly merged: RebuiltReports | null;
}

/** A simulated board without a serial number in the inventory gets one derived from its label. */
export function simSerialFor(board: RackBoard): string {
  return board.serial?.toLowerCase() ?? createHash('sha256').update(`picow-harness sim board ${board.label}`).digest('hex').slice(0, 16);
}

/** What locks a board: its USB serial number, else its unique id, else its transport. */
function lockKeyOf(board: RackBoard): string {
  if (board.simulated) return `sim-${simSerialFor(board)}`;
  return board.serial?.toLowerCase() ?? board.uniqueId?.toLowerCase() ?? board.transport;
}

async function worldOf(loaded: LoadedCampaign): Promise<World> {
  return loaded.paths.world === undefined ? DEFAULT_WORLD : loadWorld(loaded.paths.world);
}

/** Private keys of the certificate sets the plan uses (they must never reach a record), made now so boards do not race to make them. */
async function keySecrets(loaded: LoadedCampaign, plan: CampaignPlan): Promise<Secret[]> {
  const names = usedCertSets(plan);
  if (names.length === 0) return [];
  await generateCertificateSets({ outDir: loaded.paths.certsDir, ...(loaded.config.server.host === undefined ? {} : { dnsName: loaded.config.server.host }) });
  const sets = await Promise.all(names.map((name) => loadCertificateSet(loaded.paths.certsDir, name)));
  return sets.flatMap(certificateKeySecrets);
}

/** Every board of a rack run is simulated, or none: a run's records belong to one series. */
function rackKind(boards: readonly RackBoard[]): 'sim' | 'real' {
  const sim = boards.filter((board) => board.simulated);
  if (sim.length !== 0 && sim.length !== boards.length) {
    throw new UsageError(`--boards mixes simulated boards (${sim.map((b) => b.label).join(', ')}) and real ones; run them separately`);
  }
  return sim.length === 0 ? 'real' : 'sim';
}

/** The config every board runs: the same for all (and across --resume), so its plan hash is the same. */
function memberCampaign(loaded: LoadedCampaign, kind: 'sim' | 'real', seed: number): LoadedCampaign {
  const { board } = loaded.config;
  const port = kind === 'sim' ? (board.port.startsWith('sim') ? board.port : 'sim') : board.port.startsWith('sim') ? 'auto' : board.port;
  return { ...loaded, config: { ...loaded.config, seed, board: { ...board, port, power: undefined } } };
}

function rackFacts(manifest: Record<string, unknown> | null, dir: string): { seed: number; boards: string[] } {
  const extra = manifest?.extra as { seed?: unknown; rack?: { boards?: { label?: unknown }[] } } | undefined;
  if (typeof extra?.seed !== 'number' || !Array.isArray(extra.rack?.boards)) {
    throw new UsageError(`--resume ${dir}: its manifest.json is not a multi-board run's (no extra.rack); resume it without --boards`);
  }
  return { seed: extra.seed, boards: extra.rack.boards.map((entry) => String(entry.label)) };
}

/**
 * One campaign across several boards at once: each board runs the whole plan (every cell ×
 * iteration) in its own queue, and every record names its board. Boards in a power group are
 * never power-switched while another member is mid-attempt. A board that fails K infrastructure
 * attempts in a row (or vanishes, or fails its preflight) stops; the others go on, and the run
 * exits 3. Reports: merged at the top of the run directory, and per board under boards/<label>/.
 */
export async function runRackCampaign(options: RunRackCampaignOptions): Promise<RackResult> {
  const { loaded, boards } = options;
  const events = options.events ?? {};
  const env = options.env ?? process.env;
  const signal = options.signal ?? new AbortController().signal;
  if (boards.length === 0) throw new UsageError('--boards selects no board');
  const kind = rackKind(boards);

  const previous = options.resumeDir === undefined ? null : rackFacts(await readManifest(options.resumeDir), options.resumeDir);
  if (previous !== null) {
    const labels = boards.map((board) => board.label);
    if (previous.boards.join(',') !== labels.join(',')) {
      throw new UsageError(`--resume ${options.resumeDir ?? ''}: the run used boards ${previous.boards.join(', ')}; resume it with --boards ${previous.boards.join(',')}`);
    }
  }
  const seed = loaded.config.seed ?? previous?.seed ?? randomInt(0, 2 ** 31);
  const campaign = memberCampaign(loaded, kind, seed);
  const plan = planCampaign(campaign.config, { seed, ...(options.only === undefined || options.only.length === 0 ? {} : { only: options.only }) });
  const world = kind === 'sim' ? await worldOf(campaign) : undefined;
  const secrets = await resolveSecrets(campaign, { env, ...(world === undefined ? {} : { world, worldName: campaign.paths.world ?? 'the default world' }) });
  const redactor = new Redactor([...secrets.secretValues(), ...(await keySecrets(campaign, plan))]);

  const locks: BoardLock[] = [];
  const opened = new Map<string, CampaignBoard>();
  let store: RunStore | undefined;
  try {
    for (const board of boards) {
      locks.push(
        await BoardLock.acquire(lockKeyOf(board), {
          ...(options.lockDir === undefined ? {} : { dir: options.lockDir }),
          what: `run on board ${board.label} (${board.transport})`,
          waitMs: options.waitLockMs ?? 0,
          signal,
        }),
      );
    }

    const groups = powerGroups(boards, (event) => events.group?.(event));
    const sims = new Map<string, NonNullable<CampaignBoard['sim']>>();
    const ganged = (label: string, group: PowerGroup): GangedBoards | undefined =>
      kind !== 'sim'
        ? undefined
        : {
            off: async () => {
              for (const member of group.members) if (member !== label) await sims.get(member)?.powerOff();
            },
            on: async () => {
              for (const member of group.members) if (member !== label) await sims.get(member)?.powerOn();
            },
          };
    const results = await Promise.allSettled(
      boards.map(async (board) => {
        const power: PowerConfig | undefined = board.power ?? (board.simulated ? SIM_BOARD_POWER : undefined);
        const group = board.group === undefined ? undefined : groups.get(board.group);
        const simWorld = world === undefined ? undefined : { ...world, board: { ...world.board, serialNumber: simSerialFor(board) } };
        const handle = await openCampaignBoard({
          spec: board.simulated ? (board.transport === 'sim' && board.profile !== undefined ? `sim:${board.profile}` : board.transport) : board.transport,
          ...(simWorld === undefined ? {} : { world: simWorld, seed }),
          ...(campaign.config.board.profile === undefined ? {} : { profile: campaign.config.board.profile }),
          ...(board.uniqueId === undefined ? {} : { expectedUniqueId: board.uniqueId }),
          ...(power === undefined
            ? {}
            : {
                power: (target): PowerDriver => {
                  const driver = createPowerDriver(power, {
                    serialNumber: target.serialNumber,
                    cacheDir: options.reportsDir,
                    env,
                    ...(target.sim === undefined ? {} : { board: target.sim, clock: scaledClock(target.sim.timeScale) }),
                    ...(options.terminal === undefined ? {} : { terminal: options.terminal }),
                  });
                  return group === undefined ? driver : new GroupPowerDriver(driver, group, board.label, ganged(board.label, group));
                },
              }),
        });
        opened.set(board.label, handle);
        if (handle.sim !== undefined) sims.set(board.label, handle.sim);
        events.boardOpen?.(board.label, handle);
      }),
    );
    // A board that cannot be opened stops alone, like one that vanishes later; only when none opens does the run fail.
    const openFailures = new Map<string, string>();
    results.forEach((result, index) => {
      if (result.status === 'rejected') openFailures.set(boards[index]?.label ?? '?', (result.reason as Error).message);
    });
    if (openFailures.size === boards.length) {
      const reason = (results[0] as PromiseRejectedResult).reason as Error;
      throw Object.assign(reason, { message: `board ${boards[0]?.label ?? '?'}: ${reason.message}` });
    }

    const storeAndResume = await openRunStore({ config: campaign.config, plan, redactor, reportsDir: options.reportsDir, resumeDir: options.resumeDir, boards: boards.length, say: (text) => events.message?.(text) });
    store = storeAndResume.store;
    const { resumed } = storeAndResume;
    const runStore = store;
    events.start?.({ runDir: runStore.dir, runId: runStore.runId, plan, boards: boards.map((board) => board.label), resumed });

    const topManifest = new ManifestBarrier(boards.map((board) => board.label), (manifests) =>
      runStore.writeManifest(rackManifest(manifests, boards, options.quarantineAfter, configHash(campaign.config, redactor))),
    );
    const startedAt = resumed?.previousStatus?.startedAt ?? new Date().toISOString();
    const outcomes = await Promise.all(
      boards.map(async (board, index): Promise<RackBoardResult> => {
        const openFailure = openFailures.get(board.label);
        if (openFailure !== undefined) {
          topManifest.failed(board.label);
          const reason = `could not be opened: ${openFailure}`;
          events.boardStopped?.(board.label, reason);
          return { label: board.label, end: 'failed', reason, result: null };
        }
        const handle = opened.get(board.label) as CampaignBoard;
        const group = board.group === undefined ? undefined : groups.get(board.group);
        const boardDir = boardReportDir(runStore.dir, board.label);
        await mkdir(boardDir, { recursive: true });
        const member: RackMember = {
          label: board.label,
          store: runStore,
          resumed,
          boardDir,
          quarantineAfter: options.quarantineAfter,
          serverPortOffset: index * (new Set(plan.cells.map((cell) => cell.certs)).size + 1),
          gate: group?.gateFor(board.label),
          ready: (manifest) => topManifest.ready(board.label, manifest),
          beforeAttempt: async (campaignBoard, attemptSignal) => {
            if (group?.takePowerLoss(board.label) !== true) return;
            events.message?.(`${board.label}: power group ${group.name} switched power; finding the board again`);
            await campaignBoard.reconnect({ timeoutMs: campaign.config.timeouts.resetMs / campaignBoard.timeScale + 5_000, signal: attemptSignal }).catch(() => undefined);
          },
        };
        try {
          const result = await runCampaign({
            ...options,
            loaded: campaign,
            board: handle,
            rackMember: member,
            ...(options.resumeDir === undefined ? {} : { resumeDir: options.resumeDir }),
            events: events.board?.(board.label) ?? {},
          });
          const reason = result.end === 'quarantined' ? result.exit.message : null;
          if (reason !== null) events.boardStopped?.(board.label, `quarantined: ${reason}`);
          return { label: board.label, end: result.end, reason, result };
        } catch (error) {
          topManifest.failed(board.label);
          const reason = (error as Error).message;
          events.boardStopped?.(board.label, reason);
          return { label: board.label, end: signal.aborted ? 'interrupted' : 'failed', reason, result: null };
        }
      }),
    );

    const anyStopped = outcomes.some((outcome) => outcome.end === 'quarantined' || outcome.end === 'failed');
    const interrupted = signal.aborted || outcomes.some((outcome) => outcome.end === 'interrupted');
    const timeLimited = outcomes.some((outcome) => outcome.end === 'max-duration');
    await runStore.close(interrupted ? 'interrupted' : anyStopped || timeLimited ? 'stopped' : 'completed');
    store = undefined;
    const stopped = outcomes.filter((outcome) => outcome.end === 'quarantined' || outcome.end === 'failed');
    const exit = (failedExpectations: number): RunExit => {
      if (interrupted) return { code: RUN_EXIT.interrupted, reason: 'interrupted', message: 'stopped by a signal; continue with --resume' };
      if (stopped.length > 0) {
        return {
          code: RUN_EXIT.infrastructure,
          reason: 'infrastructure',
          message: `board${stopped.length === 1 ? '' : 's'} stopped: ${stopped.map((outcome) => `${outcome.label} (${outcome.end === 'quarantined' ? 'quarantined' : 'failed'}: ${outcome.reason ?? ''})`).join('; ')}`,
        };
      }
      if (failedExpectations > 0) return { code: RUN_EXIT.expectationFailed, reason: 'expectation-failed', message: `${failedExpectations} expectation(s) not met` };
      if (timeLimited) return { code: RUN_EXIT.ok, reason: 'time-limit', message: 'stopped at the maximum duration; continue with --resume' };
      return { code: RUN_EXIT.ok, reason: 'completed', message: 'completed' };
    };
    const merged = topManifest.written || resumed !== null
      ? await rebuildReports(runStore.dir, { exit, startedAt, finishedAt: new Date().toISOString(), perBoard: false })
      : null;
    return { runId: runStore.runId, runDir: runStore.dir, exit: merged?.exit ?? exit(0), boards: outcomes, merged };
  } finally {
    await store?.close(signal.aborted ? 'interrupted' : 'stopped').catch(() => undefined);
    await Promise.allSettled([...opened.values()].map((board) => board.close()));
    await Promise.allSettled(locks.map((lock) => lock.release()));
  }
}

function powerGroups(boards: readonly RackBoard[], onEvent: (event: import('./power-group.js').PowerGroupEvent) => void): Map<string, PowerGroup> {
  const members = new Map<string, string[]>();
  for (const board of boards) if (board.group !== undefined) members.set(board.group, [...(members.get(board.group) ?? []), board.label]);
  const groups = new Map<string, PowerGroup>();
  for (const [name, labels] of members) {
    const group = new PowerGroup(name, labels);
    group.on('event', onEvent);
    groups.set(name, group);
  }
  return groups;
}

/** The run's manifest: the first board's, with every board listed under extra.rack. */
function rackManifest(manifests: ReadonlyMap<string, RunManifest>, boards: readonly RackBoard[], quarantineAfter: number, rackConfigHash: string): RunManifest {
  const first = boards.map((board) => manifests.get(board.label)).find((manifest) => manifest !== undefined) as RunManifest;
  const rackBoards = boards.map((board) => {
    const manifest = manifests.get(board.label);
    return {
      label: board.label,
      transport: board.transport,
      group: board.group ?? null,
      power: board.power?.driver ?? (board.simulated ? 'sim' : null),
      started: manifest !== undefined,
      ...(manifest === undefined ? {} : { board: manifest.board }),
    };
  });
  // The merged reports count every board's attempts: a cell is planned iterations × boards times.
  const plan = first.extra?.plan as { iterations?: number; attempts?: number } | undefined;
  const merged = plan === undefined ? {} : { plan: { ...plan, iterations: (plan.iterations ?? 0) * boards.length, attempts: (plan.attempts ?? 0) * boards.length, iterationsPerBoard: plan.iterations ?? 0 } };
  return { ...first, extra: { ...first.extra, ...merged, rack: { quarantineAfter, configHash: rackConfigHash, boards: rackBoards } } };
}

/**
 * Holds each board after its preflight until every board has passed or failed its own, then writes
 * the run's manifest once (from the boards that passed).
 */
class ManifestBarrier {
  private readonly pending: Set<string>;
  private readonly manifests = new Map<string, RunManifest>();
  private done: Promise<void> | undefined;
  private release!: (value: Promise<void>) => void;
  private readonly allReady = new Promise<void>((resolve) => {
    this.release = (value) => resolve(value);
  });
  written = false;

  constructor(
    labels: readonly string[],
    private readonly write: (manifests: ReadonlyMap<string, RunManifest>) => Promise<void>,
  ) {
    this.pending = new Set(labels);
  }

  async ready(label: string, manifest: RunManifest): Promise<void> {
    this.manifests.set(label, manifest);
    this.pending.delete(label);
    this.settle();
    await this.allReady;
  }

  failed(label: string): void {
    if (!this.pending.delete(label)) return;
    this.settle();
  }

  private settle(): void {
    if (this.pending.size > 0 || this.done !== undefined) return;
    this.done = this.manifests.size === 0 ? Promise.resolve() : this.write(this.manifests).then(() => {
      this.written = true;
    });
    this.release(this.done);
  }
}
