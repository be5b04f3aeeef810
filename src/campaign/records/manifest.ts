import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, release, version as osVersion } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, UsageError } from '../../errors.js';
import type { Redactor } from '../redact.js';
import { writeFileAtomic } from './durable-fs.js';

export const MANIFEST_FILE = 'manifest.json';

const HARNESS_PACKAGE = 'picow-harness';
const NATIVE_BINDING_PACKAGE = '@serialport/bindings-cpp';

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}

/** `sha256:<hex>` of the canonical JSON of `value`. */
export function hashCanonical(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value) ?? 'undefined').digest('hex')}`;
}

async function readPackageJson(path: string): Promise<{ name?: string; version?: string } | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

/** The harness's own package.json: the nearest one named picow-harness above this module (src/ or dist/). */
async function harnessVersion(): Promise<string | null> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const found = await readPackageJson(join(dir, 'package.json'));
    if (found?.name === HARNESS_PACKAGE) return found.version ?? null;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

async function nativeBindingVersion(): Promise<string | null> {
  try {
    const path = createRequire(import.meta.url).resolve(`${NATIVE_BINDING_PACKAGE}/package.json`);
    return (await readPackageJson(path))?.version ?? null;
  } catch {
    return null;
  }
}

export interface SimBoardSettings {
  /** `hashCanonical` of the world as loaded, or the world file's hash. */
  readonly worldHash: string;
  readonly seed: number | string;
  readonly timeScale: number;
  readonly world?: string;
  readonly profile?: string;
}

export interface ManifestInput {
  readonly runId: string;
  readonly createdAt?: Date;
  readonly board: {
    readonly kind: 'sim' | 'real';
    /** e.g. USB serial, unique id, port, machine string. */
    readonly identity: Readonly<Record<string, unknown>>;
    /** e.g. `os.uname()` / `sys.implementation` as the board reports them. */
    readonly firmware: Readonly<Record<string, unknown>>;
    /** Required for `kind: 'sim'`. */
    readonly sim?: SimBoardSettings;
  };
  /** The campaign configuration as loaded: stored redacted, hashed after redaction. */
  readonly config: unknown;
  /** Certificate fingerprints by set name (e.g. `valid` → `sha256:…`). */
  readonly certificates: Readonly<Record<string, string>>;
  /** `uhubctl -v` output, or null when uhubctl is not used or not installed. */
  readonly uhubctlVersion: string | null;
  /** Which serialport binding opened the board: the native one, or the simulator's. */
  readonly serialBinding: 'native' | 'sim';
  /** Anything else the runner wants on record (redacted like the rest). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface RunManifest {
  readonly v: 1;
  readonly runId: string;
  readonly createdAt: string;
  readonly harness: { readonly name: string; readonly version: string | null };
  readonly host: {
    readonly platform: string;
    readonly arch: string;
    readonly kernel: string;
    readonly osVersion: string;
    readonly node: string;
  };
  readonly serialport: { readonly binding: string; readonly version: string | null };
  readonly board: ManifestInput['board'];
  readonly config: { readonly redacted: unknown; readonly hash: string };
  readonly certificates: Readonly<Record<string, string>>;
  readonly uhubctl: { readonly version: string | null };
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * Collects what a run must record about where it ran: harness version, host OS/kernel/Node, the
 * serialport binding, and the caller's board, config, certificates and uhubctl facts. The config
 * hash is taken over the redacted config, so the manifest cannot be used to test guesses of a
 * password.
 */
export async function buildManifest(input: ManifestInput, redactor: Redactor): Promise<RunManifest> {
  if (input.board.kind === 'sim' && input.board.sim === undefined) throw new UsageError('manifest: a simulated board needs board.sim (world hash, seed, time scale)');
  const redactedConfig = redactor.redact(input.config);
  const [version, bindingVersion] = await Promise.all([harnessVersion(), nativeBindingVersion()]);
  const manifest: RunManifest = {
    v: 1,
    runId: input.runId,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
    harness: { name: HARNESS_PACKAGE, version },
    host: { platform: platform(), arch: arch(), kernel: release(), osVersion: osVersion(), node: process.version },
    serialport:
      input.serialBinding === 'native'
        ? { binding: NATIVE_BINDING_PACKAGE, version: bindingVersion }
        : { binding: `${HARNESS_PACKAGE} SimBinding`, version },
    board: input.board,
    config: { redacted: redactedConfig, hash: hashCanonical(redactedConfig) },
    certificates: input.certificates,
    uhubctl: { version: input.uhubctlVersion },
    ...(input.extra === undefined ? {} : { extra: input.extra }),
  };
  return redactor.redact(manifest);
}

/** Writes `manifest.json` durably and atomically (redacted again: the caller may pass its own object). */
export async function writeManifest(dir: string, manifest: unknown, redactor: Redactor): Promise<void> {
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(redactor.redact(manifest), null, 2)}\n`);
}

export async function readManifest(dir: string): Promise<Record<string, unknown> | null> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ConfigError(`${file}: not a JSON object`, { file });
}
