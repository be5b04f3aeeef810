import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { UsageError } from '../errors.js';

/**
 * The DNS name every leaf carries (also its CN) and that probes pass as `server_hostname`:
 * MicroPython ≤ v1.22 (mbedTLS 2.28) cannot match an IP-address SAN, so a name always works.
 */
export const DEFAULT_DNS_NAME = 'picow-harness.local';

/** The name the wrong-host leaf is issued for instead. */
export const WRONG_HOST_DNS_NAME = 'not-picow-harness.example';

/** A subjectAltName entry. */
export interface SanEntry {
  readonly type: 'dns' | 'ip';
  readonly value: string;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DNS_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);

/** A DNS name, lower-cased, or a UsageError naming the option. */
export function parseDnsName(value: string, option: string): string {
  const name = value.trim().toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253 || !DNS_NAME.test(name)) {
    throw new UsageError(`${option}: ${JSON.stringify(value)} is not a DNS name`);
  }
  return name;
}

/** An IPv4 or IPv6 address in its canonical text form, or a UsageError naming the option. */
export function parseIpAddress(value: string, option: string): string {
  const text = value.trim();
  if (isIP(text) === 0) throw new UsageError(`${option}: ${JSON.stringify(value)} is not an IP address`);
  return isIP(text) === 6 ? text.toLowerCase() : text;
}

/** `--san NAME|IP`: an IP address when it parses as one, otherwise a DNS name. */
export function parseSan(value: string, option = '--san'): SanEntry {
  const text = value.trim();
  return isIP(text) === 0 ? { type: 'dns', value: parseDnsName(text, option) } : { type: 'ip', value: parseIpAddress(text, option) };
}

/** `DNS:name` / `IP:address`, the way OpenSSL prints SANs and the manifest lists them. */
export function formatSan(entry: SanEntry): string {
  return `${entry.type === 'dns' ? 'DNS' : 'IP'}:${entry.value}`;
}

/** The host's non-internal IPv4 addresses, interface order, without duplicates. */
export function hostIpv4Addresses(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const found: string[] = [];
  for (const addresses of Object.values(interfaces)) {
    for (const address of addresses ?? []) {
      // Node 18.0–18.3 reported family as a number.
      const family = String(address.family);
      if ((family === 'IPv4' || family === '4') && !address.internal && !found.includes(address.address)) found.push(address.address);
    }
  }
  return found;
}

/** Entries without duplicates, first occurrence kept. */
export function uniqueSans(entries: readonly SanEntry[]): SanEntry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const key = formatSan(entry);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
