/**
 * IPv4 text as lwIP's ip4addr_aton reads it (inet_aton rules): one to four parts separated by dots,
 * each decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes
 * ("10.1" = 10.0.0.1). getaddrinfo answers such a name at once, without a DNS query.
 */
const PART = /^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$/;

function partValue(text: string): number | undefined {
  if (!PART.test(text)) return undefined;
  if (/^0[xX]/.test(text)) return text.length === 2 ? 0 : parseInt(text.slice(2), 16);
  if (text.startsWith('0')) return text.length === 1 ? 0 : parseInt(text.slice(1), 8);
  return parseInt(text, 10);
}

/** The dotted-quad form of `text` if lwIP takes it as an address literal, else undefined. */
export function parseIpv4Literal(text: string): string | undefined {
  // lwIP stops at the first whitespace and ignores the rest.
  const trimmed = text.replace(/\s.*$/s, '');
  if (trimmed === '') return undefined;
  const parts = trimmed.split('.');
  if (parts.length > 4) return undefined;
  const values = parts.map(partValue);
  if (values.some((value) => value === undefined || !Number.isSafeInteger(value))) return undefined;
  const numbers = values as number[];
  const last = numbers[numbers.length - 1] as number;
  const leading = numbers.slice(0, -1);
  if (leading.some((value) => value > 0xff)) return undefined;
  const lastBits = 8 * (4 - leading.length);
  if (last >= 2 ** lastBits) return undefined;
  let value = last;
  leading.forEach((part, index) => {
    value += part * 2 ** (8 * (3 - index));
  });
  return formatIpv4(value);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
