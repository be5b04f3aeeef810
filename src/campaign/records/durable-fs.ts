import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let temporaryCounter = 0;

/** Makes a directory's entries (a file created, renamed or removed in it) survive a power cut. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written);
    written += bytesWritten;
  }
}

/** Cuts `path` to `length` bytes and flushes the new size to the disk. */
export async function truncateDurably(path: string, length: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temporary files this module leaves behind only when the process dies mid-write. */
export function isTemporaryName(name: string): boolean {
  return /\.tmp-\d+-\d+$/.test(name);
}

/**
 * Replaces `path` with `data` so that a reader sees the old content or the new, never a mix or an
 * empty file: write a temporary file beside it and rename it over `path`. With `durable` (the
 * default) the file is flushed before the rename and the directory after it, so the new content
 * also survives a power cut; without, a power cut may leave the old content or an empty file.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: { durable?: boolean } = {}): Promise<void> {
  const durable = options.durable ?? true;
  temporaryCounter += 1;
  const temporary = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${temporaryCounter}`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const handle = await open(temporary, 'wx');
  try {
    await writeAll(handle, bytes);
    if (durable) await handle.datasync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  if (durable) await syncDirectory(dirname(path));
}

/**
 * An append-only file: each `append` is one write of whole lines (the file is opened with
 * O_APPEND) followed by fdatasync, so when it resolves the bytes are on the disk. A failed append
 * (disk full) is cut back off the file; if even that fails, the appender refuses further appends,
 * so a partial line can only ever be the last one (which resuming repairs).
 */
export class DurableAppender {
  private failure: unknown;

  private constructor(
    private handle: FileHandle | undefined,
    readonly path: string,
    private size: number,
  ) {}

  static async open(path: string): Promise<DurableAppender> {
    const handle = await open(path, 'a');
    try {
      // The file may have just been created: its directory entry must be durable as well.
      await syncDirectory(dirname(path));
      return new DurableAppender(handle, path, (await handle.stat()).size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async append(data: Uint8Array): Promise<void> {
    if (this.handle === undefined) throw new Error(`${this.path} is closed`);
    if (this.failure !== undefined) throw new Error(`${this.path}: an earlier append failed and could not be undone`, { cause: this.failure });
    try {
      await writeAll(this.handle, data);
      await this.handle.datasync();
      this.size += data.length;
    } catch (error) {
      try {
        await this.handle.truncate(this.size);
        await this.handle.datasync();
      } catch {
        this.failure = error;
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
