import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCampaignConfig } from '../../src/campaign/config/index.js';
import { planCampaign } from '../../src/campaign/matrix.js';
import { openRunStore } from '../../src/campaign/open-run-store.js';
import { Redactor } from '../../src/campaign/redact.js';
import type { RunStore } from '../../src/campaign/records/run-store.js';
import { makeRecord, temporaryDirectory } from './records/support.js';

const CONFIG = `board:
  port: sim
accessPoints:
  - name: lab
    ssid: picow-lab
matrix:
  resets: [none]
  wifi:
    - ap: lab
  certs: [valid]
  rtc: [ntp]
iterations: 3
transcripts:
  maxBytesPerAttempt: 1024
  maxTotalBytes: 2048
`;

describe('the run store a campaign opens', () => {
  let base: { path: string; cleanup: () => Promise<void> };
  let store: RunStore | undefined;

  beforeEach(async () => {
    base = await temporaryDirectory();
  });

  afterEach(async () => {
    await store?.close('completed');
    store = undefined;
    await base.cleanup();
  });

  for (const boards of [undefined, 2]) {
    it(`rotates out transcripts of passing attempts before failures (${boards === undefined ? 'one board' : 'a rack run'})`, async () => {
      const { config } = parseCampaignConfig(CONFIG, join(base.path, 'campaign.yaml'));
      const plan = planCampaign(config, { seed: 1 });
      const cell = plan.cells[0]?.id ?? '';
      ({ store } = await openRunStore({ config, plan, redactor: new Redactor([]), reportsDir: base.path, boards }));
      const board = boards === undefined ? {} : { board: { label: 'a', serialNumber: null, uniqueId: null } };
      const names: string[] = [];
      for (const [seq, klass] of ['tls.verify.future', 'tls.ok', 'tls.ok'].entries()) {
        const transcript = store.openTranscript({ seq, cell, iteration: seq + 1, ...(boards === undefined ? {} : { board: 'a' }) });
        transcript.write('x'.repeat(1000));
        const path = await transcript.finish();
        names.push(path?.replace('transcripts/', '') ?? '');
        await store.append(makeRecord(store.runId, seq, cell, seq + 1, { transcript: path, class: klass, ...board }));
      }
      expect((await readdir(join(store.dir, 'transcripts'))).sort()).to.deep.equal([names[0], names[2]].sort());
    });
  }
});
