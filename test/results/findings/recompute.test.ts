import { expect } from 'chai';
import type { AttemptRecord, CellFacets, ServedCertificateSet } from '../../../src/campaign/types.js';
import type { Finding } from '../../../src/results/findings/index.js';
import { fisherExactTwoSided, holmAdjust, wilsonInterval } from '../../../src/results/stats/index.js';
import { cell, findingsOf, HOST_NOW_MS, RunBuilder, servedSet, wifiVariant } from './support.js';

/**
 * Every interval and p-value a finding prints, recomputed here from the records alone with the
 * statistics functions: the findings' own counting is not trusted.
 */

const FUTURE_TEXT = 'The certificate validity starts in the future';

/** A handshake began (the probe records the heap and RTC right before it). */
const handshake = (record: AttemptRecord): boolean => record.tls !== null && ['handshake', 'echo', 'done'].includes(record.tls.stage);
const futureFailure = (record: AttemptRecord): boolean =>
  record.class.startsWith('tls.verify.') &&
  ((record.tls?.error?.type === 'ValueError' && record.tls.error.text.includes(FUTURE_TEXT)) || (record.inferred?.flags ?? []).includes('BADCERT_FUTURE'));
/** A join tested association: not a link carried over, not one that associated and then waited for DHCP (status 2). */
const join = (record: AttemptRecord): boolean =>
  record.wifi !== null && !record.classes.includes('wifi.carried-over') && !(record.wifi.finalStatus === 2 && record.wifi.timeToIpMs === null);
const joined = (record: AttemptRecord): boolean => join(record) && record.wifi?.finalStatus === 3;

/** ok/attempts of a comparison group, by what the finding compares. */
function recount(findingId: string, records: readonly AttemptRecord[], cells: readonly string[]): { ok: number; attempts: number } {
  const mine = records.filter((record) => cells.includes(record.cell));
  if (findingId === 'cold-boot-clock') {
    const handshakes = mine.filter(handshake);
    return { ok: handshakes.filter((record) => !futureFailure(record)).length, attempts: handshakes.length };
  }
  if (findingId.startsWith('hidden-ssid-')) return { ok: mine.filter(joined).length, attempts: mine.filter(join).length };
  throw new Error(`no recount for ${findingId}`);
}

const tenth = (rate: number): string => (Math.round(rate * 1000) / 10).toFixed(1);
const formatP = (p: number): string => (p >= 0.001 ? Number(p.toPrecision(2)).toString() : p.toExponential(1));

describe('findings: every printed interval and p-value recomputed from the records', function () {
  this.timeout(60_000);
  let fresh: ServedCertificateSet;
  let cells: CellFacets[];
  let records: AttemptRecord[];
  let findings: Finding[];

  before(async () => {
    fresh = await servedSet('recent', { leaf: { notBefore: new Date(HOST_NOW_MS - 7 * 86_400_000) } });
    const hiddenDefault = wifiVariant('vault', { hidden: true, pm: 'default' });
    const hiddenOff = wifiVariant('vault', { hidden: true, pm: 'none' });
    const visible = wifiVariant('yard', { pm: 'default' });
    const hidden13 = wifiVariant('tower', { hidden: true, pm: 'none', channel: 13 });
    const hidden13de = wifiVariant('tower', { hidden: true, pm: 'none', channel: 13, country: 'FR' });
    const coldDefault = cell({ reset: 'power-cycle', certs: 'recent', wifi: hiddenDefault });
    const coldOff = cell({ reset: 'power-cycle', certs: 'recent', wifi: hiddenOff });
    const ntpOff = cell({ reset: 'power-cycle', rtc: 'ntp', certs: 'recent', wifi: hiddenOff });
    const visibleCold = cell({ reset: 'hard', certs: 'recent', wifi: visible });
    const softVisible = cell({ reset: 'soft', rtc: 'host:utc', certs: 'recent', wifi: { ...visible, connect: 'as-is', variant: 'yard-as-is' } });
    const tower = cell({ reset: 'hard', wifi: hidden13 });
    const towerFr = cell({ reset: 'hard', wifi: hidden13de });
    const dhcp = cell({ reset: 'hard', wifi: wifiVariant('annex') });
    const softWifiOnly = cell({ reset: 'soft', wifi: wifiVariant('annex', { connect: 'as-is' }) });
    cells = [coldDefault, coldOff, ntpOff, visibleCold, softVisible, tower, towerFr, dhcp, softWifiOnly];
    const run = new RunBuilder([fresh]);
    // Interleave like a campaign: several rounds over the cells.
    for (let round = 0; round < 15; round++) {
      run.add(coldDefault, round % 5 < 3 ? { join: { fail: round % 2 === 0 ? -1 : -3 } } : { join: 'ok', tls: round % 7 === 0 ? 'alloc' : 'future', memFree: 21_000 });
      run.add(coldOff, { join: 'ok', tls: round === 4 ? 'future-9984' : 'future' });
      run.add(ntpOff, { join: 'ok', tls: 'ok' });
      run.add(visibleCold, { join: round === 9 ? { fail: -1 } : 'ok', tls: 'future' });
      run.add(softVisible, { join: round < 12 ? 'carried-over' : 'ok', tls: 'ok', rtcMs: HOST_NOW_MS });
      run.add(tower, round % 4 === 0 ? { join: 'ok' } : { join: { fail: -2 } });
      run.add(towerFr, { join: 'ok' });
      run.add(dhcp, round % 3 === 0 ? { join: { stuck: 2 } } : { join: 'ok' });
      run.add(softWifiOnly, round % 2 === 0 ? { join: 'carried-over' } : { join: 'ok' });
    }
    records = run.records;
    findings = findingsOf(cells, records, [fresh]);
  });

  it('produces the findings this run holds (so the checks below check something)', () => {
    expect(findings.map((finding) => finding.id).sort()).to.deep.equal(
      ['cold-boot-clock', 'dhcp-stuck', 'error-form', 'hidden-ssid-channel', 'hidden-ssid-pm', 'tls-heap', 'wifi-carried-over'].sort(),
    );
    expect(findings.filter((finding) => finding.comparison !== undefined)).to.have.length(3);
  });

  it('recomputes every evidence row: attempts, ok and the Wilson interval of ok', () => {
    for (const finding of findings) {
      for (const evidence of finding.evidence) {
        const facets = cells.find((entry) => entry.id === evidence.cell);
        const mine = records.filter((record) => record.cell === evidence.cell);
        const ok = mine.filter((record) => record.class === facets?.successClass).length;
        expect(evidence.attempts, `${finding.id} ${evidence.cell}`).to.equal(mine.length);
        expect(evidence.ok, `${finding.id} ${evidence.cell}`).to.equal(ok);
        expect(evidence.okRate).to.deep.equal(wilsonInterval(ok, mine.length));
      }
    }
  });

  it('recomputes every comparison: group counts, Fisher p, and Holm over all comparisons of the run', () => {
    const compared = findings.filter((finding) => finding.comparison !== undefined);
    const pValues = compared.map((finding) => {
      const comparison = finding.comparison!;
      const a = recount(finding.id, records, comparison.groupA.cells);
      const b = recount(finding.id, records, comparison.groupB.cells);
      expect({ ok: comparison.groupA.ok, attempts: comparison.groupA.attempts }, `${finding.id} group A`).to.deep.equal(a);
      expect({ ok: comparison.groupB.ok, attempts: comparison.groupB.attempts }, `${finding.id} group B`).to.deep.equal(b);
      const p = fisherExactTwoSided(a.ok, a.attempts - a.ok, b.ok, b.attempts - b.ok);
      expect(comparison.pValue).to.be.closeTo(p, 1e-12);
      expect(comparison.correction).to.equal('holm');
      return p;
    });
    const adjusted = holmAdjust(pValues);
    compared.forEach((finding, index) => {
      expect(finding.comparison!.pAdjusted).to.be.closeTo(adjusted[index] as number, 1e-12);
      expect(finding.strength).to.equal((adjusted[index] as number) < 0.05 ? 'strong' : 'suggestive');
      const sentence = finding.explanation.join('\n');
      expect(sentence).to.include(`p = ${formatP(pValues[index] as number)}`);
      expect(sentence).to.include(`Holm-adjusted p = ${formatP(adjusted[index] as number)}`);
    });
  });

  it('every "k of n (rate, 95% CI low–high)" printed anywhere is the Wilson interval of k of n', () => {
    const pattern = /(\d+) of (\d+) \((\d+\.\d)%, 95% CI (\d+\.\d)–(\d+\.\d)%\)/g;
    let checked = 0;
    for (const finding of findings) {
      for (const text of [finding.title, ...finding.explanation, ...finding.advice, ...finding.caveats]) {
        for (const match of text.matchAll(pattern)) {
          const [, k, n, rate, low, high] = match;
          const ci = wilsonInterval(Number(k), Number(n))!;
          expect([rate, low, high], `${finding.id}: ${match[0]}`).to.deep.equal([tenth(ci.rate), tenth(ci.low), tenth(ci.high)]);
          checked += 1;
        }
      }
    }
    expect(checked).to.be.greaterThan(10);
  });

  it('the printed failure counts of the compared groups are the recounted ones', () => {
    for (const finding of findings.filter((entry) => entry.comparison !== undefined)) {
      const { groupA, groupB } = finding.comparison!;
      const text = finding.explanation.join('\n');
      expect(text, finding.id).to.include(`${groupA.attempts - groupA.ok} of ${groupA.attempts} (`);
      expect(text, finding.id).to.include(`${groupB.attempts - groupB.ok} of ${groupB.attempts} (`);
    }
  });
});
