import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/**
 * The harness's end of the boot runner's network reports: a plain TCP listener taking JSON lines
 * (one per probe, the same line the runner appends to its flash log). Lines are kept by their
 * correlation id until an attempt claims them; anything else is counted and dropped.
 */

/** A connection may send at most this much; a runner line is a few KiB. */
const MAX_CONNECTION_BYTES = 256 * 1024;
const IDLE_MS = 30_000;

export interface ReceivedReport {
  readonly correlationId: string;
  readonly value: Record<string, unknown>;
  readonly receivedAt: string;
  readonly remote: string | null;
}

export interface ReportListener {
  readonly port: number;
  /** Lines that were not a JSON object with a correlationId. */
  readonly rejected: number;
  /** The report for this correlation id, now or when it arrives (null after `timeoutMs` host ms or on abort). */
  waitFor(correlationId: string, timeoutMs: number, signal?: AbortSignal): Promise<ReceivedReport | null>;
  /** Take (and forget) the report for this correlation id, if it came. */
  take(correlationId: string): ReceivedReport | null;
  close(): Promise<void>;
}

export async function startReportListener(options: { host: string; port: number }): Promise<ReportListener> {
  const reports = new Map<string, ReceivedReport>();
  const waiters = new Map<string, Set<(report: ReceivedReport) => void>>();
  const sockets = new Set<Socket>();
  let rejected = 0;

  const accept = (line: string, remote: string | null): void => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      rejected += 1;
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      rejected += 1;
      return;
    }
    const correlationId = (value as Record<string, unknown>).correlationId;
    if (typeof correlationId !== 'string') {
      rejected += 1;
      return;
    }
    const report = { correlationId, value: value as Record<string, unknown>, receivedAt: new Date().toISOString(), remote };
    reports.set(correlationId, report);
    for (const wake of waiters.get(correlationId) ?? []) wake(report);
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    const remote = socket.remoteAddress === undefined ? null : `${socket.remoteAddress}:${socket.remotePort ?? 0}`;
    let buffered = '';
    let total = 0;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      total += chunk.length;
      if (total > MAX_CONNECTION_BYTES) {
        rejected += 1;
        socket.destroy();
        return;
      }
      buffered += chunk;
      for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
        const line = buffered.slice(0, at).trim();
        buffered = buffered.slice(at + 1);
        if (line.length > 0) accept(line, remote);
      }
    });
    socket.on('end', () => {
      if (buffered.trim().length > 0) accept(buffered.trim(), remote);
      buffered = '';
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  return {
    port,
    get rejected() {
      return rejected;
    },
    waitFor(correlationId, timeoutMs, signal) {
      const ready = reports.get(correlationId);
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve) => {
        const set = waiters.get(correlationId) ?? new Set();
        waiters.set(correlationId, set);
        const finish = (report: ReceivedReport | null): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          set.delete(wake);
          if (set.size === 0) waiters.delete(correlationId);
          resolve(report);
        };
        const wake = (report: ReceivedReport): void => finish(report);
        const onAbort = (): void => finish(null);
        const timer = setTimeout(() => finish(null), Math.max(0, timeoutMs));
        set.add(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    take(correlationId) {
      const report = reports.get(correlationId) ?? null;
      reports.delete(correlationId);
      return report;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
