import { openCampaignBoard } from '../../campaign/board/campaign-board.js';
import { DEFAULT_FLASH_TIMEOUTS, flashFirmware, readFirmwareFile, type FlashProgress, type FlashResult } from '../../firmware/flash.js';
import { defineCommand } from '../command.js';
import { leaveRawRepl } from '../connection.js';
import { writeLine, type WritableLike } from '../io.js';
import { parseWholeNumber, resolveTarget, type GlobalArgs } from '../options.js';

interface FlashArgs extends GlobalArgs {
  readonly file: string;
  readonly 'mount-point'?: string | undefined;
  readonly timeout?: string | undefined;
  readonly 'verify-version': boolean;
  readonly picotool: boolean;
  readonly json: boolean;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function line(out: WritableLike, label: string, text: string): void {
  writeLine(out, `${label.padEnd(10)} ${text}`);
}

function showProgress(out: WritableLike, event: FlashProgress): void {
  switch (event.step) {
    case 'read-uf2':
      line(out, 'uf2', `${event.file}: ${event.programVersion === null ? 'no program version' : `MicroPython ${event.tag ?? event.programVersion}`} (${event.family ?? 'no family'}, ${event.blocks} blocks)`);
      break;
    case 'query-before':
      line(out, 'before', event.version);
      break;
    case 'bootloader':
      line(out, 'bootsel', `machine.bootloader() sent, serial port gone (${seconds(event.durationMs)})`);
      break;
    case 'find-drive':
      line(out, 'drive', `${event.drive.mountPoint} [${event.drive.foundBy}; Board-ID ${event.drive.info.boardId}${event.drive.info.model === undefined ? '' : `, ${event.drive.info.model}`}] (${seconds(event.durationMs)})`);
      break;
    case 'copy':
      line(out, 'copy', `${event.bytes} bytes to ${event.target}${event.vanishedAtEnd ? ', drive gone at the end (reboot)' : ''} (${seconds(event.durationMs)})`);
      break;
    case 'picotool':
      line(out, 'picotool', `${event.picotool} load -v -x: ${event.reason} (${seconds(event.durationMs)})`);
      break;
    case 'reconnect':
      line(out, 'back', `${event.port} (${seconds(event.durationMs)})`);
      break;
    case 'query-after':
      line(out, 'after', event.version);
      break;
  }
}

function summary(result: FlashResult): string {
  return result.verified
    ? `verified: the board runs ${result.uf2.tag ?? ''} (${seconds(result.durationMs)})`
    : `flashed without version check (--no-verify-version) (${seconds(result.durationMs)})`;
}

export const flashCommand = defineCommand<FlashArgs>({
  command: 'flash <file>',
  describe: 'Flash a UF2 through BOOTSEL (machine.bootloader(), copy to the RPI-RP2/RP2350 drive) and prove the new version (exit 1 if it differs)',
  builder: (yargs) =>
    yargs
      .positional('file', { type: 'string', demandOption: true, describe: 'the .uf2 file' })
      .option('mount-point', { type: 'string', requiresArg: true, describe: 'where the BOOTSEL drive is (or gets) mounted; default: found by label, automount folders or udisksctl' })
      .option('timeout', {
        type: 'string',
        requiresArg: true,
        describe: `ms to wait for the drive, and again for the board to come back (default ${DEFAULT_FLASH_TIMEOUTS.driveMs})`,
      })
      .option('verify-version', { type: 'boolean', default: true, describe: 'require the UF2 to name a MicroPython version and the board to run it (--no-verify-version to skip)' })
      .option('picotool', { type: 'boolean', default: true, describe: 'fall back to picotool load -x when no drive turns up and picotool is on PATH (--no-picotool to never)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON instead of progress lines' })
      .example('$0 flash micropython-v1.22.2.uf2 --port sim', 'flash a simulated board (see firmware sim-builds for UF2s)')
      .example('$0 flash RPI_PICO_W-20241129-v1.24.1.uf2 --mount-point /mnt/pico', 'flash the one board on USB, drive mounted at /mnt/pico'),
  async run(args, { io, env, signal }) {
    const waitMs = parseWholeNumber('timeout', args.timeout, { min: 1 });
    // A bad file is reported before any board is touched.
    await readFirmwareFile(args.file, args['verify-version']);
    const target = await resolveTarget(args, env);
    const board = await openCampaignBoard({ spec: target.spec, world: target.connect.world, seed: target.connect.seed, profile: target.connect.profile });
    try {
      const result = await flashFirmware({
        board,
        uf2File: args.file,
        mountPoint: args['mount-point'],
        verifyVersion: args['verify-version'],
        picotool: args.picotool ? undefined : false,
        signal,
        env,
        timeouts: waitMs === undefined ? undefined : { driveMs: waitMs, rebootMs: waitMs },
        onProgress: args.json ? undefined : (event) => showProgress(io.stdout, event),
      });
      await leaveRawRepl(board.repl);
      if (args.json) writeLine(io.stdout, JSON.stringify(result, null, 2));
      else writeLine(io.stdout, summary(result));
      return 0;
    } finally {
      await board.close();
    }
  },
});
