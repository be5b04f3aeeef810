import { expect } from 'chai';
import { cell, findingsOf, only, RunBuilder, textOf, wifiVariant } from './support.js';

describe('findings: hidden-SSID joins concentrated in a PM mode or a channel/country', () => {
  // Names unlike the default campaign's: the rules decide from the facets, not from names.
  const hiddenDefault = cell({ wifi: wifiVariant('cellar', { hidden: true, pm: 'default' }) });
  const hiddenPmOff = cell({ wifi: wifiVariant('cellar', { hidden: true, pm: 0xa11140 }) });
  const visibleDefault = cell({ wifi: wifiVariant('porch', { pm: 'default' }) });

  it('names the failing PM mode with rates, Fisher p, the PM-off alternative and the visible-AP control', () => {
    const run = new RunBuilder()
      .add(hiddenDefault, { join: { fail: -1 } }, 9)
      .add(hiddenDefault, { join: { fail: -3 } }, 3)
      .add(hiddenDefault, { join: 'ok' }, 8)
      .add(hiddenPmOff, { join: 'ok' }, 20)
      .add(visibleDefault, { join: 'ok' }, 20);
    const finding = only(findingsOf([hiddenDefault, hiddenPmOff, visibleDefault], run.records), 'hidden-ssid-pm');
    expect(finding.strength).to.equal('strong');
    expect(finding.title).to.equal('Hidden-SSID joins fail under PM default (0xa11142 PM_PERFORMANCE, power saving)');
    const text = textOf(finding);
    expect(text).to.include('failed 12 of 20 (60.0%, 95% CI 38.7–78.1%) joins (9 wifi.connect-fail and 3 wifi.wrong-password)');
    expect(text).to.include('pm=0xa11140 (no power saving) failed 0 of 20 (0.0%, 95% CI 0.0–16.1%)');
    expect(text).to.include('Under the same PM value, 20 of 20 (100.0%, 95% CI 83.9–100.0%) joins to a visible AP succeeded.');
    expect(text).to.include('wlan.config(pm=0xa11140)');
    expect(text).to.include('PM_NONE');
    expect(text).to.include('not a wrong key');
    expect(finding.comparison?.groupA).to.deep.include({ ok: 8, attempts: 20, cells: [hiddenDefault.id] });
    expect(finding.comparison?.groupB).to.deep.include({ ok: 20, attempts: 20, cells: [hiddenPmOff.id] });
    expect(finding.caveats.join('\n')).to.not.include('reverse of the known pattern');
    expect(finding.evidence.map((entry) => entry.cell)).to.deep.equal([hiddenDefault.id, hiddenPmOff.id, visibleDefault.id]);
  });

  it('counts every board of a rack run: the same iteration on two boards is two attempts, the same board twice is one', () => {
    const run = new RunBuilder()
      .add(hiddenDefault, { join: { fail: -1 } }, 10)
      .add(hiddenPmOff, { join: 'ok' }, 10)
      .add(visibleDefault, { join: 'ok' }, 10);
    const onBoard = (label: string) => run.records.map((record) => ({ ...record, board: { label, serialNumber: null, uniqueId: null } }));
    const records = [...onBoard('bench-1'), ...onBoard('bench-2'), ...onBoard('bench-2')];
    const finding = only(findingsOf([hiddenDefault, hiddenPmOff, visibleDefault], records), 'hidden-ssid-pm');
    expect(finding.comparison?.groupA).to.deep.include({ ok: 0, attempts: 20 });
    expect(finding.comparison?.groupB).to.deep.include({ ok: 20, attempts: 20 });
  });

  it('gives no finding when hidden joins succeed alike under every PM mode', () => {
    const run = new RunBuilder()
      .add(hiddenDefault, { join: 'ok' }, 19)
      .add(hiddenDefault, { join: { fail: -1 } }, 1)
      .add(hiddenPmOff, { join: 'ok' }, 19)
      .add(hiddenPmOff, { join: { fail: -1 } }, 1);
    expect(findingsOf([hiddenDefault, hiddenPmOff], run.records)).to.deep.equal([]);
  });

  it('mirrored: failures under the PM-off value give the finding naming that value, with the reverse-pattern caveat', () => {
    const run = new RunBuilder()
      .add(hiddenDefault, { join: 'ok' }, 20)
      .add(hiddenPmOff, { join: { fail: -1 } }, 14)
      .add(hiddenPmOff, { join: 'ok' }, 6);
    const finding = only(findingsOf([hiddenDefault, hiddenPmOff], run.records), 'hidden-ssid-pm');
    expect(finding.title).to.equal('Hidden-SSID joins fail under pm=0xa11140 (no power saving)');
    expect(finding.comparison?.groupA.cells).to.deep.equal([hiddenPmOff.id]);
    expect(finding.advice.join('\n')).to.include('Keep PM default (0xa11142 PM_PERFORMANCE, power saving) for this AP');
    expect(finding.caveats.join('\n')).to.include('reverse of the known pattern');
    expect(finding.caveats.join('\n')).to.include('No visible-AP cell ran under the same PM value');
  });

  it('groups PM settings by the value that ran: PM default reported as 0xa11142 and an explicit performance are one group', () => {
    const explicit = cell({ wifi: wifiVariant('cellar', { hidden: true, pm: 'performance' }) });
    const run = new RunBuilder()
      .add(hiddenDefault, { join: { fail: -1 } }, 8)
      .add(explicit, { join: { fail: -1 } }, 8)
      .add(hiddenPmOff, { join: 'ok' }, 8);
    const finding = only(findingsOf([hiddenDefault, explicit, hiddenPmOff], run.records), 'hidden-ssid-pm');
    expect(finding.comparison?.groupA.cells).to.deep.equal([hiddenDefault.id, explicit.id]);
    expect(finding.comparison?.groupA.attempts).to.equal(16);
  });

  it('says when the visible AP fails under the same PM too (not specific to hidden SSIDs)', () => {
    const run = new RunBuilder()
      .add(hiddenDefault, { join: { fail: -1 } }, 10)
      .add(hiddenPmOff, { join: 'ok' }, 10)
      .add(visibleDefault, { join: { fail: -1 } }, 8)
      .add(visibleDefault, { join: 'ok' }, 2);
    const finding = only(findingsOf([hiddenDefault, hiddenPmOff, visibleDefault], run.records), 'hidden-ssid-pm');
    expect(finding.caveats.join('\n')).to.include('A visible AP under the same PM value failed too (8 of 10');
  });

  it('does not count carried-over links as joins', () => {
    const soft = cell({ reset: 'soft', wifi: wifiVariant('cellar', { hidden: true, pm: 'default', connect: 'as-is' }) });
    const run = new RunBuilder()
      .add(soft, { join: 'carried-over' }, 18)
      .add(soft, { join: { fail: -1 } }, 2)
      .add(hiddenPmOff, { join: 'ok' }, 20);
    const finding = only(findingsOf([soft, hiddenPmOff], run.records), 'hidden-ssid-pm');
    expect(finding.comparison?.groupA).to.deep.include({ ok: 0, attempts: 2 });
    expect(finding.caveats.join('\n')).to.include('The two groups also differ in reset (');
  });

  it('finds a hidden AP on channel 13 failing with country XX against the same channel with a country set', () => {
    const xx = cell({ wifi: wifiVariant('loft', { hidden: true, pm: 0xa11140, channel: 13 }) });
    const de = cell({ wifi: wifiVariant('loft', { hidden: true, pm: 0xa11140, channel: 13, country: 'DE' }) });
    const visible13 = cell({ wifi: wifiVariant('shed', { pm: 0xa11140, channel: 13 }) });
    const run = new RunBuilder()
      .add(xx, { join: { fail: -2 } }, 12)
      .add(de, { join: 'ok' }, 12)
      .add(visible13, { join: 'ok' }, 12);
    const findings = findingsOf([xx, de, visible13], run.records);
    const finding = only(findings, 'hidden-ssid-channel');
    expect(finding.title).to.equal('Hidden-SSID joins fail on channel 13, country XX');
    expect(finding.strength).to.equal('strong');
    const text = textOf(finding);
    expect(text).to.include('channel 13, country XX failed 12 of 12 (100.0%, 95% CI 75.8–100.0%) joins (12 wifi.no-ap-found)');
    expect(text).to.include("network.country('DE')");
    expect(text).to.include('joins to a visible AP succeeded');
    expect(text).to.include('cyw43-driver#149');
    // The PM rule compares PM values within one country: one PM value here, so no PM finding.
    expect(findings.map((entry) => entry.id)).to.not.include('hidden-ssid-pm');
  });

  it('compares countries on one AP whose channel is not declared, and asks for the channel', () => {
    const xx = cell({ wifi: wifiVariant('loft', { hidden: true, pm: 0xa11140 }) });
    const de = cell({ wifi: wifiVariant('loft', { hidden: true, pm: 0xa11140, country: 'DE' }) });
    const run = new RunBuilder().add(xx, { join: { fail: -2 } }, 10).add(de, { join: 'ok' }, 10);
    const finding = only(findingsOf([xx, de], run.records), 'hidden-ssid-channel');
    expect(finding.title).to.equal('Hidden-SSID joins fail on AP loft (channel not declared), country XX');
    expect(finding.advice.join('\n')).to.include("network.country('DE')");
    expect(finding.caveats.join('\n')).to.include('declare `channel:` on the access point');
    expect(textOf(finding)).to.not.include('passive-only');
  });

  it('prefers the same channel with another country as the contrast, and says so when it must compare two APs', () => {
    const thirteen = cell({ wifi: wifiVariant('tower', { hidden: true, pm: 0xa11140, channel: 13 }) });
    const six = cell({ wifi: wifiVariant('loft', { hidden: true, pm: 0xa11140, channel: 6 }) });
    const run = new RunBuilder().add(thirteen, { join: { fail: -2 } }, 10).add(six, { join: 'ok' }, 10);
    const finding = only(findingsOf([thirteen, six], run.records), 'hidden-ssid-channel');
    expect(finding.comparison?.groupB.label).to.equal('channel 6, country XX');
    expect(finding.caveats.join('\n')).to.include('The compared groups are different APs');
    expect(finding.advice.join('\n')).to.include('channels 1–11');

    const thirteenDe = cell({ wifi: wifiVariant('tower', { hidden: true, pm: 0xa11140, channel: 13, country: 'DE' }) });
    const withCountry = new RunBuilder().add(thirteen, { join: { fail: -2 } }, 10).add(six, { join: 'ok' }, 30).add(thirteenDe, { join: 'ok' }, 10);
    const closer = only(findingsOf([thirteen, six, thirteenDe], withCountry.records), 'hidden-ssid-channel');
    expect(closer.comparison?.groupB.label).to.equal('channel 13, country DE');
    expect(closer.caveats.join('\n')).to.not.include('different APs');
  });

  it('leaves joins that associated but got no address to the DHCP rule', () => {
    const run = new RunBuilder()
      .add(hiddenDefault, { join: { stuck: 2 } }, 10)
      .add(hiddenDefault, { join: 'ok' }, 10)
      .add(hiddenPmOff, { join: 'ok' }, 10);
    const ids = findingsOf([hiddenDefault, hiddenPmOff], run.records).map((finding) => finding.id);
    expect(ids).to.deep.equal(['dhcp-stuck']);
  });

  it('gives no channel finding when every channel/country joins alike', () => {
    const six = cell({ wifi: wifiVariant('loft', { hidden: true, pm: 0xa11140, channel: 6 }) });
    const thirteen = cell({ wifi: wifiVariant('loft', { hidden: true, pm: 0xa11140, channel: 13, country: 'DE' }) });
    const run = new RunBuilder().add(six, { join: 'ok' }, 12).add(thirteen, { join: 'ok' }, 12);
    expect(findingsOf([six, thirteen], run.records)).to.deep.equal([]);
  });
});
