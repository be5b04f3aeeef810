#!/usr/bin/env node
// Writes schema/campaign.schema.json from the campaign config's zod schema (src/campaign/config).
// A test fails when the committed file differs from what this writes.
//
//   node scripts/campaign-schema.mjs          write the file
//   node scripts/campaign-schema.mjs --check  exit 1 when the file is out of date
import { register } from 'tsx/esm/api';
import { writeOrCheckSchema } from './schema-file.mjs';

register();
const { campaignJsonSchemaText, CAMPAIGN_SCHEMA_PATH } = await import('../src/campaign/config/json-schema.ts');
writeOrCheckSchema(CAMPAIGN_SCHEMA_PATH, campaignJsonSchemaText(), 'scripts/campaign-schema.mjs');
