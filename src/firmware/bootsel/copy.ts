import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { FlashError } from '../flash-errors.js';

const CHUNK = 64 * 1024;
/** What writing to a drive that has just gone away says on Linux and macOS. */
const VANISHED = new Set(['EIO', 'ENODEV', 'ENXIO', 'ENOENT', 'ESTALE', 'EROFS']);

/**
 * Copy the UF2 onto the drive (plain write + fsync, as `cp` would). The boot ROM reboots when the
 * last block lands, so the drive may vanish under the final sync/close: once every byte was
 * written such an error means "done"; before that it is a failed copy.
 */
export async function copyToDrive(bytes: Uint8Array, mountPoint: string, name: string, options: { timeoutMs: number }): Promise<{ target: string; vanishedAtEnd: boolean }> {
  const target = join(mountPoint, name);
  let written = 0;
  const work = async (): Promise<boolean> => {
    let handle;
    try {
      handle = await open(target, 'w');
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, written, Math.min(CHUNK, bytes.length - written));
        written += bytesWritten;
      }
      await handle.sync();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (written === bytes.length && VANISHED.has(code)) return true;
      throw new FlashError('copy', `copying to ${target} failed after ${written} of ${bytes.length} bytes: ${(error as Error).message}`, { cause: error });
    } finally {
      await handle?.close().catch(() => undefined);
    }
    return false;
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FlashError('copy', `copying to ${target} did not finish within ${options.timeoutMs} ms (${written} of ${bytes.length} bytes written)`)),
      options.timeoutMs,
    );
  });
  try {
    return { target, vanishedAtEnd: await Promise.race([work(), timeout]) };
  } finally {
    clearTimeout(timer);
  }
}
