/**
 * Findings as terminal text: one block per finding (strength, title, explanation, the comparison,
 * advice, caveats, the cells behind it), wrapped to the terminal width. Styling is the caller's
 * (`paint`, e.g. src/report/color.ts's painter); without it the text is plain.
 */
import { formatP, percent } from './numbers.js';
import type { Finding, FindingEvidence } from './types.js';

export type FindingsTextStyle = 'bold' | 'dim' | 'red' | 'green' | 'yellow';

export interface FindingsTextOptions {
  /** Terminal columns; lines are wrapped to fit (at least 40 are used). */
  readonly width: number;
  readonly paint?: (text: string, ...styles: FindingsTextStyle[]) => string;
  /** Cells listed per finding before "… and N more" (default 8). */
  readonly maxCells?: number;
}

const STRENGTH_STYLE: Readonly<Record<Finding['strength'], FindingsTextStyle[]>> = {
  strong: ['bold', 'red'],
  suggestive: ['bold', 'yellow'],
  note: ['dim'],
};

/** Greedy word wrap; a word longer than the width gets a line of its own. */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** `text` wrapped under `indent`, the first line led by `bullet` (continuation lines aligned after it). */
function block(text: string, width: number, indent: string, bullet = ''): string[] {
  const hang = ' '.repeat(bullet.length);
  return wrapWords(text, Math.max(20, width - indent.length - bullet.length)).map((line, index) => `${indent}${index === 0 ? bullet : hang}${line}`);
}

function evidenceLine(evidence: FindingEvidence): string {
  const ok = evidence.okRate === null ? 'not run' : `ok ${evidence.ok}/${evidence.attempts} (${percent(evidence.okRate.rate)})`;
  const example = evidence.example === undefined ? '' : `; e.g. #${evidence.example.seq}${evidence.example.transcript === null ? '' : ` ${evidence.example.transcript}`}`;
  return `${evidence.cell}: ${evidence.matching} matching of ${evidence.attempts}, ${ok}${example}`;
}

export function formatFindingsText(findings: readonly Finding[], options: FindingsTextOptions): string {
  const width = Math.max(40, options.width);
  const paint = options.paint ?? ((text: string) => text);
  const maxCells = options.maxCells ?? 8;
  if (findings.length === 0) return `${paint('Findings:', 'bold')} none — no rule recognised a known pattern in these records.\n`;
  const counts = (['strong', 'suggestive', 'note'] as const)
    .map((strength) => ({ strength, count: findings.filter((finding) => finding.strength === strength).length }))
    .filter(({ count }) => count > 0)
    .map(({ strength, count }) => `${count} ${strength}`);
  const lines: string[] = [`${paint('Findings:', 'bold')} ${counts.join(', ')}`];
  for (const finding of findings) {
    lines.push('');
    const tag = `[${finding.strength}]`;
    const title = block(finding.title, width, '', `${tag} `);
    lines.push(...title.map((line, index) => (index === 0 ? `${paint(tag, ...STRENGTH_STYLE[finding.strength])}${paint(line.slice(tag.length), 'bold')}` : paint(line, 'bold'))));
    for (const sentence of finding.explanation) lines.push(...block(sentence, width, '    '));
    if (finding.comparison !== undefined) {
      const { groupA, groupB, pValue, pAdjusted } = finding.comparison;
      lines.push(
        ...block(
          `Compared: ${groupA.label}: ${groupA.ok}/${groupA.attempts} ok vs ${groupB.label}: ${groupB.ok}/${groupB.attempts} ok; Fisher p = ${formatP(pValue)}, Holm p = ${formatP(pAdjusted)}`,
          width,
          '    ',
        ).map((line) => paint(line, 'dim')),
      );
    }
    if (finding.advice.length > 0) {
      lines.push(`    ${paint('What to do:', 'bold')}`);
      for (const advice of finding.advice) lines.push(...block(advice, width, '      ', '- '));
    }
    if (finding.caveats.length > 0) {
      lines.push(`    ${paint('Caveats:', 'bold')}`);
      for (const caveat of finding.caveats) lines.push(...block(caveat, width, '      ', '- '));
    }
    if (finding.evidence.length > 0) {
      lines.push(`    ${paint('Cells:', 'bold')}`);
      for (const evidence of finding.evidence.slice(0, maxCells)) lines.push(...block(evidenceLine(evidence), width, '      ', '- ').map((line) => paint(line, 'dim')));
      if (finding.evidence.length > maxCells) lines.push(paint(`      … and ${finding.evidence.length - maxCells} more`, 'dim'));
    }
  }
  return `${lines.join('\n')}\n`;
}
