import { expect } from 'chai';
import { formatDuration, formatObserved, formatPercent, namingCell, truncate, wrap } from '../../src/report/format.js';
import { parseCsv } from './support.js';

describe('report text formatting', () => {
  it('prints 0 % and 100 % only when exact, so a nearly clean cell never looks clean', () => {
    expect(formatPercent(0, 4)).to.equal('0.0%');
    expect(formatPercent(4, 4)).to.equal('100.0%');
    expect(formatPercent(3, 4)).to.equal('75.0%');
    expect(formatPercent(1999, 2000)).to.equal('99.9%');
    expect(formatPercent(1, 2000)).to.equal('0.1%');
    expect(formatPercent(0, 0)).to.equal('-');
  });

  it('formats durations for people', () => {
    expect(formatDuration(0)).to.equal('0s');
    expect(formatDuration(42_400)).to.equal('42s');
    expect(formatDuration(185_000)).to.equal('3m05s');
    expect(formatDuration(3_720_000)).to.equal('1h02m');
  });

  it('wraps at a space first, then between identifier parts, and never exceeds the width', () => {
    expect(wrap('tls.verify.future 4, tls.ok 3', 20)).to.deep.equal(['tls.verify.future 4,', 'tls.ok 3']);
    expect(wrap('reset=hard/wifi=hidden/rtc=cold', 16)).to.deep.equal(['reset=hard/', 'wifi=hidden/', 'rtc=cold']);
    expect(wrap('abcdefghijklmnopqrstuvwxyz', 10)).to.deep.equal(['abcdefghij', 'klmnopqrst', 'uvwxyz']);
    for (const width of [5, 9, 13]) {
      for (const line of wrap('reset=power-cycle/wifi=picow-lab-13-hidden/pm=performance', width)) expect(line.length).to.be.at.most(width);
    }
  });

  it('truncates with an ellipsis within the width', () => {
    expect(truncate('hello world', 8)).to.equal('hello w…');
    expect(truncate('short', 8)).to.equal('short');
  });

  it('prints observed rates without float noise and names the cell once', () => {
    expect(formatObserved(0.1 + 0.7)).to.equal('0.8');
    expect(formatObserved('no attempts')).to.equal('no attempts');
    expect(namingCell({ cell: 'a/b', rule: 'fails', held: false, observed: 1, text: 'a/b: fails not met' })).to.equal('a/b: fails not met');
    expect(namingCell({ cell: 'a/b', rule: 'fails', held: false, observed: 1, text: 'fails not met' })).to.equal('a/b: fails not met');
  });
});

describe("the tests' CSV parser", () => {
  it('reads quoted fields and rejects what RFC 4180 does not allow', () => {
    expect(parseCsv('a,"b ""c"", d\r\ne"\r\n')).to.deep.equal([['a', 'b "c", d\r\ne']]);
    expect(() => parseCsv('a,b"c\r\n')).to.throw();
    expect(() => parseCsv('a,"b"c\r\n')).to.throw();
    expect(() => parseCsv('a\nb\r\n')).to.throw();
    expect(() => parseCsv('a,b')).to.throw();
  });
});
