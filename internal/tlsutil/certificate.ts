/**
 * Reading certificates with node:crypto alone (no X.509 library): PEM parsing, bundles, the summary that
 * `gen-cert` and `inspect` print, and verification against a CA.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import { commonNameOf, commonNameProblem } from './common-name.js';

/** What an operator wants to know about a certificate. */
export interface CertificateInfo {
  /** Subject distinguished name, e.g. `CN=hub-a`. */
  readonly subject: string;
  /** The identity the certificate carries (see `commonNameOf`): its one subject CN, unescaped. */
  readonly commonName: string | undefined;
  /** Issuer distinguished name. */
  readonly issuer: string;
  /** Subject alternative names, e.g. `DNS:hub-a`, `IP:127.0.0.1`. */
  readonly subjectAltNames: readonly string[];
  /** Serial number, lowercase hex. */
  readonly serialNumber: string;
  /** True for a CA certificate (BasicConstraints CA:TRUE). */
  readonly isCa: boolean;
  /** Key type and curve or size, e.g. `EC secp384r1`. */
  readonly publicKey: string;
  /** Start of validity (NotBefore). */
  readonly validFrom: Date;
  /** End of validity (NotAfter). */
  readonly validUntil: Date;
  /** `SHA-256:` and the lowercase hex SHA-256 of the DER certificate, as the Go tool prints it. */
  readonly fingerprint: string;
}

/** A list with at least one element. */
export type NonEmptyList<T> = [T, ...T[]];

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * Every certificate in a PEM text (a single certificate or a bundle). Throws `ERR_CERTIFICATE`, naming
 * `source`, when there is none or one does not parse.
 */
export function parseCertificates(pem: string, source: string): NonEmptyList<X509Certificate> {
  const [first, ...rest] = pem.match(PEM_CERTIFICATE) ?? [];
  if (first === undefined) {
    throw new MessengerError(ErrorCode.CERTIFICATE, `${source} contains no PEM CERTIFICATE block`);
  }
  const parse = (block: string): X509Certificate => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new MessengerError(
        ErrorCode.CERTIFICATE,
        `cannot parse certificate in ${source}: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
  };
  return [parse(first), ...rest.map(parse)];
}

/** Reads a PEM file and returns every certificate in it (see {@link parseCertificates}). */
export async function readCertificates(path: string): Promise<NonEmptyList<X509Certificate>> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    throw new MessengerError(ErrorCode.CERTIFICATE, `cannot read certificate ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return parseCertificates(pem, path);
}

/** The first certificate of a PEM file. */
export async function readCertificate(path: string): Promise<X509Certificate> {
  const [first] = await readCertificates(path);
  return first;
}

/**
 * The identity of the first certificate in the PEM file `path` (its one subject CN, see
 * `commonNameOf`), read synchronously for config resolution. Throws `ERR_CERTIFICATE` naming the file
 * and what is wrong: unreadable, not a certificate, or not exactly one non-empty CN.
 */
export function readCommonName(path: string): string {
  let certificate: X509Certificate;
  try {
    [certificate] = parseCertificates(readFileSync(path, 'utf8'), path);
  } catch (err) {
    throw new MessengerError(
      ErrorCode.CERTIFICATE,
      `${JSON.stringify(path)} cannot be read as a certificate: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const problem = commonNameProblem(certificate);
  const commonName = commonNameOf(certificate);
  if (problem !== undefined || commonName === undefined) {
    throw new MessengerError(
      ErrorCode.CERTIFICATE,
      `${JSON.stringify(path)} ${problem ?? 'has no CN'}; exactly one CN is the instance identity`,
    );
  }
  return commonName;
}

/** Summarises `cert`; see {@link CertificateInfo}. */
export function describeCertificate(cert: X509Certificate): CertificateInfo {
  return {
    subject: formatName(cert.subject),
    commonName: commonNameOf(cert),
    issuer: formatName(cert.issuer),
    subjectAltNames: splitAltNames(cert.subjectAltName),
    serialNumber: cert.serialNumber.toLowerCase(),
    isCa: cert.ca,
    publicKey: describePublicKey(cert),
    validFrom: parseCertificateDate(cert.validFrom),
    validUntil: parseCertificateDate(cert.validTo),
    fingerprint: `SHA-256:${createHash('sha256').update(cert.raw).digest('hex')}`,
  };
}

/** True when `ca` is a CA certificate that issued and signed `cert`. Validity dates are not considered. */
export function verifiesAgainst(cert: X509Certificate, ca: X509Certificate): boolean {
  return ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/** `date` as RFC 3339 in UTC with second precision, e.g. `2027-03-13T12:05:09Z`. */
export function formatRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function formatName(name: string): string {
  return name.split('\n').join(', ');
}

function splitAltNames(altNames: string | undefined): string[] {
  if (altNames === undefined || altNames === '') return [];
  return altNames.split(', ').map((entry) => entry.replace(/^IP Address:/, 'IP:'));
}

function describePublicKey(cert: X509Certificate): string {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails;
  const detail =
    details?.namedCurve ?? (details?.modulusLength === undefined ? '' : String(details.modulusLength));
  return `${(key.asymmetricKeyType ?? 'unknown').toUpperCase()} ${detail}`.trim();
}

function parseCertificateDate(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new MessengerError(ErrorCode.CERTIFICATE, `unreadable certificate date ${JSON.stringify(text)}`);
  }
  return date;
}
