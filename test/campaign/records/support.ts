import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttemptRecord } from '../../../src/campaign/types.js';

/** A canary password with the characters escaping changes: a quote, a backslash, non-ASCII. */
export const PASSWORD = 'pa"ss\\wörd-canary';

/** Canary key material: 32 fixed bytes including a quote, a backslash, a newline and high bytes. */
export const KEY_BYTES = Uint8Array.from([
  0x30, 0x82, 0x01, 0x0a, 0x27, 0x5c, 0xc4, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
  0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x10, 0x20, 0x7f, 0x00, 0x9e, 0xe1, 0x3c, 0x42, 0x5a, 0x6b,
]);

export const SECRETS = [PASSWORD, KEY_BYTES] as const;

/** A record with the given key and plausible content; `detail` may carry text to redact. */
export function makeRecord(runId: string, seq: number, cell: string, iteration: number, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    v: 1,
    runId,
    seq,
    cell,
    iteration,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    durationMs: 1000 + seq,
    boardMs: 800,
    reset: null,
    rtc: null,
    wifi: null,
    tls: null,
    server: null,
    class: iteration % 3 === 0 ? 'tls.verify.future' : 'tls.ok',
    classes: ['wifi.ok'],
    detail: `attempt ${seq}`,
    transcript: null,
    harnessError: null,
    ...overrides,
  };
}

/** A fresh temporary directory; `cleanup()` removes it. */
export async function temporaryDirectory(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'picow-records-'));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
