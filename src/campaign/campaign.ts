import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { CertificateSetName } from '../pki/index.js';
import type { Finding } from '../results/findings/index.js';
import type { Tally } from '../results/tally.js';
import { rebuildReports, type AllReportPaths } from '../report/rebuild.js';
import type { RunInfo } from '../report/run-info.js';
import type { ExitReason, RunExit } from '../report/summary-json.js';
import { DEFAULT_WORLD, loadWorld, type World } from '../sim/world.js';
import { runAttempt } from './attempt.js';
import { startStandaloneSession, type StandaloneSession } from './standalone/index.js';
import type { CampaignBoard } from './board/campaign-board.js';
import { openConfiguredBoard } from './board/open-configured.js';
import { configHash, isSimBoard, resolveSecrets, type LoadedCampaign } from './config/index.js';
import { startCampaignServers, type CampaignServers } from './echo-servers.js';
import { planCampaign, type Cell, type CampaignPlan } from './matrix.js';
import { runApCommand } from './ap-commands.js';
import type { Terminal } from './power/manual.js';
import { runPreflight, type PreflightCheck, type PreflightReport } from './preflight.js';
import { buildManifest, hashCanonical, readManifest, writeManifest } from './records/manifest.js';
import type { ResumeState, RunStore } from './records/run-store.js';
import { Redactor, type Secret } from './redact.js';
import { openRunStore } from './open-run-store.js';
import { CampaignRunner, type RunEnd } from './runner.js';
import type { AttemptRecord, BoardTag, CellFacets, ServedCertificateSet } from './types.js';
import type { RackMember } from './rack/member.js';
import type { ResetOptions } from './resets/index.js';
import type { CertificateSet } from '../pki/index.js';

export interface CampaignEvents {
  preflight?(check: PreflightCheck): void;
  /** The run directory exists and the plan is fixed: progress can start. */
  start?(info: { runDir: string; runId: string; plan: CampaignPlan; resumed: ResumeState | null; run: RunInfo }): void;
  attemptStart?(attempt: { cell: string; iteration: number; seq: number }): void;
  attempt?(record: AttemptRecord): void;
  /** One line for the operator (warnings, AP hooks, recovery). Never carries a secret. */
  message?(text: string): void;
}

export interface RunCampaignOptions {
  readonly loaded: LoadedCampaign;
  /** --only patterns. */
  readonly only?: readonly string[];
  /** A run directory to continue (--resume). */
  readonly resumeDir?: string | undefined;
  readonly reportsDir: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** The operator's terminal (manual power driver). */
  readonly terminal?: Terminal | undefined;
  /** Pins the zone of host:local (tests); the host's zone otherwise. */
  readonly timeZone?: string | undefined;
  readonly events?: CampaignEvents;
  /** A board already open (a bisect keeps one board across its steps): used instead of `board.port`, and left open. */
  readonly board?: CampaignBoard | undefined;
  /** Set by the rack (`runRackCampaign`): this call runs one board of a multi-board run. */
  readonly rackMember?: RackMember | undefined;
  /** How resets and hung-board recovery wait (host ms); defaults suit real boards. */
  readonly resetOptions?: ResetOptions | undefined;
  /**
   * Added to each attempt's number when a simulated board draws its randomness: a bisect runs the
   * same plan on one board once per build, and each build must get fresh draws.
   */
  readonly attemptNumberBase?: number | undefined;
}

export interface CampaignResult {
  readonly runId: string;
  readonly runDir: string;
  readonly end: RunEnd;
  readonly exit: RunExit;
  readonly tally: Tally;
  readonly expectations: Tally['expectations'];
  readonly run: RunInfo;
  readonly preflight: PreflightReport | null;
  readonly findings: readonly Finding[];
  readonly reports: AllReportPaths;
}

/** Exit codes of `run`: results are not errors. */
export const RUN_EXIT = { ok: 0, expectationFailed: 1, usage: 2, infrastructure: 3, interrupted: 130 } as const;

async function worldOf(loaded: LoadedCampaign): Promise<{ world: World; hash: string; name: string } | undefined> {
  if (!isSimBoard(loaded.config)) return undefined;
  const file = loaded.paths.world;
  if (file === undefined) return { world: DEFAULT_WORLD, hash: hashCanonical(DEFAULT_WORLD), name: 'the default world' };
  const [world, bytes] = await Promise.all([loadWorld(file), readFile(file)]);
  return { world, hash: hashCanonical(bytes.toString('utf8')), name: file };
}

export function usedCertSets(plan: CampaignPlan): CertificateSetName[] {
  return [...new Set(plan.cells.flatMap((cell) => (cell.certs === null ? [] : [cell.certs])))];
}

/** A certificate set's private keys, as PEM and as key bytes: they must never reach a record. */
export function certificateKeySecrets(set: CertificateSet): Secret[] {
  return [set.leafKeyPem, set.clientKeyPem].flatMap((pem) => {
    const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    return body.length > 0 ? [pem.trim(), Buffer.from(body, 'base64')] : [pem.trim()];
  });
}

function keySecrets(servers: CampaignServers): Secret[] {
  return [...servers.sets.values()].flatMap(({ set }) => certificateKeySecrets(set));
}

function exitFor(end: RunEnd, failedExpectations: number, error: Error | undefined): RunExit {
  const reasons: Record<RunEnd, ExitReason> = { completed: 'completed', interrupted: 'interrupted', 'max-duration': 'time-limit', quarantined: 'infrastructure' };
  if (end === 'interrupted') return { code: RUN_EXIT.interrupted, reason: 'interrupted', message: 'stopped by a signal; continue with --resume' };
  if (end === 'quarantined') return { code: RUN_EXIT.infrastructure, reason: 'infrastructure', message: `board quarantined: ${error?.message ?? 'device hung'}` };
  if (failedExpectations > 0) return { code: RUN_EXIT.expectationFailed, reason: 'expectation-failed', message: `${failedExpectations} expectation(s) not met` };
  return { code: RUN_EXIT.ok, reason: reasons[end], message: end === 'max-duration' ? 'stopped at the maximum duration; continue with --resume' : 'completed' };
}

/**
 * The main job: open the board, serve the certificate sets, run the preflight, then every planned
 * attempt (or the rest of them, with --resume), each recorded durably; then statistics and the
 * machine-readable reports. Device failures are results; only the rig failing throws.
 */
export async function runCampaign(options: RunCampaignOptions): Promise<CampaignResult> {
  const { loaded } = options;
  const { config } = loaded;
  const events = options.events ?? {};
  const env = options.env ?? process.env;
  const signal = options.signal ?? new AbortController().signal;

  const previous = options.resumeDir === undefined ? null : resumedRunFacts(await readManifest(options.resumeDir), options.resumeDir);
  const seed = config.seed ?? previous?.seed ?? randomInt(0, 2 ** 31);
  const only = options.only ?? previous?.only;
  const plan = planCampaign(config, { seed, ...(only === undefined || only.length === 0 ? {} : { only }) });
  const world = await worldOf(loaded);
  const secrets = await resolveSecrets(loaded, { env, ...(world === undefined ? {} : { world: world.world, worldName: world.name }) });
  for (const warning of secrets.warnings) events.message?.(warning);

  const servers = await startCampaignServers({
    certsDir: loaded.paths.certsDir,
    setNames: usedCertSets(plan),
    bindHost: config.server.bind ?? (world === undefined ? '0.0.0.0' : '127.0.0.1'),
    dnsName: config.server.host,
    basePort: config.server.port === 0 ? 0 : config.server.port + (options.rackMember?.serverPortOffset ?? 0),
  });
  const redactor = new Redactor([...secrets.secretValues(), ...keySecrets(servers)]);
  const planHash = configHash({ ...config, maxDuration: undefined }, redactor);
  if (previous !== null && previous.planHash !== planHash) {
    await servers.close();
    throw new UsageError(`--resume ${options.resumeDir ?? ''}: the campaign config (or an override such as --iterations or --port) differs from the one the run began with; resume with the same config`);
  }
  let store: RunStore | undefined;
  let board: CampaignBoard | undefined;
  try {
    let resumed: ResumeState | null;
    if (options.rackMember !== undefined) {
      store = options.rackMember.store;
      resumed = options.rackMember.resumed;
    } else {
      ({ store, resumed } = await openRunStore({ config, plan, redactor, reportsDir: options.reportsDir, resumeDir: options.resumeDir, say: (text) => events.message?.(text) }));
    }
    servers.setLogDir(options.rackMember?.boardDir ?? store.dir);

    board = options.board ?? await openConfiguredBoard(loaded, { world: world?.world, seed, reportsDir: options.reportsDir, env, terminal: options.terminal });
    const openedBoard = board;
    const password = (apName: string): string | undefined => secrets.passwords.get(apName);
    const usedAps = new Set(plan.cells.flatMap((cell) => (cell.wifi === null ? [] : [cell.wifi.ap.name])));
    const firstSet = [...servers.sets.values()][0];
    const preflight = await runPreflight({
      board: openedBoard,
      accessPoints: config.accessPoints,
      usedAccessPoints: usedAps,
      password,
      echo: firstSet === undefined || servers.plainPort === undefined ? undefined : { host: config.server.host, port: servers.plainPort },
      connectTimeoutMs: config.timeouts.connectMs,
      reportsDir: options.reportsDir,
      signal,
      onCheck: (check) => events.preflight?.(check),
    });

    const run: RunInfo = {
      runId: store.runId,
      board: {
        kind: openedBoard.kind,
        sim: world === undefined ? null : { worldHash: world.hash, seed, timeScale: world.world.timeScale },
        serialNumber: openedBoard.serialNumber ?? null,
        firmware: preflight.identity.version,
      },
      startedAt: resumed?.previousStatus?.startedAt ?? new Date().toISOString(),
      finishedAt: null,
    };
    if (resumed === null) {
      const manifest = await buildManifest(
        {
          runId: store.runId,
          board: {
            kind: openedBoard.kind,
            identity: { port: openedBoard.port, serialNumber: openedBoard.serialNumber ?? null, uniqueId: preflight.identity.uniqueId, machine: preflight.identity.machine },
            firmware: { version: preflight.identity.version },
            ...(world === undefined
              ? {}
              : { sim: { worldHash: world.hash, seed, timeScale: world.world.timeScale, world: world.name, profile: openedBoard.sim?.profile.name ?? '' } }),
          },
          config: { file: loaded.file, hash: configHash(config, redactor), config },
          certificates: Object.fromEntries([...servers.sets].map(([name, { set }]) => [name, set.manifest.certificates.leaf.sha256])),
          uhubctlVersion: openedBoard.power?.kind === 'uhubctl' && openedBoard.power.version !== undefined ? await openedBoard.power.version(signal).catch(() => null) : null,
          serialBinding: openedBoard.kind === 'sim' ? 'sim' : 'native',
          extra: { cells: plan.cells.map(cellFacets), certificateSets: [...servers.sets.values()].map(({ set }) => servedSet(set)), seed, planHash, plan: { cells: plan.cells.map((cell) => cell.id), iterations: plan.iterations, attempts: plan.attempts.length }, preflight: preflight.checks, only: only ?? [] },
        },
        redactor,
      );
      if (options.rackMember === undefined) await store.writeManifest(manifest);
      else {
        await writeManifest(options.rackMember.boardDir, manifest, redactor);
        await options.rackMember.ready(manifest);
      }
    }
    events.start?.({ runDir: store.dir, runId: store.runId, plan, resumed, run });

    const cells = new Map<string, Cell>(plan.cells.map((cell) => [cell.id, cell]));
    const boardTag: BoardTag = { label: options.rackMember?.label ?? openedBoard.port, serialNumber: openedBoard.serialNumber ?? null, uniqueId: preflight.identity.uniqueId ?? null };
    const runStore = store;
    const apHooks = new ApHookState(config.accessPoints, (text) => events.message?.(text), signal);
    const runner = new CampaignRunner({
      order: plan.attempts,
      done: resumed?.done ?? new Set(),
      sink: { append: (record) => runStore.append(record) },
      signal,
      maxDurationMs: config.maxDuration,
      ...(options.rackMember === undefined
        ? {}
        : { board: options.rackMember.label, quarantineAfter: options.rackMember.quarantineAfter, gate: options.rackMember.gate }),
      runAttempt: async (planned, attemptSignal) => {
        const cell = cells.get(planned.cell);
        await apHooks.use(cell?.wifi?.ap.name);
        await options.rackMember?.beforeAttempt(openedBoard, attemptSignal);
        await runStore.beginAttempt(planned);
        // Standalone cells run on the boot runner (power cycle, silent host); the record is the same shape.
        return (cell?.mode === 'standalone' && standalone !== undefined ? standalone.runAttempt : runAttempt)(
          {
            runId: runStore.runId,
            board: openedBoard,
            cells,
            servers,
            serverHost: config.server.host,
            password,
            timeouts: config.timeouts,
            ...(options.resetOptions === undefined ? {} : { resetOptions: options.resetOptions }),
            ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
            openTranscript: config.transcripts.keep === 'none' ? undefined : (attempt) => runStore.openTranscript({ ...attempt, ...(options.rackMember === undefined ? {} : { board: options.rackMember.label }) }),
            boardTag,
            firmware: preflight.identity.version,
            attemptNumberBase: options.attemptNumberBase ?? 0,
          },
          planned,
          attemptSignal,
        );
      },
    });
    runner.on('attempt-start', (attempt) => events.attemptStart?.(attempt));
    runner.on('attempt', (record) => events.attempt?.(record));
    const standalone: StandaloneSession | undefined = plan.cells.some((cell) => cell.mode === 'standalone')
      ? await startStandaloneSession({
          board: openedBoard,
          runId: runStore.runId,
          // Each board of a rack keeps its own backups and listens on its own port.
          runDir: options.rackMember?.boardDir ?? runStore.dir,
          bindHost: servers.host,
          reportPort: config.standalone.reportPort === 0 ? 0 : config.standalone.reportPort + (options.rackMember?.serverPortOffset ?? 0),
          settings: config.standalone,
          signal,
        })
      : undefined;
    let outcome;
    try {
      outcome = await runner.run();
    } finally {
      await apHooks.release();
      await standalone?.finish().catch((error: unknown) => {
        events.message?.(`standalone: putting the board's own files back failed (${error instanceof Error ? error.message : String(error)}); run picow-harness standalone --restore`);
      });
    }

    if (options.rackMember === undefined) await store.close(outcome.end === 'completed' ? 'completed' : outcome.end === 'interrupted' ? 'interrupted' : 'stopped');
    // Every report, the expectations and the exit come from the records on disk, exactly as
    // `picow-harness report RUN` makes them; only how the run ended is this invocation's to say.
    // A rack board's reports cover its records only, under boards/<label>/.
    const reports = await rebuildReports(store.dir, {
      ...(options.rackMember === undefined ? {} : { board: options.rackMember.label }),
      exit: (failedExpectations) => exitFor(outcome.end, failedExpectations, outcome.error),
      startedAt: run.startedAt,
      finishedAt: new Date().toISOString(),
    });
    return {
      runId: store.runId,
      runDir: store.dir,
      end: outcome.end,
      exit: reports.exit,
      tally: reports.tally,
      expectations: reports.tally.expectations,
      run: reports.run,
      preflight,
      findings: reports.findings,
      reports: reports.paths,
    };
  } catch (error) {
    if (options.rackMember === undefined) await store?.close(signal.aborted ? 'interrupted' : 'stopped').catch(() => undefined);
    throw error;
  } finally {
    if (options.board === undefined) await board?.close().catch(() => undefined);
    await servers.close();
  }
}

function cellFacets(cell: Cell): CellFacets {
  const { wifi } = cell;
  return {
    id: cell.id,
    mode: cell.mode,
    reset: cell.reset,
    wifi:
      wifi === null
        ? null
        : {
            variant: wifi.name,
            ap: wifi.ap.name,
            ssid: wifi.ap.ssid,
            hidden: wifi.ap.hidden,
            channel: wifi.ap.channel ?? null,
            pm: wifi.pm,
            pmValue: wifi.pmValue,
            country: wifi.country ?? null,
            pinBssid: wifi.pinBssid,
            pinChannel: wifi.pinChannel,
            connect: wifi.connect,
          },
    certs: cell.certs,
    tlsApi: cell.tlsApi,
    rtc: cell.rtc.text,
    successClass: cell.successClass ?? 'reset.ok',
  };
}

function servedSet(set: CertificateSet): ServedCertificateSet {
  const { leaf, intermediate, root } = set.manifest.certificates;
  const entries = [
    { role: 'leaf' as const, entry: leaf },
    { role: 'intermediate' as const, entry: intermediate },
    { role: 'root' as const, entry: root },
  ];
  return {
    name: set.name,
    serverHostname: set.serverHostname,
    chainDer: set.chainDer.map((der) => Buffer.from(der).toString('base64')),
    caDer: Buffer.from(set.caDer).toString('base64'),
    certificates: entries.flatMap(({ role, entry }) => (entry === null ? [] : [{ role, subject: entry.subject, notBefore: entry.notBefore, notAfter: entry.notAfter }])),
    expected: { synced: set.manifest.expected.synced.flags, coldBoot: set.manifest.expected.coldBoot.flags },
  };
}

/** What a resumed run must reuse from its manifest: the seed, the --only selection and the plan's hash. */
function resumedRunFacts(manifest: Record<string, unknown> | null, dir: string): { seed: number; only: string[]; planHash: string } {
  const extra = manifest?.extra as { seed?: unknown; only?: unknown; planHash?: unknown } | undefined;
  if (typeof extra?.seed !== 'number' || typeof extra.planHash !== 'string' || !Array.isArray(extra.only)) {
    throw new UsageError(`--resume ${dir}: its manifest.json is missing or was not written by picow-harness run (no seed and plan hash); the run cannot be continued`);
  }
  return { seed: extra.seed, only: extra.only.map(String), planHash: extra.planHash };
}


/** Runs an AP's `apCommand.up` before the first attempt that uses it, and the previous AP's `down`. */
class ApHookState {
  private current: string | undefined;

  constructor(
    private readonly accessPoints: LoadedCampaign['config']['accessPoints'],
    private readonly say: (text: string) => void,
    private readonly signal: AbortSignal,
  ) {}

  async use(apName: string | undefined): Promise<void> {
    if (apName === undefined || apName === this.current) return;
    await this.release();
    const ap = this.accessPoints.find((candidate) => candidate.name === apName);
    this.current = apName;
    if (ap?.apCommand === undefined) return;
    this.say(`access point ${ap.name}: running its up command`);
    await runApCommand(ap.apCommand.up, { what: `accessPoints ${ap.name} apCommand.up`, signal: this.signal });
    if (ap.apCommand.settleMs > 0) await new Promise((resolve) => setTimeout(resolve, ap.apCommand?.settleMs));
  }

  async release(): Promise<void> {
    const ap = this.accessPoints.find((candidate) => candidate.name === this.current);
    this.current = undefined;
    if (ap?.apCommand?.down === undefined) return;
    this.say(`access point ${ap.name}: running its down command`);
    await runApCommand(ap.apCommand.down, { what: `accessPoints ${ap.name} apCommand.down`, signal: this.signal });
  }
}
