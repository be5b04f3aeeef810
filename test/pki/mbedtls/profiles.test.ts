import { expect } from 'chai';
import { PROFILES } from '../../../src/sim/profiles.js';
import { TLS_VERIFICATION_PROFILES, tlsProfile } from '../../../src/pki/mbedtls/index.js';
import { profilesWithoutTlsFacts } from '../../../src/pki/mbedtls/profiles.js';

describe('mbedTLS verification model: per-profile facts', () => {
  it('has a row for every firmware profile of the simulator', () => {
    expect(profilesWithoutTlsFacts()).to.deep.equal([]);
    expect(TLS_VERIFICATION_PROFILES.map((entry) => entry.profile)).to.deep.equal(PROFILES.map((profile) => profile.name));
  });

  it('gives each value a source', () => {
    for (const entry of TLS_VERIFICATION_PROFILES) {
      for (const [field, source] of Object.entries(entry.sources)) expect(source, `${entry.profile} ${field}`).to.match(/\S{10,}/);
    }
  });

  it('records the version-dependent facts: dates from v1.19.1-236, ValueError from v1.22, IP SANs from v1.23', () => {
    const summary = TLS_VERIFICATION_PROFILES.map((entry) => [entry.profile, entry.mbedtlsVersion, entry.checksDates, entry.ipSanMatch, entry.errorForm]);
    expect(summary).to.deep.equal([
      ['v1.19.1-88', '2.16 (LTS)', false, false, 'OSError'],
      ['v1.19.1-236', '2.16 (LTS)', true, false, 'OSError'],
      ['v1.20.0', '2.16 (LTS)', true, false, 'OSError'],
      ['v1.21.0', '2.28.3', true, false, 'OSError'],
      ['v1.22.2', '2.28.3', true, false, 'ValueError'],
      ['v1.23.0', '3.5.1', true, true, 'ValueError'],
      ['v1.24.1', '3.5.1', true, true, 'ValueError'],
      ['v1.25.0-preview.300', '3.6.2', true, true, 'ValueError'],
    ]);
  });

  it('gives every rp2 build ECDHE-RSA and AES-GCM (port config since v1.19.1-83), and brainpool curves before v1.20', () => {
    const summary = TLS_VERIFICATION_PROFILES.map((entry) => [entry.profile, entry.ecdheRsa, entry.gcm, entry.compiledCurves.includes('brainpoolP256r1')]);
    expect(summary).to.deep.equal([
      ['v1.19.1-88', true, true, true],
      ['v1.19.1-236', true, true, true],
      ['v1.20.0', true, true, false],
      ['v1.21.0', true, true, false],
      ['v1.22.2', true, true, false],
      ['v1.23.0', true, true, false],
      ['v1.24.1', true, true, false],
      ['v1.25.0-preview.300', true, true, false],
    ]);
  });

  it('finds a profile by its git tag too', () => {
    expect(tlsProfile('v1.19.1-236-gb560b9fe7').profile).to.equal('v1.19.1-236');
  });
});
