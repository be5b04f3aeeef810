import { spawnSync } from 'node:child_process';
import type { AttemptRecord, TlsProbeResult, WifiConnectResult } from '../../src/campaign/types.js';
import type { RunInfo } from '../../src/report/run-info.js';
import type { PlannedCell } from '../../src/results/tally.js';

export const SIM_RUN: RunInfo = {
  runId: '20250102-030405-sim',
  board: {
    kind: 'sim',
    sim: { worldHash: '3f2a9c1e04b7d5a6c8e9f00112233445566778899aabbccddeeff00112233445', seed: 42, timeScale: 20 },
    serialNumber: 'e6614c311b7a8c2d',
    firmware: 'v1.24.1',
  },
  startedAt: '2025-01-02T03:04:05.678Z',
  finishedAt: '2025-01-02T03:09:00.000Z',
};

export const REAL_RUN: RunInfo = {
  runId: '20250102-real',
  board: { kind: 'real', sim: null, serialNumber: 'e66130100f5b2a2f', firmware: 'v1.22.2' },
  startedAt: '2025-01-02T10:00:00.000Z',
  finishedAt: null,
};

export function wifiResult(overrides: Partial<WifiConnectResult> = {}): WifiConnectResult {
  return {
    kind: 'result',
    script: 'wifi_connect',
    mode: 'fresh',
    ssid: 'picow-lab',
    linkUpBefore: false,
    statusBefore: 0,
    timeline: [[0, 1], [1200, 2], [2400, 3]],
    timeToIpMs: 2400,
    finalStatus: 3,
    rssi: -51,
    ifconfig: ['192.168.4.20', '255.255.255.0', '192.168.4.1', '192.168.4.1'],
    firstNegative: null,
    recovered: false,
    timeoutMs: 15000,
    pm: 0xa11142,
    country: 'XX',
    error: null,
    ...overrides,
  };
}

export function tlsResult(overrides: Partial<TlsProbeResult> = {}): TlsProbeResult {
  return {
    kind: 'result',
    script: 'tls_probe',
    api: 'SSLContext',
    apiAvailable: true,
    verifyMode: 'CERT_REQUIRED',
    verifyModeValue: 2,
    host: 'picow-harness.local',
    port: 8443,
    serverHostname: 'picow-harness.local',
    correlationId: 'c-1',
    stage: 'done',
    rtcAtStart: [2025, 1, 2, 3, 3, 4, 5, 0],
    rtcAtFailure: null,
    memFreeBefore: 150000,
    memFreeAtEnd: 140000,
    handshakeMs: 850,
    cipher: ['TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256', 'TLSv1.2'],
    echoOk: true,
    echoMismatchAt: null,
    error: null,
    ...overrides,
  };
}

/** A TLS attempt that ended `cls` (tls.ok by default). */
export function attempt(fields: Partial<AttemptRecord> & Pick<AttemptRecord, 'seq' | 'cell' | 'iteration'>): AttemptRecord {
  const cls = fields.class ?? 'tls.ok';
  return {
    v: 1,
    runId: SIM_RUN.runId,
    startedAt: `2025-01-02T03:04:${String(10 + (fields.seq % 50)).padStart(2, '0')}.000Z`,
    durationMs: 4000,
    boardMs: 3500,
    reset: { mode: 'hard', verified: true, evidence: { resetCause: 'WDT_RESET' }, escalations: [], durationMs: 1500 },
    rtc: { mode: 'cold', before: null, after: null },
    wifi: wifiResult(),
    tls: tlsResult(cls === 'tls.ok' ? {} : { stage: 'handshake', handshakeMs: null, echoOk: null, cipher: null }),
    server: null,
    class: cls,
    classes: cls.startsWith('tls.') ? ['wifi.ok', cls] : [cls],
    detail: cls === 'tls.ok' ? 'echo ok' : `failed: ${cls}`,
    transcript: `transcripts/${String(fields.seq).padStart(5, '0')}.txt`,
    harnessError: null,
    ...fields,
  };
}

export const plan = (id: string, iterations: number, okClass = 'tls.ok'): PlannedCell => ({ id, iterations, okClass });

/** Strip ANSI SGR sequences. */
export const plain = (text: string): string => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

// ---------------------------------------------------------------- CSV

/** A strict RFC 4180 parser: CRLF records, quoted fields with doubled quotes; throws on anything else. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let index = 0;
  if (!text.endsWith('\r\n')) throw new Error('CSV does not end with CRLF');
  while (index < text.length) {
    let field = '';
    if (text[index] === '"') {
      index += 1;
      for (;;) {
        if (index >= text.length) throw new Error('unterminated quoted field');
        const char = text[index] as string;
        if (char === '"') {
          if (text[index + 1] === '"') {
            field += '"';
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        field += char;
        index += 1;
      }
    } else {
      while (index < text.length && text[index] !== ',' && text[index] !== '\r') {
        const char = text[index] as string;
        if (char === '"' || char === '\n') throw new Error(`bare ${JSON.stringify(char)} in an unquoted field at ${index}`);
        field += char;
        index += 1;
      }
    }
    row.push(field);
    if (text[index] === ',') {
      index += 1;
    } else if (text.startsWith('\r\n', index)) {
      index += 2;
      rows.push(row);
      row = [];
    } else {
      throw new Error(`unexpected ${JSON.stringify(text[index])} after a field at ${index}`);
    }
  }
  return rows;
}

// ---------------------------------------------------------------- XML

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly (XmlElement | string)[];
}

const NAME = /[A-Za-z_:][A-Za-z0-9._:-]*/y;
const isXmlChar = (code: number): boolean =>
  code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);

/**
 * A strict XML 1.0 well-formedness check for what the reports write (declaration, elements,
 * attributes, text, character and the five entity references, comments, CDATA); throws naming the
 * offset, else returns the document element.
 */
export function parseXml(source: string): XmlElement {
  // XML 1.0 §2.11: a parser sees every literal CRLF or CR as LF.
  const text = source.replace(/\r\n?/g, '\n');
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (!isXmlChar(code)) throw new Error(`character U+${code.toString(16)} is not allowed in XML`);
  }
  let index = 0;
  const fail = (problem: string): never => {
    throw new Error(`${problem} at offset ${index}: ${JSON.stringify(text.slice(index, index + 30))}`);
  };
  const skipSpace = (): void => {
    while (/[ \t\r\n]/.test(text[index] ?? '')) index += 1;
  };
  const name = (): string => {
    NAME.lastIndex = index;
    const match = NAME.exec(text);
    if (match === null) return fail('expected a name');
    index += match[0].length;
    return match[0];
  };
  const reference = (): string => {
    const match = /^&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));/.exec(text.slice(index, index + 12));
    if (match === null) return fail('bad reference');
    index += match[0].length;
    if (match[1] !== undefined) return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[match[1]] as string;
    const code = match[2] !== undefined ? Number(match[2]) : parseInt(match[3] as string, 16);
    if (!isXmlChar(code)) fail(`reference to a character XML does not allow (${code})`);
    return String.fromCodePoint(code);
  };
  const comment = (): void => {
    const end = text.indexOf('-->', index + 4);
    if (end < 0 || text.slice(index + 4, end).includes('--')) fail('bad comment');
    index = end + 3;
  };
  const element = (): XmlElement => {
    if (text[index] !== '<') fail('expected <');
    index += 1;
    const tag = name();
    const attributes: Record<string, string> = {};
    for (;;) {
      const before = index;
      skipSpace();
      if (text.startsWith('/>', index)) {
        index += 2;
        return { name: tag, attributes, children: [] };
      }
      if (text[index] === '>') {
        index += 1;
        break;
      }
      if (index === before) fail('expected whitespace before an attribute');
      const attribute = name();
      skipSpace();
      if (text[index] !== '=') fail('expected =');
      index += 1;
      skipSpace();
      const quote = text[index];
      if (quote !== '"' && quote !== "'") return fail('expected a quoted attribute value');
      index += 1;
      let value = '';
      while (text[index] !== quote) {
        const char = text[index];
        if (char === undefined) fail('unterminated attribute');
        if (char === '<') fail('< in an attribute value');
        if (char === '&') value += reference();
        else {
          // Attribute-value normalisation: literal whitespace becomes a space.
          value += /[\t\r\n]/.test(char as string) ? ' ' : char;
          index += 1;
        }
      }
      index += 1;
      if (attribute in attributes) fail(`duplicate attribute ${attribute}`);
      attributes[attribute] = value;
    }
    const children: (XmlElement | string)[] = [];
    let buffer = '';
    const flush = (): void => {
      if (buffer !== '') children.push(buffer);
      buffer = '';
    };
    for (;;) {
      if (index >= text.length) fail(`unclosed <${tag}>`);
      if (text.startsWith('</', index)) {
        index += 2;
        const closing = name();
        if (closing !== tag) fail(`</${closing}> closes <${tag}>`);
        skipSpace();
        if (text[index] !== '>') fail('expected >');
        index += 1;
        flush();
        return { name: tag, attributes, children };
      }
      if (text.startsWith('<!--', index)) comment();
      else if (text.startsWith('<![CDATA[', index)) {
        const end = text.indexOf(']]>', index);
        if (end < 0) fail('unterminated CDATA');
        buffer += text.slice(index + 9, end);
        index = end + 3;
      } else if (text[index] === '<') {
        flush();
        children.push(element());
      } else if (text[index] === '&') buffer += reference();
      else {
        if (text.startsWith(']]>', index)) fail(']]> in text');
        buffer += text[index];
        index += 1;
      }
    }
  };
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end < 0 || !/^<\?xml version="1\.0"( encoding="UTF-8")?\?>$/.test(text.slice(0, end + 2))) fail('bad XML declaration');
    index = end + 2;
  }
  skipSpace();
  while (text.startsWith('<!--', index)) {
    comment();
    skipSpace();
  }
  const root = element();
  skipSpace();
  if (index !== text.length) fail('content after the document element');
  return root;
}

export const childElements = (element: XmlElement, name?: string): XmlElement[] =>
  element.children.filter((child): child is XmlElement => typeof child !== 'string' && (name === undefined || child.name === name));

export const textContent = (element: XmlElement): string =>
  element.children.map((child) => (typeof child === 'string' ? child : textContent(child))).join('');

/** Parses `xml` with Python's expat, an independent conforming parser; null when python3 is not installed. */
export function expatError(xml: string): string | null | undefined {
  const result = spawnSync(
    'python3',
    ['-c', 'import sys, xml.parsers.expat\np = xml.parsers.expat.ParserCreate()\ntry:\n    p.Parse(sys.stdin.buffer.read(), True)\nexcept xml.parsers.expat.ExpatError as e:\n    print(e)\n    sys.exit(1)\n'],
    { input: Buffer.from(xml, 'utf8'), encoding: 'utf8', timeout: 10_000 },
  );
  if (result.error !== undefined) return undefined;
  return result.status === 0 ? null : `${result.stdout}${result.stderr}`.trim();
}
