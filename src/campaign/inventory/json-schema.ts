import { z } from 'zod';
import { inventorySchema } from './schema.js';

/** Where the published schema lives in the repository (scripts/inventory-schema.mjs writes it). */
export const INVENTORY_SCHEMA_PATH = 'schema/inventory.schema.json';

/** The inventory's JSON Schema (draft 2020-12), for editors. */
export function inventoryJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(inventorySchema, { io: 'input', target: 'draft-2020-12' });
  return { $schema: schema.$schema, title: 'picow-harness inventory', ...schema };
}

export function inventoryJsonSchemaText(): string {
  return `${JSON.stringify(inventoryJsonSchema(), null, 2)}\n`;
}
