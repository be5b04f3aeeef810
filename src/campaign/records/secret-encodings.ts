/**
 * The forms a secret takes on its way into a file or a message: as typed, escaped for JSON or a
 * Python literal (the harness sends `ARGS = json.loads('…')`, so both at once), percent-encoded,
 * and, for its bytes, hex, base64 at each of the three alignments it can sit at inside a larger
 * blob (a key inside a DER/PEM file, a password inside `user:pass`), a Python bytes repr, the
 * harness's own escaped-bytes form (error messages), and decimal byte lists (`Buffer` as JSON,
 * `list(b)` in Python). The redactor and the canary scanner both match all of them.
 */

/** One encoding of one secret: matched as `text` in strings and as `bytes` in byte buffers. */
export interface SecretVariant {
  /** e.g. `raw`, `json`, `py-repr(json)`, `hex`, `base64+1`. */
  readonly encoding: string;
  readonly text: string;
  readonly bytes: Uint8Array;
}

/** Base64 fragments shorter than this would match ordinary text by chance; they are not used. */
export const MIN_BASE64_FRAGMENT = 6;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

function decodesAsUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}

// ---- textual escapes (a string in, the body of a quoted literal out) ----

function jsonBody(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** Python's `json.dumps` default (`ensure_ascii`): every non-ASCII code unit as `\uxxxx`. */
function jsonAsciiBody(text: string): string {
  // Without the `u` flag the class matches single UTF-16 units, so astral characters become surrogate pairs as Python writes them.
  return jsonBody(text).replace(/[^\x00-\x7e]/g, (unit) => `\\u${hex4(unit.charCodeAt(0))}`);
}

/** Python `repr(str)` body: `\\`, the quote, `\n` `\r` `\t`, other controls as `\xNN`; non-ASCII kept. */
function pythonReprBody(text: string, quote: "'" | '"'): string {
  let out = '';
  for (const char of text) {
    const unit = char.codePointAt(0) as number;
    if (char === '\\' || char === quote) out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (unit < 0x20 || unit === 0x7f) out += `\\x${hex2(unit)}`;
    else out += char;
  }
  return out;
}

/** A printable-ASCII Python literal body: non-ASCII as `\uXXXX`/`\UXXXXXXXX`, controls as `\xNN` (script-args' form). */
function pythonAsciiBody(text: string): string {
  let out = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0) as number;
    if (char === '\\' || char === "'") out += `\\${char}`;
    else if (codePoint >= 0x20 && codePoint < 0x7f) out += char;
    else if (codePoint < 0x20 || codePoint === 0x7f) out += `\\x${hex2(codePoint)}`;
    else if (codePoint <= 0xffff) out += `\\u${hex4(codePoint)}`;
    else out += `\\U${codePoint.toString(16).padStart(8, '0')}`;
  }
  return out;
}

function percentBody(text: string): string | undefined {
  try {
    return encodeURIComponent(text);
  } catch {
    return undefined; // a lone surrogate cannot be percent-encoded
  }
}

const TEXT_ESCAPES: readonly { readonly name: string; readonly apply: (text: string) => string | undefined }[] = [
  { name: 'json', apply: jsonBody },
  { name: 'json-ascii', apply: jsonAsciiBody },
  { name: 'py-repr', apply: (text) => pythonReprBody(text, "'") },
  { name: 'py-repr-dq', apply: (text) => pythonReprBody(text, '"') },
  { name: 'py-ascii', apply: pythonAsciiBody },
  { name: 'percent', apply: percentBody },
];

// ---- byte encodings (bytes in, ASCII text out) ----

function hexOf(bytes: Uint8Array, separator: string): string {
  return Array.from(bytes, hex2).join(separator);
}

/** The base64 characters that depend only on `bytes` when it starts `shift` bytes into a 3-byte group. */
function base64Fragment(bytes: Uint8Array, shift: number): string {
  const shifted = new Uint8Array(shift + bytes.length);
  shifted.set(bytes, shift);
  const encoded = Buffer.from(shifted).toString('base64');
  const firstChar = Math.ceil((8 * shift) / 6);
  const endChar = Math.floor((8 * (shift + bytes.length)) / 6);
  return encoded.slice(firstChar, endChar);
}

function toBase64Url(text: string): string {
  return text.replace(/\+/g, '-').replace(/\//g, '_');
}

/** Python `repr(bytes)` body. */
function pythonBytesBody(bytes: Uint8Array, quote: "'" | '"'): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === quote.charCodeAt(0)) out += `\\${quote}`;
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${hex2(byte)}`;
  }
  return out;
}

/** The form `escapeBytes` in src/util/bytes.ts gives (used in "last bytes seen" error texts). */
function harnessEscapedBody(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x0d) out += '\\r';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += `\\x${hex2(byte)}`;
  }
  return out;
}

function percentBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.!~*'()]/.test(char) ? char : `%${hex2(byte).toUpperCase()}`;
  }
  return out;
}

function byteEncodings(bytes: Uint8Array): { encoding: string; text: string }[] {
  const forms: { encoding: string; text: string }[] = [
    { encoding: 'hex', text: hexOf(bytes, '') },
    { encoding: 'HEX', text: hexOf(bytes, '').toUpperCase() },
    { encoding: 'hex-spaced', text: hexOf(bytes, ' ') },
    { encoding: 'hex-colons', text: hexOf(bytes, ':') },
    { encoding: 'HEX-colons', text: hexOf(bytes, ':').toUpperCase() },
    { encoding: 'base64', text: Buffer.from(bytes).toString('base64') },
    { encoding: 'py-bytes', text: pythonBytesBody(bytes, "'") },
    { encoding: 'py-bytes-dq', text: pythonBytesBody(bytes, '"') },
    { encoding: 'escaped-bytes', text: harnessEscapedBody(bytes) },
    { encoding: 'decimal-list', text: Array.from(bytes).join(',') },
    { encoding: 'decimal-list-spaced', text: Array.from(bytes).join(', ') },
    { encoding: 'percent-bytes', text: percentBytes(bytes) },
  ];
  for (const shift of [0, 1, 2]) {
    const fragment = base64Fragment(bytes, shift);
    if (fragment.length < MIN_BASE64_FRAGMENT) continue;
    forms.push({ encoding: `base64+${shift}`, text: fragment });
    forms.push({ encoding: `base64url+${shift}`, text: toBase64Url(fragment) });
  }
  return forms;
}

/** True for encodings whose text is base64 (may be wrapped across lines where it is written). */
export function isBase64Encoding(encoding: string): boolean {
  return encoding.startsWith('base64');
}

/**
 * Every form of `secret` worth matching, deduplicated by text. A string secret is matched as text
 * and as its UTF-8 bytes; a byte secret (key material) as its bytes and as the text those bytes
 * become when decoded as Latin-1 or (when valid) UTF-8.
 */
export function secretVariants(secret: string | Uint8Array): SecretVariant[] {
  const bytes = typeof secret === 'string' ? encoder.encode(secret) : secret;
  const textForms: { encoding: string; text: string }[] = [];
  if (typeof secret === 'string') {
    textForms.push({ encoding: 'raw', text: secret });
    const mojibake = latin1(bytes);
    if (mojibake !== secret) textForms.push({ encoding: 'utf8-as-latin1', text: mojibake });
  } else {
    textForms.push({ encoding: 'raw', text: latin1(bytes) });
    const decoded = decodesAsUtf8(bytes);
    if (decoded !== undefined) textForms.push({ encoding: 'raw-utf8', text: decoded });
  }

  const variants = new Map<string, SecretVariant>();
  const add = (encoding: string, text: string, variantBytes?: Uint8Array): void => {
    if (text.length === 0 || variants.has(text)) return;
    variants.set(text, { encoding, text, bytes: variantBytes ?? encoder.encode(text) });
  };
  // The raw form's bytes are the secret's bytes themselves (for key material: not Latin-1 re-encoded).
  add('raw', (textForms[0] as { text: string }).text, bytes);
  for (const form of textForms) {
    add(form.encoding, form.text);
    for (const inner of TEXT_ESCAPES) {
      const once = inner.apply(form.text);
      if (once === undefined) continue;
      const onceName = form.encoding === 'raw' ? inner.name : `${inner.name}(${form.encoding})`;
      add(onceName, once);
      for (const outer of TEXT_ESCAPES) {
        const twice = outer.apply(once);
        if (twice !== undefined) add(`${outer.name}(${onceName})`, twice);
      }
    }
  }
  for (const form of byteEncodings(bytes)) add(form.encoding, form.text);
  return [...variants.values()];
}
