/** Synthetic run folders for history tests: a manifest, attempts.jsonl and summary.json as a campaign writes them. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SyntheticCell {
  readonly id: string;
  readonly ok: number;
  readonly n: number;
  /** The class of the failed attempts (default wifi.connect-fail). */
  readonly failClass?: string;
}

export interface SyntheticRun {
  readonly runId: string;
  readonly kind: 'sim' | 'real';
  readonly campaign?: string;
  readonly worldHash?: string;
  readonly startedAt: string;
  readonly exitCode?: number;
  readonly cells: readonly SyntheticCell[];
  readonly board?: { label: string; serialNumber: string; uniqueId: string };
  readonly firmware?: string;
}

export function facetsOf(id: string): Record<string, unknown> {
  return { id, reset: 'none', wifi: null, certs: 'valid', tlsApi: 'SSLContext', rtc: 'cold', successClass: 'tls.ok' };
}

/** Writes the run folder `<reports>/<runId>` and returns its path. */
export async function writeRunFolder(reports: string, spec: SyntheticRun): Promise<string> {
  const dir = join(reports, spec.runId);
  await mkdir(dir, { recursive: true });
  const firmware = spec.firmware ?? '3.4.0; MicroPython v1.24.1 on 2024-11-29';
  const board = spec.board ?? { label: spec.kind === 'sim' ? 'sim-a' : 'rig-1', serialNumber: 'e6614103e7000001', uniqueId: 'e6614103e7000001' };
  const iterations = Math.max(0, ...spec.cells.map((cell) => cell.n));
  const manifest = {
    v: 1,
    runId: spec.runId,
    createdAt: spec.startedAt,
    harness: { name: 'picow-harness', version: '0.1.0' },
    board: {
      kind: spec.kind,
      identity: { port: spec.kind === 'sim' ? '/sim/ttyACM0' : '/dev/ttyACM0', serialNumber: board.serialNumber, uniqueId: board.uniqueId },
      firmware: { version: firmware },
      ...(spec.kind === 'sim' ? { sim: { worldHash: spec.worldHash ?? 'sha256:aaaaaaaaaaaaaaaaaaaaaaaa', seed: 1, timeScale: 50 } } : {}),
    },
    config: { redacted: { file: '/x/nightly.yaml', config: { name: spec.campaign ?? 'nightly' } }, hash: 'sha256:cafe' },
    extra: { cells: spec.cells.map((cell) => facetsOf(cell.id)), plan: { cells: spec.cells.map((cell) => cell.id), iterations, attempts: iterations * spec.cells.length } },
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const lines: string[] = [];
  let seq = 0;
  for (const cell of spec.cells) {
    for (let iteration = 1; iteration <= cell.n; iteration += 1) {
      const ok = iteration <= cell.ok;
      lines.push(
        JSON.stringify({
          v: 1,
          runId: spec.runId,
          seq: seq++,
          cell: cell.id,
          iteration,
          startedAt: spec.startedAt,
          durationMs: 100,
          boardMs: 90,
          reset: null,
          rtc: null,
          wifi: { timeToIpMs: 1000 + iteration * 10 },
          tls: ok ? { handshakeMs: 300 + iteration } : null,
          server: null,
          class: ok ? 'tls.ok' : cell.failClass ?? 'wifi.connect-fail',
          classes: [ok ? 'tls.ok' : cell.failClass ?? 'wifi.connect-fail'],
          detail: '',
          transcript: null,
          harnessError: null,
          board: { label: board.label, serialNumber: board.serialNumber, uniqueId: board.uniqueId },
          firmware,
        }),
      );
    }
  }
  await writeFile(join(dir, 'attempts.jsonl'), lines.map((line) => `${line}\n`).join(''));
  const summary = {
    schema: 'picow-harness/summary@1',
    runId: spec.runId,
    startedAt: spec.startedAt,
    finishedAt: spec.startedAt,
    exit: { code: spec.exitCode ?? 0, reason: (spec.exitCode ?? 0) === 0 ? 'completed' : 'expectation-failed', message: '' },
  };
  await writeFile(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  return dir;
}

/** Night `index` (0-based) of a series: a run id and start time a day apart. */
export function night(index: number, suffix = 'aaaa'): { runId: string; startedAt: string } {
  const date = new Date(Date.UTC(2026, 0, 1 + index, 2, 0, 0));
  const stamp = date.toISOString();
  const runId = `${stamp.slice(0, 10).replace(/-/g, '')}-020000-${suffix}`;
  return { runId, startedAt: stamp };
}
