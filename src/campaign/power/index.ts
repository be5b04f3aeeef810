import { UsageError } from '../../errors.js';
import { CommandDriver } from './command.js';
import type { PowerConfig } from './config.js';
import type { PowerClock, PowerDriver } from './driver.js';
import { ManualDriver, type Terminal } from './manual.js';
import { SimDriver, type SimPowerTarget } from './sim.js';
import { UhubctlDriver } from './uhubctl.js';

export { powerConfigSchema, type PowerConfig, type PowerConfigInput } from './config.js';
export { MIN_OFF_MS, DEFAULT_OFF_MS, realClock, scaledClock, type CycleOptions, type PowerClock, type PowerDriver, type PowerDriverKind, type PowerState } from './driver.js';
export { CommandDriver } from './command.js';
export { ManualDriver, type Terminal } from './manual.js';
export { SimDriver, type SimPowerTarget } from './sim.js';
export { UhubctlDriver } from './uhubctl.js';

/** What the run knows that a driver may need besides its config. */
export interface PowerDriverContext {
  /** The board's USB serial number (uhubctl finds the port by it; commands get it as PICOW_BOARD_SERIAL). */
  readonly serialNumber?: string | undefined;
  /** Where the uhubctl driver keeps its port cache (e.g. the reports directory). */
  readonly cacheDir?: string | undefined;
  /** Environment for the tools the drivers run (default process.env). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Time for off-time waits (default real time; a simulated rig passes scaledClock(world.timeScale)). */
  readonly clock?: PowerClock | undefined;
  /** The simulated board, for the sim driver. */
  readonly board?: SimPowerTarget | undefined;
  /** The operator's terminal, for the manual driver. */
  readonly terminal?: Terminal | undefined;
}

/** The driver a validated `power:` config names. Creating one runs nothing; `check()` proves it works. */
export function createPowerDriver(config: PowerConfig, context: PowerDriverContext = {}): PowerDriver {
  switch (config.driver) {
    case 'uhubctl':
      return new UhubctlDriver({
        location: config.location,
        port: config.port,
        serialNumber: config.serialNumber ?? context.serialNumber,
        offMs: config.offMs,
        timeoutMs: config.timeoutMs,
        binary: config.binary,
        cacheDir: context.cacheDir,
        env: context.env,
        clock: context.clock,
      });
    case 'command':
      return new CommandDriver({
        on: config.on,
        off: config.off,
        cycle: config.cycle,
        offMs: config.offMs,
        timeoutMs: config.timeoutMs,
        serialNumber: context.serialNumber,
        env: context.env,
        clock: context.clock,
      });
    case 'manual':
      if (context.terminal === undefined) throw new UsageError('the manual power driver needs the operator’s terminal');
      return new ManualDriver({ terminal: context.terminal, offMs: config.offMs, promptTimeoutMs: config.promptTimeoutMs, clock: context.clock });
    case 'sim':
      if (context.board === undefined) throw new UsageError('the sim power driver works only with a simulated board (port "sim")');
      return new SimDriver(context.board, { offMs: config.offMs, clock: context.clock });
  }
}
