import { expect } from 'chai';
import { startEchoServer, type EchoServer } from '../../../src/server/index.js';
import type { SimRig } from '../../support/sim-board.js';
import { RecordCollector } from '../../server/support/clients.js';
import { output, pyBytes, run, startBoard, testCertificates, HARNESS_HOST, JOIN_VISIBLE } from './support.js';

function verifyingClient(port: number, caDer: Uint8Array, profile: 'SSLContext' | 'wrap_socket'): string {
  const wrap =
    profile === 'SSLContext'
      ? `ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\nctx.verify_mode = ssl.CERT_REQUIRED\nctx.load_verify_locations(cadata=ca)\nt = ctx.wrap_socket(s, server_hostname=${JSON.stringify(HARNESS_HOST)})`
      : `t = ssl.wrap_socket(s, cert_reqs=ssl.CERT_REQUIRED, cadata=ca, server_hostname=${JSON.stringify(HARNESS_HOST)})`;
  return `
import socket, ssl
ca = ${pyBytes(caDer)}
addr = socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${port})[0][-1]
s = socket.socket()
s.connect(addr)
${wrap}
t.write(b'corr-1 hello\\n')
print(t.readline())
t.close()
`;
}

describe('TLS from the simulated Pico W to a host server, judged at the board clock', function () {
  this.timeout(120_000);
  let rig: SimRig | undefined;
  let server: EchoServer | undefined;
  let records: RecordCollector | undefined;

  beforeEach(async () => {
    const { sets } = await testCertificates();
    const set = sets.get('issued-now')!;
    server = await startEchoServer({ host: '127.0.0.1', port: 0, plainPort: 0, tls: { certChainPem: set.chainPem, keyPem: set.leafKeyPem } });
    records = new RecordCollector(server);
  });

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
    await server?.close();
  });

  it('a cold v1.24.1 board rejects issued-now with "starts in the future", and the server receives certificate_unknown', async () => {
    const { sets } = await testCertificates();
    rig = await startBoard({ profile: 'v1.24.1' });
    await output(rig, JOIN_VISIBLE);
    const result = await run(rig, verifyingClient(server!.port, sets.get('issued-now')!.caDer, 'SSLContext'));
    expect(result.exception?.type).to.equal('ValueError');
    expect(result.exception?.text).to.contain('ValueError: \r\nThe certificate validity starts in the future\r\n');
    const record = await records!.find((r) => r.listener === 'tls');
    expect(record.handshake).to.equal('failed');
    expect(record.alert).to.include({ direction: 'received', name: 'certificate_unknown' });
  });

  it('a cold v1.21.0 board fails the same chain with OSError(-9984, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)', async () => {
    const { sets } = await testCertificates();
    rig = await startBoard({ profile: 'v1.21.0' });
    await output(rig, JOIN_VISIBLE);
    const result = await run(rig, verifyingClient(server!.port, sets.get('issued-now')!.caDer, 'wrap_socket'));
    expect(result.exception?.text, result.exception?.text).to.contain("OSError: (-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')");
  });

  it('a failed handshake leaves the TCP socket to the program: closing it frees it, so ten failures in a row do not run out of sockets', async () => {
    const { sets } = await testCertificates();
    rig = await startBoard({ profile: 'v1.24.1' });
    await output(rig, JOIN_VISIBLE);
    const out = await output(
      rig,
      `import socket, ssl
ca = ${pyBytes(sets.get('issued-now')!.caDer)}
addr = socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${server!.port})[0][-1]
kinds = []
for i in range(10):
    s = socket.socket()
    s.connect(addr)
    try:
        ssl.wrap_socket(s, cert_reqs=ssl.CERT_REQUIRED, cadata=ca, server_hostname=${JSON.stringify(HARNESS_HOST)})
    except Exception as e:
        kinds.append(type(e).__name__)
    s.close()
print(kinds)`,
    );
    expect(out.trim()).to.equal(`[${Array(10).fill("'ValueError'").join(', ')}]`);
  });

  it('passes once ntptime.settime() has set the RTC from the world NTP service, and echoes byte for byte', async () => {
    const { sets } = await testCertificates();
    rig = await startBoard({ profile: 'v1.24.1' });
    await output(rig, JOIN_VISIBLE);
    await output(rig, 'import ntptime\nntptime.settime()');
    const out = await output(rig, verifyingClient(server!.port, sets.get('issued-now')!.caDer, 'SSLContext'));
    expect(out.trim()).to.equal("b'corr-1 hello\\n'");
    const record = await records!.find((r) => r.listener === 'tls');
    expect(record.handshake).to.equal('ok');
    expect(record.tls?.version).to.equal('TLSv1.2');
    expect(record.tls?.sni).to.equal(HARNESS_HOST);
    expect(record.correlationId).to.equal('corr-1 hello');
  });

  it('the legacy ssl.wrap_socket default (CERT_NONE) never verifies: seed 001 style client works cold', async () => {
    rig = await startBoard({ profile: 'v1.24.1' });
    await output(rig, JOIN_VISIBLE);
    const out = await output(
      rig,
      `import socket, ssl
ai = socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${server!.port}, socket.AF_INET)
addr = ai[0][-1]
s = socket.socket(socket.AF_INET)
s.connect(addr)
sslSock = ssl.wrap_socket(s)
sslSock.write(b"GET / HTTP/1.1\\r\\nHost:example.com\\r\\n\\r\\n")
print(sslSock.read(16))
print(sslSock.cipher())`,
    );
    expect(out).to.contain("b'GET / HTTP/1.1\\r\\n'");
    expect(out).to.match(/\('TLS-ECDHE-ECDSA-WITH-AES-\d+-[A-Z0-9-]+', 'TLSv1.2'\)/);
  });

  it('a plain TCP port gives OSError(-29184, MBEDTLS_ERR_SSL_INVALID_RECORD)', async () => {
    rig = await startBoard({ profile: 'v1.24.1' });
    await output(rig, JOIN_VISIBLE);
    const result = await run(
      rig,
      `import socket, ssl
s = socket.socket()
s.connect(socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${server!.plainPort})[0][-1])
ssl.wrap_socket(s, server_hostname=${JSON.stringify(HARNESS_HOST)})`,
    );
    expect(result.exception?.text).to.contain("OSError: (-29184, 'MBEDTLS_ERR_SSL_INVALID_RECORD')");
  });

  it('CERT_REQUIRED without server_hostname raises before the handshake on v1.22+', async () => {
    const { sets } = await testCertificates();
    rig = await startBoard({ profile: 'v1.22.2' });
    await output(rig, JOIN_VISIBLE);
    const result = await run(
      rig,
      `import socket, ssl
s = socket.socket()
s.connect(socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${server!.port})[0][-1])
ssl.wrap_socket(s, cert_reqs=ssl.CERT_REQUIRED, cadata=${pyBytes(sets.get('issued-now')!.caDer)})`,
    );
    expect(result.exception?.type).to.equal('ValueError');
    expect(result.exception?.message).to.equal('CERT_REQUIRED requires server_hostname');
  });

  it('v1.19.1-88 has no cert_reqs: asking for verification is a TypeError', async () => {
    rig = await startBoard({ profile: 'v1.19.1-88' });
    await output(rig, JOIN_VISIBLE);
    const result = await run(
      rig,
      `import socket, ssl
s = socket.socket()
s.connect(socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${server!.port})[0][-1])
ssl.wrap_socket(s, cert_reqs=2)`,
    );
    expect(result.exception?.type).to.equal('TypeError');
  });

  it('ENOMEM when mbedTLS buffers do not fit the heap that is left', async () => {
    rig = await startBoard({ profile: 'v1.24.1', heapBytes: 24_000 });
    await output(rig, JOIN_VISIBLE);
    const result = await run(
      rig,
      `import socket, ssl
s = socket.socket()
s.connect(socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${server!.port})[0][-1])
ssl.wrap_socket(s)`,
    );
    expect(result.exception?.text).to.contain('OSError: [Errno 12] ENOMEM');
  });

  it('gc.mem_free() reports a Pico-sized heap that a TLS socket visibly uses', async () => {
    rig = await startBoard({ profile: 'v1.24.1' });
    await output(rig, JOIN_VISIBLE);
    const out = await output(
      rig,
      `import socket, ssl, gc
gc.collect()
before = gc.mem_free()
s = socket.socket()
s.connect(socket.getaddrinfo(${JSON.stringify(HARNESS_HOST)}, ${server!.port})[0][-1])
t = ssl.wrap_socket(s)
gc.collect()
during = gc.mem_free()
print(before, before - during)`,
    );
    const [before, used] = out.trim().split(' ').map(Number);
    expect(before).to.be.within(100_000, 260_000);
    expect(used).to.be.above(16_384);
  });
});
