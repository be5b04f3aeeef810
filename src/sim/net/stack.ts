import type { BoardContext } from '../hw/context.js';
import type { LinkInfo, NetConfig } from '../hw/link.js';
import { Errno, osError } from '../hw/py-raise.js';
import { DnsResolver, type Resolution } from './dns.js';
import { MAX_TCP_SOCKETS, MAX_UDP_SOCKETS } from './lwip-constants.js';
import type { TcpStream, TcpStreamSink } from './stream.js';
import { TcpConnection, type TcpPeer, type TcpPoll } from './tcp-connection.js';
import { UdpEndpoint, type Datagram } from './udp-endpoint.js';

/** What the network stack needs from the radio model. */
export interface NetRadio {
  /** The STA link with its DHCP lease, or undefined while there is none. */
  link(): LinkInfo | undefined;
  /** A packet went over the air (the radio's idle / power-save timers care). */
  noteTraffic(): void;
  /**
   * Whether lwIP has a DNS server: cyw43_cb_tcpip_init sets one when the STA interface first comes
   * up (then DHCP replaces it) and nothing clears it before a hard reset. Optional: without it the
   * stack assumes one is set once it has seen a link.
   */
  dnsServerSet?(): boolean;
}

export type SocketKind = 'tcp' | 'udp';

export type NetPoll = TcpPoll;

/** How the board's sockets end: the heap sweep of a soft reset closes them, a power cut just stops. */
export type NetShutdown = 'soft-reset' | 'power-loss';

type Entry = { readonly kind: 'tcp'; readonly tcp: TcpConnection } | { readonly kind: 'udp'; readonly udp: UdpEndpoint };

/**
 * The board's lwIP stack (MicroPython extmod/modlwip.c over lib/lwip) as a main-thread model. Every
 * method returns at once; the CPU side polls and waits for `ctx.wake()`. Errors are thrown as the
 * PyRaise modlwip raises. Only the harness address (127.0.0.1, same port) and the mapped ports of
 * the world's services (127.0.0.1, the port the map names) reach real sockets; the NTP server is
 * answered inside the simulator; every other address is a host that refuses TCP or nobody at all.
 */
export class NetStack {
  private readonly sockets = new Map<number, Entry>();
  /** Host connections of a board that lost power: silent until their timer (or dispose) frees them. */
  private readonly vanished = new Set<TcpConnection>();
  private nextId = 1;
  private readonly dns: DnsResolver;
  private readonly lossDraw: () => number;
  /** The address TCP connections are bound to (the last lease seen). */
  private lastLinkAddress: string | undefined;
  private linkWasUp = false;
  private sawLink = false;

  constructor(
    private readonly ctx: BoardContext,
    private readonly config: NetConfig,
    private readonly radio: NetRadio,
  ) {
    this.dns = new DnsResolver(config);
    this.lossDraw = ctx.random('udp-loss');
  }

  /** getaddrinfo: the address (or the negative errno modlwip raises) and how long the lookup takes in board ms. */
  resolve(host: string): Resolution {
    const linkUp = this.refreshLink() !== undefined;
    return this.dns.resolve(host, {
      linkUp,
      dnsServerSet: this.radio.dnsServerSet?.() ?? this.sawLink,
      nowMs: this.ctx.uptimeMs(),
      // The query, then the answer: each is lost with the link's probability.
      exchangeLost: () => this.lost() || this.lost(),
      querySent: () => this.radio.noteTraffic(),
    });
  }

  socket(kind: SocketKind): number {
    this.refreshLink();
    const live = [...this.sockets.values()];
    if (kind === 'tcp') {
      if (live.filter((entry) => entry.kind === 'tcp' && entry.tcp.holdsPcb).length >= MAX_TCP_SOCKETS) throw osError(Errno.ENOMEM);
    } else if (live.filter((entry) => entry.kind === 'udp' && !entry.udp.isClosed).length >= MAX_UDP_SOCKETS) {
      throw osError(Errno.ENOMEM);
    }
    const id = this.nextId++;
    const env = {
      timeScale: this.ctx.timeScale,
      wake: () => this.ctx.wake(),
      noteTraffic: () => this.radio.noteTraffic(),
      linkUp: () => this.refreshLink() !== undefined,
    };
    if (kind === 'tcp') {
      this.sockets.set(id, { kind, tcp: new TcpConnection({ ...env, uptimeMs: () => this.ctx.uptimeMs(), connectGiveUpMs: this.config.tcpConnectTimeoutMs }) });
    } else {
      this.sockets.set(id, { kind, udp: new UdpEndpoint({ ...env, config: this.config, lost: () => this.lost(), hostNowMs: () => Date.now() }) });
    }
    return id;
  }

  /** TCP: start connecting (poll for the outcome). UDP: set the default destination. */
  connect(id: number, address: string, port: number): void {
    const entry = this.entry(id);
    this.refreshLink();
    if (entry.kind === 'udp') {
      entry.udp.connect(address, port);
      return;
    }
    entry.tcp.connect(this.peerAt(address, port));
  }

  poll(id: number): NetPoll {
    const entry = this.entry(id);
    this.refreshLink();
    if (entry.kind === 'tcp') return entry.tcp.poll();
    return { connected: false, connecting: false, readable: entry.udp.readable(), eof: false, writable: !entry.udp.isClosed };
  }

  /** TCP: up to `max` bytes (one received segment at most), empty at EOF, null when nothing has arrived. UDP: the waiting datagram's bytes. */
  recv(id: number, max: number): Uint8Array | null {
    const entry = this.entry(id);
    this.refreshLink();
    if (entry.kind === 'tcp') return entry.tcp.recv(max);
    return entry.udp.recvfrom(max)?.data ?? null;
  }

  /** Bytes accepted: for TCP what TCP_SND_BUF has room for (0 = wait), for UDP the whole datagram. */
  send(id: number, data: Uint8Array): number {
    const entry = this.entry(id);
    this.refreshLink();
    if (entry.kind === 'tcp') return entry.tcp.send(data);
    return entry.udp.send(data);
  }

  sendto(id: number, data: Uint8Array, address: string, port: number): number {
    const entry = this.entry(id);
    this.refreshLink();
    // modlwip lwip_socket_sendto on a TCP socket ignores the address and sends on the connection.
    if (entry.kind === 'tcp') return entry.tcp.send(data);
    return entry.udp.sendto(data, address, port);
  }

  recvfrom(id: number, max: number): Datagram | null {
    const entry = this.entry(id);
    this.refreshLink();
    if (entry.kind === 'tcp') {
      const data = entry.tcp.recv(max);
      return data === null ? null : { data, address: '0.0.0.0', port: 0 };
    }
    return entry.udp.recvfrom(max);
  }

  bind(id: number, address: string, port: number): void {
    const entry = this.entry(id);
    if (entry.kind === 'udp') entry.udp.bind(address, port);
  }

  close(id: number): void {
    const entry = this.sockets.get(id);
    if (entry === undefined) return;
    this.sockets.delete(id);
    if (entry.kind === 'tcp') entry.tcp.close();
    else entry.udp.close();
  }

  /**
   * Every socket ends. `soft-reset` (the default): MicroPython's gc_sweep_all runs each socket's
   * finaliser, which closes it (FIN, or RST with unread data). `power-loss` (power cut, hard reset,
   * watchdog, machine.reset()): nothing more leaves the board.
   */
  closeAll(how: NetShutdown = 'soft-reset'): void {
    for (const [id, entry] of [...this.sockets]) {
      this.sockets.delete(id);
      if (entry.kind === 'udp') entry.udp.close();
      else if (how === 'soft-reset') entry.tcp.close();
      else {
        entry.tcp.vanish();
        this.vanished.add(entry.tcp);
      }
    }
  }

  /** Free every host resource at once (simulator teardown). */
  dispose(): void {
    for (const entry of this.sockets.values()) {
      if (entry.kind === 'udp') entry.udp.close();
      else entry.tcp.dispose();
    }
    this.sockets.clear();
    for (const connection of this.vanished) connection.dispose();
    this.vanished.clear();
  }

  /**
   * The STA interface was removed (active(False), deinit): lwIP's netif_remove aborts every TCP PCB
   * bound to its address (ECONNABORTED).
   */
  interfaceDown(): void {
    this.lastLinkAddress = undefined;
    for (const entry of this.sockets.values()) if (entry.kind === 'tcp') entry.tcp.abort();
  }

  /** The radio's link changed: deliver held traffic, abort connections whose address went away. */
  linkChanged(): void {
    this.refreshLink();
  }

  /** Hand a connected TCP socket's byte stream to another model (the TLS client). */
  claimStream(id: number, sink: TcpStreamSink): TcpStream {
    const entry = this.entry(id);
    if (entry.kind !== 'tcp') throw osError(Errno.EOPNOTSUPP);
    this.refreshLink();
    return entry.tcp.claimStream(sink);
  }

  private entry(id: number): Entry {
    const entry = this.sockets.get(id);
    if (entry === undefined) throw osError(Errno.EBADF);
    return entry;
  }

  /**
   * Who answers a TCP SYN to `address`: the harness host for its address; for a service of the
   * port map its loopback service, or a reset for a port it does not map (a closed port); a reset
   * from the other hosts the world has (the NTP server, the gateway, the DNS server, the board
   * itself); nobody for any other address.
   */
  private peerAt(address: string, port: number): TcpPeer {
    if (address === this.config.harness.address) return { kind: 'host', port };
    const service = this.config.services?.find((candidate) => candidate.address === address);
    if (service !== undefined) {
      const hostPort = service.ports.get(port);
      return hostPort === undefined ? { kind: 'refusing' } : { kind: 'host', port: hostPort };
    }
    const link = this.radio.link();
    const live = [this.config.ntp.address, link?.gateway, link?.dns, link?.address];
    return live.includes(address) ? { kind: 'refusing' } : { kind: 'silent' };
  }

  private lost(): boolean {
    const draw = this.lossDraw();
    const link = this.radio.link();
    return link !== undefined && draw < link.lossProbability;
  }

  /**
   * Model: while the link is down TCP traffic is held (lwIP keeps PCBs across a link loss and
   * retransmits); when the link comes back with the same address it flows again, with another
   * address lwIP aborts the connections bound to the old one (tcp_netif_ip_addr_changed).
   */
  private refreshLink(): LinkInfo | undefined {
    const link = this.radio.link();
    const up = link !== undefined;
    const cameUp = up && !this.linkWasUp;
    const previous = this.lastLinkAddress;
    this.linkWasUp = up;
    if (!up) return link;
    this.sawLink = true;
    this.lastLinkAddress = link.address;
    if (cameUp) {
      const tcp = [...this.sockets.values()].flatMap((entry) => (entry.kind === 'tcp' ? [entry.tcp] : []));
      const moved = previous !== undefined && previous !== link.address;
      for (const connection of tcp) {
        if (moved) connection.abort();
        else connection.linkRestored();
      }
    }
    return link;
  }
}
