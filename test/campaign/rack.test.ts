import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCampaignConfig } from '../../src/campaign/config/index.js';
import { scanForSecrets } from '../../src/campaign/records/secret-scan.js';
import { loadCertificateSet } from '../../src/pki/index.js';
import { parseInventory, selectBoards } from '../../src/campaign/inventory/load.js';
import type { PowerGroupEvent } from '../../src/campaign/rack/power-group.js';
import { runRackCampaign, type RackResult } from '../../src/campaign/rack/rack-campaign.js';
import type { AttemptRecord } from '../../src/campaign/types.js';
import { rebuildReports } from '../../src/report/rebuild.js';
import { SimBoard } from '../../src/sim/board.js';
import { SimBinding, SimUsbBus } from '../../src/sim/usb-bus.js';
import { RawRepl } from '../../src/transport/raw-repl.js';
import { SerialTransport } from '../../src/transport/serial.js';
import { canaryCampaign, CANARY_PASSWORD, writeCampaign, type CampaignDir } from './support.js';

async function records(runDir: string): Promise<AttemptRecord[]> {
  const text = await readFile(join(runDir, 'attempts.jsonl'), 'utf8');
  return text.trim().split('\n').map((line) => JSON.parse(line) as AttemptRecord);
}

const FAST_RECOVERY = { reconnectTimeoutMs: 5_000, lostPortWaitMs: 500 };

const FOUR_BOARDS = `boards:
  a: { port: sim, serial: "aaaaaaaaaaaa0001" }
  b: { port: sim, serial: "aaaaaaaaaaaa0002" }
  c: { port: sim, serial: "aaaaaaaaaaaa0003" }
  d: { port: sim, serial: "aaaaaaaaaaaa0004" }
quarantineAfter: 2
`;

describe('rack: one campaign on several simulated boards', function () {
  this.timeout(60_000);
  let campaign: CampaignDir;
  let lockDir: string;

  beforeEach(async () => {
    lockDir = await mkdtemp(join(tmpdir(), 'picow-locks-'));
  });

  afterEach(async () => {
    await campaign?.dispose();
    await rm(lockDir, { recursive: true, force: true });
  });

  it('runs the whole plan on every board; a board that vanishes mid-run is quarantined while the others finish, and the run exits 3', async () => {
    campaign = await writeCampaign(
      canaryCampaign({
        iterations: 3,
        matrix: { resets: ['soft'], wifi: [{ ap: 'lab' }], certs: ['valid'] },
      }),
    );
    const loaded = await loadCampaignConfig(campaign.config);
    const inventory = parseInventory(FOUR_BOARDS, 'inventory.yaml');
    let vanished = false;
    let boardC: (() => void) | undefined;
    const result: RackResult = await runRackCampaign({
      loaded,
      boards: selectBoards(inventory, 'all'),
      quarantineAfter: inventory.inventory.quarantineAfter,
      reportsDir: campaign.reports,
      lockDir,
      env: { PICOW_TEST_WIFI_PASSWORD: CANARY_PASSWORD },
      // A vanished board is given up on quickly: each failing attempt waits out these (host ms).
      resetOptions: FAST_RECOVERY,
      events: {
        boardOpen: (label, board) => {
          if (label !== 'c') return;
          // Board c is unplugged for good once its first attempt is recorded.
          const sim = board.sim;
          if (sim === undefined) throw new Error('expected a simulated board');
          const stop = (): void => {
            if (vanished) return;
            vanished = true;
            void sim.dispose();
          };
          boardC = stop;
        },
        board: (label) => ({ attempt: () => (label === 'c' ? boardC?.() : undefined) }),
      },
    });

    expect(result.exit.code).to.equal(3);
    expect(result.exit.message).to.match(/\bc \(quarantined/);
    const byBoard = new Map(result.boards.map((board) => [board.label, board]));
    for (const label of ['a', 'b', 'd']) expect(byBoard.get(label)?.end, label).to.equal('completed');
    expect(byBoard.get('c')?.end).to.equal('quarantined');

    const all = await records(result.runDir);
    const count = (label: string): number => all.filter((record) => record.board?.label === label).length;
    expect([count('a'), count('b'), count('d')]).to.deep.equal([3, 3, 3]);
    // c: its one good attempt, then quarantineAfter (2) infrastructure failures in a row.
    expect(count('c')).to.equal(3);
    const c = all.filter((record) => record.board?.label === 'c');
    expect(c.slice(1).every((record) => record.class.startsWith('harness.') || record.class === 'device-hung'), JSON.stringify(c.map((r) => r.class))).to.equal(true);
    expect(new Set(all.map((record) => record.board?.serialNumber))).to.have.length(4);

    const manifest = JSON.parse(await readFile(join(result.runDir, 'manifest.json'), 'utf8')) as { extra: { rack: { boards: { label: string }[] } } };
    expect(manifest.extra.rack.boards.map((board) => board.label)).to.deep.equal(['a', 'b', 'c', 'd']);
    for (const label of ['a', 'b', 'c', 'd']) {
      const summary = JSON.parse(await readFile(join(result.runDir, 'boards', label, 'summary.json'), 'utf8')) as { cells: { attempts: number }[] };
      expect(summary.cells.reduce((sum, cell) => sum + cell.attempts, 0), label).to.equal(count(label));
      await stat(join(result.runDir, 'boards', label, 'report.html'));
    }
    const merged = JSON.parse(await readFile(join(result.runDir, 'summary.json'), 'utf8')) as { cells: { attempts: number }[]; exit: { code: number } };
    expect(merged.cells.reduce((sum, cell) => sum + cell.attempts, 0)).to.equal(all.length);
    expect(merged.exit.code).to.equal(3);
  });

  it('never switches a power group while another member is mid-attempt: power waits for the others, and the switch reaches every member', async () => {
    campaign = await writeCampaign(
      canaryCampaign({
        iterations: 2,
        matrix: { resets: ['power-cycle', 'soft'], wifi: [{ ap: 'lab' }], certs: ['valid'] },
        // Waiting for the group counts against the attempt's budget (board ms; 50× host ms here).
        timeouts: { connectMs: 20_000, tlsMs: 20_000, resetMs: 20_000, attemptMs: 1_200_000 },
      }),
    );
    const loaded = await loadCampaignConfig(campaign.config);
    const inventory = parseInventory(
      `boards:
  p: { port: sim, serial: "bbbbbbbbbbbb0001", group: hub-a }
  q: { port: sim, serial: "bbbbbbbbbbbb0002", group: hub-a }
  r: { port: sim, serial: "bbbbbbbbbbbb0003", group: hub-a }
  s: { port: sim, serial: "bbbbbbbbbbbb0004" }
`,
      'inventory.yaml',
    );
    const timeline: PowerGroupEvent[] = [];
    const boots = new Map<string, () => number>();
    const result = await runRackCampaign({
      loaded,
      boards: selectBoards(inventory, 'all'),
      quarantineAfter: 3,
      reportsDir: campaign.reports,
      lockDir,
      env: { PICOW_TEST_WIFI_PASSWORD: CANARY_PASSWORD },
      events: {
        group: (event) => timeline.push(event),
        boardOpen: (label, board) => boots.set(label, () => board.sim?.counters.hardBoots ?? 0),
      },
    });

    expect(result.exit.code, result.exit.message ?? '').to.equal(0);
    const state = new Map<string, 'idle' | 'active' | 'waiting' | 'switching'>(['p', 'q', 'r'].map((label) => [label, 'idle']));
    let contended = 0;
    for (const event of timeline) {
      const others = [...state].filter(([label]) => label !== event.board);
      switch (event.kind) {
        case 'attempt-start':
          expect(others.some(([, s]) => s === 'switching' || s === 'waiting'), `${event.board} began an attempt while a member waited for power`).to.equal(false);
          state.set(event.board, 'active');
          break;
        case 'power-wait':
          if (others.some(([, s]) => s === 'active')) contended += 1;
          state.set(event.board, 'waiting');
          break;
        case 'power-start':
          expect(others.filter(([, s]) => s === 'active' || s === 'switching').map(([label]) => label), `members mid-attempt when ${event.board} switched power`).to.deep.equal([]);
          state.set(event.board, 'switching');
          break;
        case 'power-end':
        case 'power-abandon':
          state.set(event.board, 'active');
          break;
        case 'attempt-end':
          state.set(event.board, 'idle');
          break;
      }
    }
    const switches = timeline.filter((event) => event.kind === 'power-start');
    // Each member power-cycles once per power-cycle attempt (2 iterations), and the switch was contended at least once.
    expect(switches.map((event) => event.board).sort()).to.deep.equal(['p', 'p', 'q', 'q', 'r', 'r']);
    expect(contended).to.be.greaterThan(0);
    // Ganged: every member booted once per switch of the group (6) plus its first power-on; s, outside the group, only for its own cycles.
    for (const label of ['p', 'q', 'r']) expect(boots.get(label)?.(), label).to.equal(1 + switches.length);
    expect(boots.get('s')?.()).to.equal(1 + 2);
    const all = await records(result.runDir);
    expect(all).to.have.length(16);
    expect(all.filter((record) => record.class.startsWith('harness.')).map((record) => `${record.board?.label ?? ''} ${record.detail}`)).to.deep.equal([]);
  });

  it('resumes every board where it stopped, each attempt recorded once per board, and `report` rebuilds the per-board reports', async () => {
    campaign = await writeCampaign(canaryCampaign({ iterations: 3, matrix: { resets: ['none', 'soft'], wifi: [{ ap: 'lab' }], certs: ['valid'] } }));
    const loaded = await loadCampaignConfig(campaign.config);
    const inventory = parseInventory('boards:\n  x: { port: sim }\n  y: { port: sim }\n', 'inventory.yaml');
    const common = { boards: selectBoards(inventory, 'all'), quarantineAfter: 3, reportsDir: campaign.reports, lockDir, env: { PICOW_TEST_WIFI_PASSWORD: CANARY_PASSWORD } };
    // Stopped (as by SIGINT) once three attempts are on disk, whichever boards they came from.
    const stop = new AbortController();
    let recorded = 0;
    const first = await runRackCampaign({
      ...common,
      loaded,
      signal: stop.signal,
      events: { board: () => ({ attempt: () => void (++recorded === 3 && stop.abort()) }) },
    });
    expect(first.exit.reason).to.equal('interrupted');
    const partial = await records(first.runDir);
    expect(partial.length).to.be.within(3, 11);

    const second = await runRackCampaign({ ...common, loaded, resumeDir: first.runDir });
    expect(second.runDir).to.equal(first.runDir);
    expect(second.exit.code, second.exit.message ?? '').to.equal(0);
    const all = await records(first.runDir);
    for (const label of ['x', 'y']) {
      const keys = all.filter((record) => record.board?.label === label).map((record) => `${record.cell}#${record.iteration}`);
      expect(keys, label).to.have.length(6);
      expect(new Set(keys), label).to.have.property('size', 6);
    }
    await rm(join(first.runDir, 'boards', 'y', 'summary.json'));
    await rebuildReports(first.runDir);
    const summary = JSON.parse(await readFile(join(first.runDir, 'boards', 'y', 'summary.json'), 'utf8')) as { cells: { attempts: number; planned: number }[] };
    expect(summary.cells.map((cell) => [cell.attempts, cell.planned])).to.deep.equal([[3, 3], [3, 3]]);
    const merged = JSON.parse(await readFile(join(first.runDir, 'summary.json'), 'utf8')) as { cells: { attempts: number; planned: number }[] };
    expect(merged.cells.map((cell) => [cell.attempts, cell.planned])).to.deep.equal([[6, 6], [6, 6]]);
    // Neither the Wi-Fi password nor a byte of the served keys reaches any file of the run.
    const set = await loadCertificateSet(campaign.certs, 'valid');
    const keys = [set.leafKeyPem, set.clientKeyPem].map((pem) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
    expect(await scanForSecrets(first.runDir, [CANARY_PASSWORD, ...keys])).to.deep.equal([]);
    // The merged reports name every board, not only the first.
    const markdown = await readFile(join(first.runDir, 'summary.md'), 'utf8');
    expect(markdown).to.match(/\| Boards \(2\) \| x \(serial [0-9a-f]{16}, [^)]*MicroPython v1\.24\.1[^)]*\)<br>y \(serial [0-9a-f]{16}, /);
    expect(await readFile(join(first.runDir, 'report.html'), 'utf8')).to.include('Boards (2)');
  });

  it('runs four simulated boards at once without a sleeping board spinning a host core', async () => {
    const bus = new SimUsbBus();
    const boards = Array.from({ length: 4 }, (_, index) => new SimBoard({ name: `s${index}`, seed: index + 1, timeScale: 1 }));
    const repls: RawRepl[] = [];
    try {
      for (const board of boards) {
        bus.add(board);
        await board.powerOn();
      }
      await Promise.all(boards.map((board) => board.waitForUsb(20_000)));
      for (const board of boards) {
        const transport = await SerialTransport.open({ path: bus.pathOf(board) ?? '', binding: new SimBinding(bus), kind: 'sim', serialNumber: board.serialNumber });
        const repl = new RawRepl(transport);
        repls.push(repl);
        await repl.enter();
      }
      const before = process.cpuUsage();
      const results = await Promise.all(repls.map((repl) => repl.exec('import time\ntime.sleep(1)\nprint("awake")')));
      const cpu = process.cpuUsage(before);
      expect(results.map((result) => result.stdout)).to.deep.equal(['awake\r\n', 'awake\r\n', 'awake\r\n', 'awake\r\n']);
      // Four boards sleeping one second each: a busy-wait would burn on the order of a core-second; a blocked worker, almost nothing.
      expect((cpu.user + cpu.system) / 1000).to.be.lessThan(250);
    } finally {
      for (const repl of repls) await repl.close().catch(() => undefined);
      await Promise.all(boards.map((board) => board.dispose()));
    }
  });
});
