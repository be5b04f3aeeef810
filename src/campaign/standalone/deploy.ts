import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError, UsageError } from '../../errors.js';
import { loadDeviceScript } from '../../device/scripts.js';
import type { CampaignBoard } from '../board/campaign-board.js';
import { boardFileExists, makeBoardDir, readBoardFile, removeBoardDir, removeBoardFile, renameBoardFile, writeBoardFile, type FileOptions } from './board-files.js';

/**
 * Putting the boot runner on the board and taking it off again. The user's files the runner
 * replaces are moved (renamed, so byte for byte) into a backup folder on the flash, with a manifest
 * written first; a copy of each also goes to the host. `restore` works from the flash alone, so it
 * also works after a crash (`picow-harness standalone --restore`).
 */

export const RUNNER_FILE = 'main.py';
export const RUNNER_CONFIG_FILE = 'picow_runner.json';
export const RUNNER_LOG_FILE = 'picow_runner.log';
export const NOBOOT_FILE = 'noboot';
export const BACKUP_DIR = 'picow_backup';
const BACKUP_MANIFEST = `${BACKUP_DIR}/manifest.json`;
/** The files the runner puts on the flash; the user's versions of them are backed up. */
export const RUNNER_FILES: readonly string[] = [RUNNER_FILE, RUNNER_CONFIG_FILE, RUNNER_LOG_FILE];
/** How the runner's source starts: how `restore` tells the runner from a user's main.py. */
const RUNNER_MARK = '# picow-harness boot runner';

export interface BackupEntry {
  readonly name: string;
  readonly existed: boolean;
  readonly size: number | null;
  readonly sha256: string | null;
}

export interface BackupManifest {
  readonly v: 1;
  readonly tool: 'picow-harness standalone';
  readonly runId: string;
  readonly deployedAt: string;
  readonly files: readonly BackupEntry[];
}

export interface DeployOptions extends FileOptions {
  readonly runId: string;
  /** Host folder for the host-side copy of the backup and its manifest (the run directory's `standalone/`). */
  readonly hostDir?: string | undefined;
}

export interface RestoreReport {
  /** Files put back byte for byte (checked against the manifest's SHA-256). */
  readonly restored: readonly string[];
  /** Runner files removed that the user did not have. */
  readonly removed: readonly string[];
  /** True when there was nothing to restore (no backup on the board). */
  readonly nothingToDo: boolean;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The flash does not hold what the backup says (exit 3). */
export class StandaloneDeployError extends HarnessError {
  constructor(message: string) {
    super('STANDALONE_RESTORE_FAILED', message);
  }
}

export async function readBackupManifest(board: CampaignBoard, options: FileOptions = {}): Promise<BackupManifest | null> {
  const bytes = await readBoardFile(board, BACKUP_MANIFEST, options);
  if (bytes === null) return null;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as BackupManifest;
  } catch {
    throw new StandaloneDeployError(`${BACKUP_MANIFEST} on the board is not valid JSON; look at the folder ${BACKUP_DIR} by hand`);
  }
}

/**
 * Back up the user's main.py, runner config and log, then write the runner as main.py. Refuses
 * when an earlier deployment was never restored (its backup would be overwritten) and when a
 * `noboot` file would keep the runner from running.
 */
export async function deployRunner(board: CampaignBoard, options: DeployOptions): Promise<BackupManifest> {
  const earlier = await readBackupManifest(board, options);
  if (earlier !== null && earlier.runId === options.runId) {
    // The same run, resumed: its backup stands; only the runner is written again.
    await writeBoardFile(board, RUNNER_FILE, new TextEncoder().encode(await loadDeviceScript('boot_runner.py')), options);
    return earlier;
  }
  if (earlier !== null) {
    throw new UsageError(`the board still has the boot runner of an earlier standalone run (${BACKUP_MANIFEST}); run picow-harness standalone --restore first`);
  }
  if (await boardFileExists(board, NOBOOT_FILE, options)) {
    throw new UsageError(`the board has a ${NOBOOT_FILE} file, which keeps the boot runner from running; remove it first`);
  }
  const files: BackupEntry[] = [];
  const copies = new Map<string, Uint8Array>();
  for (const name of RUNNER_FILES) {
    const bytes = await readBoardFile(board, name, options);
    files.push({ name, existed: bytes !== null, size: bytes?.length ?? null, sha256: bytes === null ? null : sha256(bytes) });
    if (bytes !== null) copies.set(name, bytes);
  }
  const manifest: BackupManifest = { v: 1, tool: 'picow-harness standalone', runId: options.runId, deployedAt: new Date().toISOString(), files };
  if (options.hostDir !== undefined) {
    const dir = join(options.hostDir, 'backup');
    await mkdir(dir, { recursive: true });
    for (const [name, bytes] of copies) await writeFile(join(dir, name), bytes);
    await writeFile(join(options.hostDir, 'backup.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  await makeBoardDir(board, BACKUP_DIR, options);
  // The manifest goes first: a deployment cut short after this point can still be restored.
  await writeBoardFile(board, BACKUP_MANIFEST, new TextEncoder().encode(JSON.stringify(manifest)), options);
  for (const name of copies.keys()) await renameBoardFile(board, name, `${BACKUP_DIR}/${name}`, options);
  const runner = await loadDeviceScript('boot_runner.py');
  await writeBoardFile(board, RUNNER_FILE, new TextEncoder().encode(runner), options);
  return manifest;
}

/** Remove the runner config (it holds the Wi-Fi password) from the board; true when it was there. */
export async function removeRunnerCredentials(board: CampaignBoard, options: FileOptions = {}): Promise<boolean> {
  return removeBoardFile(board, RUNNER_CONFIG_FILE, options);
}

/**
 * Take the runner off the board and put the user's files back, byte for byte (each checked
 * against the backup manifest's SHA-256). Works from the flash alone. A file the user did not have
 * is removed; the runner's config (with the Wi-Fi password) is always removed.
 */
export async function restoreUserFiles(board: CampaignBoard, options: FileOptions = {}): Promise<RestoreReport> {
  const manifest = await readBackupManifest(board, options);
  if (manifest === null) {
    // No backup: only a runner left without one (a deployment cut short before its manifest) is removed.
    const main = await readBoardFile(board, RUNNER_FILE, options);
    const removed: string[] = [];
    if (main !== null && Buffer.from(main).toString('utf8').startsWith(RUNNER_MARK)) {
      for (const name of RUNNER_FILES) if (await removeBoardFile(board, name, options)) removed.push(name);
    }
    return { restored: [], removed, nothingToDo: removed.length === 0 };
  }
  const restored: string[] = [];
  const removed: string[] = [];
  for (const entry of manifest.files) {
    const backup = `${BACKUP_DIR}/${entry.name}`;
    if (!entry.existed) {
      if (await removeBoardFile(board, entry.name, options)) removed.push(entry.name);
      continue;
    }
    if (await boardFileExists(board, backup, options)) {
      await removeBoardFile(board, entry.name, options);
      await renameBoardFile(board, backup, entry.name, options);
    }
    const bytes = await readBoardFile(board, entry.name, options);
    if (bytes === null || sha256(bytes) !== entry.sha256) {
      throw new StandaloneDeployError(`restoring ${entry.name}: the file on the board does not match the backup (SHA-256 ${entry.sha256 ?? 'none'}); the host copy is in the run directory's standalone/backup/`);
    }
    restored.push(entry.name);
  }
  await removeBoardFile(board, BACKUP_MANIFEST, options);
  await removeBoardDir(board, BACKUP_DIR, options);
  return { restored, removed, nothingToDo: false };
}
