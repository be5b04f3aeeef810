import { ChannelViews, Slot, TX_MARK_RING_SIZE, TX_RING_SIZE, hostNowMs } from './channel.js';
import type { UsbCdc } from './usb-cdc.js';

/** USB full speed: 1 ms frames. */
const FRAME_MS = 1;
/** Model: at most 19 max-size (64-byte) bulk packets fit in one full-speed frame. */
const FRAME_BYTES = 19 * 64;

/**
 * The board's USB controller on the CDC bulk-IN endpoint. The CPU's output waits in the TX FIFO
 * (shared memory) and goes to the host in transfers: a transfer starts as soon as the endpoint is
 * free and carries everything written by then; the next one waits for the next frame. So a write
 * made while the endpoint was idle arrives on its own (the raw REPL's `OK` apart from the output
 * that follows), and bursts are paced at full-speed rates. While no host holds the port, nothing is
 * paced: the bytes fall into the CDC FIFO, which keeps only the newest ones.
 */
export class UsbInEndpoint {
  private freeAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(
    private views: ChannelViews,
    private readonly cdc: UsbCdc,
    private readonly timeScale: number,
  ) {}

  /** A new CPU (after a reset) brings fresh shared memory. */
  rebind(views: ChannelViews): void {
    this.views = views;
    this.stop();
  }

  /** mp_usbd_init: from now on output goes to USB, starting at TX index `from`. */
  start(from: number): void {
    this.views.store(Slot.TX_TAIL, from);
    Atomics.notify(this.views.control, Slot.TX_TAIL);
    this.started = true;
    this.pump();
  }

  stop(): void {
    this.started = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Send what can be sent now; schedules itself for the next frame when the endpoint is busy. */
  pump(): void {
    const views = this.views;
    if (!this.started || this.timer !== undefined) return;
    for (;;) {
      if (this.cdc.hostBusy) return;
      const tail = views.load(Slot.TX_TAIL);
      const head = views.load(Slot.TX_HEAD);
      if (head === tail) {
        views.store(Slot.TX_NOTIFY, 1);
        // The CPU may have written between the load and the request for a message.
        if (views.load(Slot.TX_HEAD) === tail) return;
        views.store(Slot.TX_NOTIFY, 0);
        continue;
      }
      const now = hostNowMs();
      const paced = this.cdc.hostAttached;
      const firstWrite = this.pendingMarks(tail)[0];
      const start = paced ? Math.max(this.freeAt, firstWrite?.time ?? now) : now;
      if (start > now) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, start - now);
        return;
      }
      const end = Math.min(this.endOfWritesBy(tail, head, start), paced ? tail + FRAME_BYTES : head);
      const data = new Uint8Array(end - tail);
      for (let i = 0; i < data.length; i += 1) data[i] = views.tx[(tail + i) % TX_RING_SIZE] ?? 0;
      views.store(Slot.TX_TAIL, end);
      Atomics.notify(views.control, Slot.TX_TAIL);
      this.consumeMarks(end);
      const frame = FRAME_MS / this.timeScale;
      this.freeAt = (Math.floor(start / frame) + 1) * frame;
      this.cdc.deviceTx(data);
    }
  }

  /** Ends of write calls after `tail`, oldest first. */
  private pendingMarks(tail: number): { position: number; time: number }[] {
    const views = this.views;
    const marks: { position: number; time: number }[] = [];
    for (let index = views.load(Slot.TX_MARK_TAIL); index < views.load(Slot.TX_MARK_HEAD); index += 1) {
      const position = views.txMarks[index % TX_MARK_RING_SIZE] ?? 0;
      if (position > tail) marks.push({ position, time: views.txMarkTimes[index % TX_MARK_RING_SIZE] ?? 0 });
    }
    return marks;
  }

  /**
   * The FIFO position of everything written by `time`: up to the last write call that ended by
   * then; bytes of a call still being written count only when no later call has ended.
   */
  private endOfWritesBy(tail: number, head: number, time: number): number {
    const marks = this.pendingMarks(tail);
    const finished = marks.filter((mark) => mark.time <= time);
    if (finished.length === marks.length) return head;
    return (finished.at(-1) ?? marks[0])?.position ?? head;
  }

  private consumeMarks(upTo: number): void {
    const views = this.views;
    let index = views.load(Slot.TX_MARK_TAIL);
    while (index < views.load(Slot.TX_MARK_HEAD) && (views.txMarks[index % TX_MARK_RING_SIZE] ?? 0) <= upTo) index += 1;
    views.store(Slot.TX_MARK_TAIL, index);
  }
}
