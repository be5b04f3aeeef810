import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { DEFAULT_PROFILE_NAME, PROFILES, findProfile } from '../sim/profiles.js';
import { loadWorld, type World } from '../sim/world.js';
import type { ConnectOptions } from '../transport/connect.js';
import { PORT_ENV, parsePortSpec, type PortSpec } from '../transport/port-spec.js';

/** Options every command takes (yargs `global`). Numbers arrive as text and are checked here. */
export interface GlobalArgs {
  readonly port?: string | undefined;
  readonly world?: string | undefined;
  readonly seed?: string | undefined;
  readonly profile?: string | undefined;
}

export const GLOBAL_GROUP = 'Board selection (every command):';

export function withGlobalOptions<T>(yargs: Argv<T>): Argv<T & GlobalArgs> {
  return yargs
    .option('port', {
      type: 'string',
      requiresArg: true,
      global: true,
      group: GLOBAL_GROUP,
      describe: `auto | PATH | id:SERIAL | sim[:PROFILE] | tcp://HOST:PORT | rfc2217://HOST:PORT (env ${PORT_ENV}; default auto)`,
    })
    .option('world', { type: 'string', requiresArg: true, global: true, group: GLOBAL_GROUP, describe: 'simulator world file, YAML or JSON' })
    .option('seed', { type: 'string', requiresArg: true, global: true, group: GLOBAL_GROUP, describe: "simulator seed, a whole number (default: the world's seed, 0)" })
    .option('profile', {
      type: 'string',
      requiresArg: true,
      global: true,
      group: GLOBAL_GROUP,
      describe: `simulated firmware (default ${DEFAULT_PROFILE_NAME}): ${PROFILES.map((p) => p.name).join(', ')}`,
    }) as Argv<T & GlobalArgs>;
}

/** A whole number from an option, or a one-line UsageError naming the option. */
export function parseWholeNumber(option: string, value: string | undefined, range: { min: number; max?: number }): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < range.min || (range.max !== undefined && number > range.max)) {
    const bounds = range.max === undefined ? `≥ ${range.min}` : `${range.min}..${range.max}`;
    throw new UsageError(`--${option}: expected a whole number ${bounds}, got ${JSON.stringify(value)}`);
  }
  return number;
}

export interface SimulatorChoice {
  readonly world: World | undefined;
  readonly seed: number | undefined;
  readonly profile: string | undefined;
}

/** --world, --seed and --profile, validated (a bad world file is a ConfigError naming file and key). */
export async function simulatorChoice(args: GlobalArgs): Promise<SimulatorChoice> {
  const seed = parseWholeNumber('seed', args.seed, { min: 0, max: 2 ** 32 - 1 });
  const profile = args.profile === undefined ? undefined : findProfile(args.profile).name;
  const world = args.world === undefined ? undefined : await loadWorld(args.world);
  return { world, seed, profile };
}

export interface Target {
  readonly spec: PortSpec;
  readonly connect: ConnectOptions;
}

/** The board the command should talk to, and how to open it. */
export async function resolveTarget(args: GlobalArgs, env: NodeJS.ProcessEnv): Promise<Target> {
  const spec = parsePortSpec(args.port, env);
  const sim = await simulatorChoice(args);
  return { spec, connect: { world: sim.world, seed: sim.seed, profile: sim.profile } };
}

/**
 * For commands that always run the simulator (`sim`, `smoke`): `--port` may only say `sim` or
 * `sim:PROFILE`. PICOW_PORT is not consulted, so a real-board default does not get in the way.
 */
export function simulatorProfileFromPort(args: GlobalArgs, command: string): string | undefined {
  if (args.port === undefined) return undefined;
  const spec = parsePortSpec(args.port, {});
  if (spec.kind !== 'sim') throw new UsageError(`${command} runs the simulated board; --port may only be sim or sim:PROFILE, got ${JSON.stringify(args.port)}`);
  return spec.profile;
}
