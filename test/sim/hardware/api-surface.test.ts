import { expect } from 'chai';
import { PROFILES } from '../../../src/sim/profiles.js';
import type { SimRig } from '../../support/sim-board.js';
import { output, startBoard, value } from './support.js';

/** hasattr() probes of the API that differs by firmware version (facts §10), in one board call. */
const PROBE = `
import json, network, socket
def has(mod, name):
    try:
        return hasattr(__import__(mod), name)
    except ImportError:
        return None
def importable(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False
ssl_mod = __import__('ssl')
ctx = getattr(ssl_mod, 'SSLContext', None)
native = __import__('tls') if importable('tls') else ssl_mod
native_ctx = getattr(native, 'SSLContext', None)
def store_verify_callback():
    if native_ctx is None:
        return None
    c = native_ctx(0)
    try:
        c.verify_callback = print
    except AttributeError as e:
        return 'AttributeError: ' + str(e)
    return 'stored' if c.verify_callback is print else 'lost'
print(json.dumps({
  'tls': importable('tls'),
  'ussl': importable('ussl'),
  'usocket': importable('usocket'),
  'SSLContext': ctx is not None,
  'load_verify_locations': ctx is not None and hasattr(ctx, 'load_verify_locations'),
  'load_cert_chain': ctx is not None and hasattr(ctx, 'load_cert_chain'),
  'CERT_REQUIRED': hasattr(ssl_mod, 'CERT_REQUIRED'),
  'MBEDTLS_VERSION': hasattr(ssl_mod, 'MBEDTLS_VERSION'),
  'PM_NONE': hasattr(network.WLAN, 'PM_NONE'),
  'SEC_WPA_WPA2': hasattr(network.WLAN, 'SEC_WPA_WPA2'),
  'IF_STA': hasattr(network.WLAN, 'IF_STA'),
  'ipconfig': hasattr(network.WLAN, 'ipconfig'),
  'network.ipconfig': hasattr(network, 'ipconfig'),
  'network.country': hasattr(network, 'country'),
  'network.hostname': hasattr(network, 'hostname'),
  'rp2.country': has('rp2', 'country'),
  'STAT_GOT_IP': getattr(network, 'STAT_GOT_IP', None),
  'get_ciphers': ctx is not None and hasattr(ctx, 'get_ciphers'),
  'verify_callback': None if native_ctx is None else hasattr(native_ctx(0), 'verify_callback'),
  'default_verify_callback': None if native_ctx is None else repr(getattr(native_ctx(0), 'verify_callback', 'absent')),
  'ssl.verify_callback': None if ctx is None else hasattr(ctx(0), 'verify_callback'),
  'type_verify_callback': None if native_ctx is None else hasattr(native_ctx, 'verify_callback'),
  'store_verify_callback': store_verify_callback(),
}))
`;

type Surface = Record<string, boolean | number | string | null>;

const NO_VERIFY_CALLBACK = { verify_callback: false, type_verify_callback: false, default_verify_callback: "'absent'", store_verify_callback: "AttributeError: 'SSLContext' object has no attribute 'verify_callback'" };
/** tls.SSLContext has it (default None, stores any object); micropython-lib's ssl.SSLContext wrapper does not. */
const VERIFY_CALLBACK = { verify_callback: true, type_verify_callback: false, default_verify_callback: 'None', store_verify_callback: 'stored', 'ssl.verify_callback': false, get_ciphers: false };

const EXPECTED: Record<string, Partial<Surface>> = {
  'v1.19.1-88': { tls: false, ussl: true, SSLContext: false, CERT_REQUIRED: false, PM_NONE: false, 'network.country': false, 'rp2.country': true, verify_callback: null },
  'v1.19.1-236': { tls: false, ussl: true, SSLContext: false, CERT_REQUIRED: true, PM_NONE: false, 'network.country': false, verify_callback: null },
  'v1.20.0': { tls: false, SSLContext: false, CERT_REQUIRED: true, PM_NONE: false, 'network.country': true, 'network.hostname': true, verify_callback: null },
  'v1.21.0': { tls: false, SSLContext: true, load_verify_locations: false, PM_NONE: true, SEC_WPA_WPA2: false, get_ciphers: false, ...NO_VERIFY_CALLBACK },
  'v1.22.2': { tls: false, ussl: true, SSLContext: true, load_verify_locations: true, load_cert_chain: true, MBEDTLS_VERSION: true, ipconfig: false, get_ciphers: true, ...NO_VERIFY_CALLBACK },
  'v1.23.0': { tls: true, ussl: false, SSLContext: true, load_verify_locations: true, SEC_WPA_WPA2: true, IF_STA: true, ipconfig: true, 'network.ipconfig': true, ...VERIFY_CALLBACK },
  'v1.24.1': { tls: true, ussl: false, SSLContext: true, SEC_WPA_WPA2: true, ipconfig: true, ...VERIFY_CALLBACK },
  'v1.25.0-preview.300': { tls: true, ussl: false, SSLContext: true, SEC_WPA_WPA2: true, ...VERIFY_CALLBACK },
};

describe('each firmware profile exposes only the API its version had (facts §10)', function () {
  this.timeout(60_000);
  let rig: SimRig | undefined;

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  for (const profile of PROFILES) {
    it(`${profile.name}: the networking API surface`, async () => {
      rig = await startBoard({ profile: profile.name });
      const surface = await value<Surface>(rig, PROBE);
      expect(surface['usocket']).to.equal(true);
      expect(surface['STAT_GOT_IP']).to.equal(3);
      const expected = EXPECTED[profile.name];
      expect(expected, `a row for ${profile.name}`).to.not.equal(undefined);
      for (const [key, want] of Object.entries(expected ?? {})) expect(surface[key], `${profile.name} ${key}`).to.equal(want);
    });
  }

  /** A script written to run on any firmware: it detects what exists instead of assuming. */
  const FEATURE_DETECTING = `
import network, socket
try:
    import ssl
except ImportError:
    import ussl as ssl
wlan = network.WLAN(network.STA_IF)
wlan.active(True)
pm_none = getattr(network.WLAN, 'PM_NONE', 0xa11140)
wlan.config(pm=pm_none)
if hasattr(network, 'country'):
    network.country('DE')
else:
    import rp2
    rp2.country('DE')
if hasattr(ssl, 'SSLContext') and hasattr(ssl.SSLContext, 'load_verify_locations'):
    api = 'SSLContext'
elif hasattr(ssl, 'CERT_REQUIRED'):
    api = 'wrap_socket+cert_reqs'
else:
    api = 'wrap_socket'
print(api, hex(pm_none))
`;

  for (const name of ['v1.19.1-88', 'v1.24.1']) {
    it(`a feature-detecting script passes on ${name}`, async () => {
      rig = await startBoard({ profile: name });
      const out = await output(rig, FEATURE_DETECTING);
      expect(out.trim()).to.match(name === 'v1.24.1' ? /^SSLContext 0x10$/ : /^wrap_socket 0xa11140$/);
    });
  }
});
