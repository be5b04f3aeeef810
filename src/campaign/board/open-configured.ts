import type { World } from '../../sim/world.js';
import { isSimBoard, type LoadedCampaign } from '../config/index.js';
import type { SimPowerConfig } from '../power/config.js';
import { createPowerDriver, scaledClock, type PowerDriver } from '../power/index.js';
import type { Terminal } from '../power/manual.js';
import { openCampaignBoard, type CampaignBoard } from './campaign-board.js';

export interface OpenConfiguredBoardOptions {
  /** The simulated board's world (undefined for a real board). */
  readonly world: World | undefined;
  readonly seed: number;
  /** Where power drivers keep their cache (the reports folder). */
  readonly reportsDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The operator's terminal (manual power driver). */
  readonly terminal?: Terminal | undefined;
}

/** A simulated board's own switched supply: its power-cycle cells need no power config. */
export const SIM_BOARD_POWER: Readonly<SimPowerConfig> = Object.freeze({ driver: 'sim', offMs: 2000 });

/** The config's power driver, else a simulated board's own. */
export function defaultPowerFor(loaded: LoadedCampaign): LoadedCampaign['config']['board']['power'] {
  const { power } = loaded.config.board;
  if (power !== undefined) return power;
  return isSimBoard(loaded.config) ? SIM_BOARD_POWER : undefined;
}

/** Open the campaign config's board (`board.port`, `board.profile`) with its power driver. */
export function openConfiguredBoard(loaded: LoadedCampaign, options: OpenConfiguredBoardOptions): Promise<CampaignBoard> {
  const { config } = loaded;
  const { world, seed, reportsDir, env, terminal } = options;
  const power = defaultPowerFor(loaded);
  return openCampaignBoard({
    spec: config.board.port,
    ...(world === undefined ? {} : { world, seed }),
    ...(config.board.profile === undefined ? {} : { profile: config.board.profile }),
    ...(power === undefined
      ? {}
      : {
          power: (target): PowerDriver =>
            createPowerDriver(power, {
              serialNumber: target.serialNumber,
              cacheDir: reportsDir,
              env,
              ...(target.sim === undefined ? {} : { board: target.sim, clock: scaledClock(target.sim.timeScale) }),
              ...(terminal === undefined ? {} : { terminal }),
            }),
        }),
  });
}
