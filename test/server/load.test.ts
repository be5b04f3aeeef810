import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { expect } from 'chai';
import { WAIT_MS } from './support/clients.js';
import { ServerPool } from './support/server.js';
import { makeTestPki, TEST_HOST, type TestPki } from './support/test-pki.js';

const CLIENTS = 200;
const ECHOES_PER_CLIENT = 50;

interface ClientResult {
  readonly id: string;
  readonly sent: number;
  readonly mismatches: number;
}

/** One client: a correlation line, then `ECHOES_PER_CLIENT` round trips of random bytes, each checked. */
function echoClient(port: number, ca: string, id: string): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: TEST_HOST, maxVersion: 'TLSv1.2' });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${id}: did not finish within ${3 * WAIT_MS} ms`));
    }, 3 * WAIT_MS);
    let expected = Buffer.from(`${id}\n`);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let round = 0;
    let sent = expected.length;
    let mismatches = 0;
    const next = (): void => {
      if (round === ECHOES_PER_CLIENT) {
        socket.end();
        return;
      }
      round += 1;
      expected = randomBytes(1 + ((round * 37) % 512));
      sent += expected.length;
      socket.write(expected);
    };
    socket.on('secureConnect', () => socket.write(expected));
    socket.on('data', (chunk: Buffer) => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < expected.length) return;
      const got = Buffer.concat(pending);
      if (pendingBytes > expected.length || !got.equals(expected)) mismatches += 1;
      pending = [];
      pendingBytes = 0;
      next();
    });
    socket.on('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (round !== ECHOES_PER_CLIENT) reject(new Error(`${id}: closed after ${round} of ${ECHOES_PER_CLIENT} echoes`));
      else resolve({ id, sent, mismatches });
    });
  });
}

describe('TLS echo server under load', function () {
  this.timeout(60_000);
  let pki: TestPki;
  const pool = new ServerPool();

  before(async function () {
    pki = await makeTestPki();
  });

  afterEach(async function () {
    await pool.closeAll();
  });

  it(`${CLIENTS} concurrent TLS 1.2 clients × ${ECHOES_PER_CLIENT} round trips: no byte lost or corrupted, one record each`, async function () {
    const { server, records } = await pool.start(pki.valid, { maxConnections: CLIENTS + 16 });
    const results = await Promise.all(Array.from({ length: CLIENTS }, (_, index) => echoClient(server.port, pki.caPem, `load-${index}`)));
    expect(results.filter((result) => result.mismatches > 0)).to.deep.equal([]);

    const all = await records.count(CLIENTS, 3 * WAIT_MS);
    expect(all).to.have.length(CLIENTS);
    const sentById = new Map(results.map((result) => [result.id, result.sent]));
    for (const record of all) {
      expect(record.handshake, JSON.stringify(record)).to.equal('ok');
      expect(record.endReason, JSON.stringify(record)).to.equal('client-closed');
      expect(record.bytesIn, record.correlationId ?? '').to.equal(sentById.get(record.correlationId ?? ''));
      expect(record.bytesOut).to.equal(record.bytesIn);
    }
    expect(new Set(all.map((record) => record.correlationId)).size).to.equal(CLIENTS);
    expect(server.connections()).to.equal(0);
  });
});
