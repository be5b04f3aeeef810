import type { Context, Suite } from 'mocha';
import { findExecutable } from '../../src/sim/host/find-executable.js';

function markSkipped(suite: Suite, reason: string): void {
  for (const test of suite.tests) test.title += ` [skipped: ${reason}]`;
  for (const child of suite.suites) markSkipped(child, reason);
}

/**
 * The absolute path of an external tool a test needs. Call it in a test, or in a `before` hook to
 * cover a whole suite. Under CI=true a missing tool FAILS (CI installs it; a silent skip would hide
 * a broken set-up). Elsewhere the test or suite is skipped and its titles say why.
 */
export function requireTool(context: Context, tool: string, installHint: string): string {
  const found = findExecutable(tool);
  if (found !== undefined) return found;
  const reason = `${tool} is not installed (${installHint})`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI must install it, so this fails instead of skipping`);
  const runnable = context.test;
  if ((runnable as { type?: string } | undefined)?.type === 'test' && runnable !== undefined) runnable.title += ` [skipped: ${reason}]`;
  else if (runnable?.parent !== undefined) markSkipped(runnable.parent, reason);
  context.skip();
}
