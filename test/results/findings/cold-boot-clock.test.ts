import { expect } from 'chai';
import type { ServedCertificateSet } from '../../../src/campaign/types.js';
import { cell, findingsOf, HOST_NOW_MS, only, RunBuilder, servedSet, textOf, wifiVariant } from './support.js';

describe('findings: cold-boot clock (BADCERT_FUTURE at the boot epoch)', function () {
  this.timeout(60_000);
  let fresh: ServedCertificateSet;
  let backdated: ServedCertificateSet;
  let lateRoot: ServedCertificateSet;
  let notYet: ServedCertificateSet;

  before(async () => {
    // Names unlike the default campaign's: the rules must not know them.
    fresh = await servedSet('public-like', { leaf: { notBefore: new Date(HOST_NOW_MS - 30 * 86_400_000), notAfter: new Date(HOST_NOW_MS + 300 * 86_400_000) } });
    backdated = await servedSet('old-chain');
    lateRoot = await servedSet('young-root', {
      root: { notBefore: new Date(Date.UTC(2023, 5, 1)) },
      intermediate: { notBefore: new Date(Date.UTC(2023, 5, 1)) },
      leaf: { notBefore: new Date(Date.UTC(2023, 6, 1)) },
    });
    notYet = await servedSet('from-next-year', { leaf: { notBefore: new Date(HOST_NOW_MS + 365 * 86_400_000), notAfter: new Date(HOST_NOW_MS + 700 * 86_400_000) } });
  });

  const wifi = wifiVariant('lab');
  const coldPowerCycle = () => cell({ reset: 'power-cycle', rtc: 'cold', certs: 'public-like', wifi });
  const ntp = () => cell({ reset: 'power-cycle', rtc: 'ntp', certs: 'public-like', wifi });

  it('names the leaf and BADCERT_FUTURE, compares the cold cells with the NTP cells, and calls it strong', () => {
    const cold = coldPowerCycle();
    const synced = ntp();
    const run = new RunBuilder([fresh]).add(cold, { tls: 'future' }, 12).add(synced, { tls: 'ok' }, 12);
    const finding = only(findingsOf([cold, synced], run.records, [fresh]), 'cold-boot-clock');
    expect(finding.strength).to.equal('strong');
    const text = textOf(finding);
    expect(text).to.include('12 of 12 (100.0%, 95% CI 75.8–100.0%) TLS handshakes failed certificate verification with BADCERT_FUTURE');
    expect(text).to.match(/RTC at those failures read 2021-01-01T00:00:\d\dZ to 2021-01-01T00:00:\d\dZ/);
    expect(text).to.include('gives BADCERT_FUTURE to the leaf CN=picow-harness.local');
    expect(text).to.include('mbedTLS model of firmware v1.24.1 (mbedTLS 3.5.1)');
    expect(text).to.include('ntptime.settime()');
    expect(text).to.include('Thonny');
    expect(finding.comparison?.groupA).to.deep.include({ ok: 0, attempts: 12, cells: [cold.id] });
    expect(finding.comparison?.groupB).to.deep.include({ ok: 12, attempts: 12, cells: [synced.id] });
    expect(finding.comparison?.groupA.label).to.include('power-cycle').and.include('cold');
    expect(finding.comparison?.groupB.label).to.include('ntp');
    const coldEvidence = finding.evidence.find((entry) => entry.cell === cold.id);
    expect(coldEvidence?.facts).to.deep.include({ flag: 'BADCERT_FUTURE', futureFailures: 12 });
    expect(String(coldEvidence?.facts?.['certificate'])).to.include('leaf CN=picow-harness.local');
    expect(coldEvidence?.example?.seq).to.equal(0);
  });

  it('names the root when the trusted root itself starts after the boot epoch, and says the leaf does not matter', () => {
    const cold = cell({ reset: 'hard', rtc: 'cold', certs: 'young-root', wifi });
    const synced = cell({ reset: 'hard', rtc: 'host:utc', certs: 'young-root', wifi });
    const run = new RunBuilder([lateRoot]).add(cold, { tls: 'future' }, 10).add(synced, { tls: 'ok' }, 10);
    const finding = only(findingsOf([cold, synced], run.records, [lateRoot]), 'cold-boot-clock');
    const text = textOf(finding);
    expect(text).to.include('the root CN=picow-harness test root (notBefore 2023-06-01T00:00:00Z)');
    expect(text).to.include('the leaf CN=picow-harness.local (notBefore 2023-07-01T00:00:00Z)');
    expect(text).to.include('The trusted root itself starts after 2021-01-01');
  });

  it('gives no finding when the cold cells pass', () => {
    const cold = coldPowerCycle();
    const synced = ntp();
    const run = new RunBuilder([fresh]).add(cold, { tls: 'ok' }, 10).add(synced, { tls: 'ok' }, 10);
    expect(findingsOf([cold, synced], run.records, [fresh]).map((finding) => finding.id)).to.not.include('cold-boot-clock');
  });

  it('gives no finding for a certificate that starts after the run\'s own time (no clock would pass it)', () => {
    const cold = cell({ reset: 'hard', certs: 'from-next-year', wifi });
    const run = new RunBuilder([notYet]).add(cold, { tls: 'future' }, 8);
    expect(findingsOf([cold], run.records, [notYet]).map((finding) => finding.id)).to.not.include('cold-boot-clock');
  });

  it('without clock-set cells, compares with a certificate set the model accepts at the boot epoch', () => {
    const failing = cell({ reset: 'hard', certs: 'public-like', wifi });
    const control = cell({ reset: 'hard', certs: 'old-chain', wifi });
    const run = new RunBuilder([fresh, backdated]).add(failing, { tls: 'future' }, 8).add(control, { tls: 'ok' }, 8);
    const finding = only(findingsOf([failing, control], run.records, [fresh, backdated]), 'cold-boot-clock');
    expect(finding.comparison?.groupB.cells).to.deep.equal([control.id]);
    expect(finding.comparison?.groupB.label).to.include('old-chain');
    expect(finding.caveats.join('\n')).to.include('no cells with the clock set');
    expect(finding.strength).to.equal('strong');
  });

  it('with neither control, still explains the failures but only as suggestive, saying nothing tests it', () => {
    const failing = cell({ reset: 'hard', certs: 'public-like', wifi });
    const run = new RunBuilder([fresh]).add(failing, { tls: 'future' }, 8);
    const finding = only(findingsOf([failing], run.records, [fresh]), 'cold-boot-clock');
    expect(finding.strength).to.equal('suggestive');
    expect(finding.comparison).to.equal(undefined);
    expect(finding.caveats.join('\n')).to.include('nothing here tests the explanation');
  });

  it('on firmware ≤ v1.21 reads the flag from the inferred flags of a bare -9984 and says so', () => {
    const cold = coldPowerCycle();
    const synced = ntp();
    const run = new RunBuilder([fresh]).add(cold, { tls: 'future-9984' }, 10).add(synced, { tls: 'ok' }, 10);
    const finding = only(findingsOf([cold, synced], run.records, [fresh], 'MicroPython v1.21.0 on 2023-10-06'), 'cold-boot-clock');
    const text = textOf(finding);
    expect(text).to.include('10 of 10 (100.0%');
    expect(text).to.include("OSError(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED') without the reason");
    expect(text).to.include('mbedTLS model of firmware v1.21.0 (mbedTLS 2.28.3)');
    expect(finding.caveats.join('\n')).to.include('10 of the 10 failures were a bare OSError(-9984) without flags');
  });

  it('states the confound when the cold cells also ran another firmware than the clock-set cells', () => {
    const cold = coldPowerCycle();
    const synced = ntp();
    const run = new RunBuilder([fresh])
      .add(cold, { tls: 'future-9984', firmware: 'MicroPython v1.21.0 on 2023-10-06' }, 10)
      .add(synced, { tls: 'ok', firmware: 'MicroPython v1.24.1 on 2024-11-29' }, 10);
    const finding = only(findingsOf([cold, synced], run.records, [fresh]), 'cold-boot-clock');
    const caveats = finding.caveats.join('\n');
    expect(caveats).to.include('The two groups ran different firmware (boot-epoch cells: v1.21.0; clock-set cells: v1.24.1)');
    expect(caveats).to.include('cannot tell which one matters');
  });

  it('flags a bare -9984 on a run whose firmware raises ValueError as a firmware mismatch', () => {
    const cold = coldPowerCycle();
    const synced = ntp();
    const run = new RunBuilder([fresh]).add(cold, { tls: 'future-9984' }, 6).add(synced, { tls: 'ok' }, 6);
    const finding = only(findingsOf([cold, synced], run.records, [fresh]), 'cold-boot-clock');
    expect(finding.caveats.join('\n')).to.include(`Cell ${cold.id} raised OSError(-9984), the form of firmware ≤ v1.21, but its records say firmware v1.24.1`);
  });

  it('uses the measured clock: a soft-reset cell whose clock was kept set counts as clock set', () => {
    const cold = coldPowerCycle();
    const soft = cell({ reset: 'soft', rtc: 'cold', certs: 'public-like', wifi });
    const run = new RunBuilder([fresh]).add(cold, { tls: 'future' }, 8).add(soft, { tls: 'ok', rtcMs: HOST_NOW_MS }, 8);
    const finding = only(findingsOf([cold, soft], run.records, [fresh]), 'cold-boot-clock');
    expect(finding.comparison?.groupB.cells).to.deep.equal([soft.id]);
    expect(finding.comparison?.groupB.label).to.include('soft');
  });
});
