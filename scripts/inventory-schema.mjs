#!/usr/bin/env node
// Writes schema/inventory.schema.json from the inventory zod schema (src/campaign/inventory).
// A test fails when the committed file differs from what this writes.
//
//   node scripts/inventory-schema.mjs          write the file
//   node scripts/inventory-schema.mjs --check  exit 1 when the file is out of date
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = fileURLToPath(new URL('..', import.meta.url));
const { inventoryJsonSchemaText, INVENTORY_SCHEMA_PATH } = await import('../src/campaign/inventory/json-schema.ts');
const target = join(root, INVENTORY_SCHEMA_PATH);
const text = inventoryJsonSchemaText();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    process.stderr.write(`${INVENTORY_SCHEMA_PATH} is out of date; run node scripts/inventory-schema.mjs\n`);
    process.exit(1);
  }
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  process.stdout.write(`wrote ${INVENTORY_SCHEMA_PATH}\n`);
}
