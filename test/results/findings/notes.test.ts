import { expect } from 'chai';
import type { ServedCertificateSet } from '../../../src/campaign/types.js';
import { cell, findingsOf, HOST_NOW_MS, only, RunBuilder, servedSet, textOf, wifiVariant } from './support.js';

describe('findings: notes (carried-over links, DHCP, heap, error forms)', function () {
  this.timeout(60_000);
  let fresh: ServedCertificateSet;
  let backdated: ServedCertificateSet;

  before(async () => {
    fresh = await servedSet('leaf-this-month', { leaf: { notBefore: new Date(HOST_NOW_MS - 86_400_000) } });
    backdated = await servedSet('plain');
  });

  describe('wifi.carried-over', () => {
    const asIs = wifiVariant('garage', { connect: 'as-is' });
    const soft = cell({ reset: 'soft', certs: 'plain', wifi: asIs });
    const hard = cell({ reset: 'hard', certs: 'plain', wifi: asIs });

    it('shows how many ok attempts of soft-reset cells rode on a carried-over link, and what real joins did', () => {
      const run = new RunBuilder([backdated])
        .add(soft, { join: 'ok' }, 2)
        .add(soft, { join: 'carried-over' }, 18)
        .add(hard, { join: 'ok' }, 12)
        .add(hard, { join: { fail: -1 } }, 8);
      const finding = only(findingsOf([soft, hard], run.records, [backdated]), 'wifi-carried-over');
      expect(finding.strength).to.equal('note');
      const text = textOf(finding);
      expect(text).to.include('18 of 20 (90.0%, 95% CI 69.9–97.2%) attempts in 1 cell (reset soft; connect mode as-is) found the Wi-Fi link already up');
      expect(text).to.include("18 of the cells' 20 ok attempts rode on such a link; without them the cells' ok count would be 2 of 2.");
      expect(text).to.include('After hard resets, 12 of 20 (60.0%, 95% CI 38.7–78.1%) joins of the same Wi-Fi variant succeeded');
      expect(finding.evidence.find((entry) => entry.cell === soft.id)?.facts).to.deep.include({ carriedOver: 18, okWithCarriedOver: 18 });
    });

    it('gives no finding when no link was carried over', () => {
      const run = new RunBuilder([backdated]).add(soft, { join: 'ok' }, 5).add(hard, { join: 'ok' }, 5);
      expect(findingsOf([soft, hard], run.records, [backdated])).to.deep.equal([]);
    });
  });

  describe('status stuck at 2', () => {
    const variant = wifiVariant('barn');
    const stuckCell = cell({ wifi: variant });

    it('points at DHCP with the count, when the link came up and the deadline', () => {
      const run = new RunBuilder().add(stuckCell, { join: { stuck: 2 } }, 6).add(stuckCell, { join: 'ok' }, 14);
      const finding = only(findingsOf([stuckCell], run.records), 'dhcp-stuck');
      const text = textOf(finding);
      expect(text).to.include('6 of 20 (30.0%, 95% CI 14.5–51.9%) joins in 1 cell ended with status() stuck at 2');
      expect(text).to.include('deadline of 20000 ms');
      expect(text).to.include('The link was up 1300 ms after connect()');
      expect(text).to.include('took at most 1920 ms');
      expect(text).to.include('static address');
    });

    it('does not mistake a join stuck at STAT_CONNECTING for DHCP', () => {
      const run = new RunBuilder().add(stuckCell, { join: { stuck: 1 } }, 6);
      expect(findingsOf([stuckCell], run.records).map((finding) => finding.id)).to.not.include('dhcp-stuck');
    });
  });

  describe('tls.alloc', () => {
    const tlsCell = cell({ certs: 'plain', wifi: wifiVariant('den') });

    it('compares the heap before the allocation failures with the heap before successful handshakes', () => {
      const run = new RunBuilder([backdated]).add(tlsCell, { tls: 'alloc', memFree: 18_000 }, 3).add(tlsCell, { tls: 'alloc', memFree: 22_500 }, 1).add(tlsCell, { tls: 'ok', memFree: 150_000 }, 6);
      const finding = only(findingsOf([tlsCell], run.records, [backdated]), 'tls-heap');
      expect(finding.title).to.equal('TLS fails to allocate memory when the heap is low');
      const text = textOf(finding);
      expect(text).to.include('4 of 10 (40.0%, 95% CI 16.8–68.7%) TLS attempts in 1 cell failed to allocate');
      expect(text).to.include('gc.mem_free() before them was 18,000 bytes to 22,500 bytes');
      expect(text).to.include('successful handshakes it was 150,000 bytes');
      expect(finding.caveats).to.deep.equal([]);
    });

    it('says fragmentation is likelier when the failures had as much free heap as successes', () => {
      const run = new RunBuilder([backdated]).add(tlsCell, { tls: 'alloc', memFree: 160_000 }, 2).add(tlsCell, { tls: 'ok', memFree: 150_000 }, 6);
      const finding = only(findingsOf([tlsCell], run.records, [backdated]), 'tls-heap');
      expect(finding.caveats.join('\n')).to.include('fragmentation');
    });
  });

  describe('error forms', () => {
    const wifi = wifiVariant('hall');
    const oldBoard = cell({ reset: 'power-cycle', certs: 'leaf-this-month', wifi });
    const newBoard = cell({ reset: 'hard', certs: 'leaf-this-month', wifi });

    it('notes a run that mixes OSError(-9984) and ValueError and says which firmware raised which', () => {
      const run = new RunBuilder([fresh])
        .add(oldBoard, { tls: 'future-9984', firmware: 'MicroPython v1.20.0 on 2023-04-26' }, 4)
        .add(newBoard, { tls: 'future', firmware: 'MicroPython v1.23.0 on 2024-06-02' }, 5);
      const finding = only(findingsOf([oldBoard, newBoard], run.records, [fresh]), 'error-form');
      expect(finding.strength).to.equal('note');
      const text = textOf(finding);
      expect(text).to.include("4 as OSError(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED'), the form of firmware ≤ v1.21, in 1 cell (records name firmware v1.20.0)");
      expect(text).to.include('5 as ValueError with the reason text, the form of firmware ≥ v1.22, in 1 cell (records name firmware v1.23.0)');
      expect(text).to.include('except (OSError, ValueError)');
      expect(finding.caveats).to.deep.equal([]);
    });

    it('gives no error-form finding when every failure comes in the form its firmware raises', () => {
      const run = new RunBuilder([fresh]).add(newBoard, { tls: 'future' }, 5);
      expect(findingsOf([newBoard], run.records, [fresh]).map((finding) => finding.id)).to.not.include('error-form');
    });
  });
});
