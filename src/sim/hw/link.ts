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
 * The world's network as the board's lwIP stack reaches it. Every address is virtual: only the
 * harness host maps to real sockets (on the host's loopback, same port numbers); NTP is answered
 * inside the simulator.
 */
export interface NetConfig {
  /** The harness host: TCP/UDP to `address:port` reaches 127.0.0.1:port. `name` resolves to it. */
  readonly harness: { readonly name: string; readonly address: string };
  /** More DNS names → virtual addresses (may point at the harness address, the NTP server, or nowhere). */
  readonly names: Readonly<Record<string, string>>;
  /** The in-world NTP server: UDP port 123 at `address` answers with host time + `offsetMs`. */
  readonly ntp: { readonly names: readonly string[]; readonly address: string; readonly offsetMs: number; readonly replyDelayMs: number };
  /** Board ms a DNS lookup takes before it answers (or fails with OSError(-2)). */
  readonly dnsDelayMs: number;
  /** Board ms a blocking TCP connect to an address that never answers waits before lwIP gives up (ECONNABORTED after its SYN retries). */
  readonly tcpConnectTimeoutMs: number;
}
