import { relative } from 'node:path';
import type { Finding } from '../../results/findings/index.js';
import { buildLabel, type BisectBuild } from './builds.js';
import type { BisectState, BisectStep } from './state.js';
import { addCounts, okRate, type RateWithInterval, type StepCounts } from './verdict.js';

/** One side of the boundary (or one build): attempts, ok, the failures hunted, and the ok rate with its Wilson interval. */
export interface SideSummary {
  readonly builds: readonly string[];
  readonly counts: StepCounts;
  readonly okRate: RateWithInterval | null;
}

export interface BuildSummary {
  readonly file: string;
  readonly tag: string | null;
  readonly programVersion: string | null;
  /** sys.version the board reported after the build was flashed. */
  readonly boardVersion: string | null;
  readonly step: number;
  readonly runDir: string | null;
  readonly counts: StepCounts | null;
  readonly okRate: RateWithInterval | null;
}

/** The end of a bisect in numbers: what bisect.md and the terminal show. */
export interface BisectSummary {
  readonly outcome: NonNullable<BisectState['outcome']>['kind'] | 'in-progress';
  readonly firstBad: BuildSummary | null;
  readonly lastGood: BuildSummary | null;
  /** Every step judged good / bad, pooled (each build's attempts are independent samples). */
  readonly good: SideSummary;
  readonly bad: SideSummary;
  /** The first bad step's findings. */
  readonly findings: readonly Finding[];
}

function stepOfBuild(state: BisectState, index: number): BisectStep | undefined {
  return state.steps.find((step) => step.buildIndex === index && step.status === 'done');
}

function buildSummary(state: BisectState, index: number): BuildSummary | null {
  const build = state.builds[index];
  const step = stepOfBuild(state, index);
  if (build === undefined || step === undefined) return null;
  return {
    file: build.file,
    tag: build.tag,
    programVersion: build.programVersion,
    boardVersion: step.flash?.after ?? null,
    step: step.number,
    runDir: step.runDir,
    counts: step.counts,
    okRate: step.okRate,
  };
}

function side(state: BisectState, verdict: 'good' | 'bad'): SideSummary {
  const steps = state.steps.filter((step) => step.status === 'done' && step.verdict === verdict && step.counts !== null);
  const counts = addCounts(steps.map((step) => step.counts as StepCounts));
  return {
    builds: steps.map((step) => buildLabel(state.builds[step.buildIndex] as BisectBuild)),
    counts,
    okRate: okRate(counts.ok, counts.attempts),
  };
}

export function summarizeBisect(state: BisectState): BisectSummary {
  const outcome = state.outcome;
  const found = outcome?.kind === 'found' ? outcome : undefined;
  const firstBad = found === undefined ? null : buildSummary(state, found.firstBad);
  return {
    outcome: outcome?.kind ?? 'in-progress',
    firstBad,
    lastGood: found === undefined ? null : buildSummary(state, found.lastGood),
    good: side(state, 'good'),
    bad: side(state, 'bad'),
    findings: found === undefined ? [] : (stepOfBuild(state, found.firstBad)?.findings ?? []),
  };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** `62.5% [30.6–86.3]` (ok rate with its Wilson 95 % interval) or `-`. */
export function formatRate(rate: RateWithInterval | null): string {
  return rate === null ? '-' : `${percent(rate.rate)} [${(rate.low * 100).toFixed(1)}–${(rate.high * 100).toFixed(1)}]`;
}

/** `tls.verify.future 2, tls.ok 1`, most frequent first. */
export function classesText(counts: StepCounts | null): string {
  if (counts === null) return '-';
  return Object.entries(counts.classes)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}

/**
 * What the verdicts cannot say on their own: a build judged good although none of its attempts
 * passed (they ended in classes that are neither the success nor the failure hunted, e.g.
 * tls.api-unavailable). Next to the boundary that means the cell became testable there, which is
 * not the same as the failure beginning there.
 */
export function bisectCaveats(state: BisectState): string[] {
  const caveats: string[] = [];
  const found = state.outcome?.kind === 'found' ? state.outcome : undefined;
  for (const step of state.steps) {
    const counts = step.counts;
    if (step.status !== 'done' || step.verdict !== 'good' || counts === null || counts.ok > 0 || counts.other === 0) continue;
    const label = buildLabel(state.builds[step.buildIndex] as BisectBuild);
    const boundary = found !== undefined && step.buildIndex === found.lastGood;
    caveats.push(
      `${label} was judged good, but none of its ${counts.attempts} attempts passed (${classesText(counts)})${boundary ? ': the boundary may be where the cell first became testable, not where the failure began' : ''}`,
    );
  }
  return caveats;
}

/** One line per outcome: what a person needs first. */
export function outcomeLine(state: BisectState): string {
  const summary = summarizeBisect(state);
  const { rule, cell } = state.setup;
  switch (summary.outcome) {
    case 'found':
      return `first bad build: ${summary.firstBad?.tag ?? summary.firstBad?.file ?? '?'} (last good: ${summary.lastGood?.tag ?? summary.lastGood?.file ?? '?'}) for ${cell}, ${rule.k}-of-${rule.n} verdict`;
    case 'first-build-bad': {
      const step = state.steps.find((candidate) => candidate.buildIndex === 0 && candidate.status === 'done');
      return `the oldest build ${buildLabel(state.builds[0] as BisectBuild)} is already bad for ${cell} (${classesText(step?.counts ?? null)}): the failure is older than the range, or --bad-class should name only the failure you are hunting`;
    }
    case 'last-build-good':
      return `the newest build ${buildLabel(state.builds[state.builds.length - 1] as BisectBuild)} is good for ${cell}: no build in the range shows the failure (${rule.k} of ${rule.n} attempts)`;
    default:
      return `bisect not finished: ${state.steps.filter((step) => step.status === 'done').length} step(s) done; continue with --resume`;
  }
}

function cellText(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** bisect.md: outcome, the boundary with rates, every step, the first bad step's findings. */
export function formatBisectMarkdown(state: BisectState, dir: string): string {
  const summary = summarizeBisect(state);
  const { setup } = state;
  const lines: string[] = [];
  lines.push('# Bisect', '');
  lines.push(`**${outcomeLine(state)}**`, '');
  lines.push(`- cell: \`${setup.cell}\` (success class \`${setup.successClass}\`), campaign ${setup.configFile}${setup.port === null ? '' : `, port ${setup.port}`}`);
  lines.push(
    `- verdict: a build is bad when at least ${setup.rule.k} of its ${setup.rule.n} attempts end in ${setup.rule.badClasses === null ? 'a failing class (harness.* not counted)' : setup.rule.badClasses.map((glob) => `\`${glob}\``).join(' or ')}; otherwise good`,
  );
  lines.push(`- builds: ${state.builds.length} (oldest first), seed ${setup.seed}`, '');
  const caveats = bisectCaveats(state);
  if (caveats.length > 0) {
    lines.push('## Caveats', '');
    for (const caveat of caveats) lines.push(`- ${caveat}`);
    lines.push('');
  }
  if (summary.firstBad !== null || summary.lastGood !== null) {
    lines.push('## The boundary', '');
    lines.push('| | build | version (UF2) | sys.version after flashing | ok [Wilson 95 % CI] | failures hunted | run |', '|---|---|---|---|---|---|---|');
    for (const [label, build] of [
      ['last good', summary.lastGood],
      ['first bad', summary.firstBad],
    ] as const) {
      if (build === null) continue;
      const counts = build.counts;
      lines.push(
        `| ${label} | ${cellText(relative(dir, build.file))} | ${cellText(build.programVersion ?? '-')} | ${cellText(build.boardVersion ?? '-')} | ${counts === null ? '-' : `${counts.ok}/${counts.attempts} = ${formatRate(build.okRate)}`} | ${counts === null ? '-' : `${counts.bad}/${counts.attempts}`} | ${cellText(build.runDir ?? '-')} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Both sides, pooled', '');
  lines.push('| side | builds | attempts | ok [Wilson 95 % CI] | failures hunted | classes |', '|---|---|---|---|---|---|');
  for (const [label, pooled] of [
    ['good', summary.good],
    ['bad', summary.bad],
  ] as const) {
    lines.push(`| ${label} | ${cellText(pooled.builds.join(', ') || '-')} | ${pooled.counts.attempts} | ${formatRate(pooled.okRate)} | ${pooled.counts.bad} | ${cellText(classesText(pooled.counts))} |`);
  }
  lines.push('', '## Steps', '');
  lines.push('| step | build | version (UF2) | sys.version after flashing | k/n | verdict | ok [Wilson 95 % CI] | classes | run |', '|---|---|---|---|---|---|---|---|---|');
  for (const step of state.steps) {
    const build = state.builds[step.buildIndex] as BisectBuild;
    const counts = step.counts;
    lines.push(
      `| ${step.number} (${step.role}) | ${cellText(relative(dir, build.file))} | ${cellText(build.programVersion ?? '-')} | ${cellText(step.flash?.after ?? '-')} | ${counts === null ? '-' : `${counts.bad}/${counts.attempts}`} | ${step.verdict ?? step.status} | ${formatRate(step.okRate)} | ${cellText(classesText(counts))} | ${cellText(step.runDir ?? step.stepDir)} |`,
    );
  }
  lines.push('', 'k/n: attempts that showed the failure hunted / attempts run.', '');
  if (summary.findings.length > 0) {
    lines.push('## Findings of the first bad build', '');
    for (const finding of summary.findings) {
      lines.push(`### ${finding.title} (${finding.strength})`, '');
      for (const sentence of finding.explanation) lines.push(`- ${sentence}`);
      for (const advice of finding.advice) lines.push(`- advice: ${advice}`);
      lines.push('');
    }
  } else if (summary.outcome === 'found') {
    lines.push('## Findings of the first bad build', '', 'No rule recognised a known pattern in its run (see its summary.md).', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
