import { openCampaignBoard, type CampaignBoard } from '../../../src/campaign/board/campaign-board.js';
import { queryBoard } from '../../../src/campaign/board/query.js';
import { CommandDriver } from '../../../src/campaign/power/command.js';
import { scaledClock, type PowerDriver } from '../../../src/campaign/power/driver.js';
import { SimDriver } from '../../../src/campaign/power/sim.js';
import type { World } from '../../../src/sim/world.js';
import type { ExecResult } from '../../../src/transport/raw-repl.js';
import { JOIN_VISIBLE, testWorld } from '../../sim/hardware/support.js';

export { JOIN_VISIBLE, testWorld };

/** The newest firmware profile and the oldest one with Pico W support. */
export const PROFILES = ['v1.24.1', 'v1.19.1-88'] as const;

export interface SimBoardOptions {
  readonly profile?: string;
  readonly world?: World;
  /** `sim`: the simulator's own power switch; `inert`: a driver whose commands switch nothing. */
  readonly power?: 'sim' | 'inert';
}

/** A hub "driver" whose on/off commands succeed and switch nothing (a hub without real per-port power). */
export function inertDriver(timeScale: number): PowerDriver {
  return new CommandDriver({ on: ['true'], off: ['true'], clock: scaledClock(timeScale) });
}

/** A simulated board behind the campaign's board handle, in a fast world. */
export function openSimBoard(options: SimBoardOptions = {}): Promise<CampaignBoard> {
  const world = options.world ?? testWorld();
  return openCampaignBoard({
    spec: options.profile === undefined ? 'sim' : `sim:${options.profile}`,
    world,
    power:
      options.power === undefined
        ? undefined
        : (target) => (options.power === 'sim' && target.sim !== undefined ? new SimDriver(target.sim) : inertDriver(world.timeScale)),
  });
}

/** Evaluate a Python expression on the board (after `setup`) and return its JSON value. */
export async function ask<T>(board: CampaignBoard, value: string, setup?: string): Promise<T> {
  return (await queryBoard(board, setup === undefined ? { value } : { setup, value }, { timeoutMs: 20_000 })) as T;
}

/** Join the default world's visible AP (power saving off, so it joins every time). */
export async function joinWifi(board: CampaignBoard): Promise<void> {
  await board.execOrThrow(JOIN_VISIBLE, { timeoutMs: 20_000 });
}

/**
 * A program that turns Ctrl-C off (`micropython.kbd_intr(-1)`, as a main.py guarding a control loop
 * does) and runs forever: the raw prompt never comes back.
 */
export const SWALLOWS_CTRL_C = `
import micropython, time
micropython.kbd_intr(-1)
print('@@started')
while True:
    time.sleep_ms(1)
`;

/** Printed when a test program is under way; SWALLOWS_CTRL_C prints it itself, once Ctrl-C is off. */
const STARTED = '@@started';

/**
 * Run `code` on the board and resolve once it is running (it prints a marker first); the exec's own
 * promise is returned for the caller to await (or not).
 */
export async function startProgram(board: CampaignBoard, code: string, options: { signal?: AbortSignal } = {}): Promise<{ finished: Promise<ExecResult> }> {
  let seen = '';
  let unsubscribe = (): void => {};
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the program did not start within 10 s; the board said ${JSON.stringify(seen.slice(-200))}`)), 10_000);
    unsubscribe = board.onTranscript((direction, bytes) => {
      if (direction !== 'board-to-host') return;
      seen += Buffer.from(bytes).toString('latin1');
      if (seen.includes(STARTED)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // A program that says when it is under way (after its set-up) is seen running only then.
  const program = code.includes(STARTED) ? code : `print('${STARTED}')\n${code}`;
  const finished = board.exec(program, options.signal === undefined ? {} : { signal: options.signal });
  finished.catch(() => undefined);
  try {
    await Promise.race([started, finished.then(() => Promise.reject(new Error('the program ended before it was seen running')))]);
  } finally {
    unsubscribe();
  }
  return { finished };
}

/** Start `code`, see it running, and stop waiting for it (the harness's exec gives up; the board keeps running it). */
export async function leaveRunning(board: CampaignBoard, code: string): Promise<void> {
  const giveUp = new AbortController();
  const { finished } = await startProgram(board, code, { signal: giveUp.signal });
  giveUp.abort();
  await finished.then(
    () => {
      throw new Error('the program was expected to keep running');
    },
    () => undefined,
  );
}
