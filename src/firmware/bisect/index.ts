export { resolveBuilds, buildLabel, type BisectBuild } from './builds.js';
export { compareTags, tagSortKey } from './version-order.js';
export { nextStep, maxSteps, type NextStep } from './search.js';
export { judge, countClasses, badClassMatcher, okRate, addCounts, checkVerdictRule, type Verdict, type VerdictRule, type StepCounts, type RateWithInterval } from './verdict.js';
export { loadBisectState, saveBisectState, BISECT_STATE_FILE, BISECT_REPORT_FILE, type BisectState, type BisectStep, type BisectOutcome } from './state.js';
export { summarizeBisect, formatBisectMarkdown, formatRate, outcomeLine, bisectCaveats, classesText, type BisectSummary, type BuildSummary, type SideSummary } from './report.js';
export { runBisect, type RunBisectOptions, type NewBisect, type BisectEvents, type BisectResult } from './run-bisect.js';
