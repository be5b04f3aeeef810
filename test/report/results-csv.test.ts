import { expect } from 'chai';
import { csvField, formatResultsCsv, RESULTS_CSV_COLUMNS, resultsCsvHeader, resultsCsvRow } from '../../src/report/results-csv.js';
import { attempt, parseCsv, tlsResult, wifiResult } from './support.js';

const awkward = 'says "hi", then\r\nbreaks, and "quotes"\nagain';

const records = [
  attempt({
    seq: 0,
    cell: 'cold,valid',
    iteration: 1,
    class: 'tls.verify.future',
    detail: awkward,
    tls: tlsResult({
      stage: 'handshake',
      handshakeMs: null,
      cipher: null,
      error: { type: 'OSError', args: [-29312], errno: -29312, text: '(-29312, "MBEDTLS_ERR_SSL_CONN_EOF")' },
    }),
  }),
  attempt({ seq: 1, cell: 'hard "x"', iteration: 1, boardMs: null, transcript: null }),
  attempt({
    seq: 2,
    cell: 'wifi',
    iteration: 1,
    class: 'wifi.connect-fail',
    tls: null,
    reset: null,
    rtc: null,
    wifi: wifiResult({ timeToIpMs: null, rssi: null, finalStatus: -1, error: null }),
    harnessError: { code: 'TRANSPORT_LOST', message: 'port vanished' },
  }),
];

const column = (rows: string[][], name: string, row: number): string => {
  const index = rows[0]?.indexOf(name) ?? -1;
  if (index < 0) throw new Error(`no column ${name}`);
  return rows[row]?.[index] as string;
};

describe('results.csv', () => {
  it('has a header row naming every column and one row per attempt, all the same width', () => {
    const rows = parseCsv(formatResultsCsv(records, 'sim'));
    expect(rows[0]).to.deep.equal(RESULTS_CSV_COLUMNS.map((entry) => entry.name));
    expect(rows[0]).to.include.members([
      'seq', 'cell', 'iteration', 'board', 'class', 'classes', 'reset_mode', 'reset_verified', 'rtc_mode', 'wifi_final_status',
      'time_to_ip_ms', 'rssi', 'tls_stage', 'error_type', 'errno', 'handshake_ms', 'cipher', 'duration_ms', 'board_ms', 'transcript',
    ]);
    expect(rows).to.have.length(4);
    for (const row of rows) expect(row).to.have.length(RESULTS_CSV_COLUMNS.length);
  });

  it('round-trips quotes, commas, CR and LF through RFC 4180 quoting', () => {
    const rows = parseCsv(formatResultsCsv(records, 'real'));
    expect(column(rows, 'detail', 1)).to.equal(awkward);
    expect(column(rows, 'cell', 1)).to.equal('cold,valid');
    expect(column(rows, 'cell', 2)).to.equal('hard "x"');
    expect(column(rows, 'error_type', 1)).to.equal('OSError');
    expect(column(rows, 'errno', 1)).to.equal('-29312');
  });

  it('fills the columns from the record and leaves what was not measured empty', () => {
    const rows = parseCsv(formatResultsCsv(records, 'sim'));
    expect(column(rows, 'board', 1)).to.equal('SIMULATED');
    expect(column(rows, 'classes', 1)).to.equal('wifi.ok tls.verify.future');
    expect(column(rows, 'reset_mode', 1)).to.equal('hard');
    expect(column(rows, 'reset_verified', 1)).to.equal('true');
    expect(column(rows, 'rtc_mode', 1)).to.equal('cold');
    expect(column(rows, 'time_to_ip_ms', 1)).to.equal('2400');
    expect(column(rows, 'rssi', 1)).to.equal('-51');
    expect(column(rows, 'tls_stage', 1)).to.equal('handshake');
    expect(column(rows, 'handshake_ms', 1)).to.equal('');
    expect(column(rows, 'cipher', 2)).to.equal('TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256 TLSv1.2');
    expect(column(rows, 'handshake_ms', 2)).to.equal('850');
    expect(column(rows, 'board_ms', 2)).to.equal('');
    expect(column(rows, 'transcript', 2)).to.equal('');
    expect(column(rows, 'reset_mode', 3)).to.equal('');
    expect(column(rows, 'wifi_final_status', 3)).to.equal('-1');
    expect(column(rows, 'time_to_ip_ms', 3)).to.equal('');
    expect(column(rows, 'tls_stage', 3)).to.equal('');
    expect(column(rows, 'harness_error', 3)).to.equal('TRANSPORT_LOST');
  });

  it('marks a real board as real and has no comment lines', () => {
    const text = formatResultsCsv(records, 'real');
    const rows = parseCsv(text);
    expect(rows.slice(1).map((row) => row[RESULTS_CSV_COLUMNS.findIndex((entry) => entry.name === 'board')])).to.deep.equal(['real', 'real', 'real']);
    expect(text).not.to.match(/(^|\r\n)#/);
    expect(text).not.to.contain('SIMULATED');
  });

  it('streams: header plus rows equals the whole file', () => {
    expect(resultsCsvHeader() + records.map((record) => resultsCsvRow(record, 'sim')).join('')).to.equal(formatResultsCsv(records, 'sim'));
  });

  it('quotes a field only when it must', () => {
    expect(csvField('plain')).to.equal('plain');
    expect(csvField('a,b')).to.equal('"a,b"');
    expect(csvField('say "x"')).to.equal('"say ""x"""');
    expect(csvField('line\nbreak')).to.equal('"line\nbreak"');
    expect(csvField(null)).to.equal('');
    expect(csvField(0)).to.equal('0');
    expect(csvField(false)).to.equal('false');
  });
});
