// What several benches share: a seeded PRNG for synthetic data, and the simulated lab campaign
// (one WPA2 access point, the valid certificate set) they run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PASSWORD = 'bench-lab-password';

/** mulberry32: a small seeded PRNG, so every bench run makes the same synthetic data. */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the bench lab's world.yaml and campaign.yaml into `dir`; returns the campaign file. */
export function writeBenchCampaign(dir, { timeScale, resets, iterations }) {
  writeFileSync(
    join(dir, 'world.yaml'),
    [
      `timeScale: ${timeScale}`,
      'accessPoints:',
      `  - {ssid: bench-lab, bssid: "02:50:43:57:06:31", channel: 6, security: wpa2, password: ${PASSWORD}, hidden: false, rssi: -48, country: DE}`,
      'faults: []',
    ].join('\n'),
  );
  const file = join(dir, 'campaign.yaml');
  writeFileSync(
    file,
    [
      'board: {port: sim, world: world.yaml}',
      'accessPoints: [{name: lab, ssid: bench-lab}]',
      `server: {certsDir: ${JSON.stringify(join(dir, 'certs'))}}`,
      `matrix: {resets: [${resets.join(', ')}], wifi: [{ap: lab}], certs: [valid]}`,
      `iterations: ${iterations}`,
      'seed: 1',
    ].join('\n'),
  );
  return file;
}
