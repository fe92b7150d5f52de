/**
 * Certificates and TLS for keyop-messenger: minting a CA and instance certificates (`gen-cert`),
 * inspecting them, the daemon's expiry warning, and the Node options for mutual TLS 1.3.
 */
export {
  describeCertificate,
  formatRfc3339,
  parseCertificates,
  readCertificate,
  readCommonName,
  readCertificates,
  verifiesAgainst,
  type CertificateInfo,
  type NonEmptyList,
} from './certificate.js';
export { commonNameOf, commonNameOfSubject } from './common-name.js';
export { checkCertificateExpiry, type ExpiryWarning } from './expiry.js';
export { writeCertificateFiles, type CertificateFiles } from './files.js';
export {
  DEFAULT_CA_COMMON_NAME,
  DEFAULT_VALIDITY_DAYS,
  generateCa,
  generateInstance,
  type CaOptions,
  type CaSources,
  type GeneratedCertificate,
  type InstanceOptions,
  type ValidityOptions,
} from './generate.js';
export { loadMutualTlsOptions, peerCommonName, type MutualTlsFiles, type MutualTlsOptions } from './mtls.js';
export { isDnsName, isIpAddress } from './names.js';
