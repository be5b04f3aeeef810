import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countClasses, judge, nextStep, resolveBuilds, type Verdict } from '../../src/firmware/bisect/index.js';
import { compareTags } from '../../src/firmware/bisect/version-order.js';
import { buildSimFirmware } from '../../src/firmware/index.js';
import { PROFILES, findProfile, registerTestProfile } from '../../src/sim/profiles.js';
import { joinSettingsFor, radioFirmwareOf } from '../../src/sim/radio/firmware.js';
import { DEFAULT_WORLD } from '../../src/sim/world.js';

/** Runs the search against a monotone oracle (bad from `firstBad` on) and returns the order builds were tested in. */
function search(count: number, verdictOf: (index: number) => Verdict): { tested: number[]; end: ReturnType<typeof nextStep> } {
  const verdicts = new Map<number, Verdict>();
  const tested: number[] = [];
  for (;;) {
    const next = nextStep(verdicts, count);
    if (next.kind !== 'test') return { tested, end: next };
    expect(verdicts.has(next.index), `build ${next.index} tested twice`).to.equal(false);
    tested.push(next.index);
    verdicts.set(next.index, verdictOf(next.index));
  }
}

describe('bisect search', () => {
  it('checks both endpoints first, then finds the first bad build of every position in log2 steps', () => {
    for (let count = 2; count <= 17; count++) {
      for (let firstBad = 1; firstBad < count; firstBad++) {
        const { tested, end } = search(count, (index) => (index >= firstBad ? 'bad' : 'good'));
        expect(tested.slice(0, 2)).to.deep.equal([0, count - 1]);
        expect(end).to.deep.equal({ kind: 'found', lastGood: firstBad - 1, firstBad });
        expect(tested.length).to.be.at.most(2 + Math.ceil(Math.log2(count - 1)));
      }
    }
  });

  it('stops at the endpoint check when the oldest build is already bad or the newest is good', () => {
    expect(search(6, () => 'bad')).to.deep.equal({ tested: [0], end: { kind: 'first-build-bad' } });
    expect(search(6, () => 'good')).to.deep.equal({ tested: [0, 5], end: { kind: 'last-build-good' } });
  });

  it('keeps the bracket tight when a verdict contradicts the order (a good build above a bad one)', () => {
    // A flaky oracle called build 2 bad; build 4 good later cannot move the bracket past it.
    const answers: Record<number, Verdict> = { 0: 'good', 7: 'bad', 3: 'bad', 1: 'good', 2: 'bad' };
    const { end } = search(8, (index) => answers[index] ?? 'good');
    expect(end).to.deep.equal({ kind: 'found', lastGood: 1, firstBad: 2 });
  });
});

describe('bisect verdict', () => {
  it('calls a build bad only when at least k of its attempts show the failure', () => {
    const classes = ['wifi.ok', 'wifi.connect-fail', 'wifi.ok', 'wifi.wrong-password', 'wifi.ok', 'wifi.ok', 'wifi.ok', 'wifi.ok'];
    const counts = countClasses(classes, 'wifi.ok', { badClasses: null });
    expect(counts).to.include({ attempts: 8, ok: 6, bad: 2, other: 0 });
    expect(judge(counts, { k: 2 })).to.equal('bad');
    expect(judge(counts, { k: 3 })).to.equal('good');
  });

  it('counts only the classes named by --bad-class as the failure, the rest as neither', () => {
    const classes = ['tls.api-unavailable', 'tls.verify.future', 'tls.ok', 'harness.error'];
    expect(countClasses(classes, 'tls.ok', { badClasses: ['tls.verify.*'] })).to.include({ ok: 1, bad: 1, other: 2 });
    // By default every failing class counts except the harness's own.
    expect(countClasses(classes, 'tls.ok', { badClasses: null })).to.include({ ok: 1, bad: 2, other: 1 });
  });
});

async function failureOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('bisect builds', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bisect-builds-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('orders MicroPython tags: nightlies after their tag, previews before their release', () => {
    const tags = ['v1.25.0-preview.300.g321b30ca5', 'v1.20.0', 'v1.19.1-236-gb560b9fe7', 'v1.25.0', 'v1.19.1-88-g99c258977', 'v1.19.1'];
    expect([...tags].sort(compareTags)).to.deep.equal(['v1.19.1', 'v1.19.1-88-g99c258977', 'v1.19.1-236-gb560b9fe7', 'v1.20.0', 'v1.25.0-preview.300.g321b30ca5', 'v1.25.0']);
  });

  it('orders a folder of UF2s by the version in their binary info, not by file name', async () => {
    const names = ['a.uf2', 'b.uf2', 'c.uf2'];
    const profiles = [findProfile('v1.24.1'), findProfile('v1.19.1-88'), findProfile('v1.20.0')];
    await Promise.all(profiles.map((profile, i) => writeFile(join(dir, names[i] ?? ''), buildSimFirmware(profile))));
    const builds = await resolveBuilds(dir);
    expect(builds.map((build) => build.tag)).to.deep.equal(['v1.19.1-88-g99c258977', 'v1.20.0', 'v1.24.1']);
    expect(builds.map((build) => build.index)).to.deep.equal([0, 1, 2]);
  });

  it('keeps the order of a comma list and of a list file, relative to the list', async () => {
    await writeFile(join(dir, 'new.uf2'), buildSimFirmware(findProfile('v1.24.1')));
    await writeFile(join(dir, 'old.uf2'), buildSimFirmware(findProfile('v1.20.0')));
    await writeFile(join(dir, 'builds.txt'), '# newest first on purpose\nnew.uf2\n\nold.uf2\n');
    expect((await resolveBuilds(join(dir, 'builds.txt'))).map((build) => build.tag)).to.deep.equal(['v1.24.1', 'v1.20.0']);
    expect((await resolveBuilds('old.uf2,new.uf2', { cwd: dir })).map((build) => build.tag)).to.deep.equal(['v1.20.0', 'v1.24.1']);
  });

  it('refuses a corrupt UF2 naming the file, and a range of fewer than two builds', async () => {
    const good = buildSimFirmware(PROFILES[0] ?? findProfile(undefined));
    await writeFile(join(dir, 'ok.uf2'), good);
    await writeFile(join(dir, 'cut.uf2'), good.subarray(0, 700));
    const error = await failureOf(resolveBuilds(dir));
    expect(error.code).to.equal('UF2_INVALID');
    expect(error.message).to.include('cut.uf2');
    const single = await failureOf(resolveBuilds(join(dir, 'ok.uf2')));
    expect(single.code).to.equal('USAGE');
    expect(single.message).to.include('at least two builds');
  });
});

describe('firmware build properties the radio model reads', () => {
  it('gives every release the modelled cyw43 defaults: PM 0xa11142 and the world\'s join retries', () => {
    for (const profile of PROFILES) {
      const radio = radioFirmwareOf(profile);
      expect(radio.defaultPm, profile.name).to.equal(0xa11142);
      expect(joinSettingsFor(radio, DEFAULT_WORLD.join)).to.equal(DEFAULT_WORLD.join);
    }
  });

  it('lets a registered test build of a release change them, found by its git tag until unregistered', () => {
    const release = findProfile('v1.24.1');
    const unregister = registerTestProfile({ ...release, gitTag: 'v1.24.1-9-g0000009', cyw43: { defaultPm: 0xa11140, joinRetry: { maxAttempts: 1 } } });
    try {
      const build = findProfile('v1.24.1-9-g0000009');
      expect(findProfile('v1.24.1')).to.equal(release);
      const radio = radioFirmwareOf(build);
      expect(radio.defaultPm).to.equal(0xa11140);
      expect(joinSettingsFor(radio, DEFAULT_WORLD.join)).to.deep.equal({ ...DEFAULT_WORLD.join, maxAttempts: 1 });
      expect(() => registerTestProfile({ ...release, gitTag: 'v1.24.1-9-g0000009' })).to.throw(/already/);
      expect(() => registerTestProfile({ ...release, name: 'v9.9.9', gitTag: 'v9.9.9' })).to.throw(/name must be the release/);
    } finally {
      unregister();
    }
    expect(() => findProfile('v1.24.1-9-g0000009')).to.throw(/unknown firmware profile/);
  });
});
