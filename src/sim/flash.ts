/** errno values as rp2's LittleFS driver raises them (lfs errors mapped to MicroPython errnos). */
export const Errno = {
  ENOENT: 2,
  EIO: 5,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENOSPC: 28,
  ENOTEMPTY: 39,
} as const;

export class FlashError extends Error {
  constructor(readonly errno: number, message: string) {
    super(message);
  }
}

type Entry = { kind: 'file'; data: Uint8Array; mtime: number } | { kind: 'dir'; mtime: number };

/**
 * Geometry of the Pico W's filesystem: 848 KiB of LittleFS (212 blocks of 4 KiB) per
 * boards/RPI_PICO_W. Block accounting is a model: 2 blocks for the superblock/root pair, 2 per
 * directory, and whole blocks per file except files small enough to be inlined in their
 * directory's metadata (LittleFS inlines up to its cache size; 512 bytes here).
 */
export const FLASH_BLOCK_SIZE = 4096;
export const FLASH_BLOCKS = 212;
const INLINE_MAX = 512;
const NAME_MAX = 255;

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

function blocksFor(entry: Entry): number {
  if (entry.kind === 'dir') return 2;
  return entry.data.length <= INLINE_MAX ? 0 : Math.ceil(entry.data.length / FLASH_BLOCK_SIZE);
}

/**
 * The board's flash filesystem. It belongs to the board's hardware, so it survives soft resets,
 * hard resets and power cycles; the interpreter reaches it through the `fs.*` calls below.
 */
export class Flash {
  private readonly entries = new Map<string, Entry>([['/', { kind: 'dir', mtime: 0 }]]);

  constructor(private readonly nowSeconds: () => number = () => 0) {}

  // ---- host-side access (tests, CLI, standalone deploy) ----

  readFile(path: string): Uint8Array | undefined {
    const entry = this.entries.get(normalize(path));
    return entry?.kind === 'file' ? entry.data.slice() : undefined;
  }

  writeFile(path: string, data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.commit(normalize(path), bytes);
  }

  exists(path: string): boolean {
    return this.entries.has(normalize(path));
  }

  /** Every file path, sorted. */
  files(): string[] {
    return [...this.entries].filter(([, entry]) => entry.kind === 'file').map(([path]) => path).sort();
  }

  usedBlocks(): number {
    let used = 0;
    for (const entry of this.entries.values()) used += blocksFor(entry);
    return used;
  }

  // ---- the interpreter's VFS calls ----

  /** Dispatch `fs.<op>` from the board's CPU. Throws FlashError with an rp2 errno. */
  call(op: string, args: unknown[]): unknown {
    const text = (index: number): string => {
      const value = args[index];
      if (typeof value !== 'string') throw new FlashError(Errno.EINVAL, `fs.${op}: argument ${index} must be a string`);
      return value;
    };
    switch (op) {
      case 'open':
        return this.open(normalize(text(0)), text(1));
      case 'write':
        return this.commit(normalize(text(0)), Buffer.from(text(1), 'hex'));
      case 'reserve':
        return this.reserve(normalize(text(0)), Number(args[1]));
      case 'listdir':
        return this.listdir(normalize(text(0)));
      case 'stat':
        return this.stat(normalize(text(0)));
      case 'mkdir':
        return this.mkdir(normalize(text(0)));
      case 'remove':
      case 'rmdir':
        return this.remove(normalize(text(0)));
      case 'rename':
        return this.rename(normalize(text(0)), normalize(text(1)));
      case 'statvfs':
        return this.statvfs();
      default:
        throw new FlashError(Errno.EINVAL, `unknown flash operation ${op}`);
    }
  }

  private get(path: string): Entry {
    const entry = this.entries.get(path);
    if (entry === undefined) throw new FlashError(Errno.ENOENT, `${path} does not exist`);
    return entry;
  }

  private requireParentDir(path: string): void {
    const parent = this.entries.get(parentOf(path));
    if (parent === undefined) throw new FlashError(Errno.ENOENT, `${parentOf(path)} does not exist`);
    if (parent.kind !== 'dir') throw new FlashError(Errno.ENOTDIR, `${parentOf(path)} is not a directory`);
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (name.length > NAME_MAX) throw new FlashError(Errno.EINVAL, 'name too long');
  }

  private open(path: string, mode: string): string {
    const entry = this.entries.get(path);
    if (entry?.kind === 'dir') throw new FlashError(Errno.EISDIR, `${path} is a directory`);
    const creates = /[wax]/.test(mode);
    if (entry === undefined) {
      if (!creates) throw new FlashError(Errno.ENOENT, `${path} does not exist`);
      this.requireParentDir(path);
      this.commit(path, new Uint8Array(0));
      return '';
    }
    if (mode.includes('x')) throw new FlashError(Errno.EEXIST, `${path} exists`);
    if (mode.includes('w')) {
      this.commit(path, new Uint8Array(0));
      return '';
    }
    return Buffer.from(entry.data).toString('hex');
  }

  private reserve(path: string, size: number): null {
    const current = this.entries.get(path);
    const candidate: Entry = { kind: 'file', data: new Uint8Array(Math.max(0, size)), mtime: 0 };
    const projected = this.usedBlocks() - (current === undefined ? 0 : blocksFor(current)) + blocksFor(candidate);
    if (projected > FLASH_BLOCKS) throw new FlashError(Errno.ENOSPC, 'no space left on flash');
    return null;
  }

  private commit(path: string, data: Uint8Array): null {
    if (path === '/') throw new FlashError(Errno.EISDIR, '/ is a directory');
    const current = this.entries.get(path);
    if (current?.kind === 'dir') throw new FlashError(Errno.EISDIR, `${path} is a directory`);
    if (current === undefined) this.requireParentDir(path);
    this.reserve(path, data.length);
    this.entries.set(path, { kind: 'file', data: data.slice(), mtime: this.nowSeconds() });
    return null;
  }

  private listdir(path: string): [string, boolean, number][] {
    const entry = this.get(path);
    if (entry.kind !== 'dir') throw new FlashError(Errno.ENOTDIR, `${path} is not a directory`);
    const prefix = path === '/' ? '/' : `${path}/`;
    const out: [string, boolean, number][] = [];
    for (const [candidate, child] of this.entries) {
      if (candidate === path || !candidate.startsWith(prefix)) continue;
      const name = candidate.slice(prefix.length);
      if (name.includes('/')) continue;
      out.push([name, child.kind === 'dir', child.kind === 'file' ? child.data.length : 0]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  private stat(path: string): [boolean, number, number] {
    const entry = this.get(path);
    return [entry.kind === 'dir', entry.kind === 'file' ? entry.data.length : 0, entry.mtime];
  }

  private mkdir(path: string): null {
    if (this.entries.has(path)) throw new FlashError(Errno.EEXIST, `${path} exists`);
    this.requireParentDir(path);
    if (this.usedBlocks() + 2 > FLASH_BLOCKS) throw new FlashError(Errno.ENOSPC, 'no space left on flash');
    this.entries.set(path, { kind: 'dir', mtime: this.nowSeconds() });
    return null;
  }

  private hasChildren(path: string): boolean {
    const prefix = path === '/' ? '/' : `${path}/`;
    for (const candidate of this.entries.keys()) if (candidate !== path && candidate.startsWith(prefix)) return true;
    return false;
  }

  /** lfs_remove: a file or an empty directory (rp2's os.remove and os.rmdir both call it). */
  private remove(path: string): null {
    const entry = this.get(path);
    if (path === '/') throw new FlashError(Errno.EINVAL, 'cannot remove /');
    if (entry.kind === 'dir' && this.hasChildren(path)) throw new FlashError(Errno.ENOTEMPTY, `${path} is not empty`);
    this.entries.delete(path);
    return null;
  }

  private rename(from: string, to: string): null {
    const entry = this.get(from);
    if (from === to) return null;
    if (to.startsWith(`${from}/`)) throw new FlashError(Errno.EINVAL, 'cannot move a directory into itself');
    this.requireParentDir(to);
    const target = this.entries.get(to);
    if (target !== undefined) {
      if (target.kind !== entry.kind) throw new FlashError(target.kind === 'dir' ? Errno.EISDIR : Errno.ENOTDIR, `${to} exists`);
      if (target.kind === 'dir' && this.hasChildren(to)) throw new FlashError(Errno.ENOTEMPTY, `${to} is not empty`);
    }
    const moved: [string, Entry][] = [];
    for (const [path, child] of this.entries) {
      if (path === from || path.startsWith(`${from}/`)) moved.push([to + path.slice(from.length), child]);
    }
    for (const [path] of moved) this.entries.delete(from + path.slice(to.length));
    for (const [path, child] of moved) this.entries.set(path, child);
    return null;
  }

  private statvfs(): number[] {
    const free = FLASH_BLOCKS - this.usedBlocks();
    return [FLASH_BLOCK_SIZE, FLASH_BLOCK_SIZE, FLASH_BLOCKS, free, free, 0, 0, 0, 0, NAME_MAX];
  }
}
