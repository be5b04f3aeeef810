import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export interface HubPort {
  readonly location: string;
  readonly port: number;
}

const CachedPortSchema = z.object({
  location: z.string().min(1),
  port: z.number().int().min(1),
  /** The hub's description when the board was seen there. */
  hub: z.string(),
  seenAt: z.string(),
});
export type CachedPort = z.infer<typeof CachedPortSchema>;

const CacheFileSchema = z.object({ version: z.literal(1), ports: z.record(z.string(), CachedPortSchema) });

export const PORT_CACHE_FILE = 'uhubctl-ports.json';

/**
 * Where each board (by USB serial number) was last seen on a switchable hub port: in memory, and in
 * `<dir>/uhubctl-ports.json` so a later run can switch a board that is powered off or hung and no
 * longer enumerated. The file is the harness's own: unreadable or malformed means empty, and the
 * next write replaces it.
 */
export class PortCache {
  private readonly memory = new Map<string, CachedPort>();
  private readonly file: string | undefined;

  constructor(dir: string | undefined) {
    this.file = dir === undefined ? undefined : join(dir, PORT_CACHE_FILE);
  }

  /** The port seen during this process, if any (proven by a listing). */
  seen(serialNumber: string): CachedPort | undefined {
    return this.memory.get(key(serialNumber));
  }

  /** The port from the cache file (an earlier process), if any. */
  async remembered(serialNumber: string): Promise<CachedPort | undefined> {
    return (await this.readFile())[key(serialNumber)];
  }

  async remember(serialNumber: string, port: HubPort, hub: string, now: Date = new Date()): Promise<CachedPort> {
    const entry: CachedPort = { location: port.location, port: port.port, hub, seenAt: now.toISOString() };
    this.memory.set(key(serialNumber), entry);
    if (this.file !== undefined) {
      const ports = { ...(await this.readFile()), [key(serialNumber)]: entry };
      await this.writeFile({ version: 1, ports });
    }
    return entry;
  }

  async forget(serialNumber: string): Promise<void> {
    this.memory.delete(key(serialNumber));
    if (this.file === undefined) return;
    const ports = await this.readFile();
    if (!(key(serialNumber) in ports)) return;
    delete ports[key(serialNumber)];
    await this.writeFile({ version: 1, ports });
  }

  private async readFile(): Promise<Record<string, CachedPort>> {
    if (this.file === undefined) return {};
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = CacheFileSchema.safeParse(JSON.parse(text));
      return parsed.success ? { ...parsed.data.ports } : {};
    } catch {
      return {};
    }
  }

  private async writeFile(content: z.infer<typeof CacheFileSchema>): Promise<void> {
    if (this.file === undefined) return;
    await mkdir(join(this.file, '..'), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`);
    await rename(temporary, this.file);
  }
}

function key(serialNumber: string): string {
  return serialNumber.toLowerCase();
}
