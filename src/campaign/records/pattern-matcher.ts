/**
 * Aho–Corasick over code units: finds every occurrence of any of many literal patterns in one
 * linear pass, whatever the number of patterns. The redactor matches a few dozen encodings of each
 * secret against whole transcripts, where a regex alternation would try every pattern at every offset.
 */

/** One occurrence: `[start, end)` in the input's code units, and the index of the pattern. */
export interface PatternHit {
  readonly start: number;
  readonly end: number;
  readonly pattern: number;
}

const ROOT = 0;
const NONE = -1;

export class PatternMatcher {
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [ROOT];
  /** The pattern ending exactly at this state, or NONE. */
  private readonly terminal: number[] = [NONE];
  /** The nearest state on the fail chain that is terminal, or NONE. */
  private readonly outputLink: number[] = [NONE];
  private readonly lengths: number[] = [];
  /** The root's transitions by code unit (0 = stay at the root). */
  private readonly rootNext = new Uint32Array(0x10000);

  constructor(patterns: readonly (readonly number[])[]) {
    patterns.forEach((pattern, index) => this.insert(pattern, index));
    this.link();
    for (const [unit, target] of this.next[ROOT] as Map<number, number>) this.rootNext[unit] = target;
  }

  get isEmpty(): boolean {
    return this.lengths.length === 0;
  }

  /** Every occurrence of every pattern in `text` (UTF-16 code units), in order of their end. */
  findInString(text: string): PatternHit[] {
    return this.run(text.length, (index) => text.charCodeAt(index));
  }

  /** Every occurrence of every pattern in `units` (bytes, or any code units), in order of their end. */
  findInUnits(units: ArrayLike<number>): PatternHit[] {
    return this.run(units.length, (index) => units[index] as number);
  }

  private run(length: number, unitAt: (index: number) => number): PatternHit[] {
    const hits: PatternHit[] = [];
    if (this.isEmpty) return hits;
    const rootNext = this.rootNext;
    let state = ROOT;
    for (let index = 0; index < length; index += 1) {
      const unit = unitAt(index);
      if (state === ROOT) {
        // Most units leave the root unmatched: a dense table keeps that path cheap.
        state = rootNext[unit] ?? ROOT;
        if (state === ROOT) continue;
      } else {
        let target = (this.next[state] as Map<number, number>).get(unit);
        while (target === undefined && state !== ROOT) {
          state = this.fail[state] as number;
          target = state === ROOT ? rootNext[unit] : (this.next[state] as Map<number, number>).get(unit);
        }
        state = target ?? ROOT;
      }
      let output = this.terminal[state] === NONE ? (this.outputLink[state] as number) : state;
      while (output !== NONE) {
        const pattern = this.terminal[output] as number;
        hits.push({ start: index + 1 - (this.lengths[pattern] as number), end: index + 1, pattern });
        output = this.outputLink[output] as number;
      }
    }
    return hits;
  }

  private insert(pattern: readonly number[], index: number): void {
    this.lengths[index] = pattern.length;
    if (pattern.length === 0) return;
    let state = ROOT;
    for (const unit of pattern) {
      const transitions = this.next[state] as Map<number, number>;
      let target = transitions.get(unit);
      if (target === undefined) {
        target = this.next.length;
        this.next.push(new Map());
        this.fail.push(ROOT);
        this.terminal.push(NONE);
        this.outputLink.push(NONE);
        transitions.set(unit, target);
      }
      state = target;
    }
    // Identical patterns share a state; the first index wins (callers deduplicate anyway).
    if (this.terminal[state] === NONE) this.terminal[state] = index;
  }

  /** Breadth-first: a state's fail link is the longest proper suffix of its path that is also a path. */
  private link(): void {
    const queue: number[] = [];
    for (const child of (this.next[ROOT] as Map<number, number>).values()) {
      this.fail[child] = ROOT;
      queue.push(child);
    }
    for (let head = 0; head < queue.length; head += 1) {
      const state = queue[head] as number;
      for (const [unit, child] of this.next[state] as Map<number, number>) {
        let fallback = this.fail[state] as number;
        let target = (this.next[fallback] as Map<number, number>).get(unit);
        while (target === undefined && fallback !== ROOT) {
          fallback = this.fail[fallback] as number;
          target = (this.next[fallback] as Map<number, number>).get(unit);
        }
        const failTo = target !== undefined && target !== child ? target : ROOT;
        this.fail[child] = failTo;
        this.outputLink[child] = this.terminal[failTo] !== NONE ? failTo : (this.outputLink[failTo] as number);
        queue.push(child);
      }
    }
  }
}
