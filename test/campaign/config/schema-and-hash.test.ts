import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { campaignJsonSchema, campaignJsonSchemaText, CAMPAIGN_SCHEMA_PATH, configHash, parseCampaignConfig, redactedConfig, stableJson } from '../../../src/campaign/config/index.js';
import { parseByteSize, parseDuration, formatDuration } from '../../../src/campaign/config/units.js';
import { Redactor } from '../../../src/campaign/redact.js';

const TEXT = `board: { port: sim }
accessPoints:
  - name: lab
    ssid: picow-lab
    apCommand: { up: [ap-ctl, --psk, canary-psk-1234, up] }
matrix:
  resets: [hard]
  wifi: [{ ap: lab }]
`;

describe('campaign config: JSON Schema, hash, units', () => {
  it('publishes a JSON Schema equal to the one the config schema generates', async () => {
    const committed = await readFile(fileURLToPath(new URL(`../../../${CAMPAIGN_SCHEMA_PATH}`, import.meta.url)), 'utf8');
    expect(committed === campaignJsonSchemaText(), `${CAMPAIGN_SCHEMA_PATH} is out of date; run node scripts/campaign-schema.mjs`).to.equal(true);
  });

  it('describes the config for editors: strict objects, defaults, required keys', () => {
    const schema = campaignJsonSchema() as { additionalProperties: boolean; required: string[]; properties: Record<string, { default?: unknown; description?: string }> };
    expect(schema.additionalProperties).to.equal(false);
    expect(schema.required).to.deep.equal(['board', 'matrix']);
    expect(schema.properties.iterations?.default).to.equal(10);
    expect(schema.properties.matrix?.description).to.match(/axes/);
  });

  it('hashes the same effective config to the same value, whatever the key order', () => {
    const reordered = `matrix:
  wifi: [{ ap: lab }]
  resets: [hard]
accessPoints:
  - ssid: picow-lab
    apCommand: { up: [ap-ctl, --psk, canary-psk-1234, up] }
    name: lab
board: { port: sim }
iterations: 10
`;
    const a = parseCampaignConfig(TEXT, 'a.yaml').config;
    const b = parseCampaignConfig(reordered, 'b.yaml').config;
    expect(configHash(a)).to.match(/^[0-9a-f]{64}$/);
    expect(configHash(a)).to.equal(configHash(b));
    expect(configHash(parseCampaignConfig(TEXT + 'iterations: 11\n', 'a.yaml').config)).to.not.equal(configHash(a));
  });

  it('records the config with secret values redacted, and hashes that', () => {
    const { config } = parseCampaignConfig(TEXT, 'a.yaml');
    const redactor = new Redactor(['canary-psk-1234']);
    const recorded = redactedConfig(config, redactor);
    expect(JSON.stringify(recorded)).to.not.include('canary-psk-1234');
    expect(JSON.stringify(recorded)).to.include('redacted');
    expect(configHash(config, redactor)).to.equal(configHash(config, new Redactor(['canary-psk-1234'])));
    expect(configHash(config, redactor)).to.not.equal(configHash(config));
  });

  it('writes stable JSON with sorted keys and without undefined members', () => {
    expect(stableJson({ b: 1, a: [{ d: undefined, c: 'x' }], e: null })).to.equal('{"a":[{"c":"x"}],"b":1,"e":null}');
  });

  it('reads durations and sizes as people write them', () => {
    expect(parseDuration('1h30m')).to.deep.equal({ ok: true, ms: 5_400_000 });
    expect(parseDuration('500ms')).to.deep.equal({ ok: true, ms: 500 });
    expect(parseDuration('-2h', { signed: true })).to.deep.equal({ ok: true, ms: -7_200_000 });
    expect(parseDuration('-2h').ok).to.equal(false);
    expect(parseDuration('30m2h').ok).to.equal(false);
    expect(parseDuration('2 hours').ok).to.equal(false);
    expect(formatDuration(5_400_000)).to.equal('1h30m');
    expect(formatDuration(-7_200_000)).to.equal('-2h');
    expect(parseByteSize('256KiB')).to.deep.equal({ ok: true, bytes: 262_144 });
    expect(parseByteSize('10 MB')).to.deep.equal({ ok: true, bytes: 10_000_000 });
    expect(parseByteSize('4096')).to.deep.equal({ ok: true, bytes: 4096 });
    expect(parseByteSize('1 parsec').ok).to.equal(false);
  });
});
