/**
 * `gate-junit.xml`: the gate's verdict for CI test views. One <testsuite>, one <testcase> per cell
 * of the run: a regressed cell is a <failure> (type "regression") with its numbers; a new cell and
 * a cell with too few attempts are <skipped/> with the reason; the rest pass. classname is stable
 * across nights (`picow-harness.gate`, `.SIMULATED` for simulated runs) so CI tracks each cell.
 */
import { openTag, xmlText } from '../report/xml.js';
import { SIMULATED_LABEL } from '../report/run-info.js';
import type { GateCell } from './compare.js';
import { describeCell } from './format.js';
import type { GateOutcome } from './gate.js';

export const GATE_JUNIT_FILE = 'gate-junit.xml';

type Judged = Pick<GateOutcome, 'verdict' | 'run' | 'baseline' | 'comparison'>;

function property(name: string, value: string | number | null): string | null {
  return value === null ? null : `      ${openTag('property', { name, value })}/>`;
}

function testcase(cell: GateCell, classname: string): string[] {
  const indent = '    ';
  const lines = [`${indent}${openTag('testcase', { name: cell.key, classname, time: '0.000' })}>`];
  const properties = [
    property('status', cell.status),
    property('run.ok', cell.run.ok),
    property('run.attempts', cell.run.attempts),
    property('baseline.ok', cell.baseline?.ok ?? null),
    property('baseline.attempts', cell.baseline?.attempts ?? null),
    property('p-value', cell.pValue),
    property('adjusted-p', cell.adjustedP),
  ].filter((line): line is string => line !== null);
  lines.push(`${indent}  <properties>`, ...properties.map((line) => `  ${line}`), `${indent}  </properties>`);
  const text = describeCell(cell);
  if (cell.status === 'regressed') {
    lines.push(`${indent}  ${openTag('failure', { message: `regression: ${text}`, type: 'regression' })}>${xmlText(text)}</failure>`);
  } else if (cell.status === 'new' || cell.status === 'too-few') {
    lines.push(`${indent}  ${openTag('skipped', { message: cell.note ?? cell.status })}/>`);
  }
  lines.push(`${indent}  <system-out>${xmlText(text)}</system-out>`, `${indent}</testcase>`);
  return lines;
}

export function formatGateJunit(judged: Judged): string {
  const { comparison, run, baseline } = judged;
  const simulated = run.kind === 'sim';
  const name = `picow-harness gate${simulated ? ` ${SIMULATED_LABEL}` : ''} run ${run.id} vs ${baseline.spec}`;
  const classname = simulated ? `picow-harness.gate.${SIMULATED_LABEL}` : 'picow-harness.gate';
  const counts = {
    tests: comparison.cells.length,
    failures: comparison.regressed,
    errors: 0,
    skipped: comparison.cells.filter((cell) => cell.status === 'new' || cell.status === 'too-few').length,
    time: '0.000',
  };
  const suiteProperties = [
    property('run.id', run.id),
    property('series', run.series),
    property('verdict', judged.verdict),
    property('baseline.spec', baseline.spec),
    property('baseline.runs', baseline.runs.map((entry) => entry.id).join(' ')),
    property('test', comparison.test),
    property('correction', comparison.correction),
    property('alpha', comparison.alpha),
  ].filter((line): line is string => line !== null);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `${openTag('testsuites', { name, ...counts })}>`,
    `  ${openTag('testsuite', { name, ...counts })}>`,
    '    <properties>',
    ...suiteProperties,
    '    </properties>',
    ...comparison.cells.flatMap((cell) => testcase(cell, classname)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
