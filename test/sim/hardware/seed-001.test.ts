import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { generateCertificateSets, loadCertificateSet, type CertificateSet } from '../../../src/pki/index.js';
import { withServices } from '../../../src/sim/world.js';
import type { SimRig } from '../../support/sim-board.js';
import { output, run, startBoard, testWorld, visibleAp } from './support.js';

/**
 * Seed 001 (/work/shared/seeds/001_*.txt, "The Pico In MicroPython: Sockets"): the book's HTTPS
 * client, copied verbatim. The web page flattened its line breaks; they are restored at statement
 * boundaries and nothing else is changed.
 */
const SEED_CLIENT = String.raw`ai = socket.getaddrinfo("example.com", 443,
socket.AF_INET)
addr = ai[0][-1]
s = socket.socket(socket.AF_INET)
s.connect(addr)
sslSock=ssl.wrap_socket(s)
request = b"GET / HTTP/1.1\r\nHost:example.com\r\n\r\n"
sslSock.write(request)
print(sslSock.read(1024))
`;

/**
 * What the extract leaves out: its imports (as the seed lists them, plus `import ssl`, which the
 * extract uses without importing) and the book's setup(), which the seed shows as ". . .". This one
 * is written in the book's style: country, active, connect, poll status() with a blinking LED.
 */
const PREAMBLE = `import network
import socket
import rp2
import ssl
from machine import Pin, Timer
from time import sleep_ms

def setup(country, ssid, key):
    rp2.country(country)
    wifi = network.WLAN(network.STA_IF)
    wifi.active(True)
    wifi.disconnect()
    LED = Pin("LED", Pin.OUT)
    LED.on()
    timeout = 20000
    wifi.connect(ssid, key)
    timer = Timer()
    def blink(t):
        LED.toggle()
    timer.init(period=200, mode=Timer.PERIODIC, callback=blink)
    print("Waiting to connect")
    while timeout > 0:
        s = wifi.status()
        if s == 3 or s < 0:
            break
        sleep_ms(100)
        timeout = timeout - 100
    timer.deinit()
    print("status", s)
    return wifi

wifi = setup("DE", ${JSON.stringify(visibleAp.ssid)}, ${JSON.stringify(visibleAp.password)})
`;

/** Where the world puts example.com (virtual; its port 443 is mapped to the test's server). */
const EXAMPLE_COM = '93.184.215.14';

const PAGE = '<!doctype html>\n<html><head><title>Example Domain</title></head><body><h1>Example Domain</h1></body></html>\n';
const RESPONSE = `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(PAGE)}\r\nConnection: close\r\n\r\n${PAGE}`;

interface Seen {
  readonly request: string;
  readonly sni: string | false | null;
  readonly cipher: string;
}

/** A minimal HTTPS server: reads one request, answers RESPONSE and closes. */
async function startHttpsServer(set: CertificateSet): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = tls.createServer({ cert: set.chainPem, key: set.leafKeyPem, minVersion: 'TLSv1.2' }, (socket) => {
    let request = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      seen.push({ request, sni: socket.servername, cipher: socket.getCipher().name });
      socket.end(RESPONSE);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the HTTPS server has no port');
  return {
    port: address.port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

describe("seed 001: the book's ssl.wrap_socket HTTPS client runs unmodified against example.com mapped to a loopback server", function () {
  this.timeout(120_000);
  let dir: string;
  let set: CertificateSet;
  let server: Awaited<ReturnType<typeof startHttpsServer>> | undefined;
  let rig: SimRig | undefined;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'picow-seed001-'));
    // RSA, as most web servers: the first Pico W builds have no ECDHE-ECDSA.
    await generateCertificateSets({ outDir: dir, hostIps: [], detectedHostIps: [], key: 'rsa-2048' });
    set = await loadCertificateSet(dir, 'valid');
  });

  beforeEach(async () => {
    server = await startHttpsServer(set);
  });

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
    await server?.close();
    server = undefined;
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function exampleWorld(port: number): ReturnType<typeof testWorld> {
    return withServices(testWorld(), [{ names: ['example.com'], address: EXAMPLE_COM, ports: { 443: port } }]);
  }

  for (const profile of ['v1.19.1-88', 'v1.22.2', 'v1.24.1']) {
    it(`${profile}: a cold board connects without verifying (wrap_socket's CERT_NONE default) and prints the server's answer`, async () => {
      rig = await startBoard({ profile, world: exampleWorld(server!.port) });
      const out = await output(rig, PREAMBLE + SEED_CLIENT);
      expect(out).to.contain('status 3\n');
      const printed = out.trimEnd().split('\n').pop() ?? '';
      expect(printed).to.equal(`b${pythonBytesRepr(RESPONSE)}`);
      expect(server!.seen).to.have.length(1);
      expect(server!.seen[0]?.request).to.equal('GET / HTTP/1.1\r\nHost:example.com\r\n\r\n');
      // wrap_socket without server_hostname sends no SNI.
      expect(server!.seen[0]?.sni).to.equal(false);
      // Every rp2 build has ECDHE-RSA and AES-GCM (ports/rp2/mbedtls config since v1.19.1-83).
      expect(server!.seen[0]?.cipher).to.match(/^ECDHE-RSA-AES(128|256)-GCM-SHA(256|384)$/);
    });
  }

  it('a port the map does not list is closed: connect raises ECONNRESET, as lwIP reports a reset', async () => {
    rig = await startBoard({ profile: 'v1.24.1', world: exampleWorld(server!.port) });
    await output(rig, PREAMBLE);
    const result = await run(rig, `s = socket.socket()\ns.connect(socket.getaddrinfo("example.com", 80)[0][-1])`);
    expect(result.exception?.type).to.equal('OSError');
    expect(result.exception?.errno).to.equal(104);
    expect(server!.seen).to.have.length(0);
  });
});

/** Python's repr of bytes for printable ASCII plus \r and \n (what print(bytes) shows). */
function pythonBytesRepr(text: string): string {
  const body = text.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  return body.includes("'") && !body.includes('"') ? `"${body}"` : `'${body.replace(/'/g, "\\'")}'`;
}
