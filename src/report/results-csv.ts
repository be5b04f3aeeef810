/**
 * `results.csv`: one row per attempt, for spreadsheets and pandas. RFC 4180: CRLF line ends, a
 * header row, fields quoted when they hold a quote, comma, CR or LF, quotes doubled. Whether the
 * board was simulated is a column (`board`: SIMULATED or real); the file has no comment lines.
 */
import type { AttemptRecord } from '../campaign/types.js';
import { SIMULATED_LABEL } from './run-info.js';

export const RESULTS_CSV_FILE = 'results.csv';

export type BoardKind = 'sim' | 'real';

type Value = string | number | boolean | null | undefined;

interface CsvColumn {
  readonly name: string;
  readonly value: (record: AttemptRecord, board: BoardKind) => Value;
}

/** The exception behind the attempt: the TLS step's when it has one, else the Wi-Fi step's. */
const scriptError = (record: AttemptRecord) => record.tls?.error ?? record.wifi?.error ?? null;

/** cipher() is a string or a tuple such as ('TLS-ECDHE-…', 'TLSv1.2', 256) depending on firmware. */
function cipherText(cipher: unknown): string {
  if (cipher === null || cipher === undefined) return '';
  if (typeof cipher === 'string') return cipher;
  if (Array.isArray(cipher)) return cipher.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return JSON.stringify(cipher);
}

/** The columns, in order. */
export const RESULTS_CSV_COLUMNS: readonly CsvColumn[] = [
  { name: 'seq', value: (r) => r.seq },
  { name: 'cell', value: (r) => r.cell },
  { name: 'iteration', value: (r) => r.iteration },
  { name: 'board', value: (_, board) => (board === 'sim' ? SIMULATED_LABEL : 'real') },
  { name: 'started_at', value: (r) => r.startedAt },
  { name: 'class', value: (r) => r.class },
  { name: 'classes', value: (r) => r.classes.join(' ') },
  { name: 'reset_mode', value: (r) => r.reset?.mode },
  { name: 'reset_verified', value: (r) => r.reset?.verified },
  { name: 'rtc_mode', value: (r) => r.rtc?.mode },
  { name: 'wifi_final_status', value: (r) => r.wifi?.finalStatus },
  { name: 'time_to_ip_ms', value: (r) => r.wifi?.timeToIpMs },
  { name: 'rssi', value: (r) => r.wifi?.rssi },
  { name: 'tls_stage', value: (r) => r.tls?.stage },
  { name: 'error_type', value: (r) => scriptError(r)?.type },
  { name: 'errno', value: (r) => scriptError(r)?.errno },
  { name: 'handshake_ms', value: (r) => r.tls?.handshakeMs },
  { name: 'cipher', value: (r) => cipherText(r.tls?.cipher) },
  { name: 'duration_ms', value: (r) => r.durationMs },
  { name: 'board_ms', value: (r) => r.boardMs },
  { name: 'harness_error', value: (r) => r.harnessError?.code },
  { name: 'transcript', value: (r) => r.transcript },
  { name: 'detail', value: (r) => r.detail },
];

/** One RFC 4180 field. */
export function csvField(value: Value): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const CRLF = '\r\n';

export function resultsCsvHeader(): string {
  return RESULTS_CSV_COLUMNS.map((column) => csvField(column.name)).join(',') + CRLF;
}

/** One attempt's row, ending in CRLF. */
export function resultsCsvRow(record: AttemptRecord, board: BoardKind): string {
  return RESULTS_CSV_COLUMNS.map((column) => csvField(column.value(record, board))).join(',') + CRLF;
}

/** The whole file. For large runs write `resultsCsvHeader()` and then `resultsCsvRow` per record. */
export function formatResultsCsv(records: Iterable<AttemptRecord>, board: BoardKind): string {
  let text = resultsCsvHeader();
  for (const record of records) text += resultsCsvRow(record, board);
  return text;
}
