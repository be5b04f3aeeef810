/**
 * The live progress line of a campaign. On a terminal it redraws one line in place (carriage
 * return + erase to end of line), cut to the terminal's width so it never wraps; elsewhere (CI
 * logs, pipes) it writes a plain line at most once per `intervalMs` and when the run completes.
 * It never throws: a broken stream only stops the output.
 */
import type { AttemptRecord } from '../campaign/types.js';
import type { PlannedCell } from '../results/tally.js';
import { formatDuration, truncate } from './format.js';
import { SIMULATED_LABEL } from './run-info.js';

export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressOptions {
  readonly stream: ProgressStream;
  /** The plan: the total is the sum of iterations; each cell's ok class tells failures apart. */
  readonly cells: readonly PlannedCell[];
  readonly simulated: boolean;
  /** Milliseconds, monotonic (default performance.now). */
  readonly clock?: () => number;
  /** Redraw in place (default: stream.isTTY). */
  readonly tty?: boolean;
  /** Terminal width (default: stream.columns, else 80). */
  readonly columns?: number;
  /** Not a TTY: the least time between two progress lines (default 10 s). */
  readonly intervalMs?: number;
  /** Failure classes shown (default 3). */
  readonly topClasses?: number;
}

/** What progress needs of an attempt record. */
export type ProgressRecord = Pick<AttemptRecord, 'cell' | 'iteration' | 'class' | 'durationMs'>;

const BAR_WIDTH = 20;
const ERASE_TO_END = '\x1b[K';

export class CampaignProgress {
  private readonly stream: ProgressStream;
  private readonly clock: () => number;
  private readonly tty: boolean;
  private readonly columns: number;
  private readonly intervalMs: number;
  private readonly topClasses: number;
  private readonly simulated: boolean;
  private readonly okClass = new Map<string, string>();
  private readonly total: number;
  private readonly failures = new Map<string, number>();
  private done = 0;
  private durationSum = 0;
  private current: { cell: string; iteration: number } | null = null;
  private drawn = false;
  private lastLineAt: number | null = null;
  private lastLineDone = -1;
  private finished = false;
  private broken = false;

  constructor(options: ProgressOptions) {
    this.stream = options.stream;
    this.clock = options.clock ?? (() => performance.now());
    this.tty = options.tty ?? options.stream.isTTY === true;
    this.columns = Math.max(20, options.columns ?? options.stream.columns ?? 80);
    this.intervalMs = options.intervalMs ?? 10_000;
    this.topClasses = options.topClasses ?? 3;
    this.simulated = options.simulated;
    let total = 0;
    for (const cell of options.cells) {
      this.okClass.set(cell.id, cell.okClass);
      total += cell.iterations;
    }
    this.total = total;
  }

  /** Counts attempts recorded before this process started (a resumed run), without drawing. */
  resume(records: Iterable<ProgressRecord>): void {
    this.safely(() => {
      for (const record of records) this.count(record);
    });
  }

  attemptStarted(cell: string, iteration: number): void {
    this.safely(() => {
      this.current = { cell, iteration };
      if (this.tty) this.draw();
    });
  }

  attemptFinished(record: ProgressRecord): void {
    this.safely(() => {
      this.count(record);
      if (this.current?.cell === record.cell && this.current.iteration === record.iteration) this.current = null;
      if (this.tty) this.draw();
      else if (this.lineDue()) this.printLine();
    });
  }

  /** Prints a line of text above the progress line (a warning, a note) without garbling either. */
  message(text: string): void {
    this.safely(() => {
      if (this.tty && this.drawn) this.write(`\r${ERASE_TO_END}${text}\n`);
      else this.write(`${text}\n`);
      if (this.tty && this.drawn && !this.finished) this.draw();
    });
  }

  /** Ends the display: a terminal's line is erased (the summary follows); a log gets a last line if anything changed. */
  finish(): void {
    this.safely(() => {
      if (this.finished) return;
      this.finished = true;
      if (this.tty) {
        if (this.drawn) this.write(`\r${ERASE_TO_END}`);
      } else if (this.done !== this.lastLineDone) {
        this.printLine();
      }
    });
  }

  /** The progress text as it would be shown now (TTY form), for callers that render it elsewhere. */
  text(): string {
    return this.compose(true);
  }

  private count(record: ProgressRecord): void {
    this.done += 1;
    if (Number.isFinite(record.durationMs)) this.durationSum += record.durationMs;
    const ok = this.okClass.get(record.cell);
    if (record.class !== ok) this.failures.set(record.class, (this.failures.get(record.class) ?? 0) + 1);
  }

  private lineDue(): boolean {
    if (this.lastLineAt === null || this.done >= this.total) return true;
    return this.clock() - this.lastLineAt >= this.intervalMs;
  }

  private printLine(): void {
    this.lastLineAt = this.clock();
    this.lastLineDone = this.done;
    this.write(`progress: ${this.compose(false)}\n`);
  }

  private draw(): void {
    if (this.finished) return;
    this.drawn = true;
    // One column short of the width: writing the last column makes some terminals wrap.
    this.write(`\r${truncate(this.compose(true), this.columns - 1)}${ERASE_TO_END}`);
  }

  private compose(tty: boolean): string {
    const parts: string[] = [];
    if (this.simulated) parts.push(SIMULATED_LABEL);
    const fraction = this.total === 0 ? 1 : Math.min(1, this.done / this.total);
    if (tty) {
      const filled = Math.floor(fraction * BAR_WIDTH);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
    }
    parts.push(`${this.done}/${this.total}`, `${Math.floor(fraction * 100)}%`, this.eta());
    parts.push(this.failureText());
    if (this.current !== null) parts.push(`cell ${this.current.cell} #${this.current.iteration}`);
    return parts.join(tty ? '  ' : ' · ');
  }

  private eta(): string {
    if (this.done >= this.total) return 'done';
    if (this.done === 0) return 'ETA --';
    return `ETA ${formatDuration((this.durationSum / this.done) * (this.total - this.done))}`;
  }

  private failureText(): string {
    if (this.failures.size === 0) return 'failures: none';
    const sorted = [...this.failures].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const shown = sorted.slice(0, this.topClasses).map(([name, count]) => `${name} ${count}`);
    if (sorted.length > this.topClasses) shown.push(`+${sorted.length - this.topClasses} more`);
    return `failures: ${shown.join(', ')}`;
  }

  private write(chunk: string): void {
    if (this.broken) return;
    try {
      this.stream.write(chunk);
    } catch {
      this.broken = true;
    }
  }

  private safely(action: () => void): void {
    try {
      action();
    } catch {
      // Progress is decoration: a fault here must never stop a campaign.
    }
  }
}
