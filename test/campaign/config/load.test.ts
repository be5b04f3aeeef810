import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCampaignConfig, parseCampaignConfig } from '../../../src/campaign/config/index.js';
import { buildCells } from '../../../src/campaign/matrix.js';

const FILE = 'lab.yaml';

/** A small valid config; tests replace lines of it. */
const BASE = `board:
  port: sim
accessPoints:
  - name: lab
    ssid: picow-lab
matrix:
  resets: [hard]
  wifi:
    - ap: lab
  certs: [issued-now]
`;

function configError(text: string, options: Parameters<typeof parseCampaignConfig>[2] = {}): { message: string; code: string } {
  try {
    parseCampaignConfig(text, FILE, options);
  } catch (error) {
    const message = (error as Error).message;
    expect(message, 'one line').to.not.include('\n');
    return { message, code: (error as { code: string }).code };
  }
  throw new Error('the config was accepted');
}

describe('campaign config: loading', () => {
  it('loads the documented example, with every default filled in', async () => {
    const loaded = await loadCampaignConfig(fileURLToPath(new URL('../../../examples/campaign.yaml', import.meta.url)));
    const { config } = loaded;
    expect(config.board.port).to.equal('sim');
    expect(config.accessPoints.map((ap) => ap.name)).to.deep.equal(['lab', 'hidden']);
    expect(config.server.host).to.equal('picow-harness.local');
    expect(config.maxDuration).to.equal(30 * 60_000);
    expect(config.transcripts.maxBytesPerAttempt).to.equal(256 * 1024);
    expect(config.matrix.rtc?.map((rtc) => rtc.mode)).to.deep.equal([{ kind: 'cold' }, { kind: 'ntp', host: undefined }]);
    expect(config.matrix.wifi?.[2]?.pm).to.equal(0xa11140);
    expect(config.expect[0]?.rule).to.deep.equal({ kind: 'fails', text: 'fails' });
    expect(buildCells(config)).to.have.length(16);
  });

  it('loads the shipped standalone campaign: each mode gets its cells, standalone ones with the clock modes a boot runner has', async () => {
    const loaded = await loadCampaignConfig(fileURLToPath(new URL('../../../campaigns/standalone.yaml', import.meta.url)));
    const ids = buildCells(loaded.config).map((cell) => cell.id);
    expect(ids.filter((id) => !id.startsWith('standalone/'))).to.have.length(6);
    expect(ids.filter((id) => id.startsWith('standalone/')).sort()).to.deep.equal([
      'standalone/power-cycle/lab-pm-default/issued-now/cold',
      'standalone/power-cycle/lab-pm-default/issued-now/ntp',
      'standalone/power-cycle/lab-pm-default/valid/cold',
      'standalone/power-cycle/lab-pm-default/valid/ntp',
    ]);
  });

  it('applies defaults for the parts a minimal config leaves out', () => {
    const { config, paths } = parseCampaignConfig(BASE, FILE, { cwd: '/work/x' });
    expect(config.iterations).to.equal(10);
    expect(config.timeouts).to.deep.equal({ connectMs: 20_000, tlsMs: 20_000, resetMs: 20_000, attemptMs: 120_000 });
    expect(config.transcripts.keep).to.equal('all');
    expect(config.expect).to.deep.equal([]);
    expect(config.seed).to.equal(undefined);
    expect(paths.certsDir).to.equal('/work/x/certs');
  });

  it('resolves the world file and certificate folder relative to the config file', () => {
    const text = BASE.replace('  port: sim\n', '  port: sim\n  world: worlds/w.yaml\n') + 'server:\n  certsDir: ../certs\n';
    const { paths } = parseCampaignConfig(text, 'configs/lab.yaml', { cwd: '/work/x' });
    expect(paths).to.deep.equal({ world: '/work/x/configs/worlds/w.yaml', certsDir: '/work/x/certs' });
  });

  it('names the file, line and column of a YAML syntax error', () => {
    const { message, code } = configError('board:\n  port: "sim\n');
    expect(code).to.equal('CONFIG_INVALID');
    expect(message).to.equal('lab.yaml:3:1: Missing closing "quote');
    expect(configError('board:\n\tport: sim\n').message).to.equal('lab.yaml:2:1: Tabs are not allowed as indentation');
  });

  it('rejects a duplicated key with its position', () => {
    expect(configError(BASE + 'iterations: 5\niterations: 6\n').message).to.match(/^lab\.yaml:12:1: .*unique/i);
  });

  it('rejects an unknown key at the key itself and suggests the key that was meant', () => {
    const { message } = configError(BASE + 'iteratons: 5\n');
    expect(message).to.equal('lab.yaml:11:1: iteratons: unknown key (did you mean iterations?)');
  });

  it('lists the known keys when nothing is close to an unknown one', () => {
    const { message } = configError(BASE.replace('  port: sim\n', '  port: sim\n  flavour: x\n'));
    expect(message).to.equal('lab.yaml:3:3: board.flavour: unknown key (known: port, profile, world, power, inventory)');
  });

  it('names the path and the expected type of a wrong value', () => {
    expect(configError(BASE + 'iterations: many\n').message).to.equal('lab.yaml:11:13: iterations: must be a number, got string "many"');
    expect(configError(BASE + 'iterations: 0\n').message).to.equal('lab.yaml:11:13: iterations: must be ≥ 1');
  });

  it('suggests the enum value that was meant', () => {
    const { message } = configError(BASE.replace('resets: [hard]', 'resets: [hard, sotf]'));
    expect(message).to.match(/^lab\.yaml:7:18: matrix\.resets\[1\]: must be one of none, soft, hard, power-cycle, wlan-deinit \(did you mean soft\?\)$/);
  });

  it('says which key is missing, at the mapping that lacks it', () => {
    expect(configError(BASE.replace('  port: sim\n', '  profile: v1.24.1\n')).message).to.equal('lab.yaml:2:3: board.port: is required (or give --port)');
    expect(configError('board:\n  port: sim\n').message).to.equal('lab.yaml:1:1: matrix: is required');
  });

  it('rejects an empty file', () => {
    expect(configError('').message).to.equal('lab.yaml:1:1: the document: is empty: a campaign needs at least board and matrix');
  });

  it('reports a bad RTC mode, expectation rule, duration and size with their problems', () => {
    expect(configError(BASE + '  rtc: [cold, skew:2 hours]\n').message).to.match(/^lab\.yaml:11:15: matrix\.rtc\[1\]: skew:<duration> needs a duration/);
    expect(configError(BASE + '  rtc: [host]\n').message).to.equal('lab.yaml:11:9: matrix.rtc[0]: host needs a zone: host:local or host:utc');
    expect(configError(BASE + 'expect:\n  - rule: tls.ok >= 1.5\n').message).to.match(/^lab\.yaml:12:11: expect\[0\]\.rule: the rate "1\.5" must be a number from 0 to 1/);
    expect(configError(BASE + 'maxDuration: soon\n').message).to.match(/^lab\.yaml:11:14: maxDuration: must be a duration like/);
    expect(configError(BASE + 'transcripts:\n  maxBytesPerAttempt: lots\n').message).to.match(/^lab\.yaml:12:23: transcripts\.maxBytesPerAttempt: must be a byte count/);
  });

  it('names every form a value may take when it takes none of them', () => {
    const text = BASE.replace('    - ap: lab', '    - ap: lab\n      pm: nnoe');
    expect(configError(text).message).to.equal('lab.yaml:10:11: matrix.wifi[0].pm: must be one of default, none, performance, powersave, or a number (did you mean none?)');
  });

  it('reports a power driver the config names wrongly', () => {
    const text = BASE.replace('  port: sim\n', '  port: sim\n  power:\n    driver: uhubctrl\n');
    expect(configError(text).message).to.equal('lab.yaml:4:13: board.power.driver: must be one of uhubctl, command, manual, sim (did you mean uhubctl?)');
  });

  it('rejects a Wi-Fi variant naming an access point that is not declared', () => {
    const { message } = configError(BASE.replace('    - ap: lab', '    - ap: labb'));
    expect(message).to.equal('lab.yaml:9:11: matrix.wifi[0].ap: no access point named labb (did you mean lab?)');
  });

  it('rejects settings that apply only to a simulated board on a real one', () => {
    const real = BASE.replace('  port: sim\n', '  port: /dev/ttyACM0\n  world: w.yaml\n');
    expect(configError(real).message).to.equal('lab.yaml:3:10: board.world: applies only to a simulated board (port: sim)');
  });

  it('requires a password source for a real board’s access point, pointing at the access point', () => {
    const real = BASE.replace('port: sim', 'port: id:e6614c311b7e6a35');
    expect(configError(real).message).to.equal('lab.yaml:4:5: accessPoints[0].password: is required for a real board: {env: NAME} or {file: PATH} (or open: true)');
  });

  it('requires a power driver for power-cycle resets on a real board', () => {
    const real = BASE.replace('port: sim', 'port: /dev/ttyACM0').replace('ssid: picow-lab', 'ssid: picow-lab\n    open: true').replace('[hard]', '[hard, power-cycle]');
    expect(configError(real).message).to.match(/^lab\.yaml:8:18: matrix\.resets\[1\]: power-cycle needs a power driver/);
  });

  it('rejects a password written into the config without repeating it', () => {
    const { message } = configError(BASE.replace('ssid: picow-lab', 'ssid: picow-lab\n    password: hunter2-canary'));
    expect(message).to.equal('lab.yaml:6:15: accessPoints[0].password: must be {env: NAME} or {file: PATH} (a secret is never written in the config)');
    expect(message).to.not.include('hunter2');
  });

  it('rejects an expectation whose glob matches no cell, with the closest cells', () => {
    const { message } = configError(BASE + "expect:\n  - cell: 'hard/lab-pm-defualt/**'\n    rule: fails\n");
    expect(message).to.equal('lab.yaml:12:11: expect[0].cell: matches no cell; did you mean hard/lab-pm-default/**?');
  });

  it('rejects an expectation about a step the matrix does not have', () => {
    const text = BASE.replace('  certs: [issued-now]\n', '') + 'expect:\n  - rule: tls.ok >= 0.9\n';
    expect(configError(text).message).to.equal('lab.yaml:11:11: expect[0].rule: tls.ok >= 0.9 needs a TLS step (matrix.certs), which the matrix has not');
  });

  it('rejects an axis listed twice and a TLS step without Wi-Fi', () => {
    expect(configError(BASE.replace('[issued-now]', '[issued-now, expired, issued-now]')).message).to.match(/^lab\.yaml:10:32: matrix\.certs\[2\]: certificate set issued-now is listed twice/);
    expect(configError(BASE.replace('  wifi:\n    - ap: lab\n', '')).message).to.equal('lab.yaml:8:3: matrix.certs: a TLS step needs a Wi-Fi step: add matrix.wifi');
  });

  it('lets flags override the file, and names the flag when its value is wrong', () => {
    const loaded = parseCampaignConfig(BASE, FILE, { overrides: { iterations: 3, seed: 9, maxDuration: '2h' } });
    expect(loaded.config.iterations).to.equal(3);
    expect(loaded.config.seed).to.equal(9);
    expect(loaded.config.maxDuration).to.equal(7_200_000);
    expect(loaded.overriddenBy).to.deep.equal(['--iterations', '--seed', '--max-duration']);
    const bad = configError(BASE, { overrides: { port: 'ttyACM0' } });
    expect(bad.code).to.equal('USAGE');
    expect(bad.message).to.equal('--port ttyACM0: not a port; did you mean /dev/ttyACM0?');
    expect(configError(BASE, { overrides: { maxDuration: '5 minutes' } }).message).to.match(/^--max-duration 5 minutes: must be a duration/);
  });

  it('says when the file cannot be read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'campaign-load-'));
    try {
      let message = '';
      await loadCampaignConfig(join(dir, 'absent.yaml')).catch((error: Error) => (message = error.message));
      expect(message).to.equal(`${join(dir, 'absent.yaml')}: cannot read the campaign config: no such file`);
      await writeFile(join(dir, 'c.yaml'), BASE);
      expect((await loadCampaignConfig('c.yaml', { cwd: dir })).dir).to.equal(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
