// Certificate sets for the Pico W harness: generation, loading, and the facts of each set.
// The mbedTLS verification model lives in ./mbedtls/ and takes the DER chains loaded here.

export { generateCertificateSets, leafSans, type GenerateCertificateSetsOptions, type CertsEvent } from './generate.js';
export { loadCertificateSet, type CertificateSet } from './load.js';
export {
  CERTIFICATE_SETS,
  CERTIFICATE_SET_NAMES,
  DEFAULT_CERTIFICATE_SET,
  RP2_BOOT_EPOCH,
  describeCertificateSets,
  findCertificateSet,
  isCertificateSetName,
  type BadCertFlag,
  type CertificateSetName,
  type CertificateSetSpec,
  type ExpectedVerdict,
  type ExpectedVerdicts,
} from './sets.js';
export { DEFAULT_DNS_NAME, WRONG_HOST_DNS_NAME, hostIpv4Addresses, type SanEntry } from './subject-names.js';
export { DEFAULT_KEY, KEY_CHOICES, type KeyAlgorithm, type KeyChoice } from './keys.js';
export { DEFAULT_OUT_DIR, SHARED_CA_DIR, UNTRUSTED_CA_DIR, SET_FILES } from './layout.js';
export { KEY_FILE_MODE, KEY_DIRECTORY_MODE } from './files.js';
export { pemToDerCertificates, certificatePemBlocks } from './stored-pair.js';
export { summariseCertificate, fingerprintSha256, type CertificateSummary } from './certificate-summary.js';
export type { CertificateSetManifest, CertificateEntry, KeyEntry, LeafRequest, AuthorityManifest } from './manifest.js';
