import { EventEmitter } from 'node:events';
import { AbortError } from '../../errors.js';
import type { CycleOptions, PowerDriver, PowerState } from '../power/driver.js';
import type { AttemptGate } from '../runner.js';

/** One entry of a power group's timeline (tests and the rack's log read it). */
export type PowerGroupEvent =
  | { readonly kind: 'attempt-start' | 'attempt-end' | 'power-wait' | 'power-abandon' | 'power-start' | 'power-end'; readonly board: string; readonly group: string; readonly at: number; readonly action?: string };

export interface PowerGroupEvents {
  event: [PowerGroupEvent];
}

/**
 * The boards whose power is switched together (ganged hub ports, a hub reset). The rule: power is
 * switched only while no other board of the group is mid-attempt. A board that wants power (its
 * reset step or a hung-board recovery) waits until every other member has finished its current
 * attempt; members hold (start no new attempt) while one waits, so it cannot starve. A member
 * waiting for power is not mid-attempt for this rule, so two members wanting power never deadlock:
 * they switch one after the other. After a switch every other member is told it lost power too.
 */
export class PowerGroup extends EventEmitter<PowerGroupEvents> {
  /** Members running an attempt (not counting those waiting for power). */
  private readonly active = new Set<string>();
  /** Members waiting inside an attempt to switch power. */
  private readonly wanting = new Set<string>();
  private switching = false;
  private readonly waiters = new Set<() => void>();
  private readonly lostPower = new Set<string>();
  private readonly started = performance.now();

  constructor(
    readonly name: string,
    readonly members: readonly string[],
  ) {
    super();
  }

  /** Before an attempt: waits while a member wants (or is switching) power, then counts the board as mid-attempt. */
  async beginAttempt(board: string, signal?: AbortSignal): Promise<void> {
    await this.when(
      () => this.wanting.size === 0 && !this.switching,
      () => {
        this.active.add(board);
        this.record('attempt-start', board);
      },
      signal,
    );
  }

  endAttempt(board: string): void {
    if (!this.active.delete(board) && !this.wanting.has(board)) return;
    this.wanting.delete(board);
    this.record('attempt-end', board);
    this.wake();
  }

  /**
   * Runs a power action for `board` once no other member is mid-attempt; one action at a time in
   * the group. The caller's board counts as mid-attempt again when it returns.
   */
  async switchPower<T>(board: string, action: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const wasActive = this.active.delete(board);
    this.wanting.add(board);
    this.record('power-wait', board, action);
    this.wake();
    try {
      await this.when(
        () => !this.switching && [...this.active].every((member) => member === board),
        () => {
          this.switching = true;
          this.wanting.delete(board);
          this.record('power-start', board, action);
        },
        signal,
      );
    } catch (error) {
      this.wanting.delete(board);
      if (wasActive) this.active.add(board);
      this.record('power-abandon', board, action);
      this.wake();
      throw error;
    }
    try {
      return await work();
    } finally {
      for (const member of this.members) if (member !== board) this.lostPower.add(member);
      this.switching = false;
      if (wasActive) this.active.add(board);
      this.record('power-end', board, action);
      this.wake();
    }
  }

  /** True once for a member whose power another member's switch cut since it last asked. */
  takePowerLoss(board: string): boolean {
    return this.lostPower.delete(board);
  }

  /** The runner's gate for one member. */
  gateFor(board: string): AttemptGate {
    return {
      beforeAttempt: (signal) => this.beginAttempt(board, signal),
      afterAttempt: () => this.endAttempt(board),
    };
  }

  private record(kind: PowerGroupEvent['kind'], board: string, action?: string): void {
    this.emit('event', { kind, board, group: this.name, at: performance.now() - this.started, ...(action === undefined ? {} : { action }) });
  }

  private wake(): void {
    // A waiter's claim changes what the next one sees: each check reads the state as it is now.
    for (const waiter of [...this.waiters]) if (this.waiters.has(waiter)) waiter();
  }

  /** Runs `claim` in the same turn in which `ready` is found true, so no other member can slip in between. */
  private when(ready: () => boolean, claim: () => void, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(new AbortError());
    if (ready()) {
      claim();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (signal?.aborted === true) {
          finish();
          reject(new AbortError());
        } else if (ready()) {
          finish();
          claim();
          resolve();
        }
      };
      const finish = (): void => {
        this.waiters.delete(check);
        signal?.removeEventListener('abort', check);
      };
      this.waiters.add(check);
      signal?.addEventListener('abort', check, { once: true });
    });
  }
}

/** What a ganged switch does to the other boards of the group (a simulated group cuts their supply too). */
export interface GangedBoards {
  off(): Promise<void>;
  on(): Promise<void>;
}

/**
 * A board's power driver inside a power group: every switch waits for the group (see PowerGroup)
 * and, when the group's boards are simulated, switches the other members' supplies with it —
 * the model of boards on ganged hub ports. A real ganged switch cuts them physically; either way
 * the other members are told they lost power.
 */
export class GroupPowerDriver implements PowerDriver {
  readonly kind: PowerDriver['kind'];

  constructor(
    private readonly inner: PowerDriver,
    private readonly group: PowerGroup,
    private readonly board: string,
    private readonly ganged: GangedBoards | undefined,
  ) {
    this.kind = inner.kind;
  }

  describe(): string {
    return `${this.inner.describe()} (power group ${this.group.name}: ${this.group.members.join(', ')})`;
  }

  on(signal?: AbortSignal): Promise<void> {
    return this.group.switchPower(this.board, 'on', async () => {
      await this.inner.on(signal);
      await this.ganged?.on();
    }, signal);
  }

  off(signal?: AbortSignal): Promise<void> {
    return this.group.switchPower(this.board, 'off', async () => {
      await this.ganged?.off();
      await this.inner.off(signal);
    }, signal);
  }

  cycle(options: CycleOptions = {}): Promise<void> {
    return this.group.switchPower(
      this.board,
      'cycle',
      async () => {
        await this.ganged?.off();
        try {
          await this.inner.cycle(options);
        } finally {
          await this.ganged?.on();
        }
      },
      options.signal,
    );
  }

  async get(signal?: AbortSignal): Promise<PowerState> {
    return this.inner.get === undefined ? 'unknown' : this.inner.get(signal);
  }

  check(signal?: AbortSignal): Promise<string> {
    return this.inner.check(signal).then((line) => `${line}; power group ${this.group.name} (${this.group.members.join(', ')})`);
  }

  version(signal?: AbortSignal): Promise<string> {
    if (this.inner.version === undefined) return Promise.reject(new Error('no version'));
    return this.inner.version(signal);
  }
}
