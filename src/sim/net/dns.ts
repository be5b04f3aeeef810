import type { NetConfig } from '../hw/link.js';
import { parseIpv4Literal } from './ipv4.js';
import {
  DNS_ANSWER_TTL_MS,
  DNS_ATTEMPT_OFFSETS_MS,
  DNS_GIVE_UP_MS,
  DNS_MAX_NAME_LENGTH,
  DNS_NAME_NOT_FOUND,
  DNS_TABLE_SIZE,
  LWIP_ERR_ARG,
  LWIP_ERR_VAL,
} from './lwip-constants.js';

/** What getaddrinfo gets, after `delayMs` board ms: an address, or the (negative) number it raises as OSError. */
export interface Resolution {
  readonly address?: string;
  readonly errno?: number;
  readonly delayMs: number;
}

/** The state of the board's network a lookup depends on. */
export interface LookupConditions {
  /** The STA link is up (the query can leave the board). */
  readonly linkUp: boolean;
  /** lwIP has a DNS server: set when the STA interface first came up, kept until hard reset. */
  readonly dnsServerSet: boolean;
  /** Board ms now (cache ageing). */
  readonly nowMs: number;
  /** Whether one query/answer exchange is lost on the air (drawn per attempt by the caller). */
  exchangeLost(): boolean;
  /** A query went out on the air. */
  querySent(): void;
}

interface CacheEntry {
  readonly address: string;
  readonly expiresAtMs: number;
  lastUsedMs: number;
}

/**
 * lwIP's resolver as modlwip's getaddrinfo drives it (lwIP dns.c dns_gethostbyname_addrtype):
 * address literals answer at once; then the answer cache; `.local` names go to multicast DNS, other
 * names need a DNS server (none yet → ERR_VAL, OSError(-6) at once). A query the world knows is
 * answered `dnsDelayMs` after it is sent, an unknown name gets NXDOMAIN (OSError(-2)) after the same
 * delay; an unknown `.local` name is never answered (OSError(-2) when lwIP gives up). Lost queries or
 * answers are retried on lwIP's schedule.
 */
export class DnsResolver {
  private readonly names = new Map<string, string>();
  private readonly cache = new Map<string, CacheEntry>();

  constructor(private readonly config: NetConfig) {
    for (const name of config.ntp.names) this.names.set(name.toLowerCase(), config.ntp.address);
    for (const service of config.services ?? []) for (const name of service.names) this.names.set(name.toLowerCase(), service.address);
    for (const [name, address] of Object.entries(config.names)) this.names.set(name.toLowerCase(), address);
    this.names.set(config.harness.name.toLowerCase(), config.harness.address);
  }

  resolve(host: string, conditions: LookupConditions): Resolution {
    const name = host.endsWith('.') ? host.slice(0, -1) : host;
    if (host === '' || name.length >= DNS_MAX_NAME_LENGTH) return { errno: LWIP_ERR_ARG, delayMs: 0 };
    const literal = parseIpv4Literal(host);
    if (literal !== undefined) return { address: literal, delayMs: 0 };
    const key = name.toLowerCase();
    const cached = this.cached(key, conditions.nowMs);
    if (cached !== undefined) return { address: cached, delayMs: 0 };
    const multicast = key.endsWith('.local');
    if (!multicast && !conditions.dnsServerSet) return { errno: LWIP_ERR_VAL, delayMs: 0 };
    const known = this.names.get(key);
    // Model: `.local` names the world lists are answered like unicast names (the harness host's mDNS responder).
    if (!conditions.linkUp || (multicast && known === undefined)) return { errno: DNS_NAME_NOT_FOUND, delayMs: DNS_GIVE_UP_MS };
    const delayMs = this.firstAnsweredAttempt(conditions);
    if (delayMs === undefined) return { errno: DNS_NAME_NOT_FOUND, delayMs: DNS_GIVE_UP_MS };
    if (known === undefined) return { errno: DNS_NAME_NOT_FOUND, delayMs };
    this.remember(key, known, conditions.nowMs + delayMs);
    return { address: known, delayMs };
  }

  /** Forget every answer (lwIP's table is in RAM: a hard reset empties it). */
  clear(): void {
    this.cache.clear();
  }

  private firstAnsweredAttempt(conditions: LookupConditions): number | undefined {
    for (const offset of DNS_ATTEMPT_OFFSETS_MS) {
      conditions.querySent();
      if (!conditions.exchangeLost()) return offset + this.config.dnsDelayMs;
    }
    return undefined;
  }

  private cached(key: string, nowMs: number): string | undefined {
    const entry = this.cache.get(key);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.cache.delete(key);
      return undefined;
    }
    entry.lastUsedMs = nowMs;
    return entry.address;
  }

  private remember(key: string, address: string, answeredAtMs: number): void {
    if (!this.cache.has(key) && this.cache.size >= DNS_TABLE_SIZE) {
      let oldest: [string, CacheEntry] | undefined;
      for (const candidate of this.cache) if (oldest === undefined || candidate[1].lastUsedMs < oldest[1].lastUsedMs) oldest = candidate;
      if (oldest !== undefined) this.cache.delete(oldest[0]);
    }
    this.cache.set(key, { address, expiresAtMs: answeredAtMs + DNS_ANSWER_TTL_MS, lastUsedMs: answeredAtMs });
  }
}
