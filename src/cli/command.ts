import type { Argv } from 'yargs';
import type { CliIo } from './io.js';
import type { GlobalArgs } from './options.js';

/** What every command handler gets besides its arguments. */
export interface CliContext {
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM (never aborted when the caller gave no signal). */
  readonly signal: AbortSignal;
}

/** One CLI command: its yargs shape and a handler returning the exit code. Errors go to main's handler. */
export interface CliCommand<A> {
  readonly command: string;
  readonly describe: string;
  builder(yargs: Argv<GlobalArgs>): Argv<A>;
  run(args: A, context: CliContext): Promise<number>;
}

/** The command table's element type; hides each command's own argument type. */
export interface RegisteredCommand {
  readonly command: string;
  readonly describe: string;
  builder(yargs: Argv<GlobalArgs>): Argv<unknown>;
  run(args: unknown, context: CliContext): Promise<number>;
}

export function defineCommand<A>(command: CliCommand<A>): RegisteredCommand {
  return {
    command: command.command,
    describe: command.describe,
    builder: (yargs) => command.builder(yargs) as Argv<unknown>,
    run: (args, context) => command.run(args as A, context),
  };
}
