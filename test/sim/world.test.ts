import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startSimSession, type SimSession } from '../../src/sim/session.js';
import { DEFAULT_WORLD, loadWorld, parseWorld } from '../../src/sim/world.js';

function configError(run: () => unknown): Error & { code?: string; context?: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    const e = error as Error & { code?: string };
    expect(e.code).to.equal('CONFIG_INVALID');
    expect(e.message).to.not.include('\n');
    return e;
  }
  throw new Error('the world was accepted');
}

describe('world file', () => {
  it('fills in defaults for an empty document', () => {
    expect(parseWorld('', 'world.yaml')).to.deep.equal(DEFAULT_WORLD);
    expect(DEFAULT_WORLD).to.deep.equal({ timeScale: 1, board: { enumerationDelayMs: 800 } });
  });

  it('ships worlds/default.yaml with exactly the built-in defaults', async () => {
    const shipped = await loadWorld(new URL('../../src/sim/worlds/default.yaml', import.meta.url).pathname);
    expect(shipped).to.deep.equal(DEFAULT_WORLD);
  });

  it('reads YAML and JSON, and lowercases the serial number', () => {
    const yaml = parseWorld('timeScale: 2\nboard:\n  enumerationDelayMs: 100\n  profile: v1.22.2\n  serialNumber: E6614C311B7E6A35\n', 'w.yaml');
    expect(yaml).to.deep.equal({ timeScale: 2, board: { enumerationDelayMs: 100, profile: 'v1.22.2', serialNumber: 'e6614c311b7e6a35' } });
    expect(parseWorld('{"timeScale": 0.5}', 'w.json').timeScale).to.equal(0.5);
  });

  it('names the file and the document path of a value out of range', () => {
    expect(configError(() => parseWorld('board:\n  enumerationDelayMs: 6000\n', 'world.yaml')).message).to.equal('world.yaml: board.enumerationDelayMs: must be ≤ 5000');
    expect(configError(() => parseWorld('timeScale: 0\n', 'world.yaml')).message).to.equal('world.yaml: timeScale: must be > 0');
  });

  it('rejects unknown keys, at the top and inside board', () => {
    expect(configError(() => parseWorld('timescale: 2\n', 'w.yaml')).message).to.match(/^w\.yaml: timescale: unknown key \(known: timeScale, board\)$/);
    expect(configError(() => parseWorld('board:\n  wifi: {}\n', 'w.yaml')).message).to.match(/^w\.yaml: board\.wifi: unknown key/);
  });

  it('says what type a value must have and what it got', () => {
    expect(configError(() => parseWorld('timeScale: fast\n', 'w.yaml')).message).to.equal('w.yaml: timeScale: must be a number, got string "fast"');
    expect(configError(() => parseWorld('board: 3\n', 'w.yaml')).message).to.equal('w.yaml: board: must be a mapping, got number 3');
    expect(configError(() => parseWorld('- 1\n', 'w.yaml')).message).to.equal('w.yaml: the document: must be a mapping, got a list');
    expect(configError(() => parseWorld('board:\n  enumerationDelayMs: 1.5\n', 'w.yaml')).message).to.equal('w.yaml: board.enumerationDelayMs: must be a whole number, got number 1.5');
  });

  it('rejects an unknown firmware profile and a malformed serial number', () => {
    expect(configError(() => parseWorld('board:\n  profile: v0.1\n', 'w.yaml')).message).to.match(/^w\.yaml: board\.profile: must be one of .*v1\.24\.1/);
    expect(configError(() => parseWorld('board:\n  serialNumber: xyz\n', 'w.yaml')).message).to.equal('w.yaml: board.serialNumber: must be 16 hex digits');
  });

  it('gives the line and column of a YAML syntax error', () => {
    const error = configError(() => parseWorld('timeScale: 1\nboard: [1, 2\n', 'world.yaml'));
    expect(error.message).to.match(/^world\.yaml:3:1: Flow sequence/);
    expect(configError(() => parseWorld('a: 1\na: 2\n', 'world.yaml')).message).to.match(/^world\.yaml:2:1: .*unique/i);
  });

  it('names the file when it cannot be read', async () => {
    try {
      await loadWorld('/nonexistent/world.yaml');
      expect.fail('loaded');
    } catch (error) {
      expect((error as { code?: string }).code).to.equal('CONFIG_INVALID');
      expect((error as Error).message).to.equal('/nonexistent/world.yaml: cannot read the world file: no such file');
    }
  });

  describe('a session started from a world', () => {
    let directory: string;
    let session: SimSession | undefined;

    beforeEach(async () => {
      directory = await mkdtemp(join(tmpdir(), 'picow-world-'));
    });

    afterEach(async () => {
      await session?.dispose();
      session = undefined;
      await rm(directory, { recursive: true, force: true });
    });

    it('builds the board the world describes, with --profile winning over the world', async () => {
      const file = join(directory, 'world.yaml');
      await writeFile(file, 'timeScale: 2\nboard:\n  enumerationDelayMs: 40\n  profile: v1.20.0\n  serialNumber: e6614c311b7e6a35\n');
      session = await startSimSession({ world: await loadWorld(file), profile: 'v1.22.2' });
      expect(session.board.serialNumber).to.equal('e6614c311b7e6a35');
      expect(session.board.profile.name).to.equal('v1.22.2');
      expect(session.board.timeScale).to.equal(2);
      expect(session.board.isUsbPresent).to.equal(true);
      expect((await session.lister.list()).map((p) => p.serialNumber)).to.deep.equal(['e6614c311b7e6a35']);
    });

    it('derives the serial number from the seed when the world does not fix it', async () => {
      const world = parseWorld('board:\n  enumerationDelayMs: 20\n', 'fast.yaml');
      session = await startSimSession({ world, seed: 7 });
      const first = session.board.serialNumber;
      await session.dispose();
      session = await startSimSession({ world, seed: 8 });
      expect(session.board.serialNumber).to.match(/^[0-9a-f]{16}$/);
      expect(session.board.serialNumber).to.not.equal(first);
    });
  });
});
