import { UsageError } from '../errors.js';

const ROLLING = /^rolling:([1-9]\d{0,3})$/;

/**
 * Checks a `--baseline` value before anything is opened: `last-good`, `rolling:N` (N 1..1000), or
 * a run id or folder (anything else that does not look like a misspelt keyword). One-line
 * UsageError otherwise.
 */
export function parseBaselineSpec(value: string): string {
  const text = value.trim();
  if (text === '') throw new UsageError('--baseline: expected last-good, rolling:N or a run (id or folder), got nothing');
  if (text === 'last-good') return text;
  const rolling = ROLLING.exec(text);
  if (rolling !== null && Number(rolling[1]) <= 1000) return text;
  if (/^rolling\b/i.test(text)) throw new UsageError(`--baseline ${value}: expected rolling:N with N a whole number from 1 to 1000`);
  if (/^last[-_ ]?good$/i.test(text)) throw new UsageError(`--baseline ${value}: did you mean last-good?`);
  return text;
}
