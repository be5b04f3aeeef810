import dgram from 'node:dgram';
import type { NetConfig } from '../hw/link.js';
import { Errno, osError } from '../hw/py-raise.js';
import { LWIP_MEM_SIZE } from './lwip-constants.js';
import { NTP_PORT, isNtpClientRequest, ntpReply } from './ntp.js';

/** What a UDP socket needs from the stack around it. */
export interface UdpEnvironment {
  readonly timeScale: number;
  readonly config: NetConfig;
  wake(): void;
  noteTraffic(): void;
  linkUp(): boolean;
  /** One draw from the world's loss stream: this datagram is lost on the air. */
  lost(): boolean;
  /** The host's wall clock, epoch ms (what the world's NTP server reads). */
  hostNowMs(): number;
}

export interface Datagram {
  readonly data: Uint8Array;
  readonly address: string;
  readonly port: number;
}

/** IPv4 + UDP headers lwIP allocates with the payload (pbuf_alloc PBUF_TRANSPORT). */
const UDP_IP_HEADERS = 28 + 14;

/**
 * One lwIP UDP socket. modlwip keeps a single received datagram per socket (one pbuf slot): a
 * datagram that arrives while one is waiting to be read is dropped (_lwip_udp_incoming).
 */
export class UdpEndpoint {
  private slot: Datagram | undefined;
  private host: dgram.Socket | undefined;
  private peer: { address: string; port: number } | undefined;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Loopback port → the virtual (address, port) this socket last sent to there: what a reply from it appears to come from. */
  private readonly repliesFrom = new Map<number, { address: string; port: number }>();

  constructor(private readonly env: UdpEnvironment) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Model: the port is remembered only; the harness sees the board's datagrams come from an ephemeral loopback port. */
  bind(_address: string, _port: number): void {
    this.usable();
  }

  /** udp_connect: the default destination of send(); nothing goes on the air. */
  connect(address: string, port: number): void {
    this.usable();
    this.peer = { address, port };
  }

  send(data: Uint8Array): number {
    this.usable();
    if (this.peer === undefined) throw osError(Errno.ENOTCONN);
    return this.sendto(data, this.peer.address, this.peer.port);
  }

  sendto(data: Uint8Array, address: string, port: number): number {
    this.usable();
    if (data.length + UDP_IP_HEADERS > LWIP_MEM_SIZE) throw osError(Errno.ENOMEM);
    // udp_sendto: no route without a link (ERR_RTE → EHOSTUNREACH).
    if (!this.env.linkUp()) throw osError(Errno.EHOSTUNREACH);
    this.env.noteTraffic();
    if (this.env.lost()) return data.length;
    const { config } = this.env;
    const payload = Uint8Array.from(data);
    const hostPort = this.hostPortOf(address, port);
    if (hostPort !== undefined) {
      this.repliesFrom.set(hostPort, { address, port });
      this.hostSocket().send(payload, hostPort, '127.0.0.1', () => undefined);
    } else if (address === config.ntp.address && port === NTP_PORT && isNtpClientRequest(payload)) {
      this.answerNtp(payload);
    }
    // Anything else (a service's unmapped port too: modlwip ignores ICMP port unreachable) is never answered.
    return data.length;
  }

  /** The waiting datagram (truncated to `max`, the rest is discarded as lwIP frees the pbuf), or null. */
  recvfrom(max: number): Datagram | null {
    this.usable();
    const datagram = this.slot;
    if (datagram === undefined) return null;
    this.slot = undefined;
    return { ...datagram, data: datagram.data.subarray(0, Math.max(0, max)) };
  }

  readable(): number {
    return this.slot?.data.length ?? 0;
  }

  close(): void {
    this.closed = true;
    this.slot = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const host = this.host;
    this.host = undefined;
    if (host !== undefined) {
      try {
        host.close();
      } catch {
        // Already closed.
      }
    }
  }

  private usable(): void {
    if (this.closed) throw osError(Errno.EBADF);
  }

  private hostSocket(): dgram.Socket {
    if (this.host !== undefined) return this.host;
    const socket = dgram.createSocket('udp4');
    socket.on('error', () => undefined);
    socket.on('message', (message, remote) => {
      const from = this.repliesFrom.get(remote.port) ?? { address: this.env.config.harness.address, port: remote.port };
      this.deliver({ data: new Uint8Array(message), ...from });
    });
    socket.bind({ address: '127.0.0.1', port: 0 });
    this.host = socket;
    return socket;
  }

  /** The loopback port a datagram to (address, port) goes to: the harness's same port, a service's mapped port, or none. */
  private hostPortOf(address: string, port: number): number | undefined {
    const { config } = this.env;
    if (address === config.harness.address) return port;
    return config.services?.find((service) => service.address === address)?.ports.get(port);
  }

  private answerNtp(request: Uint8Array): void {
    const { ntp } = this.env.config;
    const receivedAtMs = this.env.hostNowMs() + ntp.offsetMs;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const reply = ntpReply(request, receivedAtMs, this.env.hostNowMs() + ntp.offsetMs);
      this.deliver({ data: reply, address: ntp.address, port: NTP_PORT });
    }, ntp.replyDelayMs / this.env.timeScale);
    this.timers.add(timer);
  }

  private deliver(datagram: Datagram): void {
    if (this.closed || !this.env.linkUp()) return;
    if (this.env.lost()) return;
    this.env.noteTraffic();
    if (this.slot !== undefined) return;
    this.slot = datagram;
    this.env.wake();
  }
}
