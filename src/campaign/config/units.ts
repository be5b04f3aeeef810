/**
 * Durations and byte sizes as people write them in a campaign config and on the command line:
 * `90s`, `2h`, `1h30m`, `500ms`, `-2h` (signed where the caller allows it); `256KiB`, `10MB`.
 */

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
export const DURATION_FORMS = 'a duration like 500ms, 45s, 90m, 2h or 1h30m';

/**
 * Milliseconds for a duration text, or a one-phrase problem. Units ms, s, m, h, d, largest first
 * when combined (`1h30m`); a leading sign only when `signed`.
 */
export function parseDuration(text: string, options: { signed?: boolean } = {}): { ok: true; ms: number } | { ok: false; problem: string } {
  const trimmed = text.trim();
  let sign = 1;
  let body = trimmed;
  if (/^[+-]/.test(body)) {
    if (options.signed !== true) return { ok: false, problem: `must be ${DURATION_FORMS} (no sign)` };
    sign = body.startsWith('-') ? -1 : 1;
    body = body.slice(1);
  }
  if (body === '') return { ok: false, problem: `must be ${DURATION_FORMS}` };
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  let previousUnitMs = Infinity;
  for (let match = DURATION_PART.exec(body); match !== null; match = DURATION_PART.exec(body)) {
    const unitMs = DURATION_UNITS_MS[match[2] ?? ''] ?? 0;
    if (unitMs >= previousUnitMs) return { ok: false, problem: `must be ${DURATION_FORMS} (units largest first, each once)` };
    previousUnitMs = unitMs;
    total += Number(match[1]) * unitMs;
    consumed = DURATION_PART.lastIndex;
  }
  if (consumed !== body.length) return { ok: false, problem: `must be ${DURATION_FORMS}` };
  return { ok: true, ms: sign * Math.round(total) };
}

/** `5400000` → `1h30m`; `-7200000` → `-2h`; `1500` → `1.5s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  if (rest < 60_000) return `${sign}${Number((rest / 1000).toFixed(1))}s`;
  rest = Math.round(rest / 1000) * 1000;
  let out = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * size;
  }
  return `${sign}${out}`;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};
export const SIZE_FORMS = 'a byte count or a size like 256KiB, 10MB or 1GiB';

/** Bytes for a size text (`256KiB`, `10 MB`, `4096`), or a one-phrase problem. */
export function parseByteSize(text: string): { ok: true; bytes: number } | { ok: false; problem: string } {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase() || 'b'];
  if (match === null || unit === undefined) return { ok: false, problem: `must be ${SIZE_FORMS}` };
  return { ok: true, bytes: Math.round(Number(match[1]) * unit) };
}
