/**
 * Node TLS options for the federation's mutual TLS, and reading the authenticated peer's name. Both
 * roles use the same options: own certificate and key, the CA as the only trust anchor, a client
 * certificate required, TLS 1.3 minimum (as the Go original hardcodes).
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureVersion, type TLSSocket } from 'node:tls';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import { commonNameOfSubject } from './common-name.js';

/** Where the certificate material lives. */
export interface MutualTlsFiles {
  /** This instance's certificate, PEM. */
  readonly certFile: string;
  /** This instance's private key, PEM. */
  readonly keyFile: string;
  /** The CA certificate(s) that peers must chain to, PEM. */
  readonly caFile: string;
  /** Lowest protocol version accepted; default `TLSv1.3`. */
  readonly minVersion?: SecureVersion;
}

/**
 * Options for `tls.createServer`, `https.createServer`, `tls.connect` and `ws` alike. Clients keep Node's
 * default host name check, so a hub certificate needs a SAN matching the host that clients dial.
 */
export interface MutualTlsOptions {
  /** Own certificate, PEM. */
  readonly cert: Buffer;
  /** Own private key, PEM. */
  readonly key: Buffer;
  /** Trusted CA certificate(s), PEM; Node's default roots are not trusted. */
  readonly ca: Buffer;
  /** Servers ask for a client certificate. */
  readonly requestCert: true;
  /** Peers without a certificate that chains to `ca` are refused, in both roles. */
  readonly rejectUnauthorized: true;
  /** Lowest protocol version accepted. */
  readonly minVersion: SecureVersion;
}

/**
 * Reads the three files and returns {@link MutualTlsOptions}. Building a secure context up front means
 * an unreadable file, a bad PEM or a key that does not match the certificate fails here, at startup,
 * with the file names in an `ERR_CERTIFICATE` error.
 */
export async function loadMutualTlsOptions(files: MutualTlsFiles): Promise<MutualTlsOptions> {
  const [cert, key, ca] = await Promise.all([
    readPem(files.certFile, 'certificate'),
    readPem(files.keyFile, 'private key'),
    readPem(files.caFile, 'CA certificate'),
  ]);
  const options: MutualTlsOptions = {
    cert,
    key,
    ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: files.minVersion ?? 'TLSv1.3',
  };
  try {
    createSecureContext(options);
  } catch (err) {
    throw new MessengerError(
      ErrorCode.CERTIFICATE,
      `unusable TLS material (cert ${files.certFile}, key ${files.keyFile}, ca ${files.caFile}): ${errorMessage(err)}`,
      { cause: err },
    );
  }
  return options;
}

/**
 * The subject CN of the peer's certificate, or `undefined` when the peer is not authenticated (no
 * certificate, or one that did not verify against the CA) or its subject has no single CN.
 */
export function peerCommonName(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  return commonNameOfSubject(socket.getPeerCertificate().subject);
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new MessengerError(ErrorCode.CERTIFICATE, `cannot read TLS ${what} ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
