import { resolve } from 'node:path';
import type { LoadedCampaign } from '../../campaign/config/index.js';
import { loadInventory, selectBoards } from '../../campaign/inventory/load.js';
import { runRackCampaign, type RackResult } from '../../campaign/rack/rack-campaign.js';
import { UsageError } from '../../errors.js';
import { shouldUseColor } from '../../report/color.js';
import { formatTerminalSummary } from '../../report/terminal-summary.js';
import { formatFindingsText } from '../../results/findings/index.js';
import type { CliIo } from '../io.js';
import { writeLine } from '../io.js';

export interface RackRunInput {
  readonly loaded: LoadedCampaign;
  /** --boards: all, or LABEL,LABEL. */
  readonly boards: string;
  /** --inventory, else the campaign's board.inventory (relative to the config file). */
  readonly inventory: string | undefined;
  readonly only: readonly string[] | undefined;
  readonly resumeDir: string | undefined;
  readonly reportsDir: string;
  readonly waitLockMs: number;
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
}

function inventoryFile(input: RackRunInput): string {
  if (input.inventory !== undefined) return input.inventory;
  const named = input.loaded.config.board.inventory;
  if (named !== undefined) return resolve(input.loaded.dir, named);
  throw new UsageError('--boards needs an inventory: give --inventory FILE or name one in the campaign config (board.inventory)');
}

/** `run --boards`: the campaign on every selected board of the inventory at once; per-board lines, then a summary per board and the merged one. */
export async function runRackFromCli(input: RackRunInput): Promise<RackResult> {
  const { io } = input;
  const inventory = await loadInventory(inventoryFile(input));
  const boards = selectBoards(inventory, input.boards);
  const say = (text: string): void => writeLine(io.stderr, text);
  const width = Math.max(...boards.map((board) => board.label.length));
  const tag = (label: string): string => label.padEnd(width);
  const done = new Map<string, number>();
  let perBoard = 0;
  const result = await runRackCampaign({
    loaded: input.loaded,
    boards,
    quarantineAfter: inventory.inventory.quarantineAfter,
    ...(input.only === undefined ? {} : { only: input.only }),
    resumeDir: input.resumeDir,
    reportsDir: input.reportsDir,
    waitLockMs: input.waitLockMs,
    env: input.env,
    signal: input.signal,
    ...(process.stdin.isTTY ? { terminal: { input: process.stdin, output: process.stderr } } : {}),
    events: {
      boardOpen: (label, board) => say(`${tag(label)}  ${board.describe()}`),
      start: ({ runDir, runId, plan, boards: labels, resumed }) => {
        perBoard = plan.attempts.length;
        const simulated = boards.every((board) => board.simulated);
        say(`${simulated ? 'SIMULATED ' : ''}run ${runId} on ${labels.length} boards (${labels.join(', ')}) → ${runDir}${resumed === null ? '' : ` (resumed: ${resumed.done.size} attempts already recorded)`}`);
        if (resumed !== null) for (const record of resumed.records) done.set(record.board?.label ?? '', (done.get(record.board?.label ?? '') ?? 0) + 1);
      },
      message: say,
      boardStopped: (label, reason) => say(`${tag(label)}  STOPPED: ${reason}`),
      board: (label) => ({
        preflight: (check) => say(`${tag(label)}  preflight  ${check.name.padEnd(18)} ${check.detail}`),
        message: (text) => say(`${tag(label)}  ${text}`),
        attempt: (record) => {
          const count = (done.get(label) ?? 0) + 1;
          done.set(label, count);
          say(`${tag(label)}  ${String(count).padStart(String(perBoard).length)}/${perBoard}  ${record.cell}#${record.iteration}  ${record.class}`);
        },
      }),
    },
  });
  const color = shouldUseColor(io.stdout as { isTTY?: boolean }, input.env);
  for (const board of result.boards) {
    writeLine(io.stdout, `── board ${board.label}: ${board.end}${board.reason === null ? '' : ` (${board.reason})`}`);
    if (board.result !== null) {
      writeLine(io.stdout, formatTerminalSummary(board.result.run, board.result.tally, { color }).trimEnd());
      writeLine(io.stdout, `report:  ${board.result.reports.reportHtml}`);
    }
    writeLine(io.stdout);
  }
  if (result.merged !== null) {
    writeLine(io.stdout, `── all ${result.boards.length} boards merged`);
    writeLine(io.stdout, formatTerminalSummary(result.merged.run, result.merged.tally, { color }).trimEnd());
    writeLine(io.stdout);
    writeLine(io.stdout, formatFindingsText(result.merged.findings, { width: Math.min(100, (io.stdout as { columns?: number }).columns ?? 100) }).trimEnd());
    writeLine(io.stdout);
    writeLine(io.stdout, `records: ${result.runDir}`);
    writeLine(io.stdout, `report:  ${result.merged.paths.reportHtml}`);
    writeLine(io.stdout, `summary: ${result.merged.paths.summaryMd}`);
  }
  return result;
}
