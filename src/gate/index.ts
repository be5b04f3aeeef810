export {
  compareWithBaseline,
  CONFIDENCE,
  DEFAULT_ALPHA,
  DEFAULT_MIN_ATTEMPTS,
  DEFAULT_MIN_DROP,
  GATE_CORRECTION,
  GATE_TEST,
  type CellStatus,
  type CountRow,
  type GateCell,
  type GateComparison,
  type GateOptions,
  type RateSummary,
} from './compare.js';
export { runGate, gateDocument, GateInfrastructureError, PASS_VERDICT, type GateDocument, type GateOutcome, type GateRequest, type GateRunRef, type GateVerdictWord } from './gate.js';
export { formatGateJunit, GATE_JUNIT_FILE } from './junit.js';
export { describeCell, formatGateText, formatP, formatRate, type GateTextOptions } from './format.js';
export { parseBaselineSpec } from './baseline-spec.js';
