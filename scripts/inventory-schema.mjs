#!/usr/bin/env node
// Writes schema/inventory.schema.json from the inventory zod schema (src/campaign/inventory).
// A test fails when the committed file differs from what this writes.
//
//   node scripts/inventory-schema.mjs          write the file
//   node scripts/inventory-schema.mjs --check  exit 1 when the file is out of date
import { register } from 'tsx/esm/api';
import { writeOrCheckSchema } from './schema-file.mjs';

register();
const { inventoryJsonSchemaText, INVENTORY_SCHEMA_PATH } = await import('../src/campaign/inventory/json-schema.ts');
writeOrCheckSchema(INVENTORY_SCHEMA_PATH, inventoryJsonSchemaText(), 'scripts/inventory-schema.mjs');
