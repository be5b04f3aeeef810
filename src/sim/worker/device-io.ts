import {
  ChannelViews,
  ClockSlot,
  RX_RING_SIZE,
  Slot,
  TX_MARK_RING_SIZE,
  TX_RING_SIZE,
  boardRtcMs,
  boardUptimeMs,
  hostNowMs,
  type CpuMessage,
} from '../channel.js';

/** A write that finds the USB TX FIFO full waits this long for progress, then the data is lost (MICROPY_HW_USB_CDC_TX_TIMEOUT). */
const TX_TIMEOUT_BOARD_MS = 500;
/** Longest single Atomics.wait, so a lost notify can never hang the CPU. */
const MAX_WAIT_SLICE_MS = 1000;
const RPC_TIMEOUT_MS = 60_000;

/** A board's answer: a value, an errno, a Python exception to raise, or a simulator failure. */
export interface RpcReply {
  readonly value?: unknown;
  readonly errno?: number;
  readonly raise?: { readonly type: string; readonly args: readonly (number | string)[] };
  readonly error?: string;
}

/**
 * The CPU side of the board's I/O: USB CDC bytes in and out, the interrupt character, the clocks,
 * and synchronous calls to the board's hardware on the main thread.
 */
export class DeviceIo {
  /** Set after a TX timeout: further output is dropped at once until the host takes bytes again. */
  private txStalledAt: number | undefined;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  /** Called when a Ctrl-C is taken while Python runs: schedules KeyboardInterrupt in the VM. */
  onInterrupt: () => void = () => {};

  constructor(
    private readonly views: ChannelViews,
    private readonly post: (message: CpuMessage) => void,
  ) {}

  // ---- output ----

  /** Protocol bytes the firmware writes itself (mp_hal_stdout_tx_strn: no newline translation). */
  txRaw(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? this.encoder.encode(data) : data;
    for (const byte of bytes) this.txByte(byte);
    this.endTransfer();
  }

  /**
   * Output from Python (print, sys.stdout): `\n` becomes `\r\n` as in mp_hal_stdout_tx_strn_cooked.
   * The interpreter hands it over byte by byte, so a line end stands in for the end of a write call.
   */
  txCooked(byte: number): void {
    if (byte === 0x0a) this.txByte(0x0d);
    this.txByte(byte);
    if (byte === 0x0a) this.endTransfer();
    this.pollInterrupt();
  }

  /** Record the end of a write call: the USB controller sends what came before as one transfer. */
  private endTransfer(): void {
    const markHead = this.views.load(Slot.TX_MARK_HEAD);
    if (markHead - this.views.load(Slot.TX_MARK_TAIL) >= TX_MARK_RING_SIZE) return; // merged with the next one
    this.views.txMarks[markHead % TX_MARK_RING_SIZE] = this.views.load(Slot.TX_HEAD);
    this.views.txMarkTimes[markHead % TX_MARK_RING_SIZE] = hostNowMs();
    this.views.store(Slot.TX_MARK_HEAD, markHead + 1);
  }

  /** Put one byte in the USB TX FIFO; the board's USB controller (main thread) sends it. */
  private txByte(byte: number): void {
    const head = this.views.load(Slot.TX_HEAD);
    if (head - this.views.load(Slot.TX_TAIL) >= TX_RING_SIZE && !this.waitForTxSpace(head)) return;
    this.views.tx[head % TX_RING_SIZE] = byte;
    this.views.store(Slot.TX_HEAD, head + 1);
    if (this.views.load(Slot.TX_NOTIFY) === 1 && Atomics.exchange(this.views.control, Slot.TX_NOTIFY, 0) === 1) {
      this.post({ t: 'tx' });
    }
  }

  /** The FIFO is full because the host is not reading: wait (bounded), else drop like the firmware. */
  private waitForTxSpace(head: number): boolean {
    let tail = this.views.load(Slot.TX_TAIL);
    if (this.txStalledAt !== undefined && tail === this.txStalledAt) return false;
    this.txStalledAt = undefined;
    const timeoutMs = TX_TIMEOUT_BOARD_MS / (this.views.clock[ClockSlot.SCALE] ?? 1);
    const started = performance.now();
    while (head - tail >= TX_RING_SIZE) {
      const remaining = timeoutMs - (performance.now() - started);
      if (remaining <= 0) {
        this.txStalledAt = tail;
        return false;
      }
      Atomics.wait(this.views.control, Slot.TX_TAIL, tail, Math.min(remaining, MAX_WAIT_SLICE_MS));
      tail = this.views.load(Slot.TX_TAIL);
    }
    return true;
  }

  /** Where the next output byte goes in the TX FIFO (the board drops what came before USB was up). */
  txPosition(): number {
    return this.views.load(Slot.TX_HEAD);
  }

  // ---- input ----

  private rxAvailable(): boolean {
    return this.views.load(Slot.RX_HEAD) !== this.views.load(Slot.RX_TAIL);
  }

  private takeRxByte(): number {
    const tail = this.views.load(Slot.RX_TAIL);
    const byte = this.views.rx[tail % RX_RING_SIZE] ?? 0;
    this.views.store(Slot.RX_TAIL, tail + 1);
    if (this.views.load(Slot.RX_BLOCKED) === 1) {
      this.views.store(Slot.RX_BLOCKED, 0);
      this.post({ t: 'rx-consumed' });
    }
    return byte;
  }

  /** Wait for the next event (a byte, an interrupt, ...) for at most `ms`. */
  private waitForEvent(ms: number): void {
    const seen = this.views.load(Slot.WAKE);
    if (this.rxAvailable() || this.views.load(Slot.INTERRUPT_PENDING) === 1) return;
    Atomics.wait(this.views.control, Slot.WAKE, seen, Math.max(0, Math.min(ms, MAX_WAIT_SLICE_MS)));
  }

  /** mp_hal_stdin_rx_chr: block until a byte arrives. */
  readByte(): number {
    for (;;) {
      if (this.rxAvailable()) return this.takeRxByte();
      this.waitForEvent(MAX_WAIT_SLICE_MS);
    }
  }

  /**
   * A byte for running Python (sys.stdin, input()): undefined when a Ctrl-C arrived instead
   * (the caller turns that into KeyboardInterrupt).
   */
  readByteInterruptible(): number | undefined {
    for (;;) {
      if (this.takeInterrupt()) return undefined;
      if (this.rxAvailable()) return this.takeRxByte();
      this.waitForEvent(MAX_WAIT_SLICE_MS);
    }
  }

  // ---- interrupt character ----

  /** mp_hal_set_interrupt_char: 3 while Python runs, -1 otherwise. */
  setInterruptChar(char: number): void {
    this.views.store(Slot.INTERRUPT_CHAR, char);
  }

  /**
   * Take a pending Ctrl-C: the USB stack already kept it out of stdin; here the stdin bytes received
   * before it are dropped, as tud_cdc_rx_cb clears the ring buffer.
   */
  takeInterrupt(): boolean {
    if (Atomics.compareExchange(this.views.control, Slot.INTERRUPT_PENDING, 1, 0) !== 1) return false;
    const clearTo = this.views.load(Slot.RX_CLEAR_TO);
    if (clearTo > this.views.load(Slot.RX_TAIL)) this.views.store(Slot.RX_TAIL, clearTo);
    return true;
  }

  /** Called from every host hook Python passes through: a pending Ctrl-C becomes KeyboardInterrupt. */
  pollInterrupt(): boolean {
    if (this.views.load(Slot.INTERRUPT_PENDING) !== 1) return false;
    if (!this.takeInterrupt()) return false;
    this.onInterrupt();
    return true;
  }

  // ---- clocks ----

  uptimeMs(): number {
    return boardUptimeMs(this.views.clock);
  }

  rtcMs(): number {
    return boardRtcMs(this.views.clock);
  }

  /** Sleep in board time; returns true when a Ctrl-C cut it short (KeyboardInterrupt is scheduled). */
  sleepMs(boardMs: number): boolean {
    const scale = this.views.clock[ClockSlot.SCALE] ?? 1;
    const until = performance.now() + Math.max(0, boardMs) / scale;
    for (;;) {
      if (this.pollInterrupt()) return true;
      const remaining = until - performance.now();
      if (remaining <= 0) return false;
      const seen = this.views.load(Slot.WAKE);
      if (this.views.load(Slot.INTERRUPT_PENDING) === 1) continue;
      Atomics.wait(this.views.control, Slot.WAKE, seen, Math.min(remaining, MAX_WAIT_SLICE_MS));
    }
  }

  /** The count of wake-ups so far: read it before polling, then wait with `waitForWake`. */
  wakeSeq(): number {
    return this.views.load(Slot.WAKE);
  }

  /**
   * Wait until the board wakes the CPU after `seq`, or `boardMs` pass, or a Ctrl-C arrives (then
   * KeyboardInterrupt is scheduled and true is returned). How blocking socket calls wait.
   */
  waitForWake(seq: number, boardMs: number): boolean {
    const scale = this.views.clock[ClockSlot.SCALE] ?? 1;
    const until = performance.now() + Math.max(0, boardMs) / scale;
    for (;;) {
      if (this.pollInterrupt()) return true;
      if (this.views.load(Slot.WAKE) !== seq) return false;
      const remaining = until - performance.now();
      if (remaining <= 0) return false;
      Atomics.wait(this.views.control, Slot.WAKE, seq, Math.min(remaining, MAX_WAIT_SLICE_MS));
    }
  }

  // ---- calls into the board's hardware ----

  /** A synchronous call to the main thread. Never throws: failures come back as `{ error }`. */
  rpc(method: string, args: unknown): RpcReply {
    this.views.store(Slot.RPC_STATE, 0);
    this.post({ t: 'rpc', method, args });
    const started = performance.now();
    while (this.views.load(Slot.RPC_STATE) === 0) {
      const remaining = RPC_TIMEOUT_MS - (performance.now() - started);
      if (remaining <= 0) return { error: `board did not answer ${method}` };
      Atomics.wait(this.views.control, Slot.RPC_STATE, 0, Math.min(remaining, MAX_WAIT_SLICE_MS));
    }
    const length = this.views.load(Slot.RPC_LENGTH);
    try {
      return JSON.parse(this.decoder.decode(this.views.rpc.slice(0, length))) as RpcReply;
    } catch {
      return { error: `unreadable answer to ${method}` };
    }
  }
}
