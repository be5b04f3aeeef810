import { PatternMatcher, type PatternHit } from './records/pattern-matcher.js';
import { isBase64Encoding, secretVariants, type SecretVariant } from './records/secret-encodings.js';

/** What every occurrence of a secret is replaced with. */
export const REDACTED = '«redacted»';

/** A password or token (text), or key material (bytes). */
export type Secret = string | Uint8Array;

/** Secrets shorter than this (characters, or bytes for key material) are not redacted: they would shred ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Base64 forms at least this long are also found when line breaks, `\n` escapes or other
 * separators were put inside them (PEM bodies, wrapped JSON strings). Shorter ones would match
 * ordinary text stitched across separators.
 */
const WRAPPED_BASE64_MIN = 12;

export interface IgnoredSecret {
  /** Position of the secret in the list given to the redactor (never its value). */
  readonly index: number;
  readonly length: number;
  readonly reason: 'too-short';
}

export interface RedactorOptions {
  readonly minLength?: number;
  /** Called once per secret that is too short to redact, so the caller can warn. */
  readonly onIgnoredSecret?: (ignored: IgnoredSecret) => void;
}

/** Where one encoding of one secret occurs: `[start, end)` in code units (text) or bytes. */
export interface SecretHit {
  readonly start: number;
  readonly end: number;
  /** Index of the secret in the redactor's list. */
  readonly secret: number;
  /** Which form matched, e.g. `raw`, `json`, `hex`, `base64+2`, `base64+0/wrapped`. */
  readonly encoding: string;
}

interface Labelled {
  readonly secret: number;
  readonly encoding: string;
}

const REDACTED_BYTES = new TextEncoder().encode(REDACTED);

const BACKSLASH = 0x5c;
/** Letters that follow a backslash in a line-break or tab escape (`\n`, `\r`, `\t`). */
const ESCAPED_SEPARATOR = new Set([0x6e, 0x72, 0x74]);

function isBase64Unit(unit: number): boolean {
  return (
    (unit >= 0x41 && unit <= 0x5a) || // A-Z
    (unit >= 0x61 && unit <= 0x7a) || // a-z
    (unit >= 0x30 && unit <= 0x39) || // 0-9
    unit === 0x2b || unit === 0x2f || unit === 0x3d || unit === 0x2d || unit === 0x5f // + / = - _
  );
}

/**
 * The base64-alphabet units of `units` with everything else left out (escaped line breaks as a
 * whole), and where each kept unit was: a wrapped base64 blob becomes one run.
 */
function base64View(length: number, unitAt: (index: number) => number): { units: Uint16Array; positions: Uint32Array } {
  const units = new Uint16Array(length);
  const positions = new Uint32Array(length);
  let kept = 0;
  for (let index = 0; index < length; index += 1) {
    const unit = unitAt(index);
    if (unit === BACKSLASH && index + 1 < length && ESCAPED_SEPARATOR.has(unitAt(index + 1))) {
      index += 1;
      continue;
    }
    if (!isBase64Unit(unit)) continue;
    units[kept] = unit;
    positions[kept] = index;
    kept += 1;
  }
  return { units: units.subarray(0, kept), positions: positions.subarray(0, kept) };
}

/** Overlapping or touching hits joined into the spans to replace, in order. */
function mergeSpans(hits: readonly { start: number; end: number }[]): { start: number; end: number }[] {
  const sorted = [...hits].sort((a, b) => a.start - b.start || b.end - a.end);
  const spans: { start: number; end: number }[] = [];
  for (const hit of sorted) {
    const last = spans[spans.length - 1];
    if (last !== undefined && hit.start <= last.end) last.end = Math.max(last.end, hit.end);
    else spans.push({ start: hit.start, end: hit.end });
  }
  return spans;
}

class CompiledSecrets {
  readonly textMatcher: PatternMatcher;
  readonly textLabels: Labelled[] = [];
  readonly byteMatcher: PatternMatcher;
  readonly byteLabels: Labelled[] = [];
  readonly wrappedMatcher: PatternMatcher;
  readonly wrappedLabels: Labelled[] = [];
  readonly longestPattern: number;

  constructor(secrets: readonly { index: number; variants: readonly SecretVariant[] }[]) {
    const textPatterns: number[][] = [];
    const bytePatterns: number[][] = [];
    const wrappedPatterns: number[][] = [];
    const seenText = new Set<string>();
    const seenBytes = new Set<string>();
    let longest = 0;
    for (const { index, variants } of secrets) {
      for (const variant of variants) {
        longest = Math.max(longest, variant.bytes.length, variant.text.length);
        if (!seenText.has(variant.text)) {
          seenText.add(variant.text);
          textPatterns.push(codeUnitsOf(variant.text));
          this.textLabels.push({ secret: index, encoding: variant.encoding });
          if (isBase64Encoding(variant.encoding) && variant.text.length >= WRAPPED_BASE64_MIN) {
            wrappedPatterns.push(Array.from(variant.bytes));
            this.wrappedLabels.push({ secret: index, encoding: `${variant.encoding}/wrapped` });
          }
        }
        const byteKey = Buffer.from(variant.bytes).toString('latin1');
        if (!seenBytes.has(byteKey)) {
          seenBytes.add(byteKey);
          bytePatterns.push(Array.from(variant.bytes));
          this.byteLabels.push({ secret: index, encoding: variant.encoding });
        }
      }
    }
    this.textMatcher = new PatternMatcher(textPatterns);
    this.byteMatcher = new PatternMatcher(bytePatterns);
    this.wrappedMatcher = new PatternMatcher(wrappedPatterns);
    this.longestPattern = longest;
  }
}

function codeUnitsOf(text: string): number[] {
  const units: number[] = [];
  for (let index = 0; index < text.length; index += 1) units.push(text.charCodeAt(index));
  return units;
}

/**
 * Replaces every occurrence of each secret, in every encoding `secretVariants` knows, with
 * `«redacted»`: in text, in bytes (byte-exact, whatever the surrounding encoding) and in deep
 * JSON-shaped values (keys too). The secrets live in private fields: inspecting or serialising a
 * Redactor shows none of them.
 */
export class Redactor {
  readonly #compiled: CompiledSecrets;
  readonly #count: number;

  constructor(secrets: readonly Secret[], options: RedactorOptions = {}) {
    const minLength = options.minLength ?? MIN_SECRET_LENGTH;
    const usable: { index: number; variants: SecretVariant[] }[] = [];
    secrets.forEach((secret, index) => {
      const length = typeof secret === 'string' ? [...secret].length : secret.length;
      if (length < minLength) {
        if (length > 0) options.onIgnoredSecret?.({ index, length, reason: 'too-short' });
        return;
      }
      usable.push({ index, variants: secretVariants(secret) });
    });
    this.#compiled = new CompiledSecrets(usable);
    this.#count = usable.length;
  }

  /** How many secrets are being redacted (those too short are not counted). */
  get secretCount(): number {
    return this.#count;
  }

  /**
   * The longest form of any secret, in code units or bytes: a stream cut into pieces must carry
   * this much (plus separators for wrapped base64) from one piece to the next to find every hit.
   */
  get longestPattern(): number {
    return this.#compiled.longestPattern;
  }

  /** Every hit in `text`, unmerged, in order of their start. */
  findInText(text: string): SecretHit[] {
    const compiled = this.#compiled;
    const hits = label(compiled.textMatcher.findInString(text), compiled.textLabels);
    const view = base64View(text.length, (index) => text.charCodeAt(index));
    hits.push(...labelWrapped(compiled.wrappedMatcher.findInUnits(view.units), compiled.wrappedLabels, view.positions));
    return hits.sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /** Every hit in `bytes`, unmerged, in order of their start. */
  findInBytes(bytes: Uint8Array): SecretHit[] {
    const compiled = this.#compiled;
    const hits = label(compiled.byteMatcher.findInUnits(bytes), compiled.byteLabels);
    const view = base64View(bytes.length, (index) => bytes[index] as number);
    hits.push(...labelWrapped(compiled.wrappedMatcher.findInUnits(view.units), compiled.wrappedLabels, view.positions));
    return hits.sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /** The spans `redactBytes` would replace, merged. */
  spansInBytes(bytes: Uint8Array): { start: number; end: number }[] {
    return this.#count === 0 ? [] : mergeSpans(this.findInBytes(bytes));
  }

  redactText(text: string): string {
    if (this.#count === 0 || text.length === 0) return text;
    const spans = mergeSpans(this.findInText(text));
    if (spans.length === 0) return text;
    let out = '';
    let from = 0;
    for (const span of spans) {
      out += text.slice(from, span.start) + REDACTED;
      from = span.end;
    }
    return out + text.slice(from);
  }

  /** `bytes` with every hit replaced by the UTF-8 of `«redacted»`; the same instance when nothing matched. */
  redactBytes(bytes: Uint8Array): Uint8Array {
    if (this.#count === 0 || bytes.length === 0) return bytes;
    const spans = this.spansInBytes(bytes);
    if (spans.length === 0) return bytes;
    const pieces: Uint8Array[] = [];
    let from = 0;
    for (const span of spans) {
      pieces.push(bytes.subarray(from, span.start), REDACTED_BYTES);
      from = span.end;
    }
    pieces.push(bytes.subarray(from));
    return Buffer.concat(pieces);
  }

  /**
   * A copy of `value` with every string (object keys included) and byte array redacted. Values
   * with `toJSON` (Date, HarnessError) are replaced by their redacted JSON form and other Errors by
   * `{name, message, stack, …}`, so the result serialises to what was meant; JSON-shaped input
   * keeps its shape and type.
   */
  redact<T>(value: T): T {
    if (this.#count === 0) return value;
    return this.redactValue(value, new WeakSet()) as T;
  }

  /** True when any form of any secret occurs in `value` (text or bytes). */
  contains(value: string | Uint8Array): boolean {
    if (this.#count === 0) return false;
    return (typeof value === 'string' ? this.findInText(value) : this.findInBytes(value)).length > 0;
  }

  private redactValue(value: unknown, active: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (typeof value !== 'object' || value === null) return value;
    if (value instanceof Uint8Array) return this.redactBytes(value);
    if (active.has(value)) return '[Circular]';
    active.add(value);
    try {
      if (Array.isArray(value)) return value.map((item: unknown) => this.redactValue(item, active));
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return this.redactValue(toJSON.call(value), active);
      const source: Record<string, unknown> =
        value instanceof Error ? { ...errorFields(value), ...(value as object) } : (value as Record<string, unknown>);
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(source)) out[this.redactText(key)] = this.redactValue(item, active);
      return out;
    } finally {
      active.delete(value);
    }
  }
}

/** An Error's non-enumerable essentials. */
function errorFields(error: Error): Record<string, unknown> {
  return { name: error.name, message: error.message, stack: error.stack };
}

function label(hits: readonly PatternHit[], labels: readonly Labelled[]): SecretHit[] {
  return hits.map((hit) => ({ start: hit.start, end: hit.end, ...(labels[hit.pattern] as Labelled) }));
}

/** Hits in the base64 view mapped back to the original positions (the span covers the separators inside). */
function labelWrapped(hits: readonly PatternHit[], labels: readonly Labelled[], positions: Uint32Array): SecretHit[] {
  const mapped: SecretHit[] = [];
  for (const hit of hits) {
    const start = positions[hit.start] as number;
    const end = (positions[hit.end - 1] as number) + 1;
    // Contiguous in the original too: the direct matcher reports it already.
    if (end - start === hit.end - hit.start) continue;
    mapped.push({ start, end, ...(labels[hit.pattern] as Labelled) });
  }
  return mapped;
}
