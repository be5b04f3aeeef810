import { UsageError } from '../../errors.js';
import { PROFILES, findProfile } from '../../sim/profiles.js';
import type { CurveName, HashName } from './certificate.js';

/**
 * What each firmware profile's TLS stack does when it verifies a server, keyed by the profile
 * names of src/sim/profiles.ts. Every value carries its source: the fact sheet
 * (/work/shared/reference/micropython-facts.md) or, where the facts are silent, the MicroPython
 * source at the profile's commit and the mbedTLS source of the pinned version.
 */
export interface TlsVerificationProfile {
  /** Firmware profile name (`--profile`). */
  readonly profile: string;
  /** The lib/mbedtls submodule the firmware was built with. */
  readonly mbedtlsVersion: string;
  readonly mbedtlsMajor: 2 | 3;
  /** MBEDTLS_HAVE_TIME_DATE: notBefore/notAfter are compared with the RTC. */
  readonly checksDates: boolean;
  /** server_hostname may match an iPAddress subjectAltName (mbedTLS ≥ 3.5.1). */
  readonly ipSanMatch: boolean;
  /** How a verify failure (-9984) reaches Python. */
  readonly errorForm: 'OSError' | 'ValueError';
  /** `wrap_socket` takes `cert_reqs=` and `cadata=`: without them the board cannot ask for verification at all. */
  readonly canRequireCertificate: boolean;
  /** CERT_REQUIRED without server_hostname raises ValueError before the handshake (else no name check is made). */
  readonly hostnameRequired: boolean;
  /** The leaf's keyUsage/extendedKeyUsage are checked against the key exchange (mbedTLS 3.x always; 2.x only with options MicroPython does not set). */
  readonly checksKeyUsage: boolean;
  /** MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED: with an RSA leaf the suite is ECDHE-RSA, else plain RSA key exchange. */
  readonly ecdheRsa: boolean;
  /** MBEDTLS_GCM_C: the AES-GCM suites are offered besides AES-CBC. */
  readonly gcm: boolean;
  /** Hashes mbedtls_x509_crt_profile_default accepts for certificate signatures. */
  readonly allowedHashes: readonly HashName[];
  /** EC curves compiled into the firmware (MBEDTLS_ECP_DP_*_ENABLED): a key on another curve cannot be parsed. */
  readonly compiledCurves: readonly CurveName[];
  /** Curves the default X.509 profile accepts for keys; a compiled curve outside this list gives BADCERT_BAD_KEY. */
  readonly allowedCurves: readonly CurveName[];
  readonly rsaMinBits: number;
  readonly sources: { readonly [K in SourcedField]: string };
}

type SourcedField =
  | 'mbedtlsVersion'
  | 'checksDates'
  | 'ipSanMatch'
  | 'errorForm'
  | 'canRequireCertificate'
  | 'hostnameRequired'
  | 'checksKeyUsage'
  | 'ecdheRsa'
  | 'gcm'
  | 'allowedHashes'
  | 'curves';

const MBEDTLS_2_16 = 'lib/mbedtls pinned at 1bc2c9cb, "latest commit of LTS branch v2.16" (MicroPython commit 0aa01b0205); the facts list pins only from v1.22 on';
const MBEDTLS_2_28_3 = 'lib/mbedtls 981743de = v2.28.3 (MicroPython commit 61b8e1b2d8, first in v1.21.0); facts: "v1.22 = 2.28.3"';
const MBEDTLS_3_5_1 = 'facts §10 / fact-sheet header: v1.23–v1.24 = mbedTLS 3.5.1 (MicroPython commit 3f217e413d)';
const MBEDTLS_3_6_2 = 'facts header: v1.25–v1.28 = 3.6.2; commit f2cd1a3db6 (v1.25.0-preview-203) precedes this nightly';

const DATES_OFF = 'facts §10: rp2 enabled MBEDTLS_HAVE_TIME_DATE in b560b9fe71 = v1.19.1-236; this build predates it';
const DATES_ON = 'facts §3/§10: MBEDTLS_HAVE_TIME_DATE on rp2 since b560b9fe71 (v1.19.1-236), common config from v1.22';
const IP_SAN_NO = 'facts §10: IP-SAN matching needs mbedTLS ≥ 3.5.1 (MicroPython ≥ v1.23); older mbedTLS compares server_hostname with dNSName entries only';
const IP_SAN_YES = 'facts §10: mbedTLS ≥ 3.5.1 (MicroPython ≥ v1.23) matches server_hostname against iPAddress SANs';
const OSERROR = 'facts §5/§10: firmware ≤ v1.21 always raises OSError(-9984, \'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED\')';
const VALUEERROR = 'facts §5/§10: since v1.22.0 (f3f215e9bd) a verify failure raises ValueError(verify-info text)';
const NO_CERT_REQS = 'MicroPython source at 99c258977: modussl_mbedtls.c wrap_socket has no cert_reqs/cadata and sets MBEDTLS_SSL_VERIFY_NONE (added in b41cfea02a = v1.19.1-189)';
const CERT_REQS = 'MicroPython source: wrap_socket(cert_reqs=, cadata=) since b41cfea02a (v1.19.1-189)';
const NO_HOSTNAME_CHECK = 'MicroPython source ≤ v1.21: no server_hostname check; mbedTLS then verifies without a name (no CN_MISMATCH possible)';
const HOSTNAME_CHECK = 'facts §5 and modssl_mbedtls.c v1.22.2: ValueError("CERT_REQUIRED requires server_hostname") before the handshake';
const KU_2X = 'mbedTLS 2.x checks keyUsage/extendedKeyUsage only with MBEDTLS_X509_CHECK_(EXTENDED_)KEY_USAGE, which MicroPython\'s configs do not define';
const KU_3X = 'mbedTLS 3.0 removed MBEDTLS_X509_CHECK_*_KEY_USAGE: keyUsage/extendedKeyUsage are always checked (3.0 migration guide)';
const ECDHE_RSA_RP2_EARLY = 'ports/rp2/mbedtls/mbedtls_config.h defines MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED since 11f920f8ad (v1.19.1-83, before the first Pico W build)';
const ECDHE_RSA_RP2_PORT =
  'rp2 port config (ports/rp2/mbedtls/mbedtls_config.h to v1.22, mbedtls_config_port.h in v1.23) defines MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED; only extmod/mbedtls/mbedtls_config_common.h, used by other ports, comments it out';
const ECDHE_RSA_COMMON = 'extmod/mbedtls/mbedtls_config_common.h defines MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED (838794ebcc, v1.24); rp2 defined it in its port config before';
const GCM_RP2_EARLY = 'ports/rp2/mbedtls/mbedtls_config.h defines MBEDTLS_GCM_C since 11f920f8ad (v1.19.1-83, before the first Pico W build)';
const GCM_RP2_PORT = 'rp2 port config (ports/rp2/mbedtls/mbedtls_config.h to v1.22, mbedtls_config_port.h in v1.23) defines MBEDTLS_GCM_C';
const GCM_COMMON = 'extmod/mbedtls/mbedtls_config_common.h defines MBEDTLS_GCM_C (838794ebcc, v1.24); rp2 defined it in its port config before';
const HASHES_2X = 'mbedTLS 2.x x509_crt.c mbedtls_x509_crt_profile_default: SHA-224/256/384/512 (SHA-1 only with MBEDTLS_TLS_DEFAULT_ALLOW_SHA1_IN_CERTIFICATES, not set); facts §10: SHA-1 rejected';
const HASHES_3X = 'mbedTLS 3.0 migration guide: default profile SHA-256/384/512 only (SHA-1 and SHA-224 removed); facts §10: SHA-1 rejected';
const CURVES_EARLY =
  'ports/rp2/mbedtls/mbedtls_config.h at 99c258977 / b560b9fe71 (secp*r1, secp*k1, brainpool, Curve25519; brainpool and Curve25519 left in e24159dec9/68f166dae9, v1.19.1-559/-560); mbedTLS 2.x default profile accepts any curve';
const CURVES_2X = 'extmod/mbedtls/mbedtls_config_common.h / rp2 config: secp192/224/256/384/521r1, secp192/224/256k1 (facts §5); mbedTLS 2.x default profile accepts any curve';
const CURVES_3X = 'compiled curves: facts §5; mbedTLS 3.0 default profile keeps only secp256r1/384r1/521r1 and brainpool (3.0 migration guide): the others give BADCERT_BAD_KEY';

const R1_AND_K1: readonly CurveName[] = ['secp192r1', 'secp224r1', 'secp256r1', 'secp384r1', 'secp521r1', 'secp192k1', 'secp224k1', 'secp256k1'];
const BRAINPOOL: readonly CurveName[] = ['brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1'];
const STRONG_CURVES: readonly CurveName[] = ['secp256r1', 'secp384r1', 'secp521r1', ...BRAINPOOL];
const HASHES_2: readonly HashName[] = ['SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'];
const HASHES_3: readonly HashName[] = ['SHA-256', 'SHA-384', 'SHA-512'];

/** Where the rp2 build's mbedTLS key-exchange and cipher options come from (see the *_RP2_* / *_COMMON sources). */
type RpConfig = 'rp2-early' | 'rp2-port' | 'common';

interface Row {
  readonly mbedtls: '2.16' | '2.28.3' | '3.5.1' | '3.6.2';
  readonly checksDates: boolean;
  readonly errorForm: 'OSError' | 'ValueError';
  readonly canRequireCertificate: boolean;
  readonly hostnameRequired: boolean;
  readonly config: RpConfig;
}

// Every rp2 build has ECDHE-RSA and AES-GCM; what differs is which config file defines them.
const ROWS: Readonly<Record<string, Row>> = {
  'v1.19.1-88': { mbedtls: '2.16', checksDates: false, errorForm: 'OSError', canRequireCertificate: false, hostnameRequired: false, config: 'rp2-early' },
  'v1.19.1-236': { mbedtls: '2.16', checksDates: true, errorForm: 'OSError', canRequireCertificate: true, hostnameRequired: false, config: 'rp2-early' },
  'v1.20.0': { mbedtls: '2.16', checksDates: true, errorForm: 'OSError', canRequireCertificate: true, hostnameRequired: false, config: 'rp2-port' },
  'v1.21.0': { mbedtls: '2.28.3', checksDates: true, errorForm: 'OSError', canRequireCertificate: true, hostnameRequired: false, config: 'rp2-port' },
  'v1.22.2': { mbedtls: '2.28.3', checksDates: true, errorForm: 'ValueError', canRequireCertificate: true, hostnameRequired: true, config: 'rp2-port' },
  'v1.23.0': { mbedtls: '3.5.1', checksDates: true, errorForm: 'ValueError', canRequireCertificate: true, hostnameRequired: true, config: 'rp2-port' },
  'v1.24.1': { mbedtls: '3.5.1', checksDates: true, errorForm: 'ValueError', canRequireCertificate: true, hostnameRequired: true, config: 'common' },
  'v1.25.0-preview.300': { mbedtls: '3.6.2', checksDates: true, errorForm: 'ValueError', canRequireCertificate: true, hostnameRequired: true, config: 'common' },
};

const ECDHE_RSA_SOURCE: Readonly<Record<RpConfig, string>> = { 'rp2-early': ECDHE_RSA_RP2_EARLY, 'rp2-port': ECDHE_RSA_RP2_PORT, common: ECDHE_RSA_COMMON };
const GCM_SOURCE: Readonly<Record<RpConfig, string>> = { 'rp2-early': GCM_RP2_EARLY, 'rp2-port': GCM_RP2_PORT, common: GCM_COMMON };

function build(profile: string, row: Row): TlsVerificationProfile {
  const major = row.mbedtls.startsWith('3.') ? 3 : 2;
  const ipSanMatch = major === 3; // every 3.x pin here is ≥ 3.5.1
  const compiledCurves = row.config === 'rp2-early' ? [...R1_AND_K1, ...BRAINPOOL] : R1_AND_K1;
  const versionSource = { '2.16': MBEDTLS_2_16, '2.28.3': MBEDTLS_2_28_3, '3.5.1': MBEDTLS_3_5_1, '3.6.2': MBEDTLS_3_6_2 }[row.mbedtls];
  return {
    profile,
    mbedtlsVersion: row.mbedtls === '2.16' ? '2.16 (LTS)' : row.mbedtls,
    mbedtlsMajor: major,
    checksDates: row.checksDates,
    ipSanMatch,
    errorForm: row.errorForm,
    canRequireCertificate: row.canRequireCertificate,
    hostnameRequired: row.hostnameRequired,
    checksKeyUsage: major === 3,
    ecdheRsa: true,
    gcm: true,
    allowedHashes: major === 3 ? HASHES_3 : HASHES_2,
    compiledCurves,
    allowedCurves: major === 3 ? STRONG_CURVES.filter((curve) => compiledCurves.includes(curve)) : compiledCurves,
    rsaMinBits: 2048,
    sources: {
      mbedtlsVersion: versionSource,
      checksDates: row.checksDates ? DATES_ON : DATES_OFF,
      ipSanMatch: ipSanMatch ? IP_SAN_YES : IP_SAN_NO,
      errorForm: row.errorForm === 'OSError' ? OSERROR : VALUEERROR,
      canRequireCertificate: row.canRequireCertificate ? CERT_REQS : NO_CERT_REQS,
      hostnameRequired: row.hostnameRequired ? HOSTNAME_CHECK : NO_HOSTNAME_CHECK,
      checksKeyUsage: major === 3 ? KU_3X : KU_2X,
      ecdheRsa: ECDHE_RSA_SOURCE[row.config],
      gcm: GCM_SOURCE[row.config],
      allowedHashes: major === 3 ? HASHES_3X : HASHES_2X,
      curves: row.config === 'rp2-early' ? CURVES_EARLY : major === 3 ? CURVES_3X : CURVES_2X,
    },
  };
}

export const TLS_VERIFICATION_PROFILES: readonly TlsVerificationProfile[] = PROFILES.filter((profile) => ROWS[profile.name] !== undefined).map(
  (profile) => build(profile.name, ROWS[profile.name]!),
);

/** The verification facts of a firmware profile (name or git tag, as `findProfile` takes them). */
export function tlsProfile(name: string): TlsVerificationProfile {
  const firmware = findProfile(name);
  const found = TLS_VERIFICATION_PROFILES.find((entry) => entry.profile === firmware.name);
  if (found === undefined) throw new UsageError(`firmware profile "${firmware.name}" has no TLS verification facts in src/pki/mbedtls/profiles.ts`);
  return found;
}

/** Profile names without a row (a profile added to src/sim/profiles.ts but not here): tests assert this is empty. */
export function profilesWithoutTlsFacts(): string[] {
  return PROFILES.filter((profile) => ROWS[profile.name] === undefined).map((profile) => profile.name);
}
