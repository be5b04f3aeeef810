// Writes a generated JSON schema into the repository, or with --check (in process.argv) exits 1
// when the committed file differs from it. Used by campaign-schema.mjs and inventory-schema.mjs.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** `path` is relative to the repository; `script` is the command that regenerates it. */
export function writeOrCheckSchema(path, text, script) {
  const target = join(root, path);
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // missing counts as out of date
    }
    if (current !== text) {
      process.stderr.write(`${path} is out of date; run node ${script}\n`);
      process.exit(1);
    }
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
