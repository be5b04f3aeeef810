/** The stylesheet report.html carries inline (the file must open offline, from anywhere). */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #5b6470; --line: #d8dde3; --panel: #f6f8fa; --ok: #2e7d32; --bad: #c62828; --warn: #b26a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 0 20px 40px; }
h1 { font-size: 22px; margin: 18px 0 6px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
a { color: #0b5cad; }
.banner { margin: 0; padding: 10px 20px; font-weight: 600; letter-spacing: .02em; }
.banner.simulated { background: #fff3cd; color: #5c4400; border-bottom: 2px solid #e0b100; }
.banner.real { background: #e8f2fd; color: #0b3a6b; border-bottom: 2px solid #6aa3df; }
nav { margin: 6px 0 0; color: var(--muted); }
nav a { margin-right: 12px; }
table { border-collapse: collapse; margin: 8px 0; width: 100%; }
th, td { border: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.meta { width: auto; }
table.meta th { width: 150px; }
.status-pass { color: var(--ok); font-weight: 600; }
.status-fail { color: var(--bad); font-weight: 600; }
.status-flaky { color: var(--warn); font-weight: 600; }
.status-not-run { color: var(--muted); }
.held { color: var(--ok); }
.failed { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--muted); border-radius: 4px; padding: 4px 14px 10px; margin: 12px 0; }
.finding.strength-strong { border-left-color: var(--bad); }
.finding.strength-suggestive { border-left-color: var(--warn); }
.badge { display: inline-block; font-size: 11px; font-weight: 700; text-transform: uppercase; padding: 1px 6px; border-radius: 3px; background: var(--panel); border: 1px solid var(--line); margin-left: 6px; vertical-align: middle; }
.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.chart-box { overflow-x: auto; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart text { font-size: 12px; fill: var(--ink); }
svg.chart text.axis { font-size: 11px; fill: var(--muted); }
svg.chart .grid { stroke: #e6e9ed; stroke-width: 1; }
svg.chart .not-run { fill: #fff; stroke: var(--line); stroke-dasharray: 4 3; }
svg.chart .interval { stroke: #37474f; stroke-width: 1.6; }
svg.chart .whisker { stroke: #607d8b; stroke-width: 1.2; }
svg.chart .box { fill: #cfe3f7; stroke: #1f5f99; stroke-width: 1; }
svg.chart .median { stroke: #0d3c66; stroke-width: 2.4; }
svg.chart .point { fill: #0d3c66; fill-opacity: .35; }
.timelines { display: flex; flex-wrap: wrap; gap: 10px 18px; }
.timelines figure { margin: 0; }
details { margin: 4px 0; }
summary { cursor: pointer; }
footer { margin-top: 30px; color: var(--muted); font-size: 12px; }
@media print { .chart-box { overflow: visible; } details { display: block; } }
`;
