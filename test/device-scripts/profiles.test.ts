import { expect } from 'chai';
import { TLS_APIS } from '../../src/campaign/types.js';
import { startEchoServer, type EchoServer } from '../../src/server/index.js';
import { PROFILES } from '../../src/sim/profiles.js';
import type { SimRig } from '../support/sim-board.js';
import { HARNESS_HOST, startBoard, testCertificates, testWorld, visibleAp } from '../sim/hardware/support.js';
import { runScript } from './support.js';

/** Profiles whose mbedTLS config offers the ECDSA suites the `valid` set's server needs. */
const ECDSA_FROM = PROFILES.findIndex((profile) => profile.name === 'v1.20.0');

describe('device scripts on every firmware profile: they feature-detect instead of failing', function () {
  this.timeout(60_000);
  let rig: SimRig | undefined;
  let server: EchoServer | undefined;

  before(async () => {
    const set = (await testCertificates()).sets.get('valid')!;
    server = await startEchoServer({ host: '127.0.0.1', port: 0, tls: { certChainPem: set.chainPem, keyPem: set.leafKeyPem } });
  });

  after(async () => {
    await server?.close();
  });

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  PROFILES.forEach((profile, index) => {
    it(`${profile.name}: diag, wifi_scan, wifi_connect and tls_probe (each API) run to a valid result`, async () => {
      const { sets } = await testCertificates();
      rig = await startBoard({ profile: profile.name, world: testWorld({ timeScale: 20 }) });
      expect((await runScript(rig, 'diag')).result.version).to.contain(profile.gitTag);
      expect((await runScript(rig, 'wifi_scan')).result.error).to.equal(null);
      const joined = (await runScript(rig, 'wifi_connect', { ssid: visibleAp.ssid, password: visibleAp.password, timeout_ms: 30_000, pm: 0xa11140, country: 'DE' })).result;
      expect(joined.finalStatus, JSON.stringify(joined.error)).to.equal(3);
      expect(joined.country).to.equal('DE');
      const echoed: string[] = [];
      for (const api of TLS_APIS) {
        const { result } = await runScript(rig, 'tls_probe', {
          host: HARNESS_HOST,
          port: server!.port,
          api,
          cadata: Buffer.from(sets.get('valid')!.caDer).toString('hex'),
          correlation_id: `${profile.name}/${api}`,
          nonce: 'c0ffee',
          timeout_ms: 60_000,
        });
        if (!result.apiAvailable) expect(result.stage).to.equal('api');
        if (result.echoOk === true) echoed.push(api);
      }
      if (index >= ECDSA_FROM) expect(echoed, 'at least one API verifies and echoes').to.not.deep.equal([]);
      else expect(echoed).to.deep.equal([]);
    });
  });
});
