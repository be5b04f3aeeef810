import { expect } from 'chai';
import { formatFindingsText, type Finding } from '../../../src/results/findings/index.js';

const finding = (overrides: Partial<Finding> = {}): Finding => ({
  id: 'hidden-ssid-pm',
  title: 'Hidden-SSID joins fail under PM default (0xa11142 PM_PERFORMANCE, power saving)',
  strength: 'strong',
  explanation: ['Joining the hidden AP "cellar", PM default failed 12 of 20 (60.0%, 95% CI 38.7–78.1%) joins, while pm=0xa11140 failed 0 of 20 (0.0%, 95% CI 0.0–16.1%).'],
  advice: ['Turn power saving off for the join: `wlan.config(pm=0xa11140)`.'],
  caveats: ['No visible-AP cell ran under the same PM value.'],
  evidence: Array.from({ length: 11 }, (_, index) => ({
    cell: `hard/cellar-pm-default/c${index}`,
    attempts: 20,
    matching: 12,
    ok: 8,
    okRate: { rate: 0.4, low: 0.2, high: 0.6 },
    example: { seq: index, transcript: `transcripts/${index}.log`, detail: 'STAT_CONNECT_FAIL' },
  })),
  comparison: {
    groupA: { label: 'PM default', cells: ['a'], ok: 8, attempts: 20 },
    groupB: { label: 'pm=0xa11140', cells: ['b'], ok: 20, attempts: 20 },
    pValue: 0.000123,
    pAdjusted: 0.000246,
    correction: 'holm',
  },
  ...overrides,
});

describe('findings: terminal text', () => {
  it('says so when there is no finding', () => {
    expect(formatFindingsText([], { width: 80 })).to.equal('Findings: none — no rule recognised a known pattern in these records.\n');
  });

  it('counts by strength, wraps every line to the width and lists at most maxCells cells', () => {
    const text = formatFindingsText([finding(), finding({ id: 'dhcp-stuck', title: 'DHCP', strength: 'note', comparison: undefined, evidence: [] })], { width: 60, maxCells: 3 });
    const lines = text.split('\n');
    expect(lines[0]).to.equal('Findings: 1 strong, 1 note');
    expect(lines.every((line) => line.length <= 60), text).to.equal(true);
    expect(text).to.include('[strong] Hidden-SSID joins fail under PM default');
    expect(text).to.include('Fisher p = 1.2e-4, Holm p = 2.5e-4');
    expect(text).to.include('      - hard/cellar-pm-default/c0: 12 matching of 20,');
    expect(text).to.include('… and 8 more');
    expect(text).to.include('[note] DHCP');
  });

  it('styles through the caller\'s painter only', () => {
    const painted = formatFindingsText([finding()], { width: 100, paint: (text, ...styles) => `<${styles.join('+')}>${text}</>` });
    expect(painted).to.include('<bold+red>[strong]</>');
    expect(formatFindingsText([finding()], { width: 100 })).to.not.include('<');
  });
});
