/** Builders for run directories on disk (manifest.json + attempts.jsonl + status.json), as `run` leaves them. */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttemptRecord, CellFacets } from '../../src/campaign/types.js';
import { attempt, SIM_RUN, wifiResult } from './support.js';

/** A copy of a real default-campaign run (sim, 4 cells × 5 attempts): manifest.json, attempts.jsonl, status.json, summary.json. */
export const SAMPLE_RUN_DIR = fileURLToPath(new URL('./fixtures/sample-run/', import.meta.url));

export async function copySampleRun(target: string): Promise<string> {
  await cp(SAMPLE_RUN_DIR, target, { recursive: true });
  return target;
}

export function facets(id: string, overrides: Partial<CellFacets> = {}): CellFacets {
  return {
    id,
    reset: 'hard',
    wifi: {
      variant: 'lab',
      ap: 'lab',
      ssid: 'picow-lab',
      hidden: false,
      channel: 6,
      pm: 'default',
      pmValue: null,
      country: 'XX',
      pinBssid: false,
      pinChannel: false,
      connect: 'fresh',
    },
    certs: 'valid',
    tlsApi: 'SSLContext',
    rtc: 'cold',
    successClass: 'tls.ok',
    ...overrides,
  };
}

export interface RunDirSpec {
  readonly runId?: string;
  readonly kind?: 'sim' | 'real';
  readonly cells: readonly CellFacets[];
  readonly iterations: number;
  readonly records: readonly AttemptRecord[];
  /** `expect:` entries as the redacted config stores them. */
  readonly expect?: readonly unknown[];
  readonly state?: 'running' | 'stopped' | 'completed' | 'interrupted';
  /** Leave `extra.cells` out of the manifest. */
  readonly withoutCells?: boolean;
}

export function manifestFor(spec: RunDirSpec): Record<string, unknown> {
  const runId = spec.runId ?? SIM_RUN.runId;
  const kind = spec.kind ?? 'sim';
  return {
    v: 1,
    runId,
    createdAt: '2025-01-02T03:04:05.000Z',
    harness: { name: 'picow-harness', version: '0.1.0' },
    host: { platform: 'linux', arch: 'x64', kernel: 'test', osVersion: 'test', node: process.version },
    serialport: { binding: 'picow-harness SimBinding', version: '0.1.0' },
    board: {
      kind,
      identity: { port: '/sim/ttyACM0', serialNumber: 'e6614c311b7a8c2d' },
      firmware: { version: '3.4.0; MicroPython v1.24.1 on 2024-11-29' },
      ...(kind === 'sim' ? { sim: { worldHash: 'sha256:3f2a9c1e04b7d5a6c8e9f001', seed: 42, timeScale: 20, world: 'world.yaml', profile: 'v1.24.1' } } : {}),
    },
    config: { redacted: { file: 'campaign.yaml', hash: 'x', config: { iterations: spec.iterations, expect: spec.expect ?? [] } }, hash: 'sha256:x' },
    certificates: {},
    uhubctl: { version: null },
    extra: {
      ...(spec.withoutCells === true ? {} : { cells: spec.cells }),
      certificateSets: [],
      seed: 42,
      planHash: 'x',
      plan: { cells: spec.cells.map((cell) => cell.id), iterations: spec.iterations, attempts: spec.cells.length * spec.iterations },
      only: [],
    },
  };
}

export async function writeRunDir(dir: string, spec: RunDirSpec): Promise<string> {
  await mkdir(dir, { recursive: true });
  const runId = spec.runId ?? SIM_RUN.runId;
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifestFor(spec), null, 2)}\n`);
  await writeFile(join(dir, 'attempts.jsonl'), spec.records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  await writeFile(
    join(dir, 'status.json'),
    `${JSON.stringify({ v: 1, runId, state: spec.state ?? 'completed', done: spec.records.length, total: spec.cells.length * spec.iterations, lastSeq: spec.records.length - 1, current: null, counts: {}, startedAt: '2025-01-02T03:04:05.678Z', updatedAt: '2025-01-02T03:09:00.000Z', pid: 1, resumes: 0 }, null, 2)}\n`,
  );
  return dir;
}

/**
 * Records round-robin over `cells` (seq order), `iterations` each; `classOf(cell, iteration)` picks the
 * final class (tls.ok by default). Wi-Fi failures get a Wi-Fi-only record with a failing timeline.
 */
export function roundRobin(cells: readonly CellFacets[], iterations: number, classOf: (cell: string, iteration: number) => string = () => 'tls.ok'): AttemptRecord[] {
  const records: AttemptRecord[] = [];
  for (let iteration = 1; iteration <= iterations; iteration += 1) {
    for (const cell of cells) {
      const seq = records.length;
      const cls = classOf(cell.id, iteration);
      const base = attempt({ seq, cell: cell.id, iteration, class: cls });
      if (cls.startsWith('wifi.') && cls !== 'wifi.ok') {
        records.push({
          ...base,
          wifi: wifiResult({ timeline: [[0, 1], [1500 + iteration, -1]], timeToIpMs: null, finalStatus: -1, firstNegative: -1, rssi: null, ifconfig: null }),
          tls: null,
          classes: [cls],
        });
      } else {
        records.push({ ...base, wifi: wifiResult({ timeToIpMs: 2000 + iteration * 10, timeline: [[0, 1], [1200, 2], [2000 + iteration * 10, 3]] }) });
      }
    }
  }
  return records;
}
