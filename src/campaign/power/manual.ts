import { AbortError, PowerError, UsageError } from '../../errors.js';
import { DEFAULT_OFF_MS, OffTimeGuard, offTimeFor, realClock, type CycleOptions, type PowerClock, type PowerDriver } from './driver.js';

/** The operator's terminal; the CLI passes process.stdin and process.stderr. */
export interface Terminal {
  readonly input: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly output: NodeJS.WritableStream;
}

export interface ManualDriverOptions {
  readonly terminal: Terminal;
  readonly offMs?: number | undefined;
  /** How long a prompt waits for Enter before the driver gives up. */
  readonly promptTimeoutMs?: number | undefined;
  readonly clock?: PowerClock | undefined;
}

const DEFAULT_PROMPT_TIMEOUT_MS = 600_000;

/**
 * Asks the operator to unplug and replug the board and waits for Enter. Only on an interactive
 * terminal: with stdin not a TTY (CI, a pipe, nohup) every method refuses at once instead of
 * waiting for an answer that cannot come.
 */
export class ManualDriver implements PowerDriver {
  readonly kind = 'manual' as const;
  private readonly offMs: number;
  private readonly promptTimeoutMs: number;
  private readonly clock: PowerClock;
  private readonly guard: OffTimeGuard;

  constructor(private readonly options: ManualDriverOptions) {
    this.offMs = offTimeFor(options.offMs, DEFAULT_OFF_MS);
    this.promptTimeoutMs = options.promptTimeoutMs ?? DEFAULT_PROMPT_TIMEOUT_MS;
    this.clock = options.clock ?? realClock;
    this.guard = new OffTimeGuard(this.offMs, this.clock);
  }

  describe(): string {
    return 'manual (the operator unplugs and replugs the board)';
  }

  async off(signal?: AbortSignal): Promise<void> {
    this.requireTty();
    await this.prompt('Power OFF the board now (unplug its USB cable), then press Enter: ', signal);
    this.guard.markOff();
  }

  async on(signal?: AbortSignal): Promise<void> {
    this.requireTty();
    await this.guard.beforeOn(signal);
    await this.prompt('Power ON the board now (plug its USB cable back in), then press Enter: ', signal);
  }

  async cycle(options: CycleOptions = {}): Promise<void> {
    const offMs = offTimeFor(options.offMs, this.offMs);
    await this.off(options.signal);
    this.options.terminal.output.write(`Keep it unplugged for at least ${Math.ceil(offMs / 1000)} s…\n`);
    await this.clock.sleep(offMs, options.signal);
    await this.on(options.signal);
  }

  async check(): Promise<string> {
    this.requireTty();
    return 'manual driver ready: the operator is prompted on the terminal (stdin is a TTY)';
  }

  private requireTty(): void {
    if (this.options.terminal.input.isTTY !== true) {
      throw new UsageError('the manual power driver needs an interactive terminal, and stdin is not a TTY; use the uhubctl or command driver for unattended runs');
    }
  }

  /** Writes `question` and resolves on the next line typed; bounded by promptTimeoutMs. */
  private prompt(question: string, signal: AbortSignal | undefined): Promise<void> {
    const { input, output } = this.options.terminal;
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(new AbortError());
        return;
      }
      const cleanup = (): void => {
        clearTimeout(timer);
        input.off('data', onData);
        input.off('end', onEnd);
        signal?.removeEventListener('abort', onAbort);
        input.pause();
      };
      const onData = (chunk: Buffer | string): void => {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        if (!/[\r\n]/.test(text)) return;
        cleanup();
        resolve();
      };
      const onEnd = (): void => {
        cleanup();
        reject(new PowerError('the terminal closed while waiting for the operator', { driver: 'manual' }));
      };
      const onAbort = (): void => {
        cleanup();
        reject(new AbortError());
      };
      const timer = setTimeout(() => {
        cleanup();
        const waited = this.promptTimeoutMs < 1000 ? `${this.promptTimeoutMs} ms` : `${Math.round(this.promptTimeoutMs / 1000)} s`;
        reject(new PowerError(`no answer at the power prompt within ${waited}`, { driver: 'manual' }));
      }, this.promptTimeoutMs);
      input.on('data', onData);
      input.once('end', onEnd);
      signal?.addEventListener('abort', onAbort, { once: true });
      output.write(question);
      input.resume();
    });
  }
}
