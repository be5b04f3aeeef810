// Summary statistics and the table the bench prints. Every figure comes from measured samples.

/** Nearest-rank quantile of ascending-sorted samples (q in (0, 1]). */
function quantile(sorted, q) {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, median: NaN, p90: NaN, min: NaN, max: NaN };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { n: sorted.length, median, p90: quantile(sorted, 0.9), min: sorted[0], max: sorted[sorted.length - 1] };
}

/** Time `fn` once per sample after `warmup` unmeasured runs; returns milliseconds per run. */
export async function sample(count, warmup, fn) {
  for (let i = 0; i < warmup; i += 1) await fn(i);
  const samples = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await fn(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

function formatMs(value) {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** rows: { scenario, transport, mode, stats } → an aligned text table with units. */
export function table(rows) {
  const header = ['scenario', 'transport', 'mode', 'n', 'median ms', 'p90 ms', 'min ms', 'max ms'];
  const body = rows.map((row) => [
    row.scenario,
    row.transport,
    row.mode,
    String(row.stats.n),
    formatMs(row.stats.median),
    formatMs(row.stats.p90),
    formatMs(row.stats.min),
    formatMs(row.stats.max),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const line = (cells) => cells.map((cell, column) => (column >= 3 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}
