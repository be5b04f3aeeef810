export { alertFor, type AlertName, type TlsAlert } from './alert.js';
export {
  SSL_BAD_CERTIFICATE,
  X509_CERT_VERIFY_FAILED,
  boardError,
  invalidCertError,
  missingHostnameError,
  verificationUnavailableError,
  type BoardError,
} from './board-error.js';
export { decodePemCertificates, parseCertificate, type ParsedCertificate } from './certificate.js';
export { parseCadata, splitCertificates, type CadataResult } from './files.js';
export { FLAG, VERIFY_FLAGS, flagNames, flagsOf, verifyInfoText, type VerifyFlagName } from './flags.js';
export { TLS_VERIFICATION_PROFILES, tlsProfile, type TlsVerificationProfile } from './profiles.js';
export {
  USAGE_FLAGS,
  verifyChain,
  type CertificateRole,
  type CertificateVerdict,
  type ChainVerdict,
  type FlagReason,
  type VerifyChainInput,
} from './verify.js';
