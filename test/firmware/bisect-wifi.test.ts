import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBisect, type BisectResult } from '../../src/firmware/bisect/index.js';
import { buildSimFirmware } from '../../src/firmware/index.js';
import { findProfile, registerTestProfile, type Cyw43Build, type FirmwareProfile } from '../../src/sim/profiles.js';

const CONFIG = new URL('../fixtures/bisect/wifi.yaml', import.meta.url).pathname;
const CELL = 'wlan-deinit/hidden-pm-default';

/**
 * Test firmware: builds of v1.24.1 (`v1.24.1-N-g000000N`, N commits past it) that differ from the
 * release only in their cyw43 build properties (src/sim/profiles.ts Cyw43Build) — the default PM
 * value the driver applies at first-up, or its join retry behaviour — which the simulated radio's
 * hidden-SSID/power-saving join model consumes. Each is registered so that the simulated board's
 * BOOTSEL drive runs a UF2 naming its tag, and written as a real UF2 (binary info version string).
 */
async function writeTestBuilds(dir: string, cyw43Of: (n: number) => Cyw43Build, count: number): Promise<{ files: string[]; unregister: () => void }> {
  const release = findProfile('v1.24.1');
  const removers: (() => void)[] = [];
  const files: string[] = [];
  for (let n = 1; n <= count; n++) {
    const profile: FirmwareProfile = { ...release, gitTag: `v1.24.1-${n}-g${String(n).padStart(7, '0')}`, cyw43: cyw43Of(n) };
    removers.push(registerTestProfile(profile));
    const file = join(dir, `build-${n}.uf2`);
    await writeFile(file, buildSimFirmware(profile));
    files.push(file);
  }
  return { files, unregister: () => removers.forEach((remove) => remove()) };
}

function stepsText(result: BisectResult): string {
  return result.state.steps.map((step) => `${step.buildIndex + 1}:${step.verdict ?? '?'}(${step.counts?.bad ?? 0}/${step.counts?.attempts ?? 0})`).join(' ');
}

describe('bisect on the simulated board: Wi-Fi regressions from cyw43 build properties', function () {
  this.timeout(180_000);
  let dir: string;
  let unregister: () => void = () => undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bisect-wifi-'));
  });
  afterEach(async () => {
    unregister();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the build whose driver default PM turned power saving on during joins (hidden SSID)', async () => {
    // Builds 1-3 default to 0xa11140 (no power saving): the hidden join never loses frames.
    // From build 4 the default is the release's 0xa11142 (PM_PERFORMANCE): power saving during the join.
    const builds = await writeTestBuilds(dir, (n) => (n < 4 ? { defaultPm: 0xa11140 } : {}), 6);
    unregister = builds.unregister;
    const result = await runBisect({ start: { firmware: builds.files.join(','), configFile: CONFIG, cell: CELL, k: 1, n: 8, dir: join(dir, 'bisect') } });
    expect(result.summary.outcome, stepsText(result)).to.equal('found');
    expect(result.summary.firstBad?.tag).to.equal('v1.24.1-4-g0000004');
    expect(result.summary.firstBad?.boardVersion).to.include('MicroPython v1.24.1-4-g0000004');
    expect(result.summary.lastGood?.tag).to.equal('v1.24.1-3-g0000003');
    expect(result.summary.good.counts.bad, 'PM off: no hidden join fails').to.equal(0);
    expect(result.summary.bad.counts.bad).to.be.greaterThan(0);
    expect(result.summary.findings.map((finding) => finding.id)).to.be.an('array');
  });

  it('resumes a step stopped in the middle of its attempts: the same campaign run continues, each attempt runs once', async () => {
    const builds = await writeTestBuilds(dir, (n) => (n < 2 ? { defaultPm: 0xa11140 } : {}), 2);
    unregister = builds.unregister;
    const bisectDir = join(dir, 'bisect');
    const stop = new AbortController();
    let seen = 0;
    const first = await runBisect({
      start: { firmware: builds.files.join(','), configFile: CONFIG, cell: CELL, k: 1, n: 8, dir: bisectDir },
      signal: stop.signal,
      events: {
        attempt: () => {
          seen++;
          if (seen === 2) stop.abort();
        },
      },
    });
    expect(first.finished).to.equal(false);
    const stopped = first.state.steps[0];
    expect(stopped?.status).to.equal('running');
    expect(stopped?.runDir).to.be.a('string');

    let resumedAttempts = 0;
    const resumed = await runBisect({ resumeDir: bisectDir, events: { attempt: () => resumedAttempts++ } });
    expect(resumed.finished).to.equal(true);
    const step = resumed.state.steps[0];
    expect(step?.runDir, 'the interrupted run was continued, not replaced').to.equal(stopped?.runDir);
    expect(step?.counts?.attempts).to.equal(8);
    expect(resumedAttempts, 'step 1 ran only its missing attempts, then step 2 its eight').to.equal(8 - seen + 8);
    expect(resumed.summary.firstBad?.tag, stepsText(resumed)).to.equal('v1.24.1-2-g0000002');
  });

  describe('a flaky cell: every build fails sometimes, the bad ones much more often', () => {
    // All builds probe three times per channel when they look for a hidden AP again; from build 6
    // the firmware gives up a join after the first missed association response (maxAttempts 1).
    const FIRST_BAD = 'v1.24.1-6-g0000006';
    const SEED = 1;
    let files: string[];

    beforeEach(async () => {
      const builds = await writeTestBuilds(dir, (n) => ({ joinRetry: { probesPerChannel: 3, ...(n >= 6 ? { maxAttempts: 1 } : {}) } }), 8);
      unregister = builds.unregister;
      files = builds.files;
    });

    it('misleads a 1-of-1 oracle: one unlucky or lucky attempt decides each step', async () => {
      const result = await runBisect({ start: { firmware: files.join(','), configFile: CONFIG, cell: CELL, k: 1, n: 1, seed: SEED, dir: join(dir, 'one-of-one') } });
      expect(result.summary.outcome, stepsText(result)).to.equal('found');
      expect(result.summary.firstBad?.tag, stepsText(result)).to.not.equal(FIRST_BAD);
    });

    // Measured on this line (seed 11, 60 attempts per build): good builds fail 13 % of joins, bad
    // ones 74 %. 4 of 8 calls a good build bad with probability ≈ 1.3 % and a bad one good ≈ 3.2 %.
    it('finds the right build with a k-of-n verdict (4 of 8) on the same seed', async () => {
      const result = await runBisect({ start: { firmware: files.join(','), configFile: CONFIG, cell: CELL, k: 4, n: 8, seed: SEED, dir: join(dir, 'k-of-n') } });
      expect(result.summary.outcome, stepsText(result)).to.equal('found');
      expect(result.summary.firstBad?.tag, stepsText(result)).to.equal(FIRST_BAD);
      // Good builds failed too: the verdict, not the absence of failures, told them apart.
      expect(result.summary.good.counts.bad, stepsText(result)).to.be.greaterThan(0);
      const good = result.summary.good.okRate;
      const bad = result.summary.bad.okRate;
      expect(good?.rate).to.be.greaterThan(bad?.rate ?? 1);
    });
  });
});
