import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { randomStream } from '../../src/sim/random.js';
import { canaryCampaign, onlyRunDir, readAttempts, startHarness, writeCampaign, type CampaignDir } from './support.js';

const SEEDS = 20;
const PARALLEL = 4;

/** Two cells × three iterations: six attempts, a couple of seconds of host time. */
const CAMPAIGN = canaryCampaign({ matrix: { resets: ['none', 'soft'], wifi: [{ ap: 'lab' }], certs: ['valid'] }, iterations: 3, seed: 11 });

function keys(records: readonly { seq: number; cell: string; iteration: number }[]): string[] {
  return records.map((r) => `${r.seq} ${r.cell}#${r.iteration}`);
}

async function runToEnd(campaign: CampaignDir, extra: string[] = []): Promise<{ code: number | null; stderr: string }> {
  const done = await startHarness(['run', campaign.config, '--reports', campaign.reports, ...extra]).done;
  return { code: done.code, stderr: done.stderr };
}

/**
 * Kill the runner with SIGKILL at a seeded moment after the run started (before, during or right
 * after an attempt's write), sometimes leave a torn last line on top, then --resume (and sometimes
 * kill that too). The finished run must hold exactly the attempts of an uninterrupted run, in the
 * same order, each once.
 */
async function killAndResume(seed: number, expected: readonly string[], recordedAtKill: number[]): Promise<void> {
  const random = randomStream(seed, 'kill-resume', 0, 'kill-points');
  const campaign = await writeCampaign(CAMPAIGN);
  try {
    const kills = random() < 0.3 ? 2 : 1;
    let runDir: string | undefined;
    for (let kill = 0; kill < kills; kill += 1) {
      const harness = startHarness(['run', campaign.config, '--reports', campaign.reports, ...(runDir === undefined ? [] : ['--resume', runDir])]);
      await harness.waitForStderr(/run \S+ → /);
      await sleep(Math.floor(random() * 2500));
      harness.child.kill('SIGKILL');
      await harness.done;
      runDir ??= await onlyRunDir(campaign.reports);
      recordedAtKill.push((await readAttempts(runDir).catch(() => [])).length);
      if (random() < 0.3) {
        const file = join(runDir, 'attempts.jsonl');
        const text = await readFile(file, 'utf8').catch(() => '');
        await writeFile(file, `${text}{"v":1,"runId":"torn","seq":99,"cell":"x`);
      }
    }
    const resumed = await runToEnd(campaign, ['--resume', runDir as string]);
    expect(resumed.code, `seed ${seed}: ${resumed.stderr}`).to.equal(0);
    expect(keys(await readAttempts(runDir as string)), `seed ${seed}`).to.deep.equal(expected);
  } finally {
    await campaign.dispose();
  }
}

describe('picow-harness run: SIGKILL at random points, then --resume', function () {
  this.timeout(600_000);

  it(`loses and repeats no attempt over ${SEEDS} seeds (torn last lines and kills mid-attempt included), compared with an uninterrupted run`, async () => {
    const reference = await writeCampaign(CAMPAIGN);
    let expected: string[];
    try {
      const done = await runToEnd(reference);
      expect(done.code, done.stderr).to.equal(0);
      expected = keys(await readAttempts(await onlyRunDir(reference.reports)));
      expect(expected).to.have.length(6);
    } finally {
      await reference.dispose();
    }
    const seeds = Array.from({ length: SEEDS }, (_, index) => index + 1);
    const recordedAtKill: number[] = [];
    for (let start = 0; start < seeds.length; start += PARALLEL) {
      await Promise.all(seeds.slice(start, start + PARALLEL).map((seed) => killAndResume(seed, expected, recordedAtKill)));
    }
    // The kills landed all over the run: before the first record and between records.
    expect(recordedAtKill.some((n) => n === 0), `records at kill: ${recordedAtKill.join(',')}`).to.equal(true);
    expect(recordedAtKill.some((n) => n > 0 && n < expected.length), `records at kill: ${recordedAtKill.join(',')}`).to.equal(true);
  });

  it('SIGINT stops between attempts with exit 130, status interrupted, and the run resumes to completion', async () => {
    const campaign = await writeCampaign(CAMPAIGN);
    try {
      const harness = startHarness(['run', campaign.config, '--reports', campaign.reports]);
      await harness.waitForStderr(/run \S+ → /);
      harness.child.kill('SIGINT');
      const stopped = await harness.done;
      expect(stopped.code, stopped.stderr).to.equal(130);
      const runDir = await onlyRunDir(campaign.reports);
      const status = JSON.parse(await readFile(join(runDir, 'status.json'), 'utf8'));
      expect(status.state).to.equal('interrupted');
      expect((await readAttempts(runDir)).length).to.be.below(6);
      const resumed = await runToEnd(campaign, ['--resume', runDir]);
      expect(resumed.code, resumed.stderr).to.equal(0);
      expect(await readAttempts(runDir)).to.have.length(6);
    } finally {
      await campaign.dispose();
    }
  });
});
