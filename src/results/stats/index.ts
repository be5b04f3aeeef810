/**
 * The statistics every report and finding uses: Wilson intervals for rates, Fisher's exact test
 * between two rates, Holm and Benjamini–Hochberg adjustments, and percentiles. The run uses Holm
 * for every comparison it prints. Each is checked against scipy/statsmodels/numpy reference values
 * (test/results/stats/reference.json).
 */
export { wilsonInterval, type WilsonInterval } from './wilson.js';
export { fisherExactTwoSided } from './fisher.js';
export { holmAdjust } from './holm.js';
export { benjaminiHochbergAdjust } from './benjamini-hochberg.js';
export { percentile, percentiles, type Percentiles } from './percentile.js';
export { compareGroups, type GroupComparison, type GroupCounts } from './compare.js';
export { normalQuantile } from './normal.js';
export { fisherExactOneSided, fisherWorseThan, type OneSidedAlternative } from './fisher-one-sided.js';
