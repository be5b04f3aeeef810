/**
 * The taxonomy: what class an attempt ends in, from what the device scripts reported and what the
 * harness saw. All the knowledge is in `taxonomy-table.ts`; this module walks those tables and
 * writes the one-line detail people read.
 */
import type { ResetOutcome, RtcTuple, ScriptError, ServerView, TlsProbeResult, WifiConnectResult } from '../campaign/types.js';
import type { VerifyFlagName } from '../pki/mbedtls/flags.js';
import {
  CLASS_TABLE,
  ERRNO_NAMES,
  FAMILY_MEMBERS,
  FATAL_ALERT,
  HARNESS_CODE_TABLE,
  HARNESS_FALLBACK_CLASS,
  HARNESS_PRECEDENCE,
  MBEDTLS_CODE_TABLE,
  STAT_GOT_IP,
  TLS_EXCEPTION_RULES,
  UNKNOWN_REASON_TEXT,
  VERIFY_ALERT_PRECEDENCE,
  VERIFY_FAILED,
  VERIFY_FLAG_CATEGORY,
  VERIFY_TEXT_TO_FLAG,
  WIFI_EXCEPTION_CLASS,
  WIFI_STATUS_TABLE,
  type ClassOutcome,
  type ClassSpec,
  type ExceptionRule,
  type MbedtlsCodeEntry,
  type VerifyCategory,
} from './taxonomy-table.js';

export { CLASS_TABLE, type ClassOutcome, type ClassSpec, type ClassStep } from './taxonomy-table.js';

/** Flags that were not reported by the board but reasoned out, and from what. */
export interface InferredFlags {
  readonly flags: readonly string[];
  /** The verify class these flags would give if the board had reported them. */
  readonly class: string;
  /** Why, in one line (e.g. "RTC 2021-01-01T00:00:07Z is before the leaf's notBefore 2025-03-01T10:00:00Z"). */
  readonly basis: string;
}

export interface Classification {
  readonly class: string;
  readonly outcome: ClassOutcome;
  /** One line for people. */
  readonly detail: string;
  /** Where the mapping that decided the class comes from (facts section or source). */
  readonly evidence: string;
  /** The verify flags the board reported (≥ v1.22 ValueError text), in mbedTLS's order. */
  readonly verifyFlags?: readonly string[];
  /** Flags inferred for a bare -9984 (tls.verify.unspecified). */
  readonly inferred?: InferredFlags;
}

export interface CertificateDates {
  /** e.g. the manifest's subject, or "leaf". */
  readonly subject?: string;
  readonly notBefore: string | Date;
  readonly notAfter: string | Date;
}

/** What the harness knows beyond the probe's own result. */
export interface TlsClassifyContext {
  /** The certificates the board judged (leaf, intermediate, root) with their dates: date flags are inferred from the RTC. */
  readonly certificates?: readonly CertificateDates[];
  /**
   * Flags the certificate set is built to raise whatever the clock (its manifest's `expected.synced.flags`);
   * the date flags among them are ignored, the RTC decides those.
   */
  readonly expectedFlags?: readonly string[];
  /**
   * The echo server's view of the connection (AttemptRecord.server). An alert it *sent* names the
   * class of a fatal alert the board received (`tls.alert.<name>`); an alert it *received* from the
   * board narrows the flags of a bare -9984.
   */
  readonly server?: Pick<ServerView, 'alert'> | null;
}

export interface AttemptInput {
  readonly reset?: ResetOutcome | null;
  readonly wifi?: WifiConnectResult | null;
  readonly tls?: TlsProbeResult | null;
  readonly harnessError?: { readonly code: string; readonly message: string } | null;
  /** The echo server's view of the board's connection (see TlsClassifyContext.server). */
  readonly server?: ServerView | null;
  /** Certificate dates and designed flags for inferring a bare -9984's flags. */
  readonly tlsContext?: Omit<TlsClassifyContext, 'server'>;
}

export interface AttemptClassification {
  /** The attempt's class: a harness/device class if any, else the first failing step's, else the last step's. */
  readonly class: string;
  /** The classes of the steps (and harness findings), in the order they happened. */
  readonly classes: readonly string[];
  readonly detail: string;
  readonly inferred?: InferredFlags;
}

// ---------------------------------------------------------------------------------------------
// Class names

const SPECS_BY_NAME = new Map(CLASS_TABLE.map((spec) => [spec.name, spec]));
const FAMILIES = CLASS_TABLE.filter((spec) => spec.name.includes('<')).map((spec) => ({ spec, prefix: spec.name.slice(0, spec.name.indexOf('<')) }));

/** Every class name the tables can produce, with each family expanded over its known members. */
export const ALL_CLASSES: readonly string[] = CLASS_TABLE.flatMap((spec) => {
  const family = FAMILIES.find((candidate) => candidate.spec === spec);
  if (family === undefined) return [spec.name];
  return (FAMILY_MEMBERS.get(spec.name) ?? []).map((member) => `${family.prefix}${member}`);
});

/** The table row of a class (a family member resolves to its family's row), or undefined. */
export function classSpec(name: string): (ClassSpec & { readonly member?: string }) | undefined {
  const exact = SPECS_BY_NAME.get(name);
  if (exact !== undefined && !exact.name.includes('<')) return exact;
  const family = FAMILIES.find((candidate) => name.startsWith(candidate.prefix) && name.length > candidate.prefix.length);
  if (family === undefined) return undefined;
  return { ...family.spec, member: name.slice(family.prefix.length) };
}

/** One sentence for reports; names the class as unknown when the taxonomy has no such class. */
export function describeClass(name: string): string {
  const spec = classSpec(name);
  if (spec === undefined) return `${name}: not a class of this taxonomy`;
  return spec.describe.replace('{member}', spec.member ?? '?');
}

/** pass / fail / inconclusive; unknown names count as fail. */
export function classOutcome(name: string): ClassOutcome {
  return classSpec(name)?.outcome ?? 'fail';
}

function made(name: string, detail: string, evidence?: string, extra: Pick<Classification, 'verifyFlags' | 'inferred'> = {}): Classification {
  const spec = classSpec(name);
  if (spec === undefined) throw new Error(`taxonomy table has no class ${name}`);
  return { class: name, outcome: spec.outcome, detail, evidence: evidence ?? spec.evidence, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Wi-Fi

const STATUS_BY_VALUE = new Map(WIFI_STATUS_TABLE.map((entry) => [entry.value, entry]));

/** `STAT_CONNECT_FAIL (-1)`, or `status 2 (CYW43_LINK_NOIP)` for the unnamed one. */
export function statusLabel(value: number): string {
  const entry = STATUS_BY_VALUE.get(value);
  if (entry === undefined) return `status ${value}`;
  return entry.constant === null ? `status ${value} (${entry.cyw43})` : `${entry.constant} (${value})`;
}

function statusName(value: number): string {
  return STATUS_BY_VALUE.get(value)?.constant ?? String(value);
}

/** When the timeline last changed to `status` (the entry that began the final run), or null. */
function since(timeline: WifiConnectResult['timeline'], status: number): number | null {
  const last = timeline[timeline.length - 1];
  return last !== undefined && last[1] === status ? last[0] : null;
}

function firstNegativeOf(result: WifiConnectResult): { status: number; at: number | null } | null {
  const entry = result.timeline.find(([, status]) => status < 0);
  if (result.firstNegative !== null) return { status: result.firstNegative, at: entry !== undefined && entry[1] === result.firstNegative ? entry[0] : null };
  return entry === undefined ? null : { status: entry[1], at: entry[0] };
}

function errorText(error: ScriptError): string {
  const text = error.text.replace(/\r?\n/g, ' ').replace(/\s+/g, ' ').trim();
  return text === '' ? error.type : `${error.type}: ${text}`;
}

const at = (ms: number | null): string => (ms === null ? '' : ` at ${ms} ms`);

export function classifyWifi(result: WifiConnectResult): Classification {
  const final = result.finalStatus;
  const linkWasUp = result.linkUpBefore || result.statusBefore === STAT_GOT_IP;
  if (result.error !== null && final !== STAT_GOT_IP) {
    return made(WIFI_EXCEPTION_CLASS, `${errorText(result.error)} (${result.mode} connect to ${result.ssid}; status ${statusLabel(final)})`);
  }
  if (final === STAT_GOT_IP) {
    const ip = result.timeToIpMs ?? since(result.timeline, final);
    const got = `${statusLabel(final)}${ip === null ? '' : ` after ${ip} ms`}`;
    if (linkWasUp) return made('wifi.carried-over', `link already up before connect() (${statusLabel(result.statusBefore)}, ${result.mode} mode); ${got}`);
    const negative = firstNegativeOf(result);
    if (negative !== null) {
      const recovered = STATUS_BY_VALUE.get(negative.status)?.recoveredClass ?? 'wifi.transient-other';
      return made(recovered, `${statusLabel(negative.status)}${at(negative.at)}, then recovered: ${got}`);
    }
    return made('wifi.ok', `${got}${result.rssi === null ? '' : `, RSSI ${result.rssi} dBm`}`);
  }
  const entry = STATUS_BY_VALUE.get(final);
  if (final < 0) {
    if (entry?.finalClass === undefined) return made(WIFI_EXCEPTION_CLASS, `${statusLabel(final)} is not a status cyw43 reports (timeout ${result.timeoutMs} ms)`);
    const negative = firstNegativeOf(result);
    const earlier = negative !== null && negative.status !== final ? ` (first negative: ${statusLabel(negative.status)}${at(negative.at)})` : '';
    return made(entry.finalClass, `${statusLabel(final)}${at(since(result.timeline, final))}, never recovered${earlier}`);
  }
  const from = since(result.timeline, final);
  return made(`wifi.timeout@${statusName(final)}`, `no IP within ${result.timeoutMs} ms: still ${statusLabel(final)}${from === null ? '' : ` since ${from} ms`}`);
}

// ---------------------------------------------------------------------------------------------
// TLS

const MBEDTLS_BY_CODE = new Map(MBEDTLS_CODE_TABLE.map((entry) => [entry.code, entry]));
const MBEDTLS_BY_NAME = new Map(MBEDTLS_CODE_TABLE.flatMap((entry) => [entry.name, ...(entry.aliases ?? [])].map((name) => [name, entry] as const)));
const MBEDTLS_NAME_IN_TEXT = /MBEDTLS_ERR_([A-Z0-9_]+)/;
/** mbedTLS codes are ≤ -256; -1…-255 are errnos passed through mbedTLS, or lwIP statuses (facts §5, §6). */
const MBEDTLS_CODE_LIMIT = -256;

function numericCode(error: ScriptError): number | null {
  if (error.errno !== null) return error.errno;
  const first = error.args[0];
  return typeof first === 'number' ? first : null;
}

function mbedtlsEntry(error: ScriptError): MbedtlsCodeEntry | { readonly code: number; readonly name: null } | undefined {
  const code = numericCode(error);
  if (code !== null && code <= MBEDTLS_CODE_LIMIT) return MBEDTLS_BY_CODE.get(code) ?? { code, name: null };
  const texts = [error.text, ...error.args.filter((arg): arg is string => typeof arg === 'string')];
  for (const text of texts) {
    const name = MBEDTLS_NAME_IN_TEXT.exec(text)?.[1];
    if (name !== undefined) return MBEDTLS_BY_NAME.get(name);
  }
  return undefined;
}

/** The verify-info lines of a ≥ v1.22 ValueError, as flags; undefined when the text is not verify-info. */
function flagsInText(error: ScriptError): string[] | undefined {
  if (error.type !== 'ValueError') return undefined;
  const message = typeof error.args[0] === 'string' ? error.args[0] : error.text;
  const lines = message.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (lines.length === 0) return undefined;
  const flags = lines.map((line) => (line === UNKNOWN_REASON_TEXT ? 'UNKNOWN_REASON' : VERIFY_TEXT_TO_FLAG.get(line)));
  if (flags.every((flag) => flag === undefined)) return undefined;
  return flags.map((flag, index) => flag ?? `UNRECOGNISED(${lines[index] ?? ''})`);
}

function categoryOf(flag: string): VerifyCategory {
  return VERIFY_FLAG_CATEGORY[flag as VerifyFlagName] ?? 'other';
}

/** The verify class for a set of flags: one category → its class, several → multi. */
export function verifyClassOf(flags: readonly string[]): string {
  const categories = new Set(flags.map(categoryOf));
  const [only] = categories;
  if (categories.size === 1 && only !== undefined) return `tls.verify.${only}`;
  return categories.size === 0 ? 'tls.verify.unspecified' : 'tls.verify.multi';
}

/** The RTC tuple as UTC (the rp2 RTC is UTC to mbedTLS, facts §3). */
export function rtcDate(rtc: RtcTuple): Date {
  const [year, month, day, , hours, minutes, seconds] = rtc;
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
}

function iso(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'an invalid date' : date.toISOString().replace('.000Z', 'Z');
}

const DATE_FLAGS = new Set(['BADCERT_FUTURE', 'BADCERT_EXPIRED']);

function serverAlert(context: TlsClassifyContext, direction: 'sent' | 'received'): string | undefined {
  const alert = context.server?.alert;
  return alert !== null && alert !== undefined && alert.direction === direction ? alert.name : undefined;
}

function inferFlags(result: TlsProbeResult, context: TlsClassifyContext): InferredFlags | undefined {
  const rtc = result.rtcAtFailure ?? result.rtcAtStart;
  const flags = new Set<string>();
  const reasons: string[] = [];
  if (rtc !== null && context.certificates !== undefined && context.certificates.length > 0) {
    const now = rtcDate(rtc);
    for (const certificate of context.certificates) {
      const who = certificate.subject ?? 'a certificate';
      const notBefore = new Date(certificate.notBefore);
      const notAfter = new Date(certificate.notAfter);
      if (notBefore.getTime() > now.getTime()) {
        flags.add('BADCERT_FUTURE');
        reasons.push(`RTC ${iso(now)} is before ${who}'s notBefore ${iso(notBefore)}`);
      }
      if (notAfter.getTime() < now.getTime()) {
        flags.add('BADCERT_EXPIRED');
        reasons.push(`RTC ${iso(now)} is after ${who}'s notAfter ${iso(notAfter)}`);
      }
    }
    if (reasons.length === 0) reasons.push(`RTC ${iso(now)} is within every certificate's validity`);
  }
  const designed = (context.expectedFlags ?? []).filter((flag) => !DATE_FLAGS.has(flag));
  if (designed.length > 0) {
    for (const flag of designed) flags.add(flag);
    reasons.push(`the certificate set is built to raise ${designed.join(', ')}`);
  }
  const alert = serverAlert(context, 'received');
  const rank = VERIFY_ALERT_PRECEDENCE.findIndex((rule) => rule.alert === alert);
  const rule = VERIFY_ALERT_PRECEDENCE[rank];
  if (rule !== undefined) {
    // The board's own evidence: no flag of an earlier group, and one of this group's.
    const excluded = new Set<string>(VERIFY_ALERT_PRECEDENCE.slice(0, rank).flatMap((earlier) => earlier.flags));
    const dropped = [...flags].filter((flag) => excluded.has(flag));
    for (const flag of dropped) flags.delete(flag);
    const [only] = rule.flags;
    if (rule.flags.length === 1 && only !== undefined) flags.add(only);
    const says = rule.flags.length === 1 ? `mbedTLS sends it for ${only}` : rule.flags.length === 0 ? 'mbedTLS sends it when no flag has an alert of its own' : `mbedTLS sends it for one of ${rule.flags.join(', ')}`;
    reasons.push(`the server received ${rule.alert} (${says}${dropped.length === 0 ? '' : `; so not ${dropped.join(', ')}`})`);
  }
  if (reasons.length === 0) return undefined;
  const ordered = [...flags].sort((a, b) => flagOrder(a) - flagOrder(b));
  return { flags: ordered, class: ordered.length === 0 ? 'tls.verify.unspecified' : verifyClassOf(ordered), basis: reasons.join('; ') };
}

const FLAG_ORDER = Object.keys(VERIFY_FLAG_CATEGORY);
function flagOrder(flag: string): number {
  const index = FLAG_ORDER.indexOf(flag);
  return index < 0 ? FLAG_ORDER.length : index;
}

function rtcNote(result: TlsProbeResult): string {
  const rtc = result.rtcAtFailure ?? result.rtcAtStart;
  return rtc === null ? '' : `, RTC ${iso(rtcDate(rtc))}`;
}

function ruleMatches(rule: ExceptionRule, error: ScriptError, stage: TlsProbeResult['stage']): boolean {
  if (rule.types !== undefined && !rule.types.includes(error.type)) return false;
  if (rule.stages !== undefined && !rule.stages.includes(stage)) return false;
  const errno = numericCode(error);
  if (rule.errnos !== undefined && (errno === null || !rule.errnos.includes(errno))) return false;
  if (rule.anyErrno === true && (errno === null || errno <= 0)) return false;
  if (rule.text !== undefined) {
    const message = typeof error.args[0] === 'string' ? error.args[0] : error.text;
    if (!rule.text.test(message)) return false;
  }
  return true;
}

function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno-${errno}`;
}

function classifyTlsError(result: TlsProbeResult, error: ScriptError, context: TlsClassifyContext): Classification {
  const where = ` at ${result.stage}`;
  const said = errorText(error);
  const reported = flagsInText(error);
  if (reported !== undefined) {
    return made(verifyClassOf(reported), `${said}${where} [${reported.join(', ')}]${rtcNote(result)}`, 'facts §5 (≥ v1.22: ValueError(verify-info text)), §6 (flags)', { verifyFlags: reported });
  }
  const entry = mbedtlsEntry(error);
  if (entry !== undefined) {
    if (entry.name === null) return made('tls.error', `${said}${where}: mbedTLS code ${entry.code} (-0x${(-entry.code).toString(16).toUpperCase()}) is not in the table`);
    if (entry.code === VERIFY_FAILED) {
      const inferred = inferFlags(result, context);
      const inference = inferred === undefined ? 'no flags reported and none inferred' : `flags not reported; inferred ${inferred.flags.length === 0 ? 'none' : inferred.flags.join(', ')} (${inferred.basis})`;
      return made('tls.verify.unspecified', `${said}${where}${rtcNote(result)}: ${inference}`, entry.evidence, inferred === undefined ? {} : { inferred });
    }
    if (entry.code === FATAL_ALERT) {
      const sent = serverAlert(context, 'sent');
      const from = sent === undefined ? 'the server\'s alert is not known' : `the server sent ${sent}`;
      return made(`tls.alert.${sent ?? 'unknown'}`, `${said}${where}: ${from}`, entry.evidence);
    }
    return made(entry.class, `${said}${where}`, entry.evidence);
  }
  const rule = TLS_EXCEPTION_RULES.find((candidate) => ruleMatches(candidate, error, result.stage));
  if (rule !== undefined) {
    const errno = numericCode(error);
    const name = rule.class.replace('{errno}', errno === null ? 'unknown' : errnoName(errno));
    return made(name, `${said}${where}${name === 'tls.api-unavailable' ? ` (api ${result.api})` : ''}`, rule.evidence);
  }
  return made('tls.error', `${said}${where}`);
}

export function classifyTls(result: TlsProbeResult, context: TlsClassifyContext = {}): Classification {
  if (!result.apiAvailable) {
    return made('tls.api-unavailable', `the firmware has no ${result.api} API${result.error === null ? '' : ` (${errorText(result.error)})`}`);
  }
  if (result.error !== null) return classifyTlsError(result, result.error, context);
  if (result.echoOk === false) {
    const offset = result.echoMismatchAt === null ? '' : ` at byte ${result.echoMismatchAt}`;
    return made('echo.mismatch', `the echo differed${offset} after a good handshake${result.handshakeMs === null ? '' : ` (${result.handshakeMs} ms)`}`);
  }
  if (result.stage !== 'done') return made('tls.error', `the probe stopped at ${result.stage} without an error`);
  const cipher = Array.isArray(result.cipher) && typeof result.cipher[0] === 'string' ? `, ${result.cipher[0]}` : '';
  const handshake = result.handshakeMs === null ? 'handshake' : `handshake ${result.handshakeMs} ms`;
  const verified = result.verifyMode === 'CERT_REQUIRED' ? 'CERT_REQUIRED' : `${result.verifyMode}: the chain was not verified`;
  return made('tls.ok', `echo ok after ${handshake} (${verified}${cipher})${rtcNote(result)}`);
}

// ---------------------------------------------------------------------------------------------
// Attempt

export function classifyHarnessError(error: { readonly code: string; readonly message: string }): Classification {
  const name = HARNESS_CODE_TABLE.get(error.code) ?? HARNESS_FALLBACK_CLASS;
  return made(name, `${error.code}: ${error.message.replace(/\s*\r?\n\s*/g, ' ')}`);
}

export function classifyReset(reset: ResetOutcome): Classification | undefined {
  if (reset.verified) return undefined;
  const escalated = reset.escalations.length === 0 ? '' : ` (escalations: ${reset.escalations.join(', ')})`;
  return made('harness.reset-not-verified', `${reset.mode} reset not verified: ${reset.problem ?? 'no proof'}${escalated}`);
}

export function classifyAttempt(input: AttemptInput): AttemptClassification {
  const steps: Classification[] = [];
  const reset = input.reset === undefined || input.reset === null ? undefined : classifyReset(input.reset);
  if (reset !== undefined) steps.push(reset);
  if (input.wifi !== undefined && input.wifi !== null) steps.push(classifyWifi(input.wifi));
  if (input.tls !== undefined && input.tls !== null) steps.push(classifyTls(input.tls, { ...input.tlsContext, server: input.server ?? null }));
  if (input.harnessError !== undefined && input.harnessError !== null) steps.push(classifyHarnessError(input.harnessError));
  if (steps.length === 0 && input.reset?.verified === true) steps.push(made('reset.ok', `${input.reset.mode} reset verified`));
  if (steps.length === 0) steps.push(made(HARNESS_FALLBACK_CLASS, 'the attempt produced no step result and no harness error'));
  const harness = HARNESS_PRECEDENCE.map((name) => steps.find((step) => step.class === name)).find((step) => step !== undefined);
  const decisive = harness ?? steps.find((step) => step.outcome === 'fail') ?? (steps[steps.length - 1] as Classification);
  const inferred = steps.find((step) => step.inferred !== undefined)?.inferred;
  return { class: decisive.class, classes: steps.map((step) => step.class), detail: decisive.detail, ...(inferred === undefined ? {} : { inferred }) };
}
