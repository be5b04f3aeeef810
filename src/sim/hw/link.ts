/** The STA interface's IP link as the network stack sees it (from the radio model). */
export interface LinkInfo {
  /** The board's IPv4 address (DHCP lease). */
  readonly address: string;
  readonly netmask: string;
  readonly gateway: string;
  readonly dns: string;
  /** Chance that one datagram (each direction) is lost on the air; 0 on a clean link. */
  readonly lossProbability: number;
}

/**
 * A world host whose ports lead to services on the host's loopback: TCP/UDP to `address:port`
 * reaches 127.0.0.1:`ports[port]`; its other ports are closed (a TCP SYN is answered with a reset).
 */
export interface NetService {
  /** DNS names that resolve to `address`. */
  readonly names: readonly string[];
  readonly address: string;
  /** Virtual port → host loopback port. */
  readonly ports: ReadonlyMap<number, number>;
}

/**
 * The world's network as the board's lwIP stack reaches it. Every address is virtual: only the
 * harness host (on the host's loopback, same port numbers) and the mapped ports of `services` lead
 * to real sockets; NTP is answered inside the simulator.
 */
export interface NetConfig {
  /** The harness host: TCP/UDP to `address:port` reaches 127.0.0.1:port. `name` resolves to it. */
  readonly harness: { readonly name: string; readonly address: string };
  /** More DNS names → virtual addresses (may point at the harness address, the NTP server, a service, or nowhere). */
  readonly names: Readonly<Record<string, string>>;
  /** Hosts whose ports are mapped to loopback ports (the world's port map); absent = none. */
  readonly services?: readonly NetService[];
  /** The in-world NTP server: UDP port 123 at `address` answers with host time + `offsetMs`. */
  readonly ntp: { readonly names: readonly string[]; readonly address: string; readonly offsetMs: number; readonly replyDelayMs: number };
  /** Board ms a DNS lookup takes before it answers (or fails with OSError(-2)). */
  readonly dnsDelayMs: number;
  /** Board ms a blocking TCP connect to an address that never answers waits before lwIP gives up (ECONNABORTED after its SYN retries). */
  readonly tcpConnectTimeoutMs: number;
}
