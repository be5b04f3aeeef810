// Harness overhead per campaign attempt on the simulated board: each attempt's wall time minus the
// time the board spent in the device scripts (their own ticks_ms span, divided by the world's time
// scale to give host ms). Everything printed is measured; only the campaign shape is fixed here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from '../dist/campaign/campaign.js';
import { loadCampaignConfig } from '../dist/campaign/config/index.js';
import { summarize, table } from './stats.mjs';
import { writeBenchCampaign } from './support.mjs';

const ITERATIONS = 15;
const TIME_SCALE = 50;

export async function benchCampaign({ progress }) {
  const dir = mkdtempSync(join(tmpdir(), 'picow-bench-campaign-'));
  try {
    const loaded = await loadCampaignConfig(writeBenchCampaign(dir, { timeScale: TIME_SCALE, resets: ['none', 'soft', 'hard'], iterations: ITERATIONS }));
    progress(`campaign: 3 cells × ${ITERATIONS} attempts at time scale ${TIME_SCALE}`);
    const result = await runCampaign({ loaded, reportsDir: join(dir, 'reports'), events: {} });
    const { readFile } = await import('node:fs/promises');
    const records = (await readFile(join(result.runDir, 'attempts.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const rows = [];
    for (const reset of ['none', 'soft', 'hard']) {
      const mine = records.filter((r) => r.cell.startsWith(`${reset}/`) && r.boardMs !== null);
      const wall = mine.map((r) => r.durationMs);
      const board = mine.map((r) => r.boardMs / TIME_SCALE);
      const overhead = mine.map((r) => r.durationMs - r.boardMs / TIME_SCALE);
      const resetMs = mine.map((r) => r.reset?.durationMs ?? 0);
      rows.push({ scenario: `attempt, reset ${reset}`, transport: 'in-process', mode: 'wall', stats: summarize(wall) });
      rows.push({ scenario: `attempt, reset ${reset}`, transport: 'in-process', mode: 'board scripts (host ms)', stats: summarize(board) });
      rows.push({ scenario: `attempt, reset ${reset}`, transport: 'in-process', mode: 'of which reset', stats: summarize(resetMs) });
      rows.push({ scenario: `attempt, reset ${reset}`, transport: 'in-process', mode: 'harness overhead', stats: summarize(overhead) });
    }
    const classes = [...new Set(records.map((r) => r.class))].join(', ');
    return [
      'Campaign attempts (simulated board, world time scale ' + TIME_SCALE + '; wifi_connect + tls_probe per attempt):',
      table(rows),
      `- ${records.length} attempts, classes seen: ${classes}.`,
      '- board scripts = the device scripts\' own ticks_ms span ÷ time scale; harness overhead = wall − that: script upload, raw-REPL round trips, result parsing, the reset and its verification, record fsync and transcript.',
      '- The reset is inside the overhead (its board-side time is not measured by a script); its own row shows how much of it that is.',
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
