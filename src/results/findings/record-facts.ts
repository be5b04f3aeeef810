/**
 * What a finding needs to know about one attempt record, read the same way by every rule: how the
 * join went, whether a TLS handshake began, which verify flags the board reported (or the
 * harness inferred), in which error form, and the board clock at the handshake.
 */
import type { AttemptRecord, RtcTuple } from '../../campaign/types.js';
import { STAT_GOT_IP, VERIFY_FAILED, VERIFY_TEXT_TO_FLAG } from '../taxonomy-table.js';

export const CARRIED_OVER_CLASS = 'wifi.carried-over';

/** `none`: no Wi-Fi step ran; `carried-over`: the link was already up, so no join was tested. */
export type JoinOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'carried-over' }
  | { readonly kind: 'joined'; readonly timeToIpMs: number | null }
  | { readonly kind: 'failed'; readonly wifiClass: string; readonly finalStatus: number };

export function joinOutcome(record: AttemptRecord): JoinOutcome {
  const wifi = record.wifi;
  if (wifi === null) return { kind: 'none' };
  if (record.class === CARRIED_OVER_CLASS || record.classes.includes(CARRIED_OVER_CLASS)) return { kind: 'carried-over' };
  if (wifi.finalStatus === STAT_GOT_IP) return { kind: 'joined', timeToIpMs: wifi.timeToIpMs };
  const wifiClass = record.classes.find((name) => name.startsWith('wifi.')) ?? record.class;
  return { kind: 'failed', wifiClass, finalStatus: wifi.finalStatus };
}

/** The probe got as far as the handshake (it records the heap and the RTC right before it). */
export function handshakeStarted(record: AttemptRecord): boolean {
  const tls = record.tls;
  if (tls === null || !tls.apiAvailable) return false;
  return tls.stage === 'handshake' || tls.stage === 'echo' || tls.stage === 'done';
}

/** How the board raised a verification failure: ≤ v1.21 always the bare OSError, ≥ v1.22 a ValueError with the reason. */
export type VerifyErrorForm = 'OSError(-9984)' | 'ValueError(reason)';

export interface VerifyFailure {
  readonly form: VerifyErrorForm | null;
  /** Flag names, e.g. BADCERT_FUTURE. */
  readonly flags: readonly string[];
  /** True when the board did not report the flags and they come from `record.inferred`. */
  readonly inferred: boolean;
}

/** The verify failure of a `tls.verify.*` record, or null for any other record. */
export function verifyFailure(record: AttemptRecord): VerifyFailure | null {
  if (!record.class.startsWith('tls.verify.')) return null;
  const error = record.tls?.error ?? null;
  if (error !== null && error.type === 'ValueError') {
    const message = typeof error.args[0] === 'string' ? error.args[0] : error.text;
    const flags = message
      .split(/\r?\n/)
      .map((line) => VERIFY_TEXT_TO_FLAG.get(line.trim()))
      .filter((flag): flag is NonNullable<typeof flag> => flag !== undefined);
    if (flags.length > 0) return { form: 'ValueError(reason)', flags, inferred: false };
  }
  if (error !== null && isVerifyFailedOsError(error)) {
    return { form: 'OSError(-9984)', flags: record.inferred?.flags ?? [], inferred: true };
  }
  // A class named after one flag family without an error we can read: trust the class.
  const byClass = CLASS_FLAG[record.class];
  return { form: null, flags: byClass === undefined ? [] : [byClass], inferred: false };
}

const CLASS_FLAG: Readonly<Record<string, string>> = {
  'tls.verify.future': 'BADCERT_FUTURE',
  'tls.verify.expired': 'BADCERT_EXPIRED',
  'tls.verify.untrusted': 'BADCERT_NOT_TRUSTED',
  'tls.verify.hostname': 'BADCERT_CN_MISMATCH',
  'tls.verify.bad-md': 'BADCERT_BAD_MD',
  'tls.verify.bad-key': 'BADCERT_BAD_KEY',
};

function isVerifyFailedOsError(error: NonNullable<NonNullable<AttemptRecord['tls']>['error']>): boolean {
  if (error.type !== 'OSError') return false;
  if (error.errno === VERIFY_FAILED || error.args[0] === VERIFY_FAILED) return true;
  return error.text.includes('X509_CERT_VERIFY_FAILED');
}

/** The board's RTC tuple as a UTC instant in ms (MicroPython's RTC has no zone; rp2 treats it as UTC). */
export function rtcMs(rtc: RtcTuple | null): number | null {
  if (rtc === null) return null;
  const [year, month, day, , hours, minutes, seconds] = rtc;
  const ms = Date.UTC(year, month - 1, day, hours, minutes, seconds);
  return Number.isFinite(ms) ? ms : null;
}

/** The heap free before the handshake, or at the end when the probe failed earlier. */
export function memFreeOf(record: AttemptRecord): number | null {
  return record.tls?.memFreeBefore ?? record.tls?.memFreeAtEnd ?? null;
}

/**
 * A record may carry the firmware it ran on (records merged from several boards or builds);
 * otherwise every record of a run ran on the run's firmware.
 */
export function recordFirmware(record: AttemptRecord): string | null {
  const own = (record as AttemptRecord & { readonly firmware?: unknown }).firmware;
  return typeof own === 'string' && own !== '' ? own : null;
}
