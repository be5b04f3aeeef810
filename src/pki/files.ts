import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/** Mode of every private key file. */
export const KEY_FILE_MODE = 0o600;
/** Mode of every directory that holds a private key. */
export const KEY_DIRECTORY_MODE = 0o700;
/** Certificates, chains and manifests: world-readable. */
export const PUBLIC_FILE_MODE = 0o644;

/** A directory that will hold keys: created 0700, or tightened to 0700 when it exists. */
export async function ensureKeyDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: KEY_DIRECTORY_MODE });
  await chmod(path, KEY_DIRECTORY_MODE);
}

/** The file's bytes, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Write `data` unless the file already holds exactly these bytes (an idempotent re-run leaves files
 * and their times alone). The new content lands in a temporary file created with `mode`, then is
 * renamed over the old one, so a key file is never readable by others, not even for a moment, and
 * an interrupted run never leaves a half-written file. The mode is enforced on unchanged files too.
 * Returns whether the file changed.
 */
export async function writeFileIfChanged(path: string, data: string | Uint8Array, mode: number): Promise<boolean> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const existing = await readIfExists(path);
  if (existing !== undefined && existing.equals(bytes)) {
    await chmod(path, mode);
    return false;
  }
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temporary, bytes, { mode, flag: 'wx' });
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return true;
}

/** Remove a file a set no longer has (e.g. SEC1 files after switching from EC to RSA with --force). */
export async function removeIfExists(path: string): Promise<void> {
  await rm(path, { force: true });
}
