import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AttemptRecord } from '../../src/campaign/types.js';

const REPO = new URL('../../', import.meta.url).pathname;

/** A canary Wi-Fi password: if it shows up anywhere the harness wrote, redaction failed. */
export const CANARY_PASSWORD = 'canary-Pa55"w\\rd-7f3a';

/** A world with one visible AP whose password is the canary; board time 50× host time. */
export function canaryWorld(timeScale = 50): Record<string, unknown> {
  return {
    timeScale,
    accessPoints: [
      { ssid: 'canary-lab', bssid: '02:50:43:57:06:11', channel: 6, security: 'wpa2', password: CANARY_PASSWORD, hidden: false, rssi: -48, country: 'DE' },
      { ssid: 'canary-hidden', bssid: '02:50:43:57:06:12', channel: 6, security: 'wpa2', password: CANARY_PASSWORD, hidden: true, rssi: -50, country: 'DE' },
    ],
    faults: [],
  };
}

export interface CampaignDir {
  readonly dir: string;
  readonly config: string;
  readonly reports: string;
  readonly certs: string;
  dispose(): Promise<void>;
}

/** A temp folder with `world.yaml`, `campaign.yaml` (board.world → world.yaml, certsDir → certs) and `reports/`. */
export async function writeCampaign(campaign: Record<string, unknown>, world: Record<string, unknown> = canaryWorld()): Promise<CampaignDir> {
  const dir = await mkdtemp(join(tmpdir(), 'picow-campaign-'));
  const config = join(dir, 'campaign.yaml');
  await writeFile(join(dir, 'world.yaml'), stringify(world));
  const board = { port: 'sim', world: 'world.yaml', ...(campaign.board as Record<string, unknown> | undefined) };
  const server = { certsDir: sharedCertsDir(), ...(campaign.server as Record<string, unknown> | undefined) };
  await writeFile(config, stringify({ ...campaign, board, server }));
  return { dir, config, reports: join(dir, 'reports'), certs: server.certsDir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

let certsDir: string | undefined;
/** One certificate folder for every campaign test in this process (generation is the slow part). */
function sharedCertsDir(): string {
  if (certsDir === undefined) {
    certsDir = join(tmpdir(), `picow-campaign-certs-${process.pid}`);
    const dir = certsDir;
    process.once('exit', () => void rm(dir, { recursive: true, force: true }));
  }
  return certsDir;
}

/** The canary campaign: the visible AP, no reset, one or two certificate sets. */
export function canaryCampaign(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accessPoints: [{ name: 'lab', ssid: 'canary-lab', password: { env: 'PICOW_TEST_WIFI_PASSWORD' } }],
    matrix: { wifi: [{ ap: 'lab' }], certs: ['valid'] },
    iterations: 2,
    seed: 7,
    timeouts: { connectMs: 20_000, tlsMs: 20_000, resetMs: 20_000, attemptMs: 120_000 },
    ...overrides,
  };
}

export interface HarnessProcess {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when stderr contains `text` (rejects when the process ends first). */
  waitForStderr(pattern: RegExp): Promise<void>;
}

/** `picow-harness ARGS` as a child process (through tsx), with the canary password in its environment. */
export function startHarness(args: readonly string[], env: NodeJS.ProcessEnv = {}): HarnessProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/bin.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, PICOW_TEST_WIFI_PASSWORD: CANARY_PASSWORD, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal, stdout, stderr });
    });
  });
  const waitForStderr = (pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (pattern.test(stderr)) {
          listeners.delete(check);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          listeners.delete(check);
          reject(new Error(`the harness ended before ${String(pattern)} appeared; stderr: ${stderr}`));
        }
      };
      listeners.add(check);
      check();
    });
  return { child, done, waitForStderr };
}

/** The only run directory under `reports`. */
export async function onlyRunDir(reports: string): Promise<string> {
  // `run` also indexes each run in reports/history.sqlite (and its transient .lock folder).
  const runs = (await readdir(reports)).filter((name) => !name.startsWith('.') && !name.startsWith('history.sqlite'));
  if (runs.length !== 1) throw new Error(`expected one run under ${reports}, found ${runs.join(', ')}`);
  return join(reports, runs[0] as string);
}

export async function readAttempts(runDir: string): Promise<AttemptRecord[]> {
  const text = await readFile(join(runDir, 'attempts.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AttemptRecord);
}
