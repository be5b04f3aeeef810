/**
 * Values between the board's hardware models and the firmware's Python modules travel as JSON;
 * bytes travel as `{ "__b": base64 }` both ways (the prelude's pico_hw decodes them).
 */
export type Wire = null | boolean | number | string | { readonly __b: string } | readonly Wire[] | { readonly [key: string]: Wire };

export function toWire(value: unknown): Wire {
  if (value === undefined || value === null) return null;
  if (value instanceof Uint8Array) return { __b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object') {
    const out: Record<string, Wire> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = toWire(item);
    return out;
  }
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  return null;
}

/** Base64 from the prelude (pico_hw.b64) to bytes. */
export function bytesFrom(value: unknown): Uint8Array {
  if (typeof value === 'string') return Uint8Array.from(Buffer.from(value, 'base64'));
  if (typeof value === 'object' && value !== null && typeof (value as { __b?: unknown }).__b === 'string') {
    return Uint8Array.from(Buffer.from((value as { __b: string }).__b, 'base64'));
  }
  return new Uint8Array(0);
}
