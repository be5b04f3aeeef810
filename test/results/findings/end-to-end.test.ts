import { expect } from 'chai';
import type { AttemptRecord, CellFacets, ServedCertificateSet } from '../../../src/campaign/types.js';
import { FindingsAccumulator, formatFindingsText, type Finding } from '../../../src/results/findings/index.js';
import { cell, FIRMWARE, HOST_NOW_MS, RunBuilder, servedSet, wifiVariant } from './support.js';

/**
 * A run shaped like the default campaign (hard resets, a hidden AP under the default PM and under
 * 0xa11140, a backdated and a freshly issued certificate set, the clock left cold), written as
 * attempts.jsonl and manifest JSON and read back line by line, as `report` does.
 */
describe('findings: end to end on a default-campaign-shaped run', function () {
  this.timeout(60_000);
  let findings: Finding[];
  let cells: CellFacets[];

  before(async () => {
    const valid = await servedSet('valid');
    const issuedNow = await servedSet('issued-now', { leaf: { notBefore: new Date(HOST_NOW_MS - 60_000), notAfter: new Date(HOST_NOW_MS + 365 * 86_400_000) } });
    const variants = [wifiVariant('hidden', { hidden: true, pm: 'default' }), wifiVariant('hidden', { hidden: true, pm: 0xa11140 })];
    cells = variants.flatMap((wifi) => ['valid', 'issued-now'].map((certs) => cell({ reset: 'hard', certs, wifi })));
    const run = new RunBuilder([valid, issuedNow]);
    for (let iteration = 0; iteration < 20; iteration++) {
      for (const facets of cells) {
        const powerSaving = facets.wifi?.pmValue === null;
        // The sim's measured rate for a hidden SSID under default PM is about 55 % joined.
        const joins = !powerSaving || (iteration * 7 + facets.id.length) % 20 < 11;
        run.add(facets, joins ? { join: 'ok', tls: facets.certs === 'valid' ? 'ok' : 'future' } : { join: { fail: iteration % 3 === 0 ? -3 : -1 } });
      }
    }
    const manifest = JSON.parse(JSON.stringify({ board: { firmware: { version: FIRMWARE } }, extra: { cells, certificateSets: [valid, issuedNow] } })) as {
      board: { firmware: { version: string } };
      extra: { cells: CellFacets[]; certificateSets: ServedCertificateSet[] };
    };
    const attemptsJsonl = run.records.map((record) => `${JSON.stringify(record)}\n`).join('');
    const accumulator = new FindingsAccumulator(manifest.extra.cells, manifest.extra.certificateSets, manifest.board.firmware.version);
    for (const line of attemptsJsonl.split('\n')) if (line !== '') accumulator.add(JSON.parse(line) as AttemptRecord);
    findings = accumulator.findings();
  });

  it('finds both seed bugs, strong, and nothing else', () => {
    expect(findings.map((finding) => [finding.id, finding.strength])).to.deep.equal([
      ['cold-boot-clock', 'strong'],
      ['hidden-ssid-pm', 'strong'],
    ]);
  });

  it('blames the fresh leaf at the boot epoch, with the backdated set as the control', () => {
    const cold = findings[0]!;
    expect(cold.explanation.join('\n')).to.include('the chain served for set "issued-now" gives BADCERT_FUTURE to the leaf');
    expect(cold.comparison?.groupA.cells).to.have.members(cells.filter((entry) => entry.certs === 'issued-now').map((entry) => entry.id));
    expect(cold.comparison?.groupB.cells).to.have.members(cells.filter((entry) => entry.certs === 'valid').map((entry) => entry.id));
    expect(cold.comparison?.groupA.ok).to.equal(0);
  });

  it('names the default PM as the failing mode and 0xa11140 as the alternative', () => {
    const pm = findings[1]!;
    expect(pm.title).to.equal('Hidden-SSID joins fail under PM default (0xa11142 PM_PERFORMANCE, power saving)');
    expect(pm.comparison?.groupB.label).to.equal('pm=0xa11140 (no power saving)');
    expect(pm.comparison?.groupB).to.deep.include({ ok: 40, attempts: 40 });
  });

  it('prints them for a terminal within the width', () => {
    const text = formatFindingsText(findings, { width: 80 });
    expect(text.split('\n').every((line) => line.length <= 80)).to.equal(true);
    expect(text).to.include('[strong] TLS fails after cold boots');
    expect(text).to.include('[strong] Hidden-SSID joins fail under PM default');
    expect(text.startsWith('Findings: 2 strong\n')).to.equal(true);
  });
});
