#!/usr/bin/env node
// Writes schema/campaign.schema.json from the campaign config's zod schema (src/campaign/config).
// A test fails when the committed file differs from what this writes.
//
//   node scripts/campaign-schema.mjs          write the file
//   node scripts/campaign-schema.mjs --check  exit 1 when the file is out of date
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = fileURLToPath(new URL('..', import.meta.url));
const { campaignJsonSchemaText, CAMPAIGN_SCHEMA_PATH } = await import('../src/campaign/config/json-schema.ts');
const target = join(root, CAMPAIGN_SCHEMA_PATH);
const text = campaignJsonSchemaText();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    process.stderr.write(`${CAMPAIGN_SCHEMA_PATH} is out of date; run node scripts/campaign-schema.mjs\n`);
    process.exit(1);
  }
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  process.stdout.write(`wrote ${CAMPAIGN_SCHEMA_PATH}\n`);
}
