/**
 * Private keys: generating the P-384 pairs the tool issues, writing them as SEC1 PEM (what the Go tool
 * and `openssl ecparam -genkey` write), and importing an existing signing key in SEC1 or PKCS#8 PEM.
 */
import { KeyObject, createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';

/** The ECDSA signature algorithm of every certificate the tool signs. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-384' } as const;

/** OpenSSL curve names of the NIST curves WebCrypto can sign with. */
const WEBCRYPTO_CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** A fresh extractable ECDSA P-384 key pair. */
export async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
}

/** `privateKey` as SEC1 PEM (`-----BEGIN EC PRIVATE KEY-----`). */
export function exportPrivateKeyPem(privateKey: webcrypto.CryptoKey): string {
  return KeyObject.from(privateKey).export({ type: 'sec1', format: 'pem' }).toString();
}

/** A private key ready to sign certificates, with its public half for matching against a certificate. */
export interface SigningKey {
  /** The WebCrypto key, usable only for signing. */
  readonly privateKey: webcrypto.CryptoKey;
  /** The matching public key. */
  readonly publicKey: KeyObject;
}

/**
 * Imports an EC private key (SEC1 `EC PRIVATE KEY` or PKCS#8 `PRIVATE KEY` PEM) for signing.
 * Throws a {@link MessengerError} `ERR_CERTIFICATE` for anything else; `source` names the key in messages.
 */
export async function importSigningKey(pem: string, source: string): Promise<SigningKey> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new MessengerError(
      ErrorCode.CERTIFICATE,
      `cannot read private key ${source}: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  const curve = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  const namedCurve = curve === undefined ? undefined : WEBCRYPTO_CURVES[curve];
  if (namedCurve === undefined) {
    const kind = key.asymmetricKeyType === 'ec' ? `EC ${curve ?? 'unknown curve'}` : key.asymmetricKeyType;
    throw new MessengerError(
      ErrorCode.CERTIFICATE,
      `private key ${source} is ${kind ?? 'of an unknown type'}; an ECDSA key on P-256, P-384 or P-521 is required`,
    );
  }
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve }, false, [
    'sign',
  ]);
  return { privateKey, publicKey: createPublicKey(key) };
}
