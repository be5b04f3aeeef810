import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../../src/cli/main.js';
import { onlyRunDir } from './support.js';

class Collector {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

/** The main job (`npm start`): the built-in campaign reproduces both seed bugs and says so. */
describe('the default campaign (npm start)', function () {
  this.timeout(300_000);

  it('reproduces both seed bugs on the simulated board, prints both findings as strong with their numbers, and writes every report', async () => {
    const reports = await mkdtemp(join(tmpdir(), 'picow-default-campaign-'));
    try {
      const stdout = new Collector();
      const stderr = new Collector();
      const code = await runCli(['run', '--reports', reports], { stdout, stderr, env: { NO_COLOR: '1' } });
      expect(code, stderr.text).to.equal(0);
      expect(stdout.text).to.match(/\[strong\] TLS fails after cold boots: the board's clock is not set/);
      expect(stdout.text).to.match(/\[strong\] Hidden-SSID joins fail under PM default/);
      expect(stdout.text).to.include('BADCERT_FUTURE');
      const runDir = await onlyRunDir(reports);
      const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
      expect(summary.cells).to.have.length(6);
      const html = await readFile(join(runDir, 'report.html'), 'utf8');
      expect(html).to.include('SIMULATED');
      const markdown = await readFile(join(runDir, 'summary.md'), 'utf8');
      expect(markdown).to.match(/TLS fails after cold boots/);
      expect(stdout.text).to.include(join(runDir, 'report.html'));
    } finally {
      await rm(reports, { recursive: true, force: true });
    }
  });
});
