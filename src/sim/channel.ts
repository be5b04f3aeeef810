// Shared memory between a simulated board's hardware (main thread) and its CPU (the worker thread
// that runs MicroPython). The worker blocks in Atomics.wait like firmware blocks on an interrupt;
// the main thread writes USB bytes and flags and notifies.

/** Int32 slots of the control block. */
export const Slot = {
  /** Incremented by the main thread on every event the CPU may be waiting for. */
  WAKE: 0,
  /** RX ring write index (main thread), monotonic. */
  RX_HEAD: 1,
  /** RX ring read index (worker), monotonic. */
  RX_TAIL: 2,
  /** 1 while a Ctrl-C arrived during execution and the CPU has not taken it yet. */
  INTERRUPT_PENDING: 3,
  /** mp_hal_set_interrupt_char: 3 while Python code runs, -1 otherwise (set by the worker). */
  INTERRUPT_CHAR: 4,
  /** RX index the CPU must skip to when it takes an interrupt (the USB stack clears stdin). */
  RX_CLEAR_TO: 5,
  /** TX ring write index (worker), monotonic. */
  TX_HEAD: 6,
  /** TX ring read index (main thread), monotonic; the CPU waits on it when the ring is full. */
  TX_TAIL: 7,
  /** RPC: 0 request in flight, 1 response ready. */
  RPC_STATE: 8,
  /** RPC: byte length of the JSON response. */
  RPC_LENGTH: 9,
  /** 1 when the main thread has bytes waiting for ring space (the CPU then reports consumption). */
  RX_BLOCKED: 10,
  /** 1 when the main thread has drained the TX ring and wants a message when bytes arrive. */
  TX_NOTIFY: 11,
  /** Transfer-boundary ring write index (worker), monotonic. */
  TX_MARK_HEAD: 12,
  /** Transfer-boundary ring read index (main thread), monotonic. */
  TX_MARK_TAIL: 13,
} as const;

const CONTROL_SLOTS = 16;

/** Float64 slots of the clock block. */
export const ClockSlot = {
  /** Host epoch milliseconds (high resolution) at the last hard boot: ticks_ms counts from here. */
  BOOT_HOST_MS: 0,
  /** Board milliseconds per host millisecond (the world's time scale). */
  SCALE: 1,
  /** RTC epoch milliseconds minus board uptime milliseconds. */
  RTC_OFFSET_MS: 2,
} as const;

const CLOCK_SLOTS = 4;

/** Combined USB CDC RX buffering on the board (tinyusb FIFO + stdin ring), modelled as one ring. */
export const RX_RING_SIZE = 4096;
/**
 * Device→host bytes the USB controller has not sent yet. Output lands here even while the CPU then
 * spins in a tight loop, as a real FIFO drained by the USB hardware would.
 */
export const TX_RING_SIZE = 64 * 1024;
/**
 * Where the CPU's write calls end in the TX ring. The firmware flushes USB after each write call
 * (mp_usbd_cdc_tx_strn), so each call reaches the host as its own transfer; e.g. the raw REPL's "OK"
 * arrives apart from the output that follows it.
 */
export const TX_MARK_RING_SIZE = 4096;
/** Largest RPC response (flash file contents travel hex-encoded). */
export const RPC_BUFFER_SIZE = 4 * 1024 * 1024;

export interface ChannelBuffers {
  readonly control: SharedArrayBuffer;
  readonly clock: SharedArrayBuffer;
  readonly rx: SharedArrayBuffer;
  readonly tx: SharedArrayBuffer;
  readonly txMarks: SharedArrayBuffer;
  readonly txMarkTimes: SharedArrayBuffer;
  readonly rpc: SharedArrayBuffer;
}

export function createChannelBuffers(): ChannelBuffers {
  return {
    control: new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT),
    clock: new SharedArrayBuffer(CLOCK_SLOTS * Float64Array.BYTES_PER_ELEMENT),
    rx: new SharedArrayBuffer(RX_RING_SIZE),
    tx: new SharedArrayBuffer(TX_RING_SIZE),
    txMarks: new SharedArrayBuffer(TX_MARK_RING_SIZE * Int32Array.BYTES_PER_ELEMENT),
    txMarkTimes: new SharedArrayBuffer(TX_MARK_RING_SIZE * Float64Array.BYTES_PER_ELEMENT),
    rpc: new SharedArrayBuffer(RPC_BUFFER_SIZE),
  };
}

export class ChannelViews {
  readonly control: Int32Array;
  readonly clock: Float64Array;
  readonly rx: Uint8Array;
  readonly tx: Uint8Array;
  readonly txMarks: Int32Array;
  /** Host time (hostNowMs) at which each write call ended. */
  readonly txMarkTimes: Float64Array;
  readonly rpc: Uint8Array;

  constructor(buffers: ChannelBuffers) {
    this.control = new Int32Array(buffers.control);
    this.clock = new Float64Array(buffers.clock);
    this.rx = new Uint8Array(buffers.rx);
    this.tx = new Uint8Array(buffers.tx);
    this.txMarks = new Int32Array(buffers.txMarks);
    this.txMarkTimes = new Float64Array(buffers.txMarkTimes);
    this.rpc = new Uint8Array(buffers.rpc);
  }

  load(slot: number): number {
    return Atomics.load(this.control, slot);
  }

  store(slot: number, value: number): void {
    Atomics.store(this.control, slot, value);
  }

  add(slot: number, delta: number): number {
    return Atomics.add(this.control, slot, delta);
  }

  /** Wake the CPU. */
  wake(): void {
    Atomics.add(this.control, Slot.WAKE, 1);
    Atomics.notify(this.control, Slot.WAKE);
  }
}

/** Host epoch milliseconds with sub-millisecond resolution; comparable across threads. */
export function hostNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The board's clocks, derived from shared state so both threads agree. */
export function boardUptimeMs(clock: Float64Array): number {
  return (hostNowMs() - (clock[ClockSlot.BOOT_HOST_MS] ?? 0)) * (clock[ClockSlot.SCALE] ?? 1);
}

export function boardRtcMs(clock: Float64Array): number {
  return (clock[ClockSlot.RTC_OFFSET_MS] ?? 0) + boardUptimeMs(clock);
}

/** Messages from the CPU (worker) to the board (main thread). */
export type CpuMessage =
  | { readonly t: 'tx' }
  | { readonly t: 'rpc'; readonly method: string; readonly args: unknown }
  | { readonly t: 'phase'; readonly phase: CpuPhase }
  /** mp_usbd_init ran after boot.py; output from TX index `txFrom` on goes to USB. */
  | { readonly t: 'usb-up'; readonly txFrom: number }
  | { readonly t: 'rx-consumed' }
  | { readonly t: 'fatal'; readonly message: string };

/** What the CPU is doing; the board uses it to recover from an unresponsive Ctrl-C. */
export type CpuPhase =
  | { readonly kind: 'boot' }
  | { readonly kind: 'idle'; readonly repl: ReplMode }
  | { readonly kind: 'exec'; readonly context: ExecContext };

export type ReplMode = 'friendly' | 'raw';
/** Where running code came from: the raw REPL, the friendly REPL, or a boot script. */
export type ExecContext = 'raw' | 'friendly' | 'boot.py' | 'main.py';

/** How a CPU starts: a hard boot, or a restarted VM after code ignored Ctrl-C. */
export type CpuStart =
  | { readonly kind: 'hard-boot' }
  | { readonly kind: 'vm-restart'; readonly interrupted: ExecContext };
