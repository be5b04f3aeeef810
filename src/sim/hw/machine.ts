import { valueError } from './py-raise.js';

/** The parts of machine that are hardware on the board: the watchdog, the LED, the RTC setter. */
export interface MachineHooks {
  /** A reset the firmware asked for (machine.reset, watchdog expiry) — the board reboots. */
  reboot(cause: 'watchdog'): void;
  bootloader(): void;
  setRtcMs(epochMs: number): void;
  readonly timeScale: number;
}

/**
 * rp2's watchdog keeps running across a soft reset (it is hardware), is stopped only by a hard
 * reset, and reboots the board with reset cause WDT when nobody feeds it in time.
 */
export class MachineModel {
  private wdtTimer: NodeJS.Timeout | undefined;
  private wdtTimeoutMs = 0;
  private ledValue = 0;

  constructor(private readonly hooks: MachineHooks) {}

  get led(): number {
    return this.ledValue;
  }

  get watchdogArmed(): boolean {
    return this.wdtTimer !== undefined;
  }

  setLed(value: number): void {
    this.ledValue = value ? 1 : 0;
  }

  wdtStart(timeoutMs: number): void {
    this.wdtTimeoutMs = Math.max(1, timeoutMs);
    this.wdtFeed();
  }

  wdtFeed(): void {
    if (this.wdtTimeoutMs === 0) return;
    if (this.wdtTimer !== undefined) clearTimeout(this.wdtTimer);
    this.wdtTimer = setTimeout(() => {
      this.wdtTimer = undefined;
      this.wdtTimeoutMs = 0;
      this.hooks.reboot('watchdog');
    }, this.wdtTimeoutMs / this.hooks.timeScale);
  }

  /** machine.RTC().datetime(...): rp2 ignores the weekday and subseconds. */
  rtcSet(fields: readonly number[]): void {
    const [year, month, day, hour, minute, second] = fields.map((field) => Math.trunc(Number(field)));
    if ([year, month, day, hour, minute, second].some((field) => field === undefined || !Number.isFinite(field))) {
      throw valueError('invalid datetime');
    }
    this.hooks.setRtcMs(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  }

  /** A hard reset or power-off: the watchdog stops, the LED (a CYW43 GPIO) goes dark. */
  stop(): void {
    if (this.wdtTimer !== undefined) clearTimeout(this.wdtTimer);
    this.wdtTimer = undefined;
    this.wdtTimeoutMs = 0;
    this.ledValue = 0;
  }
}
