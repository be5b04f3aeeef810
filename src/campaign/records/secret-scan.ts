import { open, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Redactor, type Secret } from '../redact.js';

/** One place a secret (in any encoding the redactor knows) was found. */
export interface SecretFinding {
  /** Path relative to the scanned directory, `/`-separated. */
  readonly file: string;
  /** Byte offset in the file, or null when the file's name itself holds the secret. */
  readonly offset: number | null;
  /** Index of the secret in the list scanned for (never its value). */
  readonly secret: number;
  readonly encoding: string;
}

const CHUNK_BYTES = 4 * 1024 * 1024;

async function scanFile(path: string, file: string, redactor: Redactor, findings: SecretFinding[]): Promise<void> {
  // Chunks overlap by more than the longest form (wrapped base64 included) so nothing straddling a boundary is missed.
  const overlap = 2 * redactor.longestPattern + 4096;
  const handle = await open(path, 'r');
  try {
    const seen = new Set<string>();
    const buffer = Buffer.alloc(CHUNK_BYTES + overlap);
    let carried = 0;
    let base = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, carried, buffer.length - carried, base + carried);
      const length = carried + bytesRead;
      for (const hit of redactor.findInBytes(buffer.subarray(0, length))) {
        const key = `${base + hit.start}:${hit.end - hit.start}:${hit.secret}:${hit.encoding}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({ file, offset: base + hit.start, secret: hit.secret, encoding: hit.encoding });
      }
      if (bytesRead === 0 || length < buffer.length) return;
      carried = Math.min(overlap, length);
      buffer.copyWithin(0, length - carried, length);
      base += length - carried;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Every occurrence of any of `secrets` in every file under `dir` (recursively; symbolic links are
 * not followed) and in the file names: the canary check a run does on its own directory at the
 * end, and tests do on everything a run wrote. Findings name file, byte offset and encoding, never
 * the secret.
 */
export async function scanForSecrets(dir: string, secrets: readonly Secret[] | Redactor): Promise<SecretFinding[]> {
  const redactor = secrets instanceof Redactor ? secrets : new Redactor(secrets);
  const findings: SecretFinding[] = [];
  if (redactor.secretCount === 0) return findings;
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(current, entry.name);
      const file = relative(dir, path).split('\\').join('/');
      for (const hit of redactor.findInText(entry.name)) findings.push({ file, offset: null, secret: hit.secret, encoding: hit.encoding });
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) await scanFile(path, file, redactor, findings);
    }
  };
  await walk(dir);
  return findings;
}
