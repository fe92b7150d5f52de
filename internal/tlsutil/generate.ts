/**
 * Minting certificates the way the Go tool does: ECDSA P-384 keys, ECDSA-with-SHA384 signatures,
 * random 128-bit serials, NotBefore = now. A CA signs instance certificates that serve as both TLS server
 * and client certificates (the federation uses mutual TLS).
 */
import { randomBytes, type KeyObject, type X509Certificate, type webcrypto } from 'node:crypto';
import { ErrorCode, MessengerError } from '../errors/index.js';
import { describeCertificate, parseCertificates, type CertificateInfo } from './certificate.js';
import { SIGNING_ALGORITHM, exportPrivateKeyPem, generateKeyPair, importSigningKey } from './keys.js';
import { isDnsName, isIpAddress } from './names.js';
import { loadX509 } from './x509.js';

/** Default lifetime of generated certificates, as in the Go tool. */
export const DEFAULT_VALIDITY_DAYS = 730;

/** Default subject CN of a generated CA. */
export const DEFAULT_CA_COMMON_NAME = 'keyop-ca';

const DAY_MS = 86_400_000;

/** Options shared by CA and instance generation. */
export interface ValidityOptions {
  /** Lifetime in days from `now`; default {@link DEFAULT_VALIDITY_DAYS}. */
  readonly days?: number;
  /** Issue time in ms since the epoch (truncated to whole seconds); default `Date.now()`. */
  readonly now?: number;
}

/** Options of {@link generateCa}. */
export interface CaOptions extends ValidityOptions {
  /** Subject CN; default {@link DEFAULT_CA_COMMON_NAME}. */
  readonly commonName?: string;
}

/** Names of the CA certificate and key for error messages (file paths, typically). */
export interface CaSources {
  /** Names the CA certificate. */
  readonly cert: string;
  /** Names the CA private key. */
  readonly key: string;
}

/** Options of {@link generateInstance}. */
export interface InstanceOptions extends ValidityOptions {
  /** Instance name: the subject CN and the first DNS SAN. Must satisfy {@link isDnsName}. */
  readonly name: string;
  /** The signing CA's certificate, PEM. */
  readonly caCertPem: string;
  /** The signing CA's private key, PEM (SEC1 `EC PRIVATE KEY` or PKCS#8). */
  readonly caKeyPem: string;
  /** Extra DNS SANs. */
  readonly dnsNames?: readonly string[];
  /** IP address SANs. */
  readonly ipAddresses?: readonly string[];
  /** How the CA files are named in error messages; default `CA certificate` / `CA key`. */
  readonly caSources?: CaSources;
}

/** A new certificate with its private key. */
export interface GeneratedCertificate {
  /** The certificate, PEM. */
  readonly certPem: string;
  /** The private key, SEC1 PEM (`EC PRIVATE KEY`). */
  readonly keyPem: string;
  /** Summary of the certificate. */
  readonly info: CertificateInfo;
}

/** Creates a self-signed CA: CA:TRUE (critical), KeyUsage keyCertSign + cRLSign (critical), SubjectKeyId. */
export async function generateCa(options: CaOptions = {}): Promise<GeneratedCertificate> {
  const x509 = await loadX509();
  const validity = validityWindow(options);
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [options.commonName ?? DEFAULT_CA_COMMON_NAME] }],
    ...validity,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return finish(cert.toString('pem'), keys.privateKey);
}

/**
 * Creates an instance certificate signed by a CA: CN = name, SAN DNS:name plus `dnsNames` and
 * `ipAddresses`, KeyUsage digitalSignature (critical), EKU serverAuth + clientAuth, CA:FALSE,
 * AuthorityKeyId. Throws `ERR_INVALID_ARGUMENT` for a bad name or address and `ERR_CERTIFICATE` when the
 * CA files are unusable (not a CA, key does not match).
 */
export async function generateInstance(options: InstanceOptions): Promise<GeneratedCertificate> {
  const sources = options.caSources ?? { cert: 'CA certificate', key: 'CA key' };
  const dnsNames = uniqueNames([options.name, ...(options.dnsNames ?? [])]);
  const ipAddresses = uniqueNames(options.ipAddresses ?? []);
  checkNames(dnsNames, ipAddresses);

  const [caCert] = parseCertificates(options.caCertPem, sources.cert);
  const caKey = await importSigningKey(options.caKeyPem, sources.key);
  checkCa(caCert, caKey.publicKey, sources);

  const x509 = await loadX509();
  const ca = new x509.X509Certificate(options.caCertPem);
  const caKeyId = ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ CN: [options.name] }],
    issuer: ca.subjectName,
    ...validityWindow(options),
    publicKey: keys.publicKey,
    signingKey: caKey.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([
        ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      caKeyId === undefined
        ? await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey)
        : new x509.AuthorityKeyIdentifierExtension(caKeyId),
    ],
  });
  return finish(cert.toString('pem'), keys.privateKey);
}

function finish(certPem: string, privateKey: webcrypto.CryptoKey): GeneratedCertificate {
  const [cert] = parseCertificates(certPem, 'the generated certificate');
  return { certPem, keyPem: exportPrivateKeyPem(privateKey), info: describeCertificate(cert) };
}

function validityWindow(options: ValidityOptions): { notBefore: Date; notAfter: Date } {
  const days = options.days ?? DEFAULT_VALIDITY_DAYS;
  if (!Number.isInteger(days) || days < 1) {
    throw new MessengerError(
      ErrorCode.INVALID_ARGUMENT,
      `validity must be a whole number of days >= 1, got ${days}`,
    );
  }
  const start = Math.floor((options.now ?? Date.now()) / 1000) * 1000;
  return { notBefore: new Date(start), notAfter: new Date(start + days * DAY_MS) };
}

/** A random positive serial of up to 128 bits, hex. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  // A zero serial is not allowed (RFC 5280 §4.1.2.2); forcing a bit keeps it non-zero.
  bytes[15] = (bytes[15] ?? 0) | 1;
  return bytes.toString('hex');
}

function uniqueNames(names: readonly string[]): string[] {
  return [...new Set(names)];
}

function checkNames(dnsNames: readonly string[], ipAddresses: readonly string[]): void {
  const badDns = dnsNames.filter((name) => !isDnsName(name));
  const badIps = ipAddresses.filter((address) => !isIpAddress(address));
  const problems = [
    ...badDns.map((name) => `${JSON.stringify(name)} is not a DNS name`),
    ...badIps.map((address) => `${JSON.stringify(address)} is not an IP address`),
  ];
  if (problems.length > 0) throw new MessengerError(ErrorCode.INVALID_ARGUMENT, problems.join('; '));
}

function checkCa(caCert: X509Certificate, caPublicKey: KeyObject, sources: CaSources): void {
  if (!caCert.ca) {
    throw new MessengerError(
      ErrorCode.CERTIFICATE,
      `${sources.cert} is not a CA certificate (CA:TRUE missing)`,
    );
  }
  if (!caCert.publicKey.equals(caPublicKey)) {
    throw new MessengerError(ErrorCode.CERTIFICATE, `${sources.key} does not belong to ${sources.cert}`);
  }
}
