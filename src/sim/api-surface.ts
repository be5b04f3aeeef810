import { tlsProfile } from '../pki/mbedtls/profiles.js';
import type { FirmwareProfile } from './profiles.js';

/**
 * The networking API a firmware profile has, read from the MicroPython source at each profile's
 * tag (module tables of extmod/modnetwork.c, network_cyw43.c, modussl_mbedtls.c / modssl_mbedtls.c
 * / modtls_mbedtls.c, ports/rp2/modrp2.c) and facts §10. The simulated firmware's Python modules
 * expose exactly this surface, so a script that feature-detects takes the same branch it would on
 * a board with that firmware.
 */
export interface ApiSurface {
  /** network.country() and network.hostname() (modnetwork.c, v1.20.0); before, only rp2.country(). */
  readonly networkCountry: boolean;
  /** WLAN.status('rssi') (network_cyw43.c, v1.20.0). */
  readonly statusRssi: boolean;
  /** WLAN.config('hostname') (network_cyw43.c, v1.20.0). */
  readonly configHostname: boolean;
  /** WLAN.PM_NONE / PM_PERFORMANCE / PM_POWERSAVE (a31e3de400, v1.21.0). */
  readonly pmConstants: boolean;
  /** WLAN.SEC_OPEN / SEC_WPA_WPA2, WLAN.IF_STA / IF_AP, WLAN.ipconfig(), network.ipconfig() (v1.23.0). */
  readonly secIfConstants: boolean;
  readonly ipconfig: boolean;
  /** rp2.bootsel_button() (v1.20.0). */
  readonly bootselButton: boolean;
  /** ssl.wrap_socket(cert_reqs=, cadata=) and ssl.CERT_* (b41cfea02a, v1.19.1-189). */
  readonly certReqs: boolean;
  /** ssl.SSLContext with only wrap_socket and verify_mode (v1.21.0). */
  readonly sslContext: boolean;
  /** SSLContext.load_cert_chain / load_verify_locations / get_ciphers / set_ciphers, SSLSocket.cipher(), ssl.MBEDTLS_VERSION (v1.22.0). */
  readonly sslContextLoad: boolean;
  /** SSLContext.verify_callback, default None (modtls_mbedtls.c ssl_context_attr, v1.23.0; the v1.22 modssl_mbedtls.c knows only verify_mode). */
  readonly verifyCallback: boolean;
  /** SSLSocket.getpeercert(True): present ≤ v1.21, gone from v1.22 (facts §10). */
  readonly getpeercert: boolean;
  /** The native `tls` module, `ssl` becomes micropython-lib Python on top of it (b802f0f8ab, v1.23.0). */
  readonly tlsModule: boolean;
  /** `import ussl` works while ssl is a C module (≤ v1.22; inferred to fail from v1.23, facts §10). */
  readonly usslAlias: boolean;
  /** tls.MBEDTLS_VERSION text. */
  readonly mbedtlsVersionText: string;
  /** CERT_REQUIRED without server_hostname raises ValueError before the handshake (v1.22, facts §5). */
  readonly hostnameRequired: boolean;
}

function atLeast(profile: FirmwareProfile, major: number, minor: number): boolean {
  const [ma, mi] = profile.version;
  return ma > major || (ma === major && mi >= minor);
}

export function apiSurface(profile: FirmwareProfile): ApiSurface {
  const v120 = atLeast(profile, 1, 20);
  const v121 = atLeast(profile, 1, 21);
  const v122 = atLeast(profile, 1, 22);
  const v123 = atLeast(profile, 1, 23);
  const tls = tlsProfile(profile.name);
  return {
    networkCountry: v120,
    statusRssi: v120,
    configHostname: v120,
    pmConstants: v121,
    secIfConstants: v123,
    ipconfig: v123,
    bootselButton: v120,
    certReqs: tls.canRequireCertificate,
    sslContext: v121,
    sslContextLoad: v122,
    verifyCallback: v123,
    getpeercert: !v122,
    tlsModule: v123,
    usslAlias: !v123,
    mbedtlsVersionText: `Mbed TLS ${tls.mbedtlsVersion.replace(/ \(LTS\)$/, '.x')}`,
    hostnameRequired: tls.hostnameRequired,
  };
}
