export { campaignSchema, type CampaignConfig, type CampaignDocument, type AccessPointConfig, type WifiVariantConfig, type SecretRef, PM_NAMES, type PmName } from './schema.js';
export { loadCampaignConfig, parseCampaignConfig, validateCampaign, type LoadedCampaign, type CampaignOverrides, type ParseOptions } from './load.js';
export { resolveSecrets, type CampaignSecrets, type ResolveSecretsOptions, type SecretsWorld } from './secrets.js';
export { configHash, redactedConfig, stableJson, type ValueRedactor } from './hash.js';
export { campaignJsonSchema, campaignJsonSchemaText, CAMPAIGN_SCHEMA_PATH } from './json-schema.js';
export { isSimBoard, boardPortSpec } from './checks.js';
export { parseDuration, formatDuration, parseByteSize } from './units.js';
export { parseRtcModeText, RTC_MODE_FORMS } from './rtc-syntax.js';
export { closestMatches, didYouMean } from '../../config-file/closest.js';
