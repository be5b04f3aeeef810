import { z } from 'zod';
import { campaignSchema } from './schema.js';

/** Where the published schema lives in the repository (scripts/campaign-schema.mjs writes it). */
export const CAMPAIGN_SCHEMA_PATH = 'schema/campaign.schema.json';

/** The campaign config's JSON Schema (draft 2020-12), for editors: what a file may contain, with defaults. */
export function campaignJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(campaignSchema, { io: 'input', target: 'draft-2020-12' });
  return { $schema: schema.$schema, title: 'picow-harness campaign', ...schema };
}

/** The schema file's exact text. */
export function campaignJsonSchemaText(): string {
  return `${JSON.stringify(campaignJsonSchema(), null, 2)}\n`;
}
