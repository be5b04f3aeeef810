/**
 * One cell's running aggregates: everything the rules read, kept as counts, ranges and the first
 * example of each pattern — never the records themselves, so memory grows with cells, not attempts.
 */
import type { AttemptRecord } from '../../campaign/types.js';
import { WIFI_STATUS_TABLE } from '../taxonomy-table.js';
import { nearBootEpoch } from './clock.js';
import { handshakeStarted, joinOutcome, memFreeOf, recordFirmware, rtcMs, verifyFailure, type VerifyErrorForm } from './record-facts.js';

/** cyw43's CYW43_LINK_NOIP: joined, DHCP not finished (facts §4; no network.STAT_ constant). */
export const NO_IP_STATUS = WIFI_STATUS_TABLE.find((entry) => entry.cyw43 === 'CYW43_LINK_NOIP')?.value ?? 2;

/** The smallest and largest value seen, and how many. */
export class Range {
  min: number | null = null;
  max: number | null = null;
  count = 0;

  add(value: number | null | undefined): void {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    this.count += 1;
    this.min = this.min === null ? value : Math.min(this.min, value);
    this.max = this.max === null ? value : Math.max(this.max, value);
  }

  merge(other: Range): void {
    if (other.min === null || other.max === null) return;
    this.min = this.min === null ? other.min : Math.min(this.min, other.min);
    this.max = this.max === null ? other.max : Math.max(this.max, other.max);
    this.count += other.count;
  }
}

export class Counter<K> {
  readonly counts = new Map<K, number>();

  add(key: K, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }

  get(key: K): number {
    return this.counts.get(key) ?? 0;
  }

  /** The most frequent key (first seen on a tie), or undefined. */
  mode(): K | undefined {
    let best: K | undefined;
    let bestCount = 0;
    for (const [key, count] of this.counts) {
      if (count > bestCount) {
        best = key;
        bestCount = count;
      }
    }
    return best;
  }

  get size(): number {
    return this.counts.size;
  }

  keys(): K[] {
    return [...this.counts.keys()];
  }
}

export interface AttemptExample {
  readonly seq: number;
  readonly transcript: string | null;
  readonly detail: string;
}

export type ExampleKind = 'future' | 'join-failure' | 'carried-over' | 'no-ip' | 'alloc' | 'OSError(-9984)' | 'ValueError(reason)';

/** Which iterations a cell has counted, as bits (a re-recorded iteration is not counted twice, as in the tally). */
class IterationSet {
  private bits = new Uint8Array(16);

  /** True when `iteration` was new. */
  add(iteration: number): boolean {
    if (!Number.isSafeInteger(iteration) || iteration < 0) return true;
    const byte = iteration >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (iteration & 7);
    if (((this.bits[byte] as number) & mask) !== 0) return false;
    this.bits[byte] = (this.bits[byte] as number) | mask;
    return true;
  }
}

export class CellAggregate {
  /** Per board: in a rack run every board runs every iteration of the cell. */
  private readonly iterations = new Map<string, IterationSet>();
  attempts = 0;
  ok = 0;
  /** Attempts by final class. */
  readonly classes = new Counter<string>();
  readonly firmware = new Counter<string>();
  readonly examples = new Map<ExampleKind, AttemptExample>();
  /** The latest attempt start by the host clock (ms), for "is this certificate valid by real time". */
  latestStartedMs: number | null = null;

  // Wi-Fi: joins actually attempted (a carried-over link is not one).
  joins = 0;
  joined = 0;
  carriedOver = 0;
  /** Attempts in the cell's ok class that rode on a carried-over link. */
  okWithCarriedOver = 0;
  /** Joins that failed before an address, by class (a join stuck at status 2 counts in stuckNoIp instead). */
  readonly joinFailures = new Counter<string>();
  readonly timeToIpMs = new Range();
  readonly reportedPm = new Counter<number>();
  readonly reportedCountry = new Counter<string>();
  /** Joins that ended with status() still 2 (joined, no IP), when the status began, and the script's deadline. */
  stuckNoIp = 0;
  readonly noIpSinceMs = new Range();
  readonly noIpDeadlineMs = new Range();

  // TLS
  handshakes = 0;
  /** Handshakes whose RTC at the start was near the boot epoch, or known and not. */
  handshakesAtBootEpoch = 0;
  handshakesWithClockSet = 0;
  readonly handshakeRtcAtBootEpochMs = new Range();
  verifyFailures = 0;
  futureFailures = 0;
  futureInferred = 0;
  futureAtBootEpoch = 0;
  readonly futureRtcAtBootEpochMs = new Range();
  /** Verify flags seen, an inferred flag as `NAME (inferred)`. */
  readonly verifyFlags = new Counter<string>();
  readonly errorForms = new Counter<VerifyErrorForm>();
  alloc = 0;
  readonly memFreeAtAlloc = new Range();
  readonly memFreeAtSuccess = new Range();

  constructor(
    readonly cell: string,
    readonly okClass: string,
    private readonly runFirmware: string | null,
  ) {}

  add(record: AttemptRecord): void {
    const board = record.board?.label ?? '';
    let seen = this.iterations.get(board);
    if (seen === undefined) this.iterations.set(board, (seen = new IterationSet()));
    if (!seen.add(record.iteration)) return;
    this.attempts += 1;
    const ok = record.class === this.okClass;
    if (ok) this.ok += 1;
    this.classes.add(record.class);
    const firmware = recordFirmware(record) ?? this.runFirmware;
    if (firmware !== null) this.firmware.add(firmware);
    const started = Date.parse(record.startedAt);
    if (Number.isFinite(started)) this.latestStartedMs = Math.max(this.latestStartedMs ?? started, started);
    this.addWifi(record, ok);
    this.addTls(record, ok);
  }

  private example(kind: ExampleKind, record: AttemptRecord): void {
    const known = this.examples.get(kind);
    if (known !== undefined && known.seq <= record.seq) return;
    this.examples.set(kind, { seq: record.seq, transcript: record.transcript, detail: record.detail });
  }

  private addWifi(record: AttemptRecord, ok: boolean): void {
    const wifi = record.wifi;
    if (wifi === null) return;
    if (wifi.pm !== null) this.reportedPm.add(wifi.pm);
    if (wifi.country !== null) this.reportedCountry.add(wifi.country);
    const join = joinOutcome(record);
    switch (join.kind) {
      case 'none':
        return;
      case 'carried-over':
        this.carriedOver += 1;
        if (ok) this.okWithCarriedOver += 1;
        this.example('carried-over', record);
        return;
      case 'joined':
        this.joins += 1;
        this.joined += 1;
        this.timeToIpMs.add(join.timeToIpMs);
        return;
      case 'failed':
        this.joins += 1;
        if (join.finalStatus === NO_IP_STATUS) {
          this.stuckNoIp += 1;
          this.noIpSinceMs.add(sinceStatus(wifi.timeline, NO_IP_STATUS));
          this.noIpDeadlineMs.add(wifi.timeoutMs);
          this.example('no-ip', record);
        } else {
          this.joinFailures.add(join.wifiClass);
          this.example('join-failure', record);
        }
        return;
    }
  }

  private addTls(record: AttemptRecord, ok: boolean): void {
    const tls = record.tls;
    if (tls === null) return;
    if (record.class === 'tls.alloc' || record.classes.includes('tls.alloc')) {
      this.alloc += 1;
      this.memFreeAtAlloc.add(memFreeOf(record));
      this.example('alloc', record);
    }
    if (!handshakeStarted(record)) return;
    this.handshakes += 1;
    if (ok) this.memFreeAtSuccess.add(tls.memFreeBefore);
    const startMs = rtcMs(tls.rtcAtStart);
    if (startMs !== null) {
      if (nearBootEpoch(startMs)) {
        this.handshakesAtBootEpoch += 1;
        this.handshakeRtcAtBootEpochMs.add(startMs);
      } else {
        this.handshakesWithClockSet += 1;
      }
    }
    const failure = verifyFailure(record);
    if (failure === null) return;
    this.verifyFailures += 1;
    for (const flag of failure.flags) this.verifyFlags.add(failure.inferred ? `${flag} (inferred)` : flag);
    if (failure.form !== null) {
      this.errorForms.add(failure.form);
      this.example(failure.form, record);
    }
    if (!failure.flags.includes('BADCERT_FUTURE')) return;
    this.futureFailures += 1;
    if (failure.inferred) this.futureInferred += 1;
    const atMs = rtcMs(tls.rtcAtFailure) ?? startMs;
    if (atMs !== null && nearBootEpoch(atMs)) {
      this.futureAtBootEpoch += 1;
      this.futureRtcAtBootEpochMs.add(atMs);
      this.example('future', record);
    }
  }
}


/** When the timeline last entered `status` (ms after connect()), or null. */
function sinceStatus(timeline: readonly (readonly [number, number])[], status: number): number | null {
  let since: number | null = null;
  for (const [at, value] of timeline) {
    if (value === status && since === null) since = at;
    else if (value !== status) since = null;
  }
  return since;
}
