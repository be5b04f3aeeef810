import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatRtcMode, parseRtcMode, utcTuple, wallClockTuple } from '../../../src/campaign/rtc/index.js';
import type { RtcMode } from '../../../src/campaign/types.js';

const H = 3_600_000;

describe('RTC modes', () => {
  describe('parsing', () => {
    const valid: [string, RtcMode][] = [
      ['cold', { kind: 'cold' }],
      ['host:local', { kind: 'host', zone: 'local' }],
      ['host:utc', { kind: 'host', zone: 'utc' }],
      ['ntp', { kind: 'ntp', host: undefined }],
      ['ntp:time.lab.example', { kind: 'ntp', host: 'time.lab.example' }],
      ['ntp:192.168.4.2', { kind: 'ntp', host: '192.168.4.2' }],
      ['skew:-2h', { kind: 'skew', offsetMs: -2 * H }],
      ['skew:+90s', { kind: 'skew', offsetMs: 90_000 }],
      ['skew:3d', { kind: 'skew', offsetMs: 72 * H }],
      ['skew:1h30m', { kind: 'skew', offsetMs: 1.5 * H }],
    ];
    for (const [text, mode] of valid) {
      it(`reads ${text}`, () => {
        expect(parseRtcMode(text)).to.deep.equal(mode);
      });
    }

    for (const text of ['warm', 'host', 'host:cet', 'ntp:', 'ntp:bad host', 'skew:', 'skew:2x', 'skew:30m1h', 'skew:-', 'Cold']) {
      it(`rejects ${JSON.stringify(text)} with a config error that names the value`, () => {
        let caught: unknown;
        try {
          parseRtcMode(text, { file: 'campaign.yaml', path: 'matrix.rtc[1]' });
        } catch (error) {
          caught = error;
        }
        expect(caught).to.have.property('code', 'CONFIG_INVALID');
        expect((caught as Error).message).to.include(JSON.stringify(text));
        expect(caught).to.have.nested.property('context.file', 'campaign.yaml');
        expect(caught).to.have.nested.property('context.path', 'matrix.rtc[1]');
      });
    }

    it('writes every mode back as text that parses to the same mode', () => {
      for (const [, mode] of valid) expect(parseRtcMode(formatRtcMode(mode))).to.deep.equal(mode);
      expect(formatRtcMode({ kind: 'skew', offsetMs: -2 * H })).to.equal('skew:-2h');
      expect(formatRtcMode({ kind: 'skew', offsetMs: 1.5 * H })).to.equal('skew:+1h30m');
    });
  });

  describe('clock tuples', () => {
    const noonUtc = Date.UTC(2024, 6, 1, 12, 0, 0); // Monday 2024-07-01 12:00:00 UTC

    it('gives UTC with MicroPython weekdays (0 = Monday)', () => {
      expect(utcTuple(noonUtc)).to.deep.equal([2024, 7, 1, 0, 12, 0, 0, 0]);
      expect(utcTuple(Date.UTC(2021, 0, 1))).to.deep.equal([2021, 1, 1, 4, 0, 0, 0, 0]); // rp2's boot epoch, a Friday
      expect(utcTuple(Date.UTC(2024, 6, 7, 23, 59, 59, 900))).to.deep.equal([2024, 7, 7, 6, 23, 59, 59, 0]); // a Sunday
    });

    it('gives the wall-clock time of an explicit zone, as an IDE sets it', () => {
      expect(wallClockTuple(noonUtc, 'America/New_York')).to.deep.equal([2024, 7, 1, 0, 8, 0, 0, 0]); // EDT, UTC-4
      expect(wallClockTuple(noonUtc, 'Asia/Kolkata')).to.deep.equal([2024, 7, 1, 0, 17, 30, 0, 0]); // IST, UTC+5:30
      expect(wallClockTuple(Date.UTC(2024, 0, 15, 3, 0, 0), 'America/New_York')).to.deep.equal([2024, 1, 14, 6, 22, 0, 0, 0]); // EST, the day before
      expect(wallClockTuple(noonUtc, 'UTC')).to.deep.equal(utcTuple(noonUtc));
    });

    it('rejects a zone the host does not know with a config error', () => {
      expect(() => wallClockTuple(noonUtc, 'Mars/Olympus_Mons')).to.throw(/Mars\/Olympus_Mons/).with.property('code', 'CONFIG_INVALID');
    });

    it("takes the host's zone from TZ when none is given", () => {
      const module = fileURLToPath(new URL('../../../src/campaign/rtc/clock-tuple.ts', import.meta.url));
      const script = `import(${JSON.stringify(module)}).then((m) => process.stdout.write(JSON.stringify(m.wallClockTuple(${noonUtc}, m.hostTimeZone()))))`;
      const expected: Record<string, number[]> = { 'America/New_York': [2024, 7, 1, 0, 8, 0, 0, 0], 'Asia/Kolkata': [2024, 7, 1, 0, 17, 30, 0, 0] };
      for (const [zone, tuple] of Object.entries(expected)) {
        const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, TZ: zone }, encoding: 'utf8', timeout: 20_000 });
        expect(child.stdout, child.stderr).to.equal(JSON.stringify(tuple));
      }
    });
  });
});
