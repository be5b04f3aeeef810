/**
 * `junit.xml` for CI test views: one <testsuite> per run, one <testcase> per cell.
 *
 * - A testcase FAILS only when one of the cell's `expect:` rules did not hold (device failures are
 *   results, not test failures). The <failure> message is the rule and what was observed.
 * - A cell not run is <skipped/> (unless an unmet expectation makes it a failure, which keeps the
 *   file consistent with `run`'s exit code).
 * - A flaky cell (0 < ok rate < 1) that does not fail is reported as passing, marked flaky by a
 *   testcase property `flaky=true` (Jenkins' JUnit plugin shows testcase properties; pytest, jest-junit
 *   and Playwright write them) and by a `FLAKY:` first line in <system-out> (shown by Jenkins and
 *   GitLab, which ignores properties). We deliberately do not write Surefire's <flakyFailure>: it means
 *   "failed, then passed on a rerun", carries one element per rerun, and the Jenkins JUnit plugin
 *   does not read it (jenkinsci/junit-plugin#237) while older Surefire reports showed it as a failure.
 * - classname is stable across runs (`picow-harness`, or `picow-harness.SIMULATED`) so CI history
 *   tracks a cell from run to run; the run id is in the suite name and properties.
 */
import type { CellTally, Tally } from '../results/tally.js';
import { formatObserved, formatPercent, namingCell } from './format.js';
import { isSimulated, SIMULATED_LABEL, type RunInfo } from './run-info.js';
import { openTag, xmlText } from './xml.js';

export const JUNIT_XML_FILE = 'junit.xml';

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/** JUnit's timestamp: ISO 8601 without a zone (UTC), or nothing when `iso` is not a date. */
function junitTimestamp(iso: string): string | undefined {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().slice(0, 19);
}

type Verdict = 'failure' | 'skipped' | 'passed';

const verdictOf = (cell: CellTally): Verdict =>
  cell.expectation === 'failed' ? 'failure' : cell.status === 'not-run' ? 'skipped' : 'passed';

function property(name: string, value: string | number, indent: string): string {
  return `${indent}${openTag('property', { name, value })}/>`;
}

function cellProperties(cell: CellTally, indent: string): string[] {
  const inner = `${indent}  `;
  const properties = [
    property('status', cell.status, inner),
    property('attempts', cell.attempts, inner),
    property('planned', cell.planned, inner),
    property('ok-class', cell.okClass, inner),
    property('ok', cell.ok, inner),
  ];
  if (cell.okRate !== null) properties.push(property('ok-rate', String(cell.okRate), inner));
  if (cell.status === 'flaky') properties.push(property('flaky', 'true', inner));
  for (const entry of cell.classes) properties.push(property(`class.${entry.name}`, entry.count, inner));
  return [`${indent}<properties>`, ...properties, `${indent}</properties>`];
}

/** What was measured, for <system-out>. */
function cellReport(cell: CellTally): string {
  const lines: string[] = [];
  const rate = `${cell.ok} of ${cell.attempts} attempts ${cell.okClass} (${formatPercent(cell.ok, cell.attempts)})`;
  if (cell.status === 'flaky') lines.push(`FLAKY: ${rate}`);
  else if (cell.status === 'not-run') lines.push(`not run: 0 of ${cell.planned} attempts`);
  else lines.push(`${cell.status.toUpperCase()}: ${rate}`);
  for (const entry of cell.classes) {
    const example = entry.firstFailure;
    const first =
      example === null
        ? ''
        : ` (first: seq ${example.seq}, iteration ${example.iteration}${example.transcript === null ? '' : `, ${example.transcript}`}: ${example.detail})`;
    lines.push(`${entry.name} ${entry.count}${first}`);
  }
  for (const outcome of cell.expectations) lines.push(`expect ${outcome.rule}: ${outcome.held ? 'held' : 'FAILED'}, observed ${formatObserved(outcome.observed)}`);
  return lines.join('\n');
}

function testcase(cell: CellTally, classname: string): string[] {
  const indent = '    ';
  const lines = [`${indent}${openTag('testcase', { name: cell.cell, classname, time: seconds(cell.durationMs) })}>`];
  lines.push(...cellProperties(cell, `${indent}  `));
  const verdict = verdictOf(cell);
  if (verdict === 'failure') {
    const unmet = cell.expectations.filter((outcome) => !outcome.held);
    const message = unmet.map((outcome) => `${outcome.rule}: observed ${formatObserved(outcome.observed)}`).join('; ');
    const body = unmet.map(namingCell).join('\n');
    lines.push(`${indent}  ${openTag('failure', { message, type: 'expectation' })}>${xmlText(body)}</failure>`);
  } else if (verdict === 'skipped') {
    lines.push(`${indent}  ${openTag('skipped', { message: `not run: 0 of ${cell.planned} attempts` })}/>`);
  }
  lines.push(`${indent}  <system-out>${xmlText(cellReport(cell))}</system-out>`);
  lines.push(`${indent}</testcase>`);
  return lines;
}

function suiteProperties(run: RunInfo): string[] {
  const indent = '      ';
  const properties = [property('run.id', run.runId, indent), property('board.kind', run.board.kind, indent)];
  if (isSimulated(run)) properties.push(property('board.label', SIMULATED_LABEL, indent));
  if (run.board.sim !== null) {
    properties.push(
      property('sim.world-hash', run.board.sim.worldHash, indent),
      property('sim.seed', run.board.sim.seed, indent),
      property('sim.time-scale', run.board.sim.timeScale, indent),
    );
  }
  if (run.board.serialNumber !== null) properties.push(property('board.serial-number', run.board.serialNumber, indent));
  if (run.board.firmware !== null) properties.push(property('board.firmware', run.board.firmware, indent));
  properties.push(property('started-at', run.startedAt, indent));
  if (run.finishedAt !== null) properties.push(property('finished-at', run.finishedAt, indent));
  return ['    <properties>', ...properties, '    </properties>'];
}

/** The file's text. */
export function formatJunitXml(run: RunInfo, tally: Tally): string {
  const simulated = isSimulated(run);
  const verdicts = tally.cells.map(verdictOf);
  const counts = {
    tests: tally.cells.length,
    failures: verdicts.filter((verdict) => verdict === 'failure').length,
    errors: 0,
    skipped: verdicts.filter((verdict) => verdict === 'skipped').length,
    time: seconds(tally.totals.durationMs),
  };
  const suiteName = `picow-harness${simulated ? ` ${SIMULATED_LABEL}` : ''} run ${run.runId}`;
  const classname = simulated ? `picow-harness.${SIMULATED_LABEL}` : 'picow-harness';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `${openTag('testsuites', { name: suiteName, ...counts })}>`,
    `  ${openTag('testsuite', { name: suiteName, ...counts, timestamp: junitTimestamp(run.startedAt) })}>`,
    ...suiteProperties(run),
    ...tally.cells.flatMap((cell) => testcase(cell, classname)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
