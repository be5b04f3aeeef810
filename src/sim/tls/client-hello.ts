import { UsageError } from '../../errors.js';

/**
 * What each firmware profile's mbedTLS client offers in its ClientHello, in its order.
 *
 * Cipher suites: mbedTLS's `ciphersuite_preference` filtered by the suites the build compiles
 * (mbedtls_ssl_list_ciphersuites), read by running the C preprocessor over
 * lib/mbedtls/library/ssl_ciphersuites.c with MicroPython's rp2 config at each profile's commit
 * (ports/rp2/mbedtls/mbedtls_config.h up to v1.22.2, mbedtls_config_port.h from v1.23 → both include
 * extmod/mbedtls/mbedtls_config_common.h from v1.20). rp2 has defined MBEDTLS_GCM_C and
 * MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED in its own port config since the Pico W nightlies;
 * 838794ebcc (v1.24) moved both to the common config for the other ports, it changed nothing on rp2.
 * The first Pico W builds (99c258977 = v1.19.1-88, b560b9fe7 = v1.19.1-236) have no
 * MBEDTLS_ECDSA_C and no ECDHE-ECDSA key exchange: an ECDSA server certificate cannot be used.
 *
 * Groups: mbedTLS 2.x offers every compiled curve in mbedtls_ecp_grp_id_list() order (ecp.c
 * ecp_supported_curves, largest first; 2.16 lists no X25519 even with CURVE25519 compiled);
 * mbedTLS 3.x offers ssl_preset_default_groups ∩ compiled = P-256, P-384, P-521.
 *
 * Signature algorithms: 2.x writes every hash of ssl_preset_default_hashes (SHA-1 included,
 * MBEDTLS_TLS_DEFAULT_ALLOW_SHA1_IN_KEY_EXCHANGE) × {ECDSA if compiled, RSA}; 3.x
 * ssl_tls12_preset_default_sig_algs without RSA-PSS (MicroPython has no MBEDTLS_PKCS1_V21).
 */
export interface ClientHelloProfile {
  /** mbedTLS names (MBEDTLS_TLS_* with dashes), in the order the ClientHello lists them. */
  readonly suites: readonly string[];
  /** Node/OpenSSL group names, in the client's order. */
  readonly groups: readonly string[];
  /** Node/OpenSSL `sigalgs` entries, in order. */
  readonly signatureAlgorithms: readonly string[];
}

/** mbedTLS suite name → OpenSSL name (the suites any profile compiles). */
export const OPENSSL_SUITE_NAMES: ReadonlyMap<string, string> = new Map([
  ['TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS-ECDHE-ECDSA-WITH-AES-256-CBC-SHA384', 'ECDHE-ECDSA-AES256-SHA384'],
  ['TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA384', 'ECDHE-RSA-AES256-SHA384'],
  ['TLS-ECDHE-ECDSA-WITH-AES-256-CBC-SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA', 'ECDHE-RSA-AES256-SHA'],
  ['TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  ['TLS-ECDHE-RSA-WITH-AES-128-CBC-SHA256', 'ECDHE-RSA-AES128-SHA256'],
  ['TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS-ECDHE-RSA-WITH-AES-128-CBC-SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS-RSA-WITH-AES-256-GCM-SHA384', 'AES256-GCM-SHA384'],
  ['TLS-RSA-WITH-AES-256-CBC-SHA256', 'AES256-SHA256'],
  ['TLS-RSA-WITH-AES-256-CBC-SHA', 'AES256-SHA'],
  ['TLS-RSA-WITH-AES-128-GCM-SHA256', 'AES128-GCM-SHA256'],
  ['TLS-RSA-WITH-AES-128-CBC-SHA256', 'AES128-SHA256'],
  ['TLS-RSA-WITH-AES-128-CBC-SHA', 'AES128-SHA'],
]);

const MBEDTLS_SUITE_NAMES: ReadonlyMap<string, string> = new Map([...OPENSSL_SUITE_NAMES].map(([mbedtls, openssl]) => [openssl, mbedtls]));

/** ciphersuite_preference order of every suite the rp2 builds compile (identical in mbedTLS 2.16, 2.28 and 3.x for these). */
const PREFERENCE: readonly string[] = [...OPENSSL_SUITE_NAMES.keys()];

const WITHOUT_ECDSA = PREFERENCE.filter((suite) => !suite.includes('-ECDSA-'));

const GROUPS_2X_BRAINPOOL = ['P-521', 'brainpoolP512r1', 'P-384', 'brainpoolP384r1', 'P-256', 'secp256k1', 'brainpoolP256r1', 'secp224r1', 'secp224k1', 'prime192v1', 'secp192k1'];
const GROUPS_2X = ['P-521', 'P-384', 'P-256', 'secp256k1', 'secp224r1', 'secp224k1', 'prime192v1', 'secp192k1'];
const GROUPS_3X = ['P-256', 'P-384', 'P-521'];

const HASHES_2X = ['SHA512', 'SHA384', 'SHA256', 'SHA224', 'SHA1'];
const SIGALGS_2X_RSA_ONLY = HASHES_2X.map((hash) => `RSA+${hash}`);
const SIGALGS_2X = HASHES_2X.flatMap((hash) => [`ECDSA+${hash}`, `RSA+${hash}`]);
const SIGALGS_3X = ['SHA512', 'SHA384', 'SHA256'].flatMap((hash) => [`ECDSA+${hash}`, `RSA+${hash}`]);

const FIRST_PICO_W: ClientHelloProfile = { suites: WITHOUT_ECDSA, groups: GROUPS_2X_BRAINPOOL, signatureAlgorithms: SIGALGS_2X_RSA_ONLY };
const MBEDTLS_2: ClientHelloProfile = { suites: PREFERENCE, groups: GROUPS_2X, signatureAlgorithms: SIGALGS_2X };
const MBEDTLS_3: ClientHelloProfile = { suites: PREFERENCE, groups: GROUPS_3X, signatureAlgorithms: SIGALGS_3X };

const BY_PROFILE: Readonly<Record<string, ClientHelloProfile>> = {
  'v1.19.1-88': FIRST_PICO_W,
  'v1.19.1-236': FIRST_PICO_W,
  'v1.20.0': MBEDTLS_2,
  'v1.21.0': MBEDTLS_2,
  'v1.22.2': MBEDTLS_2,
  'v1.23.0': MBEDTLS_3,
  'v1.24.1': MBEDTLS_3,
  'v1.25.0-preview.300': MBEDTLS_3,
};

export function clientHelloProfile(profile: string): ClientHelloProfile {
  const found = BY_PROFILE[profile];
  if (found === undefined) throw new UsageError(`firmware profile "${profile}" has no TLS ClientHello facts in src/sim/tls/client-hello.ts`);
  return found;
}

/** The suite name `cipher()` returns (mbedtls_ssl_get_ciphersuite) for Node's OpenSSL name. */
export function mbedtlsSuiteName(openssl: string): string {
  return MBEDTLS_SUITE_NAMES.get(openssl) ?? openssl;
}

/** Node's `ciphers` string for this profile's suites, order kept; SECLEVEL 0 so OpenSSL offers the SHA-1/RSA-kex ones too. */
export function opensslCipherList(profile: ClientHelloProfile): string {
  return `${profile.suites.map((suite) => OPENSSL_SUITE_NAMES.get(suite) ?? suite).join(':')}:@SECLEVEL=0`;
}

/** Profiles with ClientHello facts (tests compare this with src/sim/profiles.ts). */
export function profilesWithClientHello(): string[] {
  return Object.keys(BY_PROFILE);
}
