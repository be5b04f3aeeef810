import { UsageError } from '../errors.js';
import { findProfile } from '../sim/profiles.js';

/** Where the board is, as the user named it with `--port` or `PICOW_PORT`. */
export type PortSpec =
  /** The one MicroPython board on USB. */
  | { readonly kind: 'auto' }
  /** A device path: `/dev/ttyACM0`, `/dev/serial/by-id/…`, a PTY, `COM3`. */
  | { readonly kind: 'path'; readonly path: string }
  /** A board by USB serial number (stored lowercase; compared case-insensitively). */
  | { readonly kind: 'serial-number'; readonly serialNumber: string }
  /** An in-process simulated board; `profile` undefined means "from --profile or the world". */
  | { readonly kind: 'sim'; readonly profile: string | undefined }
  /** Raw TCP to a serial server (ser2net raw mode, `picow-harness sim --tcp`). */
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  /** A serial port behind an RFC 2217 server (ser2net `telnet(rfc2217)`, `picow-harness sim --rfc2217`). */
  | { readonly kind: 'rfc2217'; readonly host: string; readonly port: number };

export const PORT_ENV = 'PICOW_PORT';

const FORMS = 'auto, a device path (/dev/ttyACM0), id:SERIAL, sim[:PROFILE], tcp://host:port or rfc2217://host:port';

function bad(value: string, problem: string): UsageError {
  return new UsageError(`--port ${JSON.stringify(value)}: ${problem}`, { port: value });
}

function looksLikePath(value: string): boolean {
  return value.startsWith('/') || value.startsWith('./') || value.startsWith('../') || /^COM\d+$/i.test(value) || /^\\\\\.\\/.test(value);
}

function parseSerialNumber(value: string, serial: string): PortSpec {
  if (serial === '') throw bad(value, 'id: needs the USB serial number, e.g. id:e6614c311b7e6a35');
  if (!/^[\x21-\x7e]+$/.test(serial)) throw bad(value, 'a USB serial number is printable ASCII without spaces');
  return { kind: 'serial-number', serialNumber: serial.toLowerCase() };
}

function parseSim(value: string, profile: string): PortSpec {
  if (profile === '') throw bad(value, 'sim: needs a firmware profile after the colon, or use plain sim');
  try {
    return { kind: 'sim', profile: findProfile(profile).name };
  } catch (error) {
    throw bad(value, (error as Error).message);
  }
}

function parseNetwork(value: string, scheme: 'tcp' | 'rfc2217'): PortSpec {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(value, `not a valid ${scheme}://host:port address`);
  }
  if (url.username !== '' || url.password !== '') throw bad(value, `${scheme}:// addresses take no user name or password`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw bad(value, `${scheme}:// addresses are host:port only (no path, query or fragment)`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw bad(value, `${scheme}:// needs a host, e.g. ${scheme}://127.0.0.1:2217`);
  if (url.port === '') throw bad(value, `${scheme}:// needs a port number, e.g. ${scheme}://127.0.0.1:2217`);
  return { kind: scheme, host, port: Number(url.port) };
}

/**
 * Parse `--port`. Without a value, `PICOW_PORT` from `env` applies, then `auto`.
 * Throws a one-line `UsageError` naming the problem.
 */
export function parsePortSpec(value: string | undefined, env: NodeJS.ProcessEnv = process.env): PortSpec {
  const raw = value ?? env[PORT_ENV] ?? 'auto';
  const text = raw.trim();
  if (text === '') throw bad(raw, `empty; use ${FORMS}`);
  if (text === 'auto') return { kind: 'auto' };
  if (text === 'sim') return { kind: 'sim', profile: undefined };
  if (text.startsWith('sim:')) return parseSim(text, text.slice('sim:'.length));
  if (text.startsWith('id:')) return parseSerialNumber(text, text.slice('id:'.length));
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'tcp' || scheme === 'rfc2217') return parseNetwork(text, scheme);
  if (scheme !== undefined) throw bad(text, `unknown scheme ${scheme}://; use ${FORMS}`);
  if (looksLikePath(text)) return { kind: 'path', path: text };
  if (/^(tty|cu\.)/.test(text)) throw bad(text, `not a port; did you mean /dev/${text}?`);
  throw bad(text, `not a port; use ${FORMS}`);
}

/** The spec written back the way the user would type it. */
export function formatPortSpec(spec: PortSpec): string {
  switch (spec.kind) {
    case 'auto':
      return 'auto';
    case 'path':
      return spec.path;
    case 'serial-number':
      return `id:${spec.serialNumber}`;
    case 'sim':
      return spec.profile === undefined ? 'sim' : `sim:${spec.profile}`;
    case 'tcp':
    case 'rfc2217':
      return `${spec.kind}://${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
  }
}
