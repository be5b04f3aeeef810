import { startEchoServer, type EchoServer, type EchoServerOptions } from '../../../src/server/index.js';
import { RecordCollector } from './clients.js';
import type { ServerMaterial } from './test-pki.js';

/** Starts servers on 127.0.0.1 and closes every one of them in `closeAll` (call it in afterEach). */
export class ServerPool {
  private readonly servers: EchoServer[] = [];

  async start(material: ServerMaterial & { clientCaPem?: string }, options: Partial<Omit<EchoServerOptions, 'tls'>> = {}): Promise<{ server: EchoServer; records: RecordCollector }> {
    const server = await startEchoServer({
      host: '127.0.0.1',
      ...options,
      tls: { certChainPem: material.certChainPem, keyPem: material.keyPem, clientCaPem: material.clientCaPem },
    });
    this.servers.push(server);
    return { server, records: new RecordCollector(server) };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.servers.splice(0).map((server) => server.close()));
  }
}
