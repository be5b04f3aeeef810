/**
 * The examples/ files are real: the nightly config validates through the campaign loader and runs
 * on the simulated board (every cell, power cycles included, through the stand-in uhubctl and a
 * simulated switched hub at the config's hub location), the GitHub Actions workflow and the
 * systemd units parse and say what they must, and every picow-harness command line in them is
 * accepted by the CLI's own yargs definitions.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parse } from 'yaml';
import { openCampaignBoard, type CampaignBoard } from '../../src/campaign/board/campaign-board.js';
import { runCampaign } from '../../src/campaign/campaign.js';
import { loadCampaignConfig } from '../../src/campaign/config/index.js';
import { planCampaign } from '../../src/campaign/matrix.js';
import { createPowerDriver, scaledClock } from '../../src/campaign/power/index.js';
import type { AttemptRecord } from '../../src/campaign/types.js';
import { runGate } from '../../src/gate/index.js';
import { defaultHistoryPath } from '../../src/history/index.js';
import { startSimHub, type SimHub } from '../../src/sim/hub-control.js';
import { loadWorld } from '../../src/sim/world.js';
import { STAND_IN_DIR } from '../campaign/power/support.js';
import { cliProblem, harnessInvocations } from './cli-lines.js';

const run = promisify(execFile);
const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const NIGHTLY = join(EXAMPLES, 'nightly.yaml');
const NIGHTLY_WORLD = join(EXAMPLES, 'nightly-sim-world.yaml');
const WORKFLOW = join(EXAMPLES, 'github-actions/nightly.yml');
const SYSTEMD = join(EXAMPLES, 'systemd');
/** Half the cells (every reset, Wi-Fi variant and RTC mode; the issued-now certificate): a file stays under a minute. */
const ONLY = '*/*/issued-now/*';

/** The simulator world's passwords, handed over the way a real rig gets them: the environment. */
const SIM_SECRETS = { PICOW_LAB_PASSWORD: 'nightly-lab-pass', PICOW_HIDDEN_PASSWORD: 'nightly-hidden-pass' };

/** Env variable names the nightly config reads its secrets from. */
async function nightlySecretNames(): Promise<string[]> {
  const loaded = await loadCampaignConfig(NIGHTLY);
  return loaded.config.accessPoints.flatMap((ap) => (ap.password !== undefined && 'env' in ap.password ? [ap.password.env] : []));
}

type IniUnit = Map<string, Map<string, string[]>>;

/** systemd's unit syntax, as much as these files use: [Section], Key=Value (repeatable), # and ; comments. */
function parseUnit(text: string, file: string): IniUnit {
  const unit: IniUnit = new Map();
  let section: Map<string, string[]> | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header !== null) {
      section = new Map();
      unit.set(header[1] as string, section);
      return;
    }
    const entry = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (entry === null || section === undefined) throw new Error(`${file}:${index + 1}: not a [Section] or Key=Value line: ${line}`);
    const values = section.get(entry[1] as string) ?? [];
    values.push(entry[2] as string);
    section.set(entry[1] as string, values);
  });
  return unit;
}

const one = (unit: IniUnit, section: string, key: string): string | undefined => unit.get(section)?.get(key)?.at(-1);

/** A five-field cron expression as GitHub Actions accepts it (numbers, *, ranges, lists, steps). */
function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return `has ${fields.length} fields, not 5`;
  const ranges: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];
  for (const [index, field] of fields.entries()) {
    const [low, high] = ranges[index] as [number, number];
    for (const part of field.split(',')) {
      const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      if (match === null) return `field ${index + 1} (${field}) is not cron syntax`;
      const numbers = [match[2], match[3]].filter((value): value is string => value !== undefined).map(Number);
      if (numbers.some((value) => value < low || value > high)) return `field ${index + 1} (${field}) is outside ${low}-${high}`;
      if (match[4] !== undefined && Number(match[4]) < 1) return `field ${index + 1} (${field}) has step 0`;
    }
  }
  return undefined;
}

describe('examples/', function () {
  this.timeout(120_000);

  describe('nightly.yaml', () => {
    it('validates through the campaign config loader as a real-rig campaign: by-id port, uhubctl at a hub location, a hidden AP, certificate sets, RTC modes, resets, expectations, env secrets', async () => {
      const loaded = await loadCampaignConfig(NIGHTLY);
      const { config } = loaded;
      expect(config.board.port).to.match(/^\/dev\/serial\/by-id\//);
      expect(config.board.power).to.deep.include({ driver: 'uhubctl', location: '1-1.4', port: 2 });
      expect(config.accessPoints.some((ap) => ap.hidden && ap.bssid !== undefined)).to.equal(true);
      expect(config.accessPoints.every((ap) => ap.password !== undefined && 'env' in ap.password)).to.equal(true);
      expect(config.matrix.certs).to.include.members(['valid', 'issued-now']);
      expect(config.matrix.rtc?.map((rtc) => rtc.text)).to.include.members(['cold', 'ntp']);
      expect(config.matrix.resets).to.include('power-cycle');
      expect(config.expect.length).to.be.at.least(2);
      const plan = planCampaign(config, { seed: 0 });
      expect(plan.cells.length * plan.iterations).to.equal(24 * 50);
    });

    describe('on the simulated board (--port sim, its world at 50× time, one iteration, --only */*/issued-now/*)', () => {
      let dir: string | undefined;
      let board: CampaignBoard | undefined;
      let hub: SimHub | undefined;

      afterEach(async () => {
        await board?.close();
        await hub?.close();
        if (dir !== undefined) await rm(dir, { recursive: true, force: true });
        board = undefined;
        hub = undefined;
        dir = undefined;
      });

      it('runs its cells — power cycles through uhubctl at 1-1.4 port 2 included — holds its expectations, and the gate reads the run', async () => {
        dir = await mkdtemp(join(tmpdir(), 'picow-nightly-example-'));
        const reports = join(dir, 'reports');
        const workDir = dir;
        const loaded = await loadCampaignConfig(NIGHTLY, { overrides: { port: 'sim', world: NIGHTLY_WORLD, iterations: 1, seed: 3 }, cwd: workDir });
        expect(loaded.overriddenBy).to.have.members(['--port', '--world', '--iterations', '--seed']);
        const world = await loadWorld(NIGHTLY_WORLD);
        expect(world.timeScale).to.be.at.least(50);
        const power = loaded.config.board.power;
        if (power?.driver !== 'uhubctl') throw new Error('the nightly example must use uhubctl');
        const socketPath = join(workDir, 'hub.sock');
        board = await openCampaignBoard({
          spec: 'sim',
          world,
          seed: 3,
          power: async (target) => {
            hub = await startSimHub({ boards: [{ port: power.port as number, board: target.sim! }], socketPath, location: power.location as string });
            return createPowerDriver(power, {
              serialNumber: target.serialNumber,
              cacheDir: reports,
              env: { ...process.env, PATH: `${STAND_IN_DIR}${delimiter}${process.env.PATH ?? ''}`, PICOW_SIM_HUB: socketPath },
              clock: scaledClock(world.timeScale),
            });
          },
        });
        const records: AttemptRecord[] = [];
        const result = await runCampaign({ loaded, only: [ONLY], reportsDir: reports, env: { ...SIM_SECRETS }, board, timeZone: 'UTC', events: { attempt: (record) => records.push(record) } });

        expect(result.end).to.equal('completed');
        expect(result.exit.code, result.exit.message ?? undefined).to.equal(0);
        expect(records).to.have.length(12);
        expect(new Set(records.map((record) => record.cell.split('/')[0]))).to.deep.equal(new Set(['hard', 'power-cycle']));
        expect(records.filter((record) => record.class.startsWith('harness.')).map((record) => `${record.cell}: ${record.class}`)).to.deep.equal([]);
        expect(hub?.events.filter((event) => event.power === 'off').length, 'power cycles through the hub').to.equal(6);
        expect(result.run.board.kind).to.equal('sim');
        // A cold clock judges the just-issued certificate as not yet valid: never tls.ok there.
        const coldIssuedNow = records.filter((record) => record.cell.endsWith('/issued-now/cold'));
        expect(coldIssuedNow).to.have.length(6);
        expect(records.filter((record) => record.cell.startsWith('power-cycle/')).every((record) => record.reset?.verified === true)).to.equal(true);
        expect(coldIssuedNow.filter((record) => record.class === 'tls.ok')).to.deep.equal([]);
        expect(coldIssuedNow.filter((record) => record.cell.includes('/lab-')).map((record) => record.class)).to.deep.equal(['tls.verify.future', 'tls.verify.future']);

        // One night has no baseline: the gate says so (exit 2), after adding the run to the history.
        const gate = runGate({ run: result.runDir, baseline: 'rolling:7', reportsDir: reports, historyPath: defaultHistoryPath(reports) });
        await gate.then(
          () => expect.fail('the gate judged a run without a baseline'),
          (error: Error & { code?: string }) => {
            expect(error.code).to.equal('USAGE');
            expect(error.message).to.match(/no baseline available for rolling:7 — no earlier run in series sim:nightly Pico W Wi-Fi and TLS@world:/);
          },
        );
        expect(existsSync(defaultHistoryPath(reports))).to.equal(true);
      });
    });
  });

  describe('github-actions/nightly.yml', () => {
    it('runs nightly on a valid cron schedule on a self-hosted runner with the rig label', async () => {
      const workflow = parse(await readFile(WORKFLOW, 'utf8'));
      const schedules = workflow.on.schedule as { cron: string }[];
      expect(schedules).to.have.length.at.least(1);
      for (const { cron } of schedules) expect(cronProblem(cron), cron).to.equal(undefined);
      const jobs = Object.values(workflow.jobs) as { 'runs-on': string[] | string }[];
      expect(jobs).to.have.length.at.least(1);
      for (const job of jobs) expect([job['runs-on']].flat()).to.include.members(['self-hosted', 'picow-rig']);
      expect(workflow.concurrency['cancel-in-progress']).to.equal(false);
    });

    it('installs with npm ci, runs, gates against rolling:N or last-good, uploads the run folder and publishes JUnit even after a failure', async () => {
      const workflow = parse(await readFile(WORKFLOW, 'utf8'));
      const steps = workflow.jobs.nightly.steps as { uses?: string; run?: string; if?: string; with?: Record<string, string>; env?: Record<string, string> }[];
      const scripts = steps.map((step) => step.run ?? '');
      expect(scripts).to.include('npm ci');
      const invocations = scripts.flatMap((script) => harnessInvocations(script));
      expect(invocations.map((argv) => argv[0])).to.deep.equal(['run', 'gate']);
      const runArgv = invocations[0] as string[];
      expect(existsSync(new URL(`../../${runArgv[1]}`, import.meta.url))).to.equal(true);
      expect(workflow.jobs.nightly.env.BASELINE).to.match(/rolling:\d+|last-good/);

      const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
      expect(upload?.if).to.match(/^always\(\)/);
      const junit = steps.find((step) => step.uses?.startsWith('mikepenz/action-junit-report@'));
      expect(junit?.if).to.match(/^always\(\)/);
      expect(junit?.with?.report_paths).to.include('gate-junit.xml');
      expect(steps.find((step) => (step.run ?? '').includes(' gate '))?.if).to.match(/^always\(\)/);
    });

    it('uses only commands and flags the CLI defines, with the arguments they require', async () => {
      const workflow = parse(await readFile(WORKFLOW, 'utf8'));
      const invocations = (workflow.jobs.nightly.steps as { run?: string }[]).flatMap((step) => harnessInvocations(step.run ?? ''));
      expect(invocations).to.have.length.at.least(2);
      for (const argv of invocations) expect(await cliProblem(argv), argv.join(' ')).to.equal(undefined);
      // The check can fail: a flag the CLI lacks is caught.
      expect(await cliProblem(['gate', 'x', '--baseline', 'rolling:7', '--no-such-flag'])).to.match(/Unknown argument/);
      expect(await cliProblem(['gate', 'x'])).to.match(/Missing required argument: baseline/);
    });

    it('takes every secret the nightly config names from secrets.*, never from a literal', async () => {
      const workflow = parse(await readFile(WORKFLOW, 'utf8'));
      const env = workflow.jobs.nightly.env as Record<string, string>;
      for (const name of await nightlySecretNames()) expect(env[name], name).to.equal(`\${{ secrets.${name} }}`);
    });
  });

  describe('systemd/', () => {
    it('the service is a oneshot as an unprivileged user, with a working directory, the secrets from a 0600 EnvironmentFile, and a start timeout', async () => {
      const service = parseUnit(await readFile(join(SYSTEMD, 'picow-harness-nightly.service'), 'utf8'), 'service');
      expect(one(service, 'Service', 'Type')).to.equal('oneshot');
      expect(one(service, 'Service', 'User')).to.be.a('string').and.not.equal('root');
      expect(one(service, 'Service', 'WorkingDirectory')).to.match(/^\//);
      expect(one(service, 'Service', 'EnvironmentFile')).to.match(/^\/etc\/picow-harness\//);
      expect(one(service, 'Service', 'TimeoutStartSec')).to.match(/^\d+(h|min|s)?$/);
      expect(one(service, 'Service', 'ExecStart')).to.match(/picow-harness-nightly\.sh$/);
      const text = await readFile(join(SYSTEMD, 'picow-harness-nightly.service'), 'utf8');
      expect(text).to.match(/0600/);
      const env = (await readFile(join(SYSTEMD, 'nightly.env'), 'utf8')).split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split('=')[0]);
      expect(env).to.include.members(await nightlySecretNames());
    });

    it('the timer fires nightly (OnCalendar), catches up a missed night (Persistent=true) and spreads its start (RandomizedDelaySec)', async () => {
      const timer = parseUnit(await readFile(join(SYSTEMD, 'picow-harness-nightly.timer'), 'utf8'), 'timer');
      expect(one(timer, 'Timer', 'OnCalendar')).to.match(/^\*-\*-\* \d\d:\d\d(:\d\d)?$/);
      expect(one(timer, 'Timer', 'Persistent')).to.equal('true');
      expect(one(timer, 'Timer', 'RandomizedDelaySec')).to.match(/^\d+(min|s|h)?$/);
      expect(one(timer, 'Timer', 'Unit')).to.equal('picow-harness-nightly.service');
      expect(one(timer, 'Install', 'WantedBy')).to.equal('timers.target');
    });

    it('the script is valid bash, and its picow-harness lines use commands and flags the CLI defines', async () => {
      const script = join(SYSTEMD, 'picow-harness-nightly.sh');
      await run('bash', ['-n', script]);
      const invocations = harnessInvocations(await readFile(script, 'utf8'));
      expect(invocations.map((argv) => argv[0])).to.deep.equal(['run', 'gate']);
      for (const argv of invocations) expect(await cliProblem(argv), argv.join(' ')).to.equal(undefined);
    });

    it('systemd-analyze verify accepts both units without a warning (ExecStart pointed at the script in this checkout)', async function () {
      const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path));
      if (analyze === undefined) this.skip();
      const dir = await mkdtemp(join(tmpdir(), 'picow-systemd-'));
      try {
        for (const name of ['picow-harness-nightly.service', 'picow-harness-nightly.timer']) await cp(join(SYSTEMD, name), join(dir, name));
        const servicePath = join(dir, 'picow-harness-nightly.service');
        const text = await readFile(servicePath, 'utf8');
        const { writeFile } = await import('node:fs/promises');
        await writeFile(servicePath, text.replace(/^ExecStart=.*$/m, `ExecStart=${join(SYSTEMD, 'picow-harness-nightly.sh')}`));
        const result = await run(analyze as string, ['verify', join(dir, 'picow-harness-nightly.timer'), servicePath]).then(
          ({ stderr }) => ({ code: 0, stderr }),
          (error: { code?: number; stderr?: string }) => ({ code: error.code ?? 1, stderr: error.stderr ?? '' }),
        );
        const warnings = result.stderr.split('\n').filter((line) => line.includes('picow-harness-nightly'));
        expect(warnings, result.stderr).to.deep.equal([]);
        expect(result.code, result.stderr).to.equal(0);
        const calendar = await run(analyze as string, ['calendar', one(parseUnit(await readFile(join(SYSTEMD, 'picow-harness-nightly.timer'), 'utf8'), 'timer'), 'Timer', 'OnCalendar') as string]);
        expect(calendar.stdout).to.match(/Next elapse:/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
