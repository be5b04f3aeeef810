import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCampaignConfig, resolveSecrets, type LoadedCampaign } from '../../../src/campaign/config/index.js';
import { DEFAULT_WORLD } from '../../../src/sim/world.js';

const CANARY = 'canary-Pa55-7f3e9c';

function realConfig(password: string, dir: string): LoadedCampaign {
  const text = `board:
  port: /dev/ttyACM0
accessPoints:
  - name: lab
    ssid: picow-lab
    password: ${password}
  - name: cafe
    ssid: cafe
    open: true
matrix:
  wifi:
    - ap: lab
    - ap: cafe
`;
  return parseCampaignConfig(text, join(dir, 'lab.yaml'), { cwd: dir });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('campaign config: secrets', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'campaign-secrets-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a password from the environment variable the config names', async () => {
    const secrets = await resolveSecrets(realConfig('{ env: LAB_PASS }', dir), { env: { LAB_PASS: CANARY } });
    expect(secrets.passwords.get('lab')).to.equal(CANARY);
    expect(secrets.passwords.has('cafe'), 'open network').to.equal(false);
    expect(secrets.secretValues()).to.deep.equal([CANARY]);
    expect(secrets.warnings).to.deep.equal([]);
  });

  it('names the missing environment variable at its place in the file', async () => {
    const error = await failure(resolveSecrets(realConfig('{ env: LAB_PASS }', dir), { env: { OTHER: CANARY } }));
    expect((error as { code?: string }).code).to.equal('CONFIG_INVALID');
    expect(error.message).to.equal(`${join(dir, 'lab.yaml')}:6:22: accessPoints[0].password.env: the environment variable LAB_PASS is not set`);
  });

  it('rejects an unusable password without showing it', async () => {
    const error = await failure(resolveSecrets(realConfig('{ env: LAB_PASS }', dir), { env: { LAB_PASS: 'Sh0rt!' } }));
    expect(error.message).to.match(/accessPoints\[0\]\.password: the environment variable LAB_PASS must be 8 to 63 characters/);
    expect(error.message).to.not.include('Sh0rt!');
    expect(JSON.stringify(error)).to.not.include('Sh0rt!');
  });

  it('reads a password from a file relative to the config, without its final newline', async () => {
    await writeFile(join(dir, 'lab.pass'), `${CANARY}\n`, { mode: 0o600 });
    const secrets = await resolveSecrets(realConfig('{ file: lab.pass }', dir), { env: {} });
    expect(secrets.passwords.get('lab')).to.equal(CANARY);
    expect(secrets.warnings).to.deep.equal([]);
  });

  it('warns, without the value, when other users can read the secrets file', async () => {
    await writeFile(join(dir, 'lab.pass'), CANARY);
    await chmod(join(dir, 'lab.pass'), 0o644);
    const secrets = await resolveSecrets(realConfig('{ file: lab.pass }', dir), { env: {} });
    expect(secrets.warnings).to.have.length(1);
    expect(secrets.warnings[0]).to.include('readable by other users (mode 0644); chmod 600 lab.pass');
    expect(secrets.warnings[0]).to.not.include(CANARY);
  });

  it('names a secrets file that does not exist', async () => {
    const error = await failure(resolveSecrets(realConfig('{ file: nope.pass }', dir), { env: {} }));
    expect(error.message).to.equal(`${join(dir, 'lab.yaml')}:6:23: accessPoints[0].password.file: cannot read the secrets file nope.pass: no such file`);
  });

  it('takes a simulated board’s passwords from the world, and a given one over it', async () => {
    const text = `board: { port: sim }
accessPoints:
  - { name: lab, ssid: picow-lab }
  - { name: wrong, ssid: picow-lab-hidden, password: { env: WRONG } }
matrix:
  wifi: [{ ap: lab }, { ap: wrong }]
`;
    const secrets = await resolveSecrets(parseCampaignConfig(text, 'sim.yaml'), { env: { WRONG: CANARY }, world: DEFAULT_WORLD });
    expect(secrets.passwords.get('lab')).to.equal('lab-visible-pass');
    expect(secrets.passwords.get('wrong')).to.equal(CANARY);
    expect(secrets.secretValues().sort()).to.deep.equal([CANARY, 'lab-visible-pass'].sort());
  });

  it('says when the world has no access point with a simulated AP’s SSID', async () => {
    const text = 'board: { port: sim }\naccessPoints:\n  - { name: lab, ssid: picow-labb }\nmatrix:\n  wifi: [{ ap: lab }]\n';
    const error = await failure(resolveSecrets(parseCampaignConfig(text, 'sim.yaml'), { env: {}, world: DEFAULT_WORLD, worldName: 'the default world' }));
    expect(error.message).to.equal('sim.yaml:3:24: accessPoints[0].ssid: the default world has no access point with this SSID (did you mean picow-lab or picow-lab-13?)');
  });
});
