import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { micropythonTagOf } from '../binary-info.js';
import { parseUf2 } from '../uf2.js';
import { compareTags } from './version-order.js';

/** One firmware build of a bisect: an opaque UF2 whose identity is what its binary info says. */
export interface BisectBuild {
  /** Position in the bisect order, from 0 (oldest). */
  readonly index: number;
  /** Absolute path of the UF2. */
  readonly file: string;
  /** The program version string of its binary info, or null when it has none. */
  readonly programVersion: string | null;
  /** The MicroPython git tag that string names, or null. */
  readonly tag: string | null;
}

/** The build's short label: its tag, else its file name. */
export function buildLabel(build: Pick<BisectBuild, 'file' | 'tag'>): string {
  return build.tag ?? basename(build.file);
}

async function describeUf2(file: string): Promise<Omit<BisectBuild, 'index'>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UsageError(`--firmware: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const image = parseUf2(bytes, { file });
  const programVersion = image.binaryInfo?.programVersion ?? null;
  return { file, programVersion, tag: micropythonTagOf(image.binaryInfo) };
}

async function kindOf(path: string): Promise<'dir' | 'file' | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info === undefined ? undefined : info.isDirectory() ? 'dir' : 'file';
}

/** A list file: one UF2 path a line (relative to the list's folder); blank lines and `#` comments skipped. */
async function filesOfList(listFile: string): Promise<string[]> {
  const text = await readFile(listFile, 'utf8');
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '')
    .map((line) => (isAbsolute(line) ? line : resolve(dirname(listFile), line)));
}

/**
 * The builds `--firmware` names, in bisect order (oldest first): a comma-separated list of UF2
 * files or a text file listing them (the order given), or a folder (every *.uf2, ordered by the
 * MicroPython version in its binary info, ties by file name). Each UF2 is parsed in full, so a
 * corrupt one stops the bisect before anything is flashed.
 */
export async function resolveBuilds(spec: string, options: { cwd?: string } = {}): Promise<BisectBuild[]> {
  const cwd = options.cwd ?? process.cwd();
  const trimmed = spec.trim();
  if (trimmed === '') throw new UsageError('--firmware: name a folder of UF2 files, a list file, or FILE,FILE,…');
  let files: string[];
  let ordered = true;
  if (trimmed.includes(',')) {
    files = trimmed.split(',').map((part) => part.trim()).filter((part) => part !== '').map((part) => resolve(cwd, part));
  } else {
    const path = resolve(cwd, trimmed);
    const kind = await kindOf(path);
    if (kind === undefined) throw new UsageError(`--firmware ${spec}: no such file or folder`);
    if (kind === 'dir') {
      files = (await readdir(path)).filter((name) => extname(name).toLowerCase() === '.uf2').map((name) => resolve(path, name));
      ordered = false;
      if (files.length === 0) throw new UsageError(`--firmware ${spec}: the folder holds no .uf2 file`);
    } else if (extname(path).toLowerCase() === '.uf2') {
      files = [path];
    } else {
      files = await filesOfList(path);
    }
  }
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file)) throw new UsageError(`--firmware: ${file} is named twice`);
    seen.add(file);
  }
  const described = await Promise.all(files.map((file) => describeUf2(file)));
  if (!ordered) {
    const untagged = described.find((build) => build.tag === null);
    if (untagged !== undefined) {
      throw new UsageError(`--firmware ${spec}: ${untagged.file} names no MicroPython version in its binary info, so the folder cannot be ordered; give the order as a list (FILE,FILE,… or a list file)`);
    }
    described.sort((a, b) => compareTags(a.tag ?? '', b.tag ?? '') || basename(a.file).localeCompare(basename(b.file)));
  }
  if (described.length < 2) throw new UsageError(`--firmware ${spec}: a bisect needs at least two builds, got ${described.length}`);
  return described.map((build, index) => ({ index, ...build }));
}
