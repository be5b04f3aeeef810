import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openCampaignBoard, type CampaignBoard } from '../../src/campaign/board/campaign-board.js';
import { MountPointLocator } from '../../src/firmware/bootsel/mount-point.js';
import { readBootselInfo } from '../../src/firmware/bootsel/info-uf2.js';
import type { BootselLocator } from '../../src/firmware/bootsel/types.js';
import { flashFirmware, readFirmwareFile, versionProblem, type FlashProgress } from '../../src/firmware/flash.js';
import { FirmwareMismatchError, FlashError } from '../../src/firmware/flash-errors.js';
import { buildFirmwareImage } from '../../src/firmware/uf2-writer.js';
import { validateWorld } from '../../src/sim/world.js';
import { failure } from '../support/failure.js';

/** A board that enumerates in 20 ms, to keep the file fast. */
const FAST = validateWorld({ board: { enumerationDelayMs: 20 } }, 'fast world');

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

describe('flashFirmware on the simulated board', function () {
  this.timeout(40_000);
  let dir: string;
  let board: CampaignBoard;

  async function firmwareFile(name: string, programVersion: string, family?: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, buildFirmwareImage({ programVersion, size: 8192, ...(family === undefined ? {} : { family }) }));
    return file;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'picow-flash-test-'));
    board = await openCampaignBoard({ spec: 'sim', world: FAST });
  });

  afterEach(async () => {
    await board.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('flashes v1.24.1 → v1.22.2 and proves the new version with sys.version', async () => {
    await board.execOrThrow("with open('main.py', 'w') as f:\n    f.write('# mine')");
    const file = await firmwareFile('micropython-v1.22.2.uf2', 'v1.22.2');
    const steps: string[] = [];
    const result = await flashFirmware({ board, uf2File: file, onProgress: (event: FlashProgress) => steps.push(event.step) });
    expect(result.uf2).to.include({ file, programVersion: 'v1.22.2', tag: 'v1.22.2', family: 'rp2040' });
    expect(result.before.version).to.equal('3.4.0; MicroPython v1.24.1 on 2024-11-29');
    expect(result.after.version).to.equal('3.4.0; MicroPython v1.22.2 on 2024-02-22');
    expect(result.after.implementation).to.contain("version=(1, 22, 2, '')");
    expect(result.verified).to.equal(true);
    expect(result.via).to.include({ kind: 'drive', foundBy: 'simulator', boardId: 'RPI-RP2' });
    expect(steps).to.deep.equal(['read-uf2', 'query-before', 'bootloader', 'find-drive', 'copy', 'reconnect', 'query-after']);
    // The handle is connected to the re-flashed board, and the user's files are still on flash.
    expect(await board.execOrThrow("import sys\nprint(sys.version)\nprint(open('main.py').read())")).to.equal('3.4.0; MicroPython v1.22.2 on 2024-02-22\r\n# mine\r\n');
  });

  it('flashes the same board again, back to the version it started with', async () => {
    await flashFirmware({ board, uf2File: await firmwareFile('old.uf2', 'v1.19.1-236-gb560b9fe7') });
    const result = await flashFirmware({ board, uf2File: await firmwareFile('new.uf2', 'v1.24.1') });
    expect(result.before.version).to.equal('3.4.0; MicroPython v1.19.1-236-gb560b9fe7 on 2022-08-06');
    expect(result.after.version).to.equal('3.4.0; MicroPython v1.24.1 on 2024-11-29');
    expect(board.sim!.profile.name).to.equal('v1.24.1');
  });

  it('finds the drive at a given mount point', async () => {
    const mountPoint = join(dir, 'mnt', 'pico');
    const file = await firmwareFile('fw.uf2', 'v1.20.0');
    const result = await flashFirmware({ board, uf2File: file, mountPoint });
    expect(result.via).to.deep.equal({ kind: 'drive', mountPoint, foundBy: '--mount-point', boardId: 'RPI-RP2' });
    expect(result.after.version).to.contain('MicroPython v1.20.0 on');
  });

  it('throws FirmwareMismatchError naming both versions when the board boots something else', async () => {
    // A drive stand-in that lets another build land first: the ROM takes v1.20.0, the harness copies to a decoy folder.
    const decoy = join(dir, 'decoy');
    const real = await readFile(await firmwareFile('other.uf2', 'v1.20.0'));
    const sim = board.sim!;
    const locator: BootselLocator = {
      describe: () => 'test locator',
      async locate() {
        const path = sim.bootselDrive;
        const info = path === undefined ? undefined : await readBootselInfo(path);
        if (path === undefined || info === undefined) return undefined;
        await writeFile(join(path, 'other.uf2'), real);
        await mkdir(decoy, { recursive: true });
        return { mountPoint: decoy, info, foundBy: 'test' };
      },
    };
    const file = await firmwareFile('wanted.uf2', 'v1.22.2');
    const error = await failure(flashFirmware({ board, uf2File: file, locator }));
    expect(error).to.be.instanceOf(FirmwareMismatchError);
    expect(codeOf(error)).to.equal('FIRMWARE_MISMATCH');
    expect(error.message).to.match(/wanted\.uf2 \(MicroPython v1\.22\.2\).*it runs v1\.20\.0, the UF2 holds v1\.22\.2.*sys\.version="3\.4\.0; MicroPython v1\.20\.0 on 2023-04-26"/);
  });

  it('reports a board left in BOOTSEL when the UF2 names a version the simulator cannot run', async () => {
    const file = await firmwareFile('custom.uf2', 'v1.26.0');
    const error = await failure(flashFirmware({ board, uf2File: file, timeouts: { rebootMs: 1500 } }));
    expect(error).to.be.instanceOf(FlashError);
    expect((error as FlashError).step).to.equal('reconnect');
    expect(error.message).to.match(/still in BOOTSEL .* 1500 ms after the copy: its boot ROM did not take the UF2 \(custom\.uf2: flashed, but its program version v1\.26\.0 names no simulated firmware/);
  });

  it('refuses a UF2 without a version string before touching the board', async () => {
    const file = join(dir, 'plain.uf2');
    await writeFile(file, buildFirmwareImage({ programVersion: 'my-app 0.1', size: 4096 }));
    const error = await failure(flashFirmware({ board, uf2File: file }));
    expect(codeOf(error)).to.equal('USAGE');
    expect(error.message).to.match(/plain\.uf2: program version "my-app 0\.1" names no MicroPython release.*--no-verify-version/);
    expect(board.sim!.inBootloader).to.equal(false);
    expect(await board.execOrThrow('print(1)')).to.equal('1\r\n');
  });

  it('with verifyVersion false, accepts a UF2 without a version and reports the result unverified', async () => {
    const plain = join(dir, 'plain.uf2');
    await writeFile(plain, buildFirmwareImage({ programVersion: 'my-app 0.1', size: 4096 }));
    expect((await readFirmwareFile(plain, false)).tag).to.equal(null);
    const result = await flashFirmware({ board, uf2File: await firmwareFile('fw.uf2', 'v1.21.0'), verifyVersion: false });
    expect(result.verified).to.equal(false);
    expect(result.after.version).to.contain('MicroPython v1.21.0 on');
  });

  it('refuses an RP2350 image for an RP2040 board before rebooting it', async () => {
    const file = await firmwareFile('rp2350.uf2', 'v1.24.1', 'rp2350-arm-s');
    const error = await failure(flashFirmware({ board, uf2File: file }));
    expect(codeOf(error)).to.equal('USAGE');
    expect(error.message).to.match(/rp2350\.uf2 is a rp2350-arm-s image but the board is Raspberry Pi Pico W with RP2040/);
    expect(board.sim!.inBootloader).to.equal(false);
  });

  it('gives up waiting for the drive after driveMs, naming where it looked', async () => {
    const nowhere = join(dir, 'nowhere');
    const file = await firmwareFile('fw.uf2', 'v1.22.2');
    const error = await failure(flashFirmware({ board, uf2File: file, locator: new MountPointLocator(nowhere), timeouts: { driveMs: 300 } }));
    expect(error).to.be.instanceOf(FlashError);
    expect((error as FlashError).step).to.equal('find-drive');
    expect(error.message).to.equal(`no BOOTSEL drive (RPI-RP2 or RP2350 with INFO_UF2.TXT) appeared within 300 ms; looked at: ${nowhere} (--mount-point)`);
  });

  it('rejects a corrupt UF2 with the file and block named', async () => {
    const file = join(dir, 'bad.uf2');
    const bytes = buildFirmwareImage({ programVersion: 'v1.22.2', size: 4096 });
    bytes[512 * 2] = 0; // first magic of block 2
    await writeFile(file, bytes);
    const error = await failure(flashFirmware({ board, uf2File: file }));
    expect(codeOf(error)).to.equal('UF2_INVALID');
    expect(error.message).to.match(/bad\.uf2: block 2 /);
  });
});

describe('versionProblem', () => {
  const identity = (tag: string, triple: string): { version: string; implementation: string } => ({
    version: `3.4.0; MicroPython ${tag} on 2024-01-01`,
    implementation: `(name='micropython', version=(${triple}, ''), _machine='Raspberry Pi Pico W with RP2040', _mpy=4870)`,
  });

  it('accepts the exact tag, nightly tags included', () => {
    expect(versionProblem('v1.24.1', 'v1.24.1', identity('v1.24.1', '1, 24, 1'))).to.equal(undefined);
    expect(versionProblem('v1.25.0-preview.300.g321b30ca5', 'v1.25.0-preview.300.g321b30ca5', identity('v1.25.0-preview.300.g321b30ca5', '1, 25, 0'))).to.equal(undefined);
  });

  it('tells a release from a later nightly of the same version', () => {
    expect(versionProblem('v1.19.1', 'v1.19.1', identity('v1.19.1-88-g99c258977', '1, 19, 1'))).to.equal('it runs v1.19.1-88-g99c258977, the UF2 holds v1.19.1');
  });

  it('catches sys.implementation disagreeing with the banner tag', () => {
    expect(versionProblem('v1.24.1', 'v1.24.1', identity('v1.24.1', '1, 23, 0'))).to.equal('sys.implementation.version is 1.23.0, the UF2 holds v1.24.1');
  });

  it('needs a MicroPython version in sys.version', () => {
    expect(versionProblem('v1.24.1', 'v1.24.1', { version: '3.4.0', implementation: '' })).to.equal('sys.version names no MicroPython version');
  });
});
