import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../../src/cli/main.js';
import { scanForSecrets } from '../../src/campaign/records/secret-scan.js';
import { loadCertificateSet } from '../../src/pki/index.js';
import { CANARY_PASSWORD, canaryCampaign, onlyRunDir, readAttempts, writeCampaign, type CampaignDir } from './support.js';

class Collector {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await runCli(args, { stdout, stderr, env: { PICOW_TEST_WIFI_PASSWORD: CANARY_PASSWORD, NO_COLOR: '1', ...env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Key material of the certificate sets a campaign served: it must never reach a record. */
async function keyBytes(certsDir: string, sets: readonly string[]): Promise<Uint8Array[]> {
  const keys: Uint8Array[] = [];
  for (const name of sets) {
    const set = await loadCertificateSet(certsDir, name);
    for (const pem of [set.leafKeyPem, set.clientKeyPem]) keys.push(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
  }
  return keys;
}

describe('picow-harness run (campaign on the simulated board)', function () {
  this.timeout(120_000);
  let campaign: CampaignDir | undefined;

  afterEach(async () => {
    await campaign?.dispose();
    campaign = undefined;
  });

  it('runs every planned attempt, records each once, and writes the manifest, summary.json, results.csv and junit.xml with the SIMULATED label', async () => {
    campaign = await writeCampaign(canaryCampaign({ matrix: { wifi: [{ ap: 'lab' }], certs: ['valid', 'issued-now'] }, expect: [{ cell: '**/issued-now', rule: 'fails' }] }));
    const result = await run(['run', campaign.config, '--reports', campaign.reports]);
    expect(result.code, result.stderr).to.equal(0);
    const runDir = await onlyRunDir(campaign.reports);
    const records = await readAttempts(runDir);
    expect(records.map((r) => `${r.cell}#${r.iteration}`).sort()).to.deep.equal(['lab-pm-default/issued-now#1', 'lab-pm-default/issued-now#2', 'lab-pm-default/valid#1', 'lab-pm-default/valid#2']);
    expect(records.map((r) => r.seq)).to.deep.equal([0, 1, 2, 3]);
    for (const record of records) {
      expect(record.wifi?.finalStatus).to.equal(3);
      expect(record.class).to.equal(record.cell.endsWith('valid') ? 'tls.ok' : 'tls.verify.future');
      expect(record.rtc?.mode).to.equal('cold');
      expect(record.tls?.rtcAtStart?.[0]).to.equal(2021);
      expect(record.boardMs).to.be.a('number');
    }
    const failed = records.find((r) => r.class === 'tls.verify.future');
    expect(failed?.server?.alert).to.deep.equal({ direction: 'received', name: 'certificate_unknown' });

    const files = await readdir(runDir);
    expect(files).to.include.members(['attempts.jsonl', 'manifest.json', 'status.json', 'summary.json', 'results.csv', 'junit.xml', 'transcripts']);
    const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8'));
    expect(manifest.board.kind).to.equal('sim');
    expect(manifest.board.sim.timeScale).to.equal(50);
    expect(manifest.board.sim.worldHash).to.match(/^[0-9a-f]{16,}|sha256:/);
    expect(Object.keys(manifest.certificates)).to.have.members(['valid', 'issued-now']);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
    expect(summary.board.kind).to.equal('sim');
    const junit = await readFile(join(runDir, 'junit.xml'), 'utf8');
    expect(junit).to.include('SIMULATED');
    expect(junit).not.to.include('<failure');
    const csv = await readFile(join(runDir, 'results.csv'), 'utf8');
    expect(csv.trim().split('\n')).to.have.length(5);
    expect(result.stdout).to.include('SIMULATED');
    const status = JSON.parse(await readFile(join(runDir, 'status.json'), 'utf8'));
    expect(status).to.include({ state: 'completed', done: 4, total: 4 });
  });

  it('never writes the Wi-Fi password or key bytes: not in stdout, stderr, any file of the run, nor the server logs', async () => {
    campaign = await writeCampaign(canaryCampaign({ matrix: { resets: ['soft'], wifi: [{ ap: 'lab' }], certs: ['valid'] }, iterations: 2 }));
    const result = await run(['run', campaign.config, '--reports', campaign.reports]);
    expect(result.code, result.stderr).to.equal(0);
    const runDir = await onlyRunDir(campaign.reports);
    const keys = await keyBytes(campaign.certs, ['valid']);
    expect(await scanForSecrets(runDir, [CANARY_PASSWORD, ...keys])).to.deep.equal([]);
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.to.include(CANARY_PASSWORD);
      for (const key of keys) expect(text).not.to.include(Buffer.from(key).toString('base64').slice(0, 40));
    }
    // The transcripts hold what went to the board (the ARGS line with the password), redacted.
    const transcripts = await readdir(join(runDir, 'transcripts'));
    expect(transcripts).to.have.length(2);
    const transcript = await readFile(join(runDir, 'transcripts', transcripts[0] as string), 'utf8');
    expect(transcript).to.include('«redacted»');
  });

  it('exits 1 when an expectation does not hold, and junit.xml fails exactly that cell', async () => {
    campaign = await writeCampaign(canaryCampaign({ matrix: { wifi: [{ ap: 'lab' }], certs: ['issued-now'] }, iterations: 1, expect: [{ cell: '**', rule: 'tls.ok >= 0.9' }] }));
    const result = await run(['run', campaign.config, '--reports', campaign.reports]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/expectation/);
    const junit = await readFile(join(await onlyRunDir(campaign.reports), 'junit.xml'), 'utf8');
    expect(junit.match(/<failure/g)).to.have.length(1);
  });

  it('exits 2 with file, line and the document path for a bad config, and creates no run', async () => {
    campaign = await writeCampaign(canaryCampaign({ iterations: 0 }));
    const result = await run(['run', campaign.config, '--reports', campaign.reports]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/campaign\.yaml:\d+:\d+: iterations/);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
  });

  it('aborts in the preflight with exit 3 when the Wi-Fi password is wrong, before recording any attempt', async () => {
    campaign = await writeCampaign(canaryCampaign());
    const result = await run(['run', campaign.config, '--reports', campaign.reports], { PICOW_TEST_WIFI_PASSWORD: 'not-the-password' });
    expect(result.code).to.equal(3);
    expect(result.stderr).to.match(/Wi-Fi password probably wrong/);
    expect(result.stderr).not.to.include('not-the-password');
    const runDirs = await readdir(campaign.reports).catch(() => []);
    for (const dir of runDirs) expect(await readAttempts(join(campaign.reports, dir))).to.deep.equal([]);
  });

  it('--dry-run prints cells × iterations and an estimate, and runs nothing', async () => {
    campaign = await writeCampaign(canaryCampaign({ matrix: { resets: ['soft', 'hard'], wifi: [{ ap: 'lab' }], certs: ['valid'] }, iterations: 3 }));
    const result = await run(['run', campaign.config, '--reports', campaign.reports, '--dry-run']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include('2 cells × 3 iterations = 6 attempts');
    expect(result.stdout).to.include('SIMULATED');
    expect(result.stdout).to.match(/estimate/);
    expect(await readdir(campaign.reports).catch(() => [])).to.deep.equal([]);
  });

  it('--resume continues a run cut short by --max-duration with no attempt lost or repeated', async () => {
    campaign = await writeCampaign(canaryCampaign({ matrix: { wifi: [{ ap: 'lab' }], certs: ['valid'] }, iterations: 3 }));
    const first = await run(['run', campaign.config, '--reports', campaign.reports, '--max-duration', '1ms']);
    expect(first.code).to.equal(0);
    const runDir = await onlyRunDir(campaign.reports);
    const partial = await readAttempts(runDir);
    expect(partial.length).to.be.below(3);
    // A torn last line, as a kill during the write leaves it: cut off and that attempt runs again.
    await writeFile(join(runDir, 'attempts.jsonl'), `${(await readFile(join(runDir, 'attempts.jsonl'), 'utf8'))}{"v":1,"runId":"x","seq":`);
    const changed = await run(['run', campaign.config, '--reports', campaign.reports, '--resume', runDir, '--iterations', '5']);
    expect(changed.code).to.equal(2);
    expect(changed.stderr).to.match(/differs from the one the run began with/);
    const second = await run(['run', campaign.config, '--reports', campaign.reports, '--resume', runDir]);
    expect(second.code, second.stderr).to.equal(0);
    const records = await readAttempts(runDir);
    expect(records.map((r) => r.iteration).sort()).to.deep.equal([1, 2, 3]);
  });
});
