import { PowerError } from '../../errors.js';
import { findExecutable } from '../../sim/host/find-executable.js';
import type { PowerCommand } from './config.js';
import { DEFAULT_OFF_MS, OffTimeGuard, offTimeFor, realClock, type CycleOptions, type PowerClock, type PowerDriver } from './driver.js';
import { quoteTail, runProcess, SpawnFailure, type ProcessResult } from './run-process.js';

export interface CommandDriverOptions {
  readonly on: PowerCommand;
  readonly off: PowerCommand;
  /** Without it a cycle is off, `offMs`, on. */
  readonly cycle?: PowerCommand | undefined;
  readonly offMs?: number | undefined;
  readonly timeoutMs?: number | undefined;
  /** Passed to the commands as PICOW_BOARD_SERIAL. */
  readonly serialNumber?: string | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly clock?: PowerClock | undefined;
}

type Action = 'on' | 'off' | 'cycle';

const SHELL = '/bin/sh';
const DEFAULT_TIMEOUT_MS = 30_000;

/** How a command is shown in messages: a string as written, an argument list shell-quoted. */
export function showCommand(command: PowerCommand): string {
  if (typeof command === 'string') return command;
  return command.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Runs the user's own on/off[/cycle] commands: an argument list directly (no shell), a string
 * through `/bin/sh -c`. A command succeeds when it exits 0 within `timeoutMs`; otherwise the error
 * quotes the end of its stderr. Commands get PICOW_POWER_ACTION and PICOW_BOARD_SERIAL.
 */
export class CommandDriver implements PowerDriver {
  readonly kind = 'command' as const;
  private readonly offMs: number;
  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly clock: PowerClock;
  private readonly guard: OffTimeGuard;

  constructor(private readonly options: CommandDriverOptions) {
    this.offMs = offTimeFor(options.offMs, DEFAULT_OFF_MS);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.env = options.env ?? process.env;
    this.clock = options.clock ?? realClock;
    this.guard = new OffTimeGuard(this.offMs, this.clock);
  }

  describe(): string {
    return `command (on: ${showCommand(this.options.on)}; off: ${showCommand(this.options.off)}${this.options.cycle === undefined ? '' : `; cycle: ${showCommand(this.options.cycle)}`})`;
  }

  async on(signal?: AbortSignal): Promise<void> {
    await this.guard.beforeOn(signal);
    await this.run('on', this.options.on, signal);
  }

  async off(signal?: AbortSignal): Promise<void> {
    await this.run('off', this.options.off, signal);
    this.guard.markOff();
  }

  async cycle(options: CycleOptions = {}): Promise<void> {
    const offMs = offTimeFor(options.offMs, this.offMs);
    if (this.options.cycle !== undefined) {
      await this.guard.beforeOn(options.signal);
      await this.run('cycle', this.options.cycle, options.signal, offMs);
      return;
    }
    await this.off(options.signal);
    await this.clock.sleep(offMs, options.signal);
    await this.on(options.signal);
  }

  /** Every command can start: its program is on PATH, or its shell text parses (`sh -n`). Nothing is run. */
  async check(signal?: AbortSignal): Promise<string> {
    const commands: [Action, PowerCommand][] = [['on', this.options.on], ['off', this.options.off]];
    if (this.options.cycle !== undefined) commands.push(['cycle', this.options.cycle]);
    const found: string[] = [];
    for (const [action, command] of commands) {
      if (typeof command === 'string') {
        const result = await this.spawn(action, SHELL, ['-n', '-c', command], this.timeoutMs, signal);
        if (result.exitCode !== 0) throw new PowerError(`the power ${action} command is not valid shell: ${quoteTail(result.stderr)} (${command})`, { driver: 'command', action });
        found.push(`${action}: sh -c ${JSON.stringify(command)}`);
      } else {
        const program = command[0] ?? '';
        const path = findExecutable(program, this.env.PATH);
        if (path === undefined) throw new PowerError(`the power ${action} command's program is not found or not executable: ${program}`, { driver: 'command', action, program });
        found.push(`${action}: ${path}`);
      }
    }
    return `command driver ready (${found.join('; ')}; nothing run)`;
  }

  private async run(action: Action, command: PowerCommand, signal: AbortSignal | undefined, extraMs = 0): Promise<void> {
    const [file, args] = typeof command === 'string' ? [SHELL, ['-c', command]] : [command[0] ?? '', command.slice(1)];
    const result = await this.spawn(action, file, args, this.timeoutMs + extraMs, signal);
    const context = { driver: 'command', action, command: showCommand(command), exitCode: result.exitCode, stderr: result.stderr };
    if (result.timedOut) {
      throw new PowerError(`the power ${action} command did not finish within ${this.timeoutMs + extraMs} ms and was killed: ${showCommand(command)}`, context);
    }
    if (result.exitCode !== 0) {
      const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with status ${result.exitCode}`;
      const stderr = result.stderr.trim() === '' ? 'no stderr' : `stderr ends ${quoteTail(result.stderr)}`;
      throw new PowerError(`the power ${action} command ${how} (${stderr}): ${showCommand(command)}`, context);
    }
  }

  private async spawn(action: Action, file: string, args: readonly string[], timeoutMs: number, signal: AbortSignal | undefined): Promise<ProcessResult> {
    const env: NodeJS.ProcessEnv = { ...this.env, PICOW_POWER_ACTION: action };
    if (this.options.serialNumber !== undefined) env.PICOW_BOARD_SERIAL = this.options.serialNumber;
    try {
      return await runProcess(file, args, { timeoutMs, env, signal });
    } catch (error) {
      if (error instanceof SpawnFailure) {
        throw new PowerError(`cannot start the power ${action} command (${error.errno}): ${file}`, { driver: 'command', action, program: file });
      }
      throw error;
    }
  }
}
