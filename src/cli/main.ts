import yargs from 'yargs';
import { exitCodeFor, isHarnessError } from '../errors.js';
import type { CliContext, RegisteredCommand } from './command.js';
import { bisectCommand } from './commands/bisect.js';
import { certsCommand } from './commands/certs.js';
import { devicesCommand } from './commands/devices.js';
import { execCommand } from './commands/exec.js';
import { flashCommand } from './commands/flash.js';
import { firmwareCommand } from './commands/firmware.js';
import { gateCommand } from './commands/gate.js';
import { historyCommand } from './commands/history.js';
import { infoCommand } from './commands/info.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { simCommand } from './commands/sim.js';
import { smokeCommand } from './commands/smoke.js';
import { standaloneCommand } from './commands/standalone.js';
import { writeLine, type CliIo } from './io.js';
import { withGlobalOptions } from './options.js';

export const PROGRAM = 'picow-harness';

/** The command table. Each module holds its options and a handler that calls the library. */
export const COMMANDS: readonly RegisteredCommand[] = [runCommand, reportCommand, execCommand, infoCommand, devicesCommand, simCommand, smokeCommand, certsCommand, firmwareCommand, serveCommand, gateCommand, historyCommand, standaloneCommand, flashCommand, bisectCommand];

/** Exit code when the user stopped a command with Ctrl-C (128 + SIGINT). */
const INTERRUPTED_EXIT_CODE = 130;

/** The one place errors become text: `picow-harness: <one line>` on stderr, and the exit code. */
function reportError(error: unknown, io: CliIo, signal: AbortSignal): number {
  if (signal.aborted && isHarnessError(error) && error.code === 'ABORTED') {
    writeLine(io.stderr, `${PROGRAM}: interrupted`);
    return INTERRUPTED_EXIT_CODE;
  }
  const message = error instanceof Error ? error.message : String(error);
  writeLine(io.stderr, `${PROGRAM}: ${message.replace(/\s*\n\s*/g, ' ')}`);
  return exitCodeFor(error);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/**
 * Run the CLI in-process: parse `argv` (without node and the script), run the command, and
 * return the exit code. Everything the CLI prints goes to `io`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const signal = io.signal ?? new AbortController().signal;
  let selected: { command: RegisteredCommand; args: unknown } | undefined;
  let parser = withGlobalOptions(yargs())
    .scriptName(PROGRAM)
    .usage(`${PROGRAM} <command> [options]\n\nDrive a Raspberry Pi Pico W running MicroPython over its raw REPL, or a simulated one.`)
    .exitProcess(false)
    .strict()
    .demandCommand(1, `name a command (${COMMANDS.map((command) => command.command.split(' ')[0]).join(', ')})`)
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .epilogue('Exit codes: 0 success, 1 Python exception on the board, 2 usage or configuration error, 3 transport or infrastructure error.');
  for (const command of COMMANDS) {
    parser = parser.command(command.command, command.describe, (y) => command.builder(y), (args) => {
      selected = { command, args };
    });
  }

  let parseError: Error | undefined;
  let output = '';
  try {
    await parser.parseAsync([...argv], {}, (error: Error | undefined, _args: unknown, text: string) => {
      parseError = error ?? undefined;
      output = text;
    });
  } catch (error) {
    parseError = error as Error;
  }
  if (parseError !== undefined) {
    const named = COMMANDS.find((command) => command.command.split(' ')[0] === argv[0]);
    const hint = named === undefined ? `${PROGRAM} --help` : `${PROGRAM} ${argv[0]} --help`;
    writeLine(io.stderr, `${PROGRAM}: ${firstLine(parseError.message)} (see ${hint})`);
    return 2;
  }
  if (selected === undefined) {
    // --help (or a bare command list): yargs produced the text and ran nothing.
    if (output !== '') writeLine(io.stdout, output);
    return 0;
  }

  const context: CliContext = { io, env: io.env ?? process.env, signal };
  try {
    return await selected.command.run(selected.args, context);
  } catch (error) {
    return reportError(error, io, signal);
  }
}
