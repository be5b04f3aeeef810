import { DEFAULT_OFF_MS, OffTimeGuard, offTimeFor, scaledClock, type CycleOptions, type PowerClock, type PowerDriver, type PowerState } from './driver.js';

/** What the sim driver needs of a simulated board (SimBoard has it). */
export interface SimPowerTarget {
  readonly name: string;
  readonly serialNumber: string;
  /** Board ms per host ms: the off time is waited in board time. */
  readonly timeScale: number;
  readonly isPowered: boolean;
  powerOn(): Promise<void>;
  powerOff(): Promise<void>;
}

export interface SimDriverOptions {
  readonly offMs?: number | undefined;
  /** Default: the board's own time scale. */
  readonly clock?: PowerClock | undefined;
}

/** Switches a simulated board's supply directly, like a switched hub port wired to it. */
export class SimDriver implements PowerDriver {
  readonly kind = 'sim' as const;
  private readonly offMs: number;
  private readonly clock: PowerClock;
  private readonly guard: OffTimeGuard;

  constructor(
    private readonly board: SimPowerTarget,
    options: SimDriverOptions = {},
  ) {
    this.offMs = offTimeFor(options.offMs, DEFAULT_OFF_MS);
    this.clock = options.clock ?? scaledClock(board.timeScale);
    this.guard = new OffTimeGuard(this.offMs, this.clock);
  }

  describe(): string {
    return `simulated power switch of board ${this.board.name} (${this.board.serialNumber})`;
  }

  async on(signal?: AbortSignal): Promise<void> {
    await this.guard.beforeOn(signal);
    await this.board.powerOn();
  }

  async off(): Promise<void> {
    await this.board.powerOff();
    this.guard.markOff();
  }

  async cycle(options: CycleOptions = {}): Promise<void> {
    const offMs = offTimeFor(options.offMs, this.offMs);
    await this.off();
    await this.clock.sleep(offMs, options.signal);
    await this.on(options.signal);
  }

  async get(): Promise<PowerState> {
    return this.board.isPowered ? 'on' : 'off';
  }

  async check(): Promise<string> {
    return `simulated power switch of board ${this.board.name} (${this.board.serialNumber}), now ${this.board.isPowered ? 'on' : 'off'}`;
  }
}
