import { ChannelViews, RX_RING_SIZE, Slot } from './channel.js';

/** The open port on the host side of the cable. */
export interface HostEndpoint {
  /** Device → host bytes. The endpoint reports them taken with `UsbCdc.hostConsumed`. */
  deliver(data: Uint8Array): void;
  /** The USB device went away (reset, power cut). */
  disconnect(reason: string): void;
}

/** Per-phase evidence of what the host did to the board (standalone mode proves silence with it). */
export interface HostActivity {
  readonly writes: number;
  readonly bytesWritten: number;
  readonly dtrChanges: number;
  readonly opens: number;
}

/** Host activity during one phase of the board (power-off, power-on, boot, exec:main.py, idle:friendly …). */
export interface PhaseActivity extends HostActivity {
  readonly phase: string;
  /** Position in the board's phase history (0 = the first phase since the board was made). */
  readonly index: number;
}

/** Phases remembered; older ones are dropped (their counts stay in the totals). */
const PHASE_HISTORY = 256;

/** With no host attached (DTR clear) the CDC TX FIFO keeps only the newest 256 bytes (facts §1). */
export const DETACHED_TX_FIFO_BYTES = 256;
/** Beyond this many unread bytes at the host, the board stops sending (the host's buffers are full). */
const HOST_BACKLOG_LIMIT = 64 * 1024;
const CTRL_C = 0x03;

interface PendingWrite {
  data: Uint8Array;
  offset: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The board's USB CDC ACM function: host bytes into the CPU's RX ring (with the interrupt
 * character taken out at reception, as tud_cdc_rx_cb does), device bytes to the host or, while
 * no host holds the port, into the small TX FIFO.
 */
export class UsbCdc {
  private host: HostEndpoint | undefined;
  private dtr = false;
  private fifo = new Uint8Array(0);
  private pending: PendingWrite[] = [];
  private activity = { writes: 0, bytesWritten: 0, dtrChanges: 0, opens: 0 };
  private phases: { phase: string; index: number; writes: number; bytesWritten: number; dtrChanges: number; opens: number }[] = [
    { phase: 'created', index: 0, writes: 0, bytesWritten: 0, dtrChanges: 0, opens: 0 },
  ];
  /** Bytes handed to the host and not yet read by it. */
  private backlog = 0;
  /** Called when a Ctrl-C reached a CPU that runs Python (the board arms its watchdog). */
  onInterrupt: () => void = () => {};
  /** Called when the host read bytes, so the board's USB controller can send more. */
  onHostProgress: () => void = () => {};

  constructor(private views: ChannelViews) {}

  /** A new CPU brings fresh shared memory; host bytes still waiting for room go into its ring. */
  rebind(views: ChannelViews): void {
    this.views = views;
    this.pump();
  }

  get hostAttached(): boolean {
    return this.host !== undefined;
  }

  hostActivity(): HostActivity {
    return { ...this.activity };
  }

  resetActivity(): void {
    this.activity = { writes: 0, bytesWritten: 0, dtrChanges: 0, opens: 0 };
  }

  /** From now on, host activity counts toward `phase` (the board calls this on power and CPU phase changes). */
  beginPhase(phase: string): void {
    const last = this.phases[this.phases.length - 1];
    this.phases.push({ phase, index: (last?.index ?? -1) + 1, writes: 0, bytesWritten: 0, dtrChanges: 0, opens: 0 });
    if (this.phases.length > PHASE_HISTORY) this.phases.shift();
  }

  /** Host activity per phase, oldest first; `since` (a phase index) keeps only that phase and later ones. */
  phaseActivity(since = 0): PhaseActivity[] {
    return this.phases.filter((entry) => entry.index >= since).map((entry) => ({ ...entry }));
  }

  /** The index of the phase under way. */
  get currentPhaseIndex(): number {
    return this.phases[this.phases.length - 1]?.index ?? 0;
  }

  private count(field: 'writes' | 'bytesWritten' | 'dtrChanges' | 'opens', amount = 1): void {
    this.activity[field] += amount;
    const current = this.phases[this.phases.length - 1];
    if (current !== undefined) current[field] += amount;
  }

  // ---- host side ----

  attach(host: HostEndpoint): void {
    this.host = host;
    this.count('opens');
    this.setDtr(true);
    if (this.fifo.length > 0) {
      const stale = this.fifo;
      this.fifo = new Uint8Array(0);
      this.backlog += stale.length;
      host.deliver(stale);
    }
  }

  detach(host: HostEndpoint): void {
    if (this.host !== host) return;
    this.setDtr(false);
    this.host = undefined;
    this.backlog = 0;
    this.onHostProgress();
  }

  /** The device is gone from the bus: tell the host and forget it. */
  disconnect(reason: string): void {
    const host = this.host;
    this.host = undefined;
    this.dtr = false;
    this.fifo = new Uint8Array(0);
    this.backlog = 0;
    for (const write of this.pending) write.reject(new Error(reason));
    this.pending = [];
    host?.disconnect(reason);
  }

  setDtr(value: boolean): void {
    if (value !== this.dtr) this.count('dtrChanges');
    this.dtr = value;
  }

  /** Host → device. Resolves when every byte is in the board's RX buffers (USB flow control). */
  hostWrite(data: Uint8Array): Promise<void> {
    this.count('writes');
    this.count('bytesWritten', data.length);
    if (data.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ data, offset: 0, resolve, reject });
      this.pump();
    });
  }

  /** Move queued host bytes into the RX ring while it has room. */
  pump(): void {
    const views = this.views;
    let woke = false;
    while (this.pending.length > 0) {
      const write = this.pending[0];
      if (write === undefined) break;
      while (write.offset < write.data.length) {
        const head = views.load(Slot.RX_HEAD);
        const tail = views.load(Slot.RX_TAIL);
        const byte = write.data[write.offset] ?? 0;
        if (byte === CTRL_C && views.load(Slot.INTERRUPT_CHAR) === CTRL_C) {
          // Python is running: the Ctrl-C never reaches stdin; stdin is cleared and KeyboardInterrupt scheduled.
          views.store(Slot.RX_CLEAR_TO, head);
          views.store(Slot.INTERRUPT_PENDING, 1);
          write.offset += 1;
          woke = true;
          this.onInterrupt();
          continue;
        }
        if (head - tail >= RX_RING_SIZE) {
          views.store(Slot.RX_BLOCKED, 1);
          if (woke) views.wake();
          return;
        }
        views.rx[head % RX_RING_SIZE] = byte;
        views.store(Slot.RX_HEAD, head + 1);
        write.offset += 1;
        woke = true;
      }
      this.pending.shift();
      write.resolve();
    }
    if (woke) views.wake();
  }

  // ---- device side ----

  /** True while the host has not read what it was given; the USB controller then holds back. */
  get hostBusy(): boolean {
    return this.host !== undefined && this.dtr && this.backlog >= HOST_BACKLOG_LIMIT;
  }

  /** Bytes the board's USB controller sends. */
  deviceTx(data: Uint8Array): void {
    const host = this.host;
    if (host !== undefined && this.dtr) {
      this.backlog += data.length;
      host.deliver(data);
      return;
    }
    const combined = new Uint8Array(this.fifo.length + data.length);
    combined.set(this.fifo);
    combined.set(data, this.fifo.length);
    this.fifo = combined.slice(Math.max(0, combined.length - DETACHED_TX_FIFO_BYTES));
  }

  /** The host read `count` bytes it was given. */
  hostConsumed(count: number): void {
    if (count <= 0) return;
    const wasBusy = this.hostBusy;
    this.backlog = Math.max(0, this.backlog - count);
    if (wasBusy && !this.hostBusy) this.onHostProgress();
  }

  /** What sits in the TX FIFO while no host is attached (for tests). */
  detachedFifo(): Uint8Array {
    return this.fifo.slice();
  }
}
