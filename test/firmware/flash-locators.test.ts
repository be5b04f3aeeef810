import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { AutomountLocator, defaultAutomountRoots } from '../../src/firmware/bootsel/automount.js';
import { copyToDrive } from '../../src/firmware/bootsel/copy.js';
import { parseInfoUf2 } from '../../src/firmware/bootsel/info-uf2.js';
import { defaultBootselLocator, waitForBootselDrive } from '../../src/firmware/bootsel/locate.js';
import { MountTableLocator, parseMounts } from '../../src/firmware/bootsel/mount-table.js';
import { picotoolLoad } from '../../src/firmware/bootsel/picotool.js';
import type { ToolRunner } from '../../src/firmware/bootsel/run-tool.js';
import type { BootselDrive, BootselLocator } from '../../src/firmware/bootsel/types.js';
import { UdisksLocator, parseUdisksMounted } from '../../src/firmware/bootsel/udisks.js';
import { findOnPath } from '../../src/firmware/bootsel/which.js';
import { FlashError } from '../../src/firmware/flash-errors.js';
import { failure } from '../support/failure.js';

const RP2040_INFO = 'UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n';
const RP2350_INFO = 'UF2 Bootloader v1.0\r\nModel: Raspberry Pi RP2350\r\nBoard-ID: RP2350\r\n';

describe('BOOTSEL drive locators', () => {
  let root: string;
  let device: string;
  let byLabel: string;
  let mountsFile: string;

  /** A fake host: /dev/sda1, /dev/disk/by-label/RPI-RP2 → it, and a mounts table. */
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'picow-locators-'));
    device = join(root, 'dev', 'sda1');
    byLabel = join(root, 'dev', 'disk', 'by-label');
    mountsFile = join(root, 'mounts');
    await mkdir(byLabel, { recursive: true });
    await writeFile(device, '');
    await symlink('../../sda1', join(byLabel, 'RPI-RP2'));
    await writeFile(mountsFile, 'proc /proc proc rw 0 0\n');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function drive(folder: string, info = RP2040_INFO): Promise<string> {
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'INFO_UF2.TXT'), info);
    await writeFile(join(folder, 'INDEX.HTM'), '<html></html>');
    return folder;
  }

  describe('mount table', () => {
    it('finds the mount point of the device labelled RPI-RP2, unescaping the table', async () => {
      const mountPoint = await drive(join(root, 'media', 'my pico'));
      await writeFile(mountsFile, `proc /proc proc rw 0 0\n${device} ${mountPoint.replace(/ /g, '\\040')} vfat rw,nosuid,nodev 0 0\n`);
      const found = await new MountTableLocator({ mountsFile, byLabelDir: byLabel }).locate();
      expect(found?.mountPoint).to.equal(mountPoint);
      expect(found?.info).to.include({ boardId: 'RPI-RP2', model: 'Raspberry Pi RP2', bootloader: 'UF2 Bootloader v3.0' });
      expect(found?.foundBy).to.equal(`${mountsFile} (LABEL=RPI-RP2 ${device})`);
    });

    it('finds nothing while the labelled device is not mounted', async () => {
      expect(await new MountTableLocator({ mountsFile, byLabelDir: byLabel }).locate()).to.equal(undefined);
    });

    it('does not take a volume whose INFO_UF2.TXT names another board', async () => {
      const mountPoint = await drive(join(root, 'media', 'RPI-RP2'), 'UF2 Bootloader v3.0\nModel: Adafruit Feather\nBoard-ID: SAMD21\n');
      await writeFile(mountsFile, `${device} ${mountPoint} vfat rw 0 0\n`);
      expect(await new MountTableLocator({ mountsFile, byLabelDir: byLabel }).locate()).to.equal(undefined);
    });

    it('without by-label links, takes a FAT mount named after a label', async () => {
      const mountPoint = await drive(join(root, 'mnt', 'RP2350'), RP2350_INFO);
      await writeFile(mountsFile, `/dev/sdb1 ${mountPoint} vfat rw 0 0\n/dev/sdc1 ${join(root, 'other')} ext4 rw 0 0\n`);
      const found = await new MountTableLocator({ mountsFile, byLabelDir: join(root, 'absent') }).locate();
      expect(found?.mountPoint).to.equal(mountPoint);
      expect(found?.info.boardId).to.equal('RP2350');
    });

    it('parses mount lines with escaped whitespace', () => {
      expect(parseMounts('/dev/sda1 /media/a\\040b\\011c vfat rw 0 0\n\n')).to.deep.equal([{ device: '/dev/sda1', mountPoint: '/media/a b\tc', fsType: 'vfat' }]);
    });
  });

  describe('automount folders', () => {
    it('looks under /media/$USER, /run/media/$USER and /media', () => {
      expect(defaultAutomountRoots({ USER: 'ann' })).to.deep.equal(['/media/ann', '/run/media/ann', '/media']);
    });

    it('finds <root>/RPI-RP2 by its INFO_UF2.TXT and ignores an empty leftover folder', async () => {
      await mkdir(join(root, 'media', 'ann', 'RPI-RP2'), { recursive: true });
      const locator = new AutomountLocator([join(root, 'media', 'ann'), join(root, 'run', 'media', 'ann')]);
      expect(await locator.locate()).to.equal(undefined);
      const mountPoint = await drive(join(root, 'run', 'media', 'ann', 'RPI-RP2'));
      expect(await locator.locate()).to.deep.include({ mountPoint, foundBy: `automount folder ${join(root, 'run', 'media', 'ann')}` });
    });
  });

  describe('udisksctl', () => {
    it('mounts a labelled drive nobody mounted, once, and uses the mount point it reports', async () => {
      const mountPoint = join(root, 'media', 'ann', 'RPI-RP2');
      const calls: string[][] = [];
      const run: ToolRunner = async (tool, args) => {
        calls.push([tool, ...args]);
        await drive(mountPoint);
        return { code: 0, stdout: `Mounted ${device} at ${mountPoint}\n`, stderr: '' };
      };
      const locator = new UdisksLocator({ udisksctl: '/usr/bin/udisksctl', mountsFile, byLabelDir: byLabel, run });
      const found = await locator.locate();
      expect(calls).to.deep.equal([['/usr/bin/udisksctl', 'mount', '-b', device, '--no-user-interaction']]);
      expect(found).to.deep.include({ mountPoint, foundBy: `udisksctl mount -b ${device} (LABEL=RPI-RP2)` });
    });

    it('does not retry a device udisksctl refused, and says why when asked where it looked', async () => {
      let calls = 0;
      const run: ToolRunner = async () => {
        calls += 1;
        return { code: 1, stdout: '', stderr: 'Error mounting /dev/sda1: GDBus.Error:org.freedesktop.UDisks2.Error.NotAuthorizedCanObtain: Not authorized\n' };
      };
      const locator = new UdisksLocator({ udisksctl: 'udisksctl', mountsFile, byLabelDir: byLabel, run });
      expect(await locator.locate()).to.equal(undefined);
      expect(await locator.locate()).to.equal(undefined);
      expect(calls).to.equal(1);
      expect(locator.describe()).to.contain('Not authorized');
    });

    it('reads the mount point from both udisks message forms', () => {
      expect(parseUdisksMounted('Mounted /dev/sda1 at /media/ann/RPI-RP2.\n')).to.equal('/media/ann/RPI-RP2');
      expect(parseUdisksMounted('Mounted /dev/sda1 at /media/ann/RPI-RP2\n')).to.equal('/media/ann/RPI-RP2');
      expect(parseUdisksMounted('nothing')).to.equal(undefined);
    });
  });

  describe('default chain', () => {
    it('searches only the given mount point when there is one', async () => {
      expect((await defaultBootselLocator({ mountPoint: '/mnt/pico' })).describe()).to.equal('/mnt/pico (--mount-point)');
    });

    it('adds udisksctl only when it is installed', async () => {
      const base = { mountsFile, byLabelDir: byLabel, automountRoots: [join(root, 'media')] };
      expect((await defaultBootselLocator({ ...base, udisksctl: false })).describe()).to.not.contain('udisksctl');
      expect((await defaultBootselLocator({ ...base, udisksctl: '/usr/bin/udisksctl' })).describe()).to.contain('udisksctl mount -b');
      expect((await defaultBootselLocator({ ...base, env: { PATH: join(root, 'empty-bin') } })).describe()).to.not.contain('udisksctl');
    });

    it('waits for a drive that turns up later, and names what it waited for when none does', async () => {
      const found: BootselDrive = { mountPoint: '/x', info: { boardId: 'RPI-RP2', model: undefined, bootloader: undefined, text: '' }, foundBy: 'test' };
      let looks = 0;
      const later: BootselLocator = { describe: () => 'later', locate: async () => (++looks < 3 ? undefined : found) };
      expect(await waitForBootselDrive(later, { timeoutMs: 10_000, pollIntervalMs: 5 })).to.equal(found);
      const never: BootselLocator = { describe: () => 'the moon', locate: async () => undefined };
      const error = await failure(waitForBootselDrive(never, { timeoutMs: 50, pollIntervalMs: 10 }));
      expect(error).to.be.instanceOf(FlashError);
      expect(error.message).to.equal('no BOOTSEL drive (RPI-RP2 or RP2350 with INFO_UF2.TXT) appeared within 50 ms; looked at: the moon');
    });
  });

  describe('INFO_UF2.TXT', () => {
    it('reads RP2040 and RP2350 boot ROM files and nothing else', () => {
      expect(parseInfoUf2(RP2040_INFO)).to.include({ boardId: 'RPI-RP2', model: 'Raspberry Pi RP2' });
      expect(parseInfoUf2(RP2350_INFO)).to.include({ boardId: 'RP2350', model: 'Raspberry Pi RP2350', bootloader: 'UF2 Bootloader v1.0' });
      expect(parseInfoUf2('UF2 Bootloader v3.0\nBoard-ID: SAMD21-Feather\n')).to.equal(undefined);
    });
  });

  describe('copy and picotool', () => {
    it('copies every byte to the drive', async () => {
      const mountPoint = await drive(join(root, 'RPI-RP2'));
      const bytes = Uint8Array.from({ length: 200_000 }, (_, i) => i % 251);
      const copied = await copyToDrive(bytes, mountPoint, 'fw.uf2', { timeoutMs: 10_000 });
      expect(copied).to.deep.equal({ target: join(mountPoint, 'fw.uf2'), vanishedAtEnd: false });
      expect(new Uint8Array(await readFile(copied.target))).to.deep.equal(bytes);
    });

    it('reports a copy that fails before the last byte with the bytes written', async () => {
      const error = await failure(copyToDrive(new Uint8Array(1024), join(root, 'gone'), 'fw.uf2', { timeoutMs: 10_000 }));
      expect(error).to.be.instanceOf(FlashError);
      expect(error.message).to.match(/^copying to .*gone\/fw\.uf2 failed after 0 of 1024 bytes: ENOENT/);
    });

    it('runs picotool load -v -x and reports its complaint in one line', async () => {
      const seen: string[][] = [];
      const ok: ToolRunner = async (tool, args) => {
        seen.push([tool, ...args]);
        return { code: 0, stdout: 'Loading into Flash: [====] 100%\n', stderr: '' };
      };
      await picotoolLoad('/opt/picotool', 'fw.uf2', { timeoutMs: 1000, run: ok });
      expect(seen).to.deep.equal([['/opt/picotool', 'load', '-v', '-x', 'fw.uf2']]);
      const refused: ToolRunner = async () => ({ code: 249, stdout: '', stderr: 'No accessible RP-series devices in BOOTSEL mode were found.\n' });
      const error = await failure(picotoolLoad('picotool', 'fw.uf2', { timeoutMs: 1000, run: refused }));
      expect(error.message).to.equal('picotool load -v -x fw.uf2 failed (exit 249): No accessible RP-series devices in BOOTSEL mode were found.');
    });

    it('finds an executable on PATH', async () => {
      const bin = join(root, 'bin');
      await mkdir(bin);
      await writeFile(join(bin, 'picotool'), '#!/bin/sh\n');
      expect(await findOnPath('picotool', { PATH: bin })).to.equal(undefined);
      await chmod(join(bin, 'picotool'), 0o755);
      expect(await findOnPath('picotool', { PATH: `/nonexistent:${bin}` })).to.equal(join(bin, 'picotool'));
    });
  });
});
