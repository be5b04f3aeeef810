import { createHash } from 'node:crypto';
import type { CampaignConfig } from './schema.js';

/** What redacts secret values in a deep value (`Redactor` of `../redact.ts`). */
export interface ValueRedactor {
  redact<T>(value: T): T;
}

/** JSON with object keys sorted at every level (undefined members dropped): equal data, equal text. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : stableJson(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
}

/**
 * The config as the manifest records it. Passwords are never in the config (only where to find
 * them), but a user may still have pasted a secret into a string (an apCommand argument, say):
 * every occurrence of a secret value is replaced (by the run's `Redactor`).
 */
export function redactedConfig(config: CampaignConfig, redactor?: ValueRedactor): unknown {
  const plain = JSON.parse(stableJson(config)) as unknown;
  return redactor === undefined ? plain : redactor.redact(plain);
}

/** sha256 (hex) of the redacted config's stable JSON: the same effective campaign, the same hash. */
export function configHash(config: CampaignConfig, redactor?: ValueRedactor): string {
  return createHash('sha256').update(stableJson(redactedConfig(config, redactor))).digest('hex');
}
