import { expect } from 'chai';
import type { WifiConnectResult } from '../../src/campaign/types.js';
import { parseScriptReport, parseScriptResult } from '../../src/device/script-results.js';

const source = { port: '/sim/ttyACM0' };

const CONNECT_RESULT: WifiConnectResult = {
  kind: 'result',
  script: 'wifi_connect',
  mode: 'fresh',
  ssid: 'picow-lab',
  linkUpBefore: false,
  statusBefore: 0,
  timeline: [
    [0, 1],
    [1601, 2],
    [2114, 3],
  ],
  timeToIpMs: 2114,
  finalStatus: 3,
  rssi: -46,
  ifconfig: ['192.168.4.23', '255.255.255.0', '192.168.4.1', '192.168.4.1'],
  firstNegative: null,
  recovered: false,
  timeoutMs: 15000,
  pm: 0xa11140,
  country: 'DE',
  error: null,
};

function line(value: unknown): string {
  return `@@picow ${JSON.stringify(value)}\r\n`;
}

function rejection(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect((error as { code?: string }).code).to.equal('RAW_REPL_PROTOCOL');
    return error as Error;
  }
  throw new Error('the output was accepted');
}

describe('device script results: strict parsing', () => {
  it('returns the result and the validated status lines of wifi_connect', () => {
    const status = { kind: 'status', script: 'wifi_connect', t: 0, status: 1 };
    const parsed = parseScriptReport('wifi_connect', `hello\r\n${line(status)}${line(CONNECT_RESULT)}`, source);
    expect(parsed.result).to.deep.equal(CONNECT_RESULT);
    expect(parsed.progress).to.deep.equal([status]);
    expect(parseScriptResult('wifi_connect', line(CONNECT_RESULT), source)).to.deep.equal(CONNECT_RESULT);
  });

  it('rejects an unknown field, naming it and the byte offset of its line', () => {
    const output = `${line({ kind: 'status', script: 'wifi_connect', t: 0, status: 1 })}${line({ ...CONNECT_RESULT, hidden: true })}`;
    const offset = Buffer.byteLength(output.split('\r\n')[0] as string) + 2;
    const message = rejection(() => parseScriptResult('wifi_connect', output, source)).message;
    expect(message).to.contain('wifi_connect.py');
    expect(message).to.contain('unexpected field hidden');
    expect(message).to.contain(`at byte ${offset} of its output`);
    expect(message).to.contain(source.port);
  });

  it('rejects a missing field and a wrong type deep inside, naming the field path', () => {
    const { rssi: _dropped, ...withoutRssi } = CONNECT_RESULT;
    expect(rejection(() => parseScriptResult('wifi_connect', line(withoutRssi), source)).message).to.contain('field rssi');
    const badTimeline = { ...CONNECT_RESULT, timeline: [[0, 1], ['1601', 2]] };
    expect(rejection(() => parseScriptResult('wifi_connect', line(badTimeline), source)).message).to.match(/field timeline\.1\.0: .*number/i);
    const badError = { ...CONNECT_RESULT, error: { type: 'OSError', args: [], errno: 'x', text: '' } };
    expect(rejection(() => parseScriptResult('wifi_connect', line(badError), source)).message).to.contain('field error.errno');
  });

  it('counts the offset in UTF-8 bytes of everything printed before the bad line', () => {
    const before = 'Grüße 😀\r\n'; // 5 + 2 + 1 + 4 + 2 = 14 bytes
    const message = rejection(() => parseScriptResult('wifi_connect', `${before}${line({ ...CONNECT_RESULT, mode: 'warm' })}`, source)).message;
    expect(message).to.contain('at byte 14 of its output');
    expect(message).to.contain('field mode');
  });

  it('validates intermediate lines too: a bad status line is rejected even when the result is fine', () => {
    const output = `${line({ kind: 'status', script: 'wifi_connect', t: -5, status: 1 })}${line(CONNECT_RESULT)}`;
    const message = rejection(() => parseScriptResult('wifi_connect', output, source)).message;
    expect(message).to.contain('invalid status line');
    expect(message).to.contain('field t');
    expect(message).to.contain('at byte 0 of its output');
  });

  it('rejects a line of a kind the script does not print, a line after the result, and output without a result', () => {
    const stage = line({ kind: 'stage', script: 'tls_probe', stage: 'api', t: 0 });
    expect(rejection(() => parseScriptResult('wifi_connect', `${stage}${line(CONNECT_RESULT)}`, source)).message).to.contain('unexpected kind "stage"');
    const twice = `${line(CONNECT_RESULT)}${line(CONNECT_RESULT)}`;
    expect(rejection(() => parseScriptResult('wifi_connect', twice, source)).message).to.contain(
      `a line after its result line at byte ${Buffer.byteLength(line(CONNECT_RESULT))}`,
    );
    expect(rejection(() => parseScriptResult('diag', 'no marker here\r\n', source)).message).to.contain('diag.py printed no result line');
  });

  it("rejects another script's result", () => {
    expect(rejection(() => parseScriptResult('tls_probe', line(CONNECT_RESULT), source)).message).to.match(/field script|unexpected field/);
  });

  it('passes on the JSON error of a malformed line with its offset (from parseScriptOutput)', () => {
    expect(rejection(() => parseScriptResult('diag', 'ok\r\n@@picow {"kind": "result",', source)).message).to.contain('not valid JSON at byte');
  });

  it('accepts each script result shape the types describe', () => {
    const diag = {
      kind: 'result',
      script: 'diag',
      version: '3.4.0; MicroPython v1.24.1 on 2024-11-29',
      machine: 'Raspberry Pi Pico W with RP2040',
      uniqueId: 'e6614c311b7e6a35',
      resetCause: { value: 1, name: 'PWRON_RESET' },
      rtc: [2021, 1, 1, 4, 0, 0, 5, 0],
      ticksMs: 5000,
      memFree: 180000,
      memAlloc: 6000,
      wifi: null,
      errors: { wifi: 'ImportError: no module named network' },
    };
    expect(parseScriptResult('diag', line(diag), source)).to.deep.equal(diag);
    const scan = { kind: 'result', script: 'wifi_scan', durationMs: 1700, aps: [{ ssidHex: '', ssid: '', bssid: '02:50:43:57:06:02', channel: 6, rssi: -50, security: 5, seen: 2 }], error: null };
    expect(parseScriptResult('wifi_scan', line(scan), source)).to.deep.equal(scan);
    const badRtc = { ...diag, rtc: [2021, 1, 1] };
    expect(rejection(() => parseScriptResult('diag', line(badRtc), source)).message).to.contain('field rtc');
    const badBssid = { ...scan, aps: [{ ...scan.aps[0], bssid: '0250435706' }] };
    expect(rejection(() => parseScriptResult('wifi_scan', line(badBssid), source)).message).to.contain('field aps.0.bssid');
  });
});
