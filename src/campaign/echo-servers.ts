import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { generateCertificateSets, loadCertificateSet, type CertificateSet, type CertificateSetName } from '../pki/index.js';
import { startEchoServer, type EchoServer } from '../server/index.js';
import type { ConnectionRecord } from '../server/records.js';

/** One echo server per certificate set the campaign probes, each serving that set's chain. */
export interface CampaignServers {
  readonly host: string;
  readonly sets: ReadonlyMap<string, { readonly set: CertificateSet; readonly server: EchoServer }>;
  /** The plain-TCP echo port (of the first server) for the preflight reachability check. */
  readonly plainPort: number | undefined;
  /** Start writing each server's connection log (`server-<set>.jsonl`) into this directory. */
  setLogDir(dir: string): void;
  /**
   * The records of connections to this set's server that ended since the last call. A board whose
   * handshake failed never sent its correlation id, so an attempt claims what ended during it;
   * waits up to `timeoutMs` for at least one when `expectOne` (the server reports a failed
   * handshake shortly after the socket closes).
   */
  takeRecords(setName: string, options?: { expectOne?: boolean; timeoutMs?: number }): Promise<ConnectionRecord[]>;
  close(): Promise<void>;
}

export interface StartCampaignServersOptions {
  readonly certsDir: string;
  readonly setNames: readonly CertificateSetName[];
  /** Address to bind: loopback for a simulated board, every interface for a board on the LAN. */
  readonly bindHost: string;
  readonly dnsName?: string | undefined;
  /** First TLS port; the sets take consecutive ports from it (the first also gets the plain port after the last). 0 picks free ports. */
  readonly basePort?: number;
}

/** Records nobody claimed are dropped beyond this many per set (a board that connects in a loop). */
const REMEMBERED_RECORDS = 256;
const DEFAULT_RECORD_WAIT_MS = 2_000;

/**
 * A server's connection log before the run directory exists: lines wait in memory until `attach`
 * names the file, then go straight to it.
 */
class DeferredLog extends Writable {
  private pending: Buffer[] = [];
  private file: WriteStream | undefined;

  attach(path: string): void {
    this.file = createWriteStream(path, { flags: 'a' });
    for (const chunk of this.pending) this.file.write(chunk);
    this.pending = [];
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.file === undefined) {
      this.pending.push(chunk);
      callback();
    } else {
      this.file.write(chunk, callback);
    }
  }

  async finish(): Promise<void> {
    const file = this.file;
    if (file === undefined) return;
    await new Promise<void>((resolve) => file.end(resolve));
  }
}

/** Create the certificate sets that are missing (existing ones are reused as they are) and serve each. */
export async function startCampaignServers(options: StartCampaignServersOptions): Promise<CampaignServers> {
  const sets = new Map<string, { set: CertificateSet; server: EchoServer }>();
  const pending = new Map<string, ConnectionRecord[]>();
  const logs = new Map<string, DeferredLog>();
  const waiters = new Map<string, () => void>();
  const close = async (): Promise<void> => {
    await Promise.allSettled([...sets.values()].map(({ server }) => server.close()));
    await Promise.allSettled([...logs.values()].map((log) => log.finish()));
  };
  const setLogDir = (dir: string): void => {
    for (const [name, log] of logs) log.attach(join(dir, `server-${name}.jsonl`));
  };
  if (options.setNames.length === 0) {
    return { host: options.bindHost, sets, plainPort: undefined, setLogDir, takeRecords: () => Promise.resolve([]), close };
  }
  await generateCertificateSets({ outDir: options.certsDir, ...(options.dnsName === undefined ? {} : { dnsName: options.dnsName }) });
  try {
    const base = options.basePort ?? 0;
    for (const [index, name] of options.setNames.entries()) {
      const set = await loadCertificateSet(options.certsDir, name);
      const log = new DeferredLog();
      logs.set(name, log);
      const server = await startEchoServer({
        host: options.bindHost,
        port: base === 0 ? 0 : base + index,
        ...(index === 0 ? { plainPort: base === 0 ? 0 : base + options.setNames.length } : {}),
        tls: { certChainPem: set.chainPem, keyPem: set.leafKeyPem, clientCaPem: set.caPem },
        log,
      });
      pending.set(name, []);
      server.events.on('connection', (record) => {
        if (record.listener !== 'tls') return;
        const list = pending.get(name) ?? [];
        list.push(record);
        if (list.length > REMEMBERED_RECORDS) list.shift();
        waiters.get(name)?.();
      });
      sets.set(name, { set, server });
    }
  } catch (error) {
    await close();
    throw error;
  }
  const plainPort = [...sets.values()][0]?.server.plainPort;
  const takeRecords = async (setName: string, wait: { expectOne?: boolean; timeoutMs?: number } = {}): Promise<ConnectionRecord[]> => {
    if (wait.expectOne === true && (pending.get(setName)?.length ?? 0) === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait.timeoutMs ?? DEFAULT_RECORD_WAIT_MS);
        function done(): void {
          clearTimeout(timer);
          waiters.delete(setName);
          resolve();
        }
        waiters.set(setName, done);
      });
    }
    const taken = pending.get(setName) ?? [];
    pending.set(setName, []);
    return taken;
  };
  return { host: options.bindHost, sets, plainPort, setLogDir, takeRecords, close };
}
