import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildFirmwareImage } from '../../src/firmware/uf2-writer.js';
import { SimBoard } from '../../src/sim/board.js';
import { tallyBlocks } from '../../src/sim/bootsel-drive.js';
import { SimBinding, SimUsbBus } from '../../src/sim/usb-bus.js';
import { RawRepl } from '../../src/transport/raw-repl.js';
import { SerialTransport } from '../../src/transport/serial.js';

function within(ms: number): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(ms) };
}

function uf2(programVersion: string, family?: string): Uint8Array {
  return buildFirmwareImage({ programVersion, size: 8192, ...(family === undefined ? {} : { family }) });
}

describe('simulated BOOTSEL drive', function () {
  this.timeout(30_000);
  let bus: SimUsbBus;
  let board: SimBoard;
  let repls: RawRepl[];
  let scratch: string | undefined;

  async function repl(): Promise<RawRepl> {
    await board.waitForUsb(10_000);
    const transport = await SerialTransport.open({ path: bus.pathOf(board) as string, binding: new SimBinding(bus), kind: 'sim', serialNumber: board.serialNumber });
    const opened = new RawRepl(transport);
    repls.push(opened);
    return opened;
  }

  async function run(code: string): Promise<string> {
    const session = await repl();
    const result = await session.exec(code);
    await session.close();
    if (result.exception !== undefined) throw new Error(result.exception.text);
    return result.stdout.replace(/\r/g, '');
  }

  /** machine.bootloader() over the raw REPL; resolves with the drive's folder once it is mounted. */
  async function enterBootsel(): Promise<string> {
    const drive = once(board, 'bootsel-drive', within(10_000));
    const session = await repl();
    await session.exec('import machine\nmachine.bootloader()').catch(() => undefined);
    await session.close().catch(() => undefined);
    const [{ path }] = (await drive) as [{ path: string }];
    return path;
  }

  async function bootromLog(pattern: RegExp): Promise<string> {
    const seen = board.bootselLog.find((line) => pattern.test(line));
    if (seen !== undefined) return seen;
    const signal = AbortSignal.timeout(10_000);
    for (;;) {
      const [{ message }] = (await once(board, 'bootsel-log', { signal })) as [{ message: string }];
      if (pattern.test(message)) return message;
    }
  }

  beforeEach(async () => {
    repls = [];
    bus = new SimUsbBus();
    board = new SimBoard({ name: 'bootsel', enumerationDelayMs: 20 });
    bus.add(board);
    await board.powerOn();
  });

  afterEach(async () => {
    for (const session of repls) await session.close().catch(() => undefined);
    await board.dispose();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  it('shows no drive while MicroPython runs, and an RPI-RP2 drive with INFO_UF2.TXT once in BOOTSEL', async () => {
    await board.waitForUsb(10_000);
    expect(board.bootselDrive).to.equal(undefined);
    const path = await enterBootsel();
    expect(board.inBootloader).to.equal(true);
    expect(board.isUsbPresent).to.equal(false);
    expect(bus.list()).to.deep.equal([]);
    expect(path).to.match(/RPI-RP2$/);
    expect((await readdir(path)).sort()).to.deep.equal(['INDEX.HTM', 'INFO_UF2.TXT']);
    const info = await readFile(join(path, 'INFO_UF2.TXT'), 'utf8');
    expect(info).to.match(/^UF2 Bootloader v3\.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n$/);
  });

  it('boots the firmware a complete UF2 names, with the same serial number, keeping the files on flash', async () => {
    const serial = board.serialNumber;
    await run("with open('keep.txt', 'w') as f:\n    f.write('still here')");
    const path = await enterBootsel();
    const flashed = once(board, 'firmware-flashed', within(10_000));
    await writeFile(join(path, 'firmware.uf2'), uf2('v1.22.2'));
    await flashed;
    expect(existsSync(path)).to.equal(false);
    await board.waitForUsb(10_000);
    expect(bus.list().map((port) => port.serialNumber)).to.deep.equal([serial]);
    expect(await run("import sys\nprint(sys.version)\nprint(open('keep.txt').read())")).to.equal('3.4.0; MicroPython v1.22.2 on 2024-02-22\nstill here\n');
    expect(board.resetCause).to.equal('watchdog');
  });

  it('keeps the flashed firmware across a power cycle', async () => {
    const path = await enterBootsel();
    const flashed = once(board, 'firmware-flashed', within(10_000));
    await writeFile(join(path, 'a.uf2'), uf2('v1.19.1-88-g99c258977'));
    await flashed;
    await board.powerOff();
    await board.powerOn();
    expect(board.profile.name).to.equal('v1.19.1-88');
    expect(await run('import sys\nprint(sys.version)')).to.contain('MicroPython v1.19.1-88-g99c258977 on 2022-06-30');
  });

  it('does not reboot on a truncated copy, and a reset then returns to the firmware already in flash', async () => {
    const path = await enterBootsel();
    const whole = uf2('v1.22.2');
    const half = whole.subarray(0, (whole.length / 512 / 2) * 512);
    await writeFile(join(path, 'cut.uf2'), half);
    expect(await bootromLog(/^cut\.uf2: /)).to.match(/^cut\.uf2: (\d+) of (\d+) blocks; waiting for the rest/);
    expect(board.inBootloader).to.equal(true);
    expect(board.profile.name).to.equal('v1.24.1');
    await board.hardReset();
    expect(board.bootselDrive).to.equal(undefined);
    expect(existsSync(path)).to.equal(false);
    expect(await run('import sys\nprint(sys.version)')).to.contain('MicroPython v1.24.1 ');
  });

  it('leaves BOOTSEL on a power cycle: the drive goes away and the firmware in flash boots', async () => {
    const path = await enterBootsel();
    await board.powerOff();
    expect(board.bootselDrive).to.equal(undefined);
    expect(existsSync(path)).to.equal(false);
    await board.powerOn();
    expect(board.inBootloader).to.equal(false);
    expect(await run('import sys\nprint(sys.version)')).to.contain('MicroPython v1.24.1 ');
  });

  it('stays in BOOTSEL and logs it when a UF2 names no simulated firmware', async () => {
    const path = await enterBootsel();
    await writeFile(join(path, 'custom.uf2'), uf2('v1.26.0-custom'));
    expect(await bootromLog(/^custom\.uf2/)).to.match(/program version v1\.26\.0 names no simulated firmware.*staying in BOOTSEL/);
    expect(board.inBootloader).to.equal(true);
    expect(board.bootselDrive).to.equal(path);
    expect(board.profile.name).to.equal('v1.24.1');
  });

  it('ignores a UF2 for another chip family, as an RP2040 boot ROM does', async () => {
    const path = await enterBootsel();
    await writeFile(join(path, 'rp2350.uf2'), uf2('v1.22.2', 'rp2350-arm-s'));
    expect(await bootromLog(/^rp2350\.uf2/)).to.match(/no RP2040 UF2 blocks \(only family 0xe48bff59\); ignored/);
    expect(board.inBootloader).to.equal(true);
    expect(board.profile.name).to.equal('v1.24.1');
  });

  it('uses a folder it is given as the drive and leaves it empty when the drive goes away', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'picow-bootsel-test-'));
    const folder = join(scratch, 'mnt');
    board.useBootselFolder(folder);
    const path = await enterBootsel();
    expect(path).to.equal(folder);
    const flashed = once(board, 'firmware-flashed', within(10_000));
    await writeFile(join(folder, 'fw.uf2'), uf2('v1.23.0'));
    await flashed;
    expect(await readdir(folder)).to.deep.equal([]);
  });

});

describe('boot ROM block tally', () => {
  it('counts a UF2 complete only when every numbered block is present', () => {
    const whole = uf2('v1.22.2');
    const blocks = whole.length / 512;
    expect(tallyBlocks(whole)).to.include({ accepted: blocks, expected: blocks, complete: true });
    expect(tallyBlocks(whole.subarray(0, whole.length - 512))).to.include({ accepted: blocks - 1, complete: false });
    expect(tallyBlocks(whole.subarray(0, whole.length - 100))).to.include({ complete: false });
  });

  it('ignores blocks of other families', () => {
    const tally = tallyBlocks(uf2('v1.22.2', 'rp2350-riscv'));
    expect(tally.complete).to.equal(false);
    expect(tally.expected).to.equal(undefined);
    expect(tally.ignoredFamilies).to.deep.equal([0xe48bff5a]);
  });
});
