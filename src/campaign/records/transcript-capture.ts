import type { Redactor } from '../redact.js';

/** Bytes kept for the line that says how much was dropped. */
const MARKER_RESERVE = 128;
/** The smallest cap that leaves room for a useful head and tail. */
export const MIN_TRANSCRIPT_CAP = 1024;

export type TranscriptDirection = 'host-to-board' | 'board-to-host';

const DIRECTION_LABEL: Record<TranscriptDirection, string> = {
  'host-to-board': '«host»',
  'board-to-host': '«board»',
};

export function truncationMarker(droppedBytes: number): Uint8Array {
  return Buffer.from(`\n«transcript truncated: ${droppedBytes} bytes dropped»\n`, 'utf8');
}

/** Merged secret spans of `bytes`, as the redactor would replace them. */
type Spans = readonly { start: number; end: number }[];

/** Moves a cut point off any span it falls inside: to the span's start (`before`) or end. */
function cutOutside(spans: Spans, cut: number, side: 'before' | 'after'): number {
  for (const span of spans) {
    if (span.start < cut && cut < span.end) return side === 'before' ? span.start : span.end;
  }
  return cut;
}

/**
 * One attempt's raw transcript, held in memory and bounded by `cap` bytes: the first half and the
 * last half of the stream are kept (a board printing forever costs no more than the cap), the
 * middle is counted and dropped. Redaction happens when the transcript is finished, over whole
 * pieces; each kept piece carries a margin as long as the longest secret form, so a secret cut by
 * the head/tail boundary is still recognised and either redacted or dropped whole.
 */
export class TranscriptCapture {
  private readonly headBudget: number;
  private readonly tailBudget: number;
  private readonly margin: number;
  private head: Uint8Array[] = [];
  private headLength = 0;
  private tail: Uint8Array[] = [];
  private tailLength = 0;
  private total = 0;
  private droppedFromTail = 0;
  private direction: TranscriptDirection | undefined;

  constructor(
    private readonly redactor: Redactor,
    readonly cap: number,
  ) {
    const budget = cap - MARKER_RESERVE;
    this.headBudget = Math.floor(budget / 2);
    this.tailBudget = budget - this.headBudget;
    // Wrapped base64 spreads a form over line breaks: twice the longest form covers PEM-style wrapping.
    this.margin = 2 * redactor.longestPattern + 256;
  }

  /** Bytes given so far (kept or not). */
  get bytesSeen(): number {
    return this.total;
  }

  /** Raw bytes, in order. */
  write(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length === 0) return;
    this.total += bytes.length;
    let rest = bytes;
    const headRoom = this.headBudget + this.margin - this.headLength;
    if (headRoom > 0) {
      const taken = rest.subarray(0, headRoom);
      this.head.push(Uint8Array.from(taken));
      this.headLength += taken.length;
      rest = rest.subarray(taken.length);
    }
    if (rest.length === 0) return;
    const keep = this.tailBudget + this.margin;
    if (rest.length > keep) {
      this.droppedFromTail += rest.length - keep;
      rest = rest.subarray(rest.length - keep);
    }
    this.tail.push(Uint8Array.from(rest));
    this.tailLength += rest.length;
    while (this.tailLength > keep) {
      const first = this.tail[0] as Uint8Array;
      const excess = this.tailLength - keep;
      if (first.length <= excess) this.tail.shift();
      else this.tail[0] = first.subarray(excess);
      const removed = Math.min(first.length, excess);
      this.tailLength -= removed;
      this.droppedFromTail += removed;
    }
  }

  /** Bytes seen on a tapped transport: a label line marks each change of direction. */
  tap(direction: TranscriptDirection, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (direction !== this.direction) {
      this.write(`${this.total === 0 ? '' : '\n'}${DIRECTION_LABEL[direction]}\n`);
      this.direction = direction;
    }
    this.write(bytes);
  }

  /** The redacted transcript, at most `cap` bytes. */
  render(): Uint8Array {
    const head = Buffer.concat(this.head);
    const tail = Buffer.concat(this.tail);
    if (this.droppedFromTail === 0) {
      const whole = this.redactor.redactBytes(Buffer.concat([head, tail]));
      if (whole.length <= this.cap) return whole;
      // Over the cap (the stream itself, or grown by redaction markers): cut the redacted text, which holds no secret.
      return Buffer.concat([
        whole.subarray(0, this.headBudget),
        truncationMarker(whole.length - this.headBudget - this.tailBudget),
        whole.subarray(whole.length - this.tailBudget),
      ]);
    }
    const headCut = cutOutside(this.redactor.spansInBytes(head), Math.min(this.headBudget, head.length), 'before');
    const tailSpans = this.redactor.spansInBytes(tail);
    const tailCut = cutOutside(tailSpans, Math.max(0, tail.length - this.tailBudget), 'after');
    let keptHead: Uint8Array = this.redactor.redactBytes(head.subarray(0, headCut));
    let keptTail: Uint8Array = this.redactor.redactBytes(tail.subarray(tailCut));
    let dropped = this.total - headCut - (tail.length - tailCut);
    if (keptHead.length > this.headBudget) {
      dropped += keptHead.length - this.headBudget;
      keptHead = keptHead.subarray(0, this.headBudget);
    }
    if (keptTail.length > this.tailBudget) {
      dropped += keptTail.length - this.tailBudget;
      keptTail = keptTail.subarray(keptTail.length - this.tailBudget);
    }
    return Buffer.concat([keptHead, truncationMarker(dropped), keptTail]);
  }
}
