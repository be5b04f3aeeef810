export { History, HISTORY_FILE, defaultHistoryPath, type HistoryOpenOptions } from './history.js';
export { resolveBaseline, type Baseline, type BaselineSpec } from './baseline.js';
export { seriesKeyOf, kindOfSeries } from './series.js';
export { indexRunInHistory, type IndexOutcome } from './index-run.js';
export { GATE_FILE, readRunRows, type RunRows } from './read-run.js';
export { SCHEMA_VERSION } from './schema.js';
export {
  REGRESSION_VERDICT,
  type BoardKind,
  type CellCount,
  type CellCountFilter,
  type CellTimings,
  type GateVerdict,
  type HistoryRun,
  type ImportResult,
  type RunFilter,
  type SimConditions,
} from './types.js';
export { buildTrend, DEFAULT_TREND_RUNS, type SeriesTrend, type TrendLine, type TrendOptions, type TrendPoint, type TrendReport } from './trend.js';
export { formatTrendText } from './trend-text.js';
export { formatTrendHtml } from './trend-html.js';
