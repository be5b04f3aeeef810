// Campaign wall time on 1, 2 and 4 simulated boards at once (`run --boards`), every board running
// the same plan. Reports the measured scaling and what bounds it: each simulated board is a
// MicroPython interpreter in its own worker thread, so N boards want N cores, and this host has
// os.availableParallelism() of them.
//
//   node bench/rack.mjs                 from dist/ (npm run build first; npm run bench does)
//   node --import tsx bench/rack.mjs --src   from src/ without a build
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { summarize, table } from './stats.mjs';
import { writeBenchCampaign } from './support.mjs';

const ITERATIONS = 6;
const TIME_SCALE = 50;
const BOARD_COUNTS = [1, 2, 4];
const REPEATS = 2;

async function modules() {
  const fromSrc = process.argv.includes('--src');
  const at = (path) => new URL(`../${fromSrc ? 'src' : 'dist'}/${path}.${fromSrc ? 'ts' : 'js'}`, import.meta.url).href;
  const [{ runRackCampaign }, { loadCampaignConfig }, { parseInventory, selectBoards }] = await Promise.all([
    import(at('campaign/rack/rack-campaign')),
    import(at('campaign/config/index')),
    import(at('campaign/inventory/load')),
  ]);
  return { runRackCampaign, loadCampaignConfig, parseInventory, selectBoards };
}

function inventoryText(count) {
  const lines = ['boards:'];
  for (let index = 0; index < count; index += 1) lines.push(`  bench-${index + 1}: {port: sim, serial: "${(0xbe0c0000 + index).toString(16).padStart(16, '0')}"}`);
  return `${lines.join('\n')}\n`;
}

export async function benchRack({ progress }) {
  const { runRackCampaign, loadCampaignConfig, parseInventory, selectBoards } = await modules();
  const dir = mkdtempSync(join(tmpdir(), 'picow-bench-rack-'));
  const cores = availableParallelism();
  try {
    const loaded = await loadCampaignConfig(writeBenchCampaign(dir, { timeScale: TIME_SCALE, resets: ['none', 'soft'], iterations: ITERATIONS }));
    const rows = [];
    const medians = new Map();
    for (const count of BOARD_COUNTS) {
      const walls = [];
      let attempts = 0;
      for (let repeat = 0; repeat < REPEATS; repeat += 1) {
        progress(`rack: ${count} board(s) × 2 cells × ${ITERATIONS} iterations (run ${repeat + 1}/${REPEATS})`);
        const boards = selectBoards(parseInventory(inventoryText(count), 'bench-rack.yaml'), 'all');
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const result = await runRackCampaign({ loaded, boards, quarantineAfter: 3, reportsDir: join(dir, 'reports'), lockDir: join(dir, 'locks'), env: { ...process.env }, events: {} });
        const wall = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        if (result.exit.code !== 0) throw new Error(`rack bench run on ${count} boards exited ${result.exit.code}: ${result.exit.message}`);
        attempts = readFileSync(join(result.runDir, 'attempts.jsonl'), 'utf8').trim().split('\n').length;
        walls.push(wall);
        rows.push({ scenario: `campaign on ${count} board(s), run ${repeat + 1}`, transport: 'sim', mode: `${attempts} attempts, CPU ${((cpu.user + cpu.system) / 1000 / wall).toFixed(2)} cores`, stats: summarize([wall]) });
      }
      const stats = summarize(walls);
      medians.set(count, { wall: stats.median, attempts });
    }
    const one = medians.get(1);
    const lines = BOARD_COUNTS.map((count) => {
      const { wall, attempts } = medians.get(count);
      const speedup = (one.wall / wall) * count; // throughput relative to one board
      return `- ${count} board(s): median wall ${(wall / 1000).toFixed(1)} s for ${attempts} attempts; throughput ${speedup.toFixed(2)}× one board's (ideal ${count}×).`;
    });
    return [
      `Rack (run --boards): the same plan (2 cells × ${ITERATIONS} iterations, time scale ${TIME_SCALE}) on every board at once; wall time from runRackCampaign() start to its merged reports.`,
      table(rows),
      ...lines,
      `- CPU column: process.cpuUsage() (every thread of this process) ÷ wall time, in cores. Host load average when done: ${loadavg().map((value) => value.toFixed(1)).join(' / ')} (1/5/15 min); a load above ${cores} means other processes took cores from this bench.`,
      `- This host: os.availableParallelism() = ${cores} (${cpus()[0]?.model ?? 'unknown CPU'}). Each simulated board runs MicroPython in its own worker thread and the harness adds its main thread. A simulated board is busy only part of the time (it waits in board time for the radio, resets and the echo server), so more boards than cores still add throughput until the CPU column nears ${cores} cores; from there the ${cores} cores, not the harness's scheduling, bound the scaling. Real boards do their work on their own CPUs; there the host mostly waits and scales further.`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchRack({ progress: (text) => process.stderr.write(`bench: ${text}\n`) })
    .then((text) => process.stdout.write(`${text}\n`))
    .catch((error) => {
      process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
