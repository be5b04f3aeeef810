import { isIPv4 } from 'node:net';
import { PyRaise, valueError } from '../hw/py-raise.js';

/** The Python type name of a value as it arrives from the prelude (for MicroPython's TypeError texts). */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** mp_obj_get_int: bools are ints; anything else raises TypeError("can't convert X to int"). */
export function pyInt(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new PyRaise('TypeError', [`can't convert ${pyTypeName(value)} to int`]);
}

/** mp_obj_str_get_data / the buffer protocol: str or bytes, as bytes. */
export function pyBytes(value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value);
  throw new PyRaise('TypeError', [`can't convert '${pyTypeName(value)}' object to str implicitly`]);
}

/** mp_obj_is_true for the values the prelude sends. */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (value instanceof Uint8Array || Array.isArray(value)) return value.length > 0;
  return true;
}

/** netutils_parse_ipv4_addr / ipaddr_aton: a dotted IPv4 address or ValueError("invalid arguments"). */
export function pyIpv4(value: unknown): string {
  const text = pyBytes(value).toString('utf8');
  if (!isIPv4(text)) throw valueError('invalid arguments');
  return text;
}

/** ValueError() with no message, as mp_raise_ValueError(NULL) raises it. */
export function bareValueError(): PyRaise {
  return new PyRaise('ValueError', []);
}

/** A contiguous IPv4 netmask for a prefix length (addr4="a.b.c.d/nn"). */
export function netmaskOfPrefix(bits: number): string {
  const mask = bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (mask >>> shift) & 0xff).join('.');
}
