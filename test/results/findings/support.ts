/**
 * Synthetic runs for the findings tests: cells described as the manifest describes them, served
 * certificate sets built with real DER, and attempt records whose classes come from the real
 * taxonomy (classifyAttempt), so the records look like what a campaign writes.
 */
import type { AttemptRecord, CellFacets, ResetOutcome, RtcTuple, ServedCertificateSet, TlsProbeResult, WifiConnectResult } from '../../../src/campaign/types.js';
import { classifyAttempt } from '../../../src/results/taxonomy.js';
import { FindingsAccumulator, type Finding } from '../../../src/results/findings/index.js';
import { HOST, makePki, type PkiOptions } from '../../pki/mbedtls/support.js';
import { errnoError, failedTls, failedWifi, mbedtlsError, tlsResult, valueError, wifiResult } from '../records.js';

export const RUN_ID = '20260301-120000-test';
/** The host's clock during the synthetic runs (records' startedAt). */
export const HOST_NOW_MS = Date.UTC(2026, 2, 1, 12, 0, 0);
export const FIRMWARE = '3.4.0; MicroPython v1.24.1 on 2024-11-29';

type WifiFacets = NonNullable<CellFacets['wifi']>;

export interface CellSpec {
  readonly reset?: CellFacets['reset'];
  readonly rtc?: string;
  readonly certs?: string | null;
  readonly wifi?: Partial<WifiFacets> | null;
}

/** A cell as `manifest.extra.cells` has it; its id is built from its conditions like the campaign's. */
export function cell(spec: CellSpec = {}): CellFacets {
  const reset = spec.reset ?? 'hard';
  const wifi: WifiFacets | null =
    spec.wifi === null
      ? null
      : {
          variant: 'attic-pm-default',
          ap: 'attic',
          ssid: 'attic-net',
          hidden: false,
          channel: null,
          pm: 'default',
          pmValue: null,
          country: null,
          pinBssid: false,
          pinChannel: false,
          connect: 'fresh',
          ...spec.wifi,
        };
  const certs = spec.certs === undefined ? null : spec.certs;
  const rtc = spec.rtc ?? 'cold';
  const id = [reset, wifi?.variant, certs ?? undefined, certs === null ? undefined : 'SSLContext', rtc].filter((part) => part !== undefined).join('/');
  return { id, reset, wifi, certs, tlsApi: certs === null ? null : 'SSLContext', rtc, successClass: certs !== null ? 'tls.ok' : wifi !== null ? 'wifi.ok' : 'reset.ok' };
}

/** A hidden or visible AP variant under a PM setting (`pm` as written: 'default', 'none' or a number). */
export function wifiVariant(ap: string, options: { hidden?: boolean; pm?: string | number; channel?: number | null; country?: string | null; connect?: 'fresh' | 'as-is' } = {}): Partial<WifiFacets> {
  const pm = options.pm ?? 'default';
  const pmValue = typeof pm === 'number' ? pm : pm === 'none' ? 0x10 : pm === 'powersave' ? 0x11 : pm === 'performance' ? 0xa11142 : null;
  const pmPart = typeof pm === 'number' ? `0x${pm.toString(16)}` : pm;
  const parts = [ap, `pm-${pmPart}`, ...(options.country ? [options.country] : []), ...(options.connect === 'as-is' ? ['as-is'] : [])];
  return {
    variant: parts.join('-'),
    ap,
    ssid: `${ap}-ssid`,
    hidden: options.hidden ?? false,
    channel: options.channel ?? null,
    pm,
    pmValue,
    country: options.country ?? null,
    connect: options.connect ?? 'fresh',
  };
}

const b64 = (der: Uint8Array): string => Buffer.from(der).toString('base64');

/** A served set built from a real chain (root → intermediate → leaf for HOST), with the dates as given. */
export async function servedSet(name: string, options: PkiOptions = {}): Promise<ServedCertificateSet> {
  const pki = await makePki({ label: 'findings', ...options });
  const dates = (der: Uint8Array, role: 'leaf' | 'intermediate' | 'root', subject: string, issue: PkiOptions['leaf']) => ({
    role,
    subject,
    notBefore: (issue?.notBefore ?? new Date(Date.UTC(2020, 0, 1))).toISOString(),
    notAfter: (issue?.notAfter ?? new Date(Date.UTC(2045, 0, 1))).toISOString(),
    der,
  });
  const certificates = [
    dates(pki.leaf.der, 'leaf', pki.leaf.subject, options.leaf),
    dates(pki.intermediate.der, 'intermediate', pki.intermediate.subject, options.intermediate),
    dates(pki.root.der, 'root', pki.root.subject, options.root),
  ].map(({ der: _der, ...entry }) => entry);
  return {
    name,
    serverHostname: HOST,
    chainDer: pki.chain.map(b64),
    caDer: b64(pki.root.der),
    certificates,
    expected: { synced: [], coldBoot: [] },
  };
}

/** What happened in one attempt. */
export interface Outcome {
  /** The join: ok, a final negative status, stuck at a non-negative status until the deadline, or a link carried over. */
  readonly join?: 'ok' | 'carried-over' | { readonly fail: -1 | -2 | -3 } | { readonly stuck: number };
  /** The TLS step (cells with certs): ok, BADCERT_FUTURE as ValueError or as a bare -9984, or an allocation failure. */
  readonly tls?: 'ok' | 'future' | 'future-9984' | 'alloc';
  /** RTC at the handshake; default from the cell's clock (boot epoch + seconds, or the host time). */
  readonly rtcMs?: number;
  readonly memFree?: number;
  /** Firmware the record says it ran on (records merged from several builds). */
  readonly firmware?: string;
}

const EPOCH_MS = Date.UTC(2021, 0, 1);

function tuple(ms: number): RtcTuple {
  const date = new Date(ms);
  return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), (date.getUTCDay() + 6) % 7, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), 0];
}

function resetOf(mode: CellFacets['reset']): ResetOutcome {
  return { mode, verified: true, evidence: {}, escalations: [], durationMs: 400 };
}

/** Builds a run: records in the order added, seq and iterations counted per cell. */
export class RunBuilder {
  readonly records: AttemptRecord[] = [];
  private readonly iterations = new Map<string, number>();

  constructor(private readonly sets: readonly ServedCertificateSet[] = []) {}

  add(facets: CellFacets, outcome: Outcome, times = 1): this {
    for (let index = 0; index < times; index++) this.records.push(this.record(facets, outcome));
    return this;
  }

  private record(facets: CellFacets, outcome: Outcome): AttemptRecord {
    const seq = this.records.length;
    const iteration = (this.iterations.get(facets.id) ?? 0) + 1;
    this.iterations.set(facets.id, iteration);
    const wifi = facets.wifi === null ? null : this.wifi(facets, outcome);
    const joined = wifi !== null && wifi.finalStatus === 3;
    const tls = facets.certs !== null && (facets.wifi === null || joined) ? this.tls(facets, outcome, seq) : null;
    const set = this.sets.find((candidate) => candidate.name === facets.certs);
    const classified = classifyAttempt({
      reset: resetOf(facets.reset),
      wifi,
      tls,
      tlsContext: set === undefined ? {} : { certificates: set.certificates },
    });
    const record: AttemptRecord = {
      v: 1,
      runId: RUN_ID,
      seq,
      cell: facets.id,
      iteration,
      startedAt: new Date(HOST_NOW_MS + seq * 5000).toISOString(),
      durationMs: 3000,
      boardMs: 2500,
      reset: resetOf(facets.reset),
      rtc: { mode: facets.rtc, before: null, after: null },
      wifi,
      tls,
      server: null,
      class: classified.class,
      classes: classified.classes,
      detail: classified.detail,
      ...(classified.inferred === undefined ? {} : { inferred: classified.inferred }),
      transcript: `transcripts/${String(seq).padStart(6, '0')}.log`,
      harnessError: null,
    };
    return outcome.firmware === undefined ? record : ({ ...record, firmware: outcome.firmware } as AttemptRecord);
  }

  private wifi(facets: CellFacets, outcome: Outcome): WifiConnectResult {
    const ssid = facets.wifi?.ssid ?? 'x';
    const pm = facets.wifi?.pmValue ?? 0xa11142;
    const country = facets.wifi?.country ?? 'XX';
    const join = outcome.join ?? 'ok';
    if (join === 'ok') return wifiResult({ ssid, pm, country });
    if (join === 'carried-over') return wifiResult({ ssid, pm, country, linkUpBefore: true, statusBefore: 3, timeline: [[0, 3]], timeToIpMs: 0 });
    if ('fail' in join) return failedWifi(join.fail, 4200, { ssid, pm, country });
    return failedWifi(join.stuck, 1300, { ssid, pm, country, timeoutMs: 20000 });
  }

  private tls(facets: CellFacets, outcome: Outcome, seq: number): TlsProbeResult {
    const rtcMs = outcome.rtcMs ?? (facets.rtc === 'cold' && facets.reset !== 'soft' ? EPOCH_MS + 8000 + (seq % 9) * 1000 : HOST_NOW_MS + seq * 5000);
    const rtc = tuple(rtcMs);
    const memFree = outcome.memFree ?? 150_000;
    switch (outcome.tls ?? 'ok') {
      case 'ok':
        return tlsResult({ rtcAtStart: rtc, memFreeBefore: memFree });
      case 'future':
        return failedTls('handshake', valueError('\nThe certificate validity starts in the future\n'), { rtcAtStart: rtc, rtcAtFailure: rtc, memFreeBefore: memFree });
      case 'future-9984':
        return failedTls('handshake', mbedtlsError(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED'), { rtcAtStart: rtc, rtcAtFailure: rtc, memFreeBefore: memFree });
      case 'alloc':
        return failedTls('handshake', errnoError(12, 'ENOMEM'), { rtcAtStart: rtc, rtcAtFailure: rtc, memFreeBefore: memFree });
    }
  }
}

export function findingsOf(cells: readonly CellFacets[], records: readonly AttemptRecord[], sets: readonly ServedCertificateSet[] = [], firmware: string | null = FIRMWARE): Finding[] {
  const accumulator = new FindingsAccumulator(cells, sets, firmware);
  for (const record of records) accumulator.add(record);
  return accumulator.findings();
}

export function only(findings: readonly Finding[], id: string): Finding {
  const matching = findings.filter((finding) => finding.id === id);
  if (matching.length !== 1) throw new Error(`expected one ${id} finding, got ${matching.length}: ${findings.map((finding) => finding.id).join(', ') || 'none'}`);
  return matching[0] as Finding;
}

/** Every explanation, advice and caveat sentence as one text. */
export const textOf = (finding: Finding): string => [finding.title, ...finding.explanation, ...finding.advice, ...finding.caveats].join('\n');
