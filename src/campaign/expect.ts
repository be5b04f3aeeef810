import { cellMatcher } from './matrix.js';

/**
 * Expectations a campaign declares per cell (`expect:` in the config), e.g. that the cold-boot
 * cell *should* fail. `picow-harness run` exits 1 when one does not hold.
 *
 * Rules (one per entry):
 * - `<class> <op> <rate>`, optionally written `class <class> <op> <rate>`: the share of the cell's
 *   attempts that reached the class, as their final class or as a step on the way (an attempt
 *   ending `tls.ok` also reached `wifi.ok`). `<op>` is one of >= > <= < == (≥ ≤ too); `<rate>` is 0..1
 *   or a percentage (`95%`).
 * - `ok <op> <rate>`: the same for the cell's success class (`tls.ok` when the cell has a TLS step,
 *   else `wifi.ok`), counted by final class only.
 * - `fails`: no attempt of the cell ended in its success class.
 * A cell without attempts holds no expectation (there is no evidence either way).
 */

export type ComparisonOp = '>=' | '>' | '<=' | '<' | '==';

export type ExpectationRule =
  | { readonly kind: 'fails'; readonly text: string }
  | { readonly kind: 'rate'; readonly className: string; readonly op: ComparisonOp; readonly threshold: number; readonly text: string };

/** The rule's target meaning "this cell's success class". */
export const SUCCESS_ALIAS = 'ok';

export const RULE_FORMS = "fails, ok >= RATE, <class> >= RATE (e.g. tls.ok >= 0.95, wifi.ok >= 90%), or class <class> <op> RATE; <op> is >=, >, <=, < or ==";

const CLASS_NAME = /^[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*(?:@[A-Za-z0-9_-]+)?$/;
const OPS: Readonly<Record<string, ComparisonOp>> = { '>=': '>=', '≥': '>=', '>': '>', '<=': '<=', '≤': '<=', '<': '<', '==': '==', '=': '==' };
const OP_SYMBOL: Readonly<Record<ComparisonOp, string>> = { '>=': '≥', '>': '>', '<=': '≤', '<': '<', '==': '=' };

/** Parse one rule; the problem is one phrase for a config error. */
export function parseExpectationRule(text: string): { ok: true; rule: ExpectationRule } | { ok: false; problem: string } {
  const source = text.trim().replace(/\s+/g, ' ');
  if (source === 'fails') return { ok: true, rule: { kind: 'fails', text: source } };
  const match = /^(?:class )?(\S+?) ?(>=|<=|==|≥|≤|>|<|=) ?(\S+)$/.exec(source);
  if (match === null) return { ok: false, problem: `must be ${RULE_FORMS}` };
  const [, className = '', opText = '', rateText = ''] = match;
  if (className !== SUCCESS_ALIAS && !CLASS_NAME.test(className)) {
    return { ok: false, problem: `${JSON.stringify(className)} is not a class name (like tls.ok, wifi.no-ap-found, tls.verify.future)` };
  }
  const percent = rateText.endsWith('%');
  const number = Number(percent ? rateText.slice(0, -1) : rateText);
  const threshold = percent ? number / 100 : number;
  if (rateText === '' || !Number.isFinite(number) || threshold < 0 || threshold > 1) {
    return { ok: false, problem: `the rate ${JSON.stringify(rateText)} must be a number from 0 to 1 or a percentage like 95%` };
  }
  const op = OPS[opText] ?? '>=';
  return { ok: true, rule: { kind: 'rate', className, op, threshold, text: `${className} ${op} ${rateText}` } };
}

/** The step a rule needs in a cell: a `tls.*`/`echo.*` class needs TLS, a `wifi.*` class needs Wi-Fi. */
export function stepNeededBy(rule: ExpectationRule): 'tls' | 'wifi' | 'any' | undefined {
  if (rule.kind === 'fails' || rule.className === SUCCESS_ALIAS) return 'any';
  if (/^(tls|echo)\./.test(rule.className)) return 'tls';
  if (/^wifi\./.test(rule.className)) return 'wifi';
  return undefined;
}

/** Per-cell counts of attempts by class. */
export interface CellTally {
  readonly cell: string;
  readonly total: number;
  /** Attempts by final class. */
  readonly counts: Readonly<Record<string, number>>;
  /** Attempts that reached each class as final class or as a step; `counts` when absent. */
  readonly reached?: Readonly<Record<string, number>>;
}

/** What evaluation needs of a planned cell. */
export interface ExpectationCell {
  readonly id: string;
  /** The class an attempt ends in when every step succeeded; null for a cell without Wi-Fi or TLS step. */
  readonly successClass: string | null;
}

export interface Expectation {
  /** Glob over cell ids (`*` within one axis, `**` across axes, `?` one character). */
  readonly cell: string;
  readonly rule: ExpectationRule;
}

export interface ExpectationResult {
  readonly cell: string;
  /** The rule as written (normalised spacing). */
  readonly rule: string;
  readonly held: boolean;
  /** The observed rate (0..1) for a rate rule; for `fails`, how many attempts ended in the success class. */
  readonly observed: number;
  /** One line for people. */
  readonly text: string;
}

function compare(value: number, op: ComparisonOp, threshold: number): boolean {
  // Rates are ratios of small integers: compare with a tolerance so 19/20 meets 0.95.
  const epsilon = 1e-9;
  switch (op) {
    case '>=':
      return value >= threshold - epsilon;
    case '>':
      return value > threshold + epsilon;
    case '<=':
      return value <= threshold + epsilon;
    case '<':
      return value < threshold - epsilon;
    case '==':
      return Math.abs(value - threshold) <= epsilon;
  }
}

function formatRate(rate: number): string {
  return String(Number(rate.toFixed(4)));
}

function evaluateOne(cell: ExpectationCell, rule: ExpectationRule, tally: CellTally | undefined): ExpectationResult {
  const total = tally?.total ?? 0;
  const success = cell.successClass;
  if (rule.kind === 'fails') {
    const reachedOk = success === null ? 0 : (tally?.counts[success] ?? 0);
    const held = total > 0 && reachedOk === 0;
    const text =
      total === 0
        ? `${cell.id}: fails not met: no attempts`
        : `${cell.id}: fails ${held ? 'held' : 'not met'}: ${reachedOk} of ${total} attempts ended ${success ?? 'ok'}`;
    return { cell: cell.id, rule: rule.text, held, observed: reachedOk, text };
  }
  const className = rule.className === SUCCESS_ALIAS ? success : rule.className;
  const source = rule.className === SUCCESS_ALIAS ? tally?.counts : (tally?.reached ?? tally?.counts);
  const hits = className === null ? 0 : (source?.[className] ?? 0);
  const observed = total === 0 ? 0 : hits / total;
  const held = total > 0 && compare(observed, rule.op, rule.threshold);
  const shown = `${rule.className === SUCCESS_ALIAS ? `ok (${className ?? 'none'})` : rule.className} ${OP_SYMBOL[rule.op]} ${formatRate(rule.threshold)}`;
  const text = total === 0 ? `${cell.id}: ${shown} not met: no attempts` : `${cell.id}: ${shown} ${held ? 'held' : 'not met'}: ${formatRate(observed)} (${hits}/${total})`;
  return { cell: cell.id, rule: rule.text, held, observed, text };
}

/**
 * Every expectation against every cell its glob matches, in expectation order then cell order.
 * A planned cell without a tally had no attempts (e.g. the run stopped at --max-duration).
 */
export function evaluateExpectations(expectations: readonly Expectation[], cells: readonly ExpectationCell[], tallies: Iterable<CellTally>): ExpectationResult[] {
  const byCell = new Map<string, CellTally>();
  for (const tally of tallies) byCell.set(tally.cell, tally);
  const results: ExpectationResult[] = [];
  for (const expectation of expectations) {
    const matches = cellMatcher(expectation.cell);
    for (const cell of cells) if (matches(cell.id)) results.push(evaluateOne(cell, expectation.rule, byCell.get(cell.id)));
  }
  return results;
}
