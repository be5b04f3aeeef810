/** Report inputs from synthetic records, for the Markdown and HTML tests. */
import type { AttemptRecord, CellFacets } from '../../src/campaign/types.js';
import { buildReportData, TimelineSampler, type ReportData } from '../../src/report/html/report-data.js';
import type { RunInfo } from '../../src/report/run-info.js';
import type { RunExit } from '../../src/report/summary-json.js';
import type { Finding } from '../../src/results/findings/types.js';
import { tally, type ExpectationOutcome, type PlannedCell } from '../../src/results/tally.js';
import { SIM_RUN } from './support.js';

export const COMPLETED: RunExit = { code: 0, reason: 'completed', message: 'completed' };

export interface ReportSpec {
  readonly run?: RunInfo;
  readonly records: readonly AttemptRecord[];
  readonly plan: readonly PlannedCell[];
  readonly facets?: readonly CellFacets[];
  readonly findings?: readonly Finding[];
  readonly expectations?: readonly ExpectationOutcome[];
  readonly exit?: RunExit;
  readonly notes?: readonly string[];
}

export function reportData(spec: ReportSpec): ReportData {
  const okClass = new Map(spec.plan.map((cell) => [cell.id, cell.okClass]));
  const timelines = new TimelineSampler((cell) => okClass.get(cell) ?? 'tls.ok');
  for (const record of spec.records) timelines.add(record);
  return buildReportData({
    run: spec.run ?? SIM_RUN,
    exit: spec.exit ?? COMPLETED,
    tally: tally(spec.records, spec.plan, spec.expectations ?? []),
    facets: spec.facets ?? [],
    findings: spec.findings ?? [],
    timelines,
    ...(spec.notes === undefined ? {} : { notes: spec.notes }),
  });
}

/** A finding with every part filled, numbers chosen by hand. */
export const COLD_BOOT_FINDING: Finding = {
  id: 'cold-boot-clock',
  title: "TLS fails after cold boots: the board's clock is not set",
  strength: 'strong',
  explanation: ['8 of 10 attempts after a hard reset ended tls.verify.future; the board clock read 2021-01-01 00:00:07.'],
  advice: ['Set the clock with ntptime.settime() after the link is up and before TLS.'],
  caveats: ['Only one firmware version was tested.'],
  evidence: [
    {
      cell: 'hard/lab/valid',
      attempts: 10,
      matching: 8,
      ok: 2,
      okRate: { rate: 0.2, low: 0.0567, high: 0.5098 },
      facts: { rtcAtFailure: '2021-01-01T00:00:07Z', flag: 'BADCERT_FUTURE', leafNotBefore: '2024-06-01T00:00:00Z' },
      example: { seq: 3, transcript: 'transcripts/00003.txt', detail: 'BADCERT_FUTURE on the leaf' },
    },
  ],
  comparison: {
    groupA: { label: 'cold boot (hard reset)', cells: ['hard/lab/valid'], ok: 2, attempts: 10 },
    groupB: { label: 'clock kept (soft reset)', cells: ['soft/lab/valid'], ok: 10, attempts: 10 },
    pValue: 0.000714,
    pAdjusted: 0.002142,
    correction: 'holm',
  },
};
