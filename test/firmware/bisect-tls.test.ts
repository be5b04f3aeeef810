import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBisect, type BisectStep } from '../../src/firmware/bisect/index.js';
import { writeSimBuilds } from '../../src/firmware/index.js';
import { generateCertificateSets } from '../../src/pki/index.js';
import { PROFILES } from '../../src/sim/profiles.js';

const FAST_WORLD = new URL('../../campaigns/fast-world.yaml', import.meta.url).pathname;
const CELL = 'hard/lab-pm-0xa11140/issued-now/wrap_socket/cold';

/**
 * The cold-boot TLS cell on the simulated board, over the release profiles v1.19.1-88 … v1.24.1 as
 * opaque UF2 files. wrap_socket (the API every one of them has) and RSA certificates (the first
 * Pico W builds have no ECDSA). v1.19.1-88 cannot ask for verification at all (no cert_reqs before
 * v1.19.1-189): its attempts end in tls.api-unavailable, so the failure hunted is named with
 * --bad-class tls.verify.*: the certificate rejected after a cold boot.
 */
function campaignYaml(certsDir: string): string {
  return [
    'name: bisect cold-boot TLS',
    'board:',
    '  port: sim',
    `  world: ${FAST_WORLD}`,
    'accessPoints:',
    '  - name: lab',
    '    ssid: picow-lab',
    'matrix:',
    '  resets: [hard]',
    '  wifi:',
    '    - ap: lab',
    '      pm: 0xa11140',
    '  certs: [issued-now]',
    '  tlsApi: [wrap_socket]',
    '  rtc: [cold]',
    'iterations: 2',
    'seed: 3',
    'server:',
    `  certsDir: ${certsDir}`,
    '',
  ].join('\n');
}

describe('bisect on the simulated board: cold-boot TLS across firmware releases', function () {
  this.timeout(180_000);
  let dir: string;
  let config: string;
  let buildsDir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bisect-tls-'));
    const certsDir = join(dir, 'certs');
    await generateCertificateSets({ outDir: certsDir, key: 'rsa-2048' });
    config = join(dir, 'campaign.yaml');
    await writeFile(config, campaignYaml(certsDir));
    buildsDir = join(dir, 'builds');
    const first = PROFILES.findIndex((profile) => profile.name === 'v1.19.1-88');
    const last = PROFILES.findIndex((profile) => profile.name === 'v1.24.1');
    await writeSimBuilds(buildsDir, PROFILES.slice(first, last + 1));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds v1.19.1-236, where rp2 began checking certificate dates, and resumes an interrupted bisect without redoing its steps', async () => {
    const bisectDir = join(dir, 'bisect-cold');
    const stop = new AbortController();
    const firstRun: BisectStep[] = [];
    const start = { firmware: buildsDir, configFile: config, cell: CELL, k: 1, n: 2, badClasses: ['tls.verify.*'], dir: bisectDir };
    const interrupted = await runBisect({
      start,
      signal: stop.signal,
      events: {
        stepDone: ({ step }) => {
          firstRun.push(step);
          if (step.number === 2) stop.abort();
        },
      },
    }).catch((error: unknown) => error as Error & { code?: string });
    expect(interrupted).to.be.instanceOf(Error);
    expect((interrupted as { code?: string }).code).to.equal('ABORTED');
    expect(firstRun.map((step) => step.number)).to.deep.equal([1, 2]);
    const saved = JSON.parse(await readFile(join(bisectDir, 'bisect.json'), 'utf8')) as { steps: BisectStep[] };
    expect(saved.steps.filter((step) => step.status === 'done')).to.have.length(2);

    const started: number[] = [];
    const result = await runBisect({ resumeDir: bisectDir, events: { stepStart: ({ step }) => started.push(step.number) } });
    expect(started[0], 'the resumed bisect starts after the two finished steps').to.equal(3);
    expect(result.finished).to.equal(true);
    expect(result.summary.outcome).to.equal('found');
    expect(result.summary.firstBad?.tag).to.equal('v1.19.1-236-gb560b9fe7');
    expect(result.summary.firstBad?.boardVersion).to.include('MicroPython v1.19.1-236-gb560b9fe7');
    expect(result.summary.lastGood?.tag).to.equal('v1.19.1-88-g99c258977');
    expect(result.summary.lastGood?.counts?.classes).to.deep.equal({ 'tls.api-unavailable': 2 });
    expect(result.summary.firstBad?.counts).to.include({ attempts: 2, bad: 2 });
    expect(result.summary.findings.map((finding) => finding.id)).to.include('cold-boot-clock');
    // Every step is on disk: its own campaign run with records and reports.
    for (const step of result.state.steps) {
      expect(step.runDir).to.be.a('string');
      await readFile(join(bisectDir, step.runDir ?? '', 'attempts.jsonl'), 'utf8');
      await readFile(join(bisectDir, step.runDir ?? '', 'summary.md'), 'utf8');
    }
    const markdown = await readFile(result.files.markdown, 'utf8');
    expect(markdown).to.include('first bad build: v1.19.1-236-gb560b9fe7');
    expect(markdown).to.match(/\| first bad \| \.\.\/builds\/micropython-v1\.19\.1-236-gb560b9fe7\.uf2 \|/);
    // The last good build never passed either: the report says so rather than hiding it.
    expect(markdown).to.include('v1.19.1-88-g99c258977 was judged good, but none of its 2 attempts passed (tls.api-unavailable 2): the boundary may be where the cell first became testable');
  });

  it('stops at the endpoint check when every failing class counts: v1.19.1-88 cannot run the verified probe at all', async () => {
    const result = await runBisect({ start: { firmware: buildsDir, configFile: config, cell: CELL, k: 1, n: 1, badClasses: null, dir: join(dir, 'bisect-any') } });
    expect(result.summary.outcome).to.equal('first-build-bad');
    expect(result.state.steps).to.have.length(1);
    expect(result.state.steps[0]?.counts?.classes).to.deep.equal({ 'tls.api-unavailable': 1 });
  });
});
