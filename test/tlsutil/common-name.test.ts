/**
 * One CN rule: the daemon config, the ephemeral config and a peer's certificate seen over real TLS
 * settle the same identity from the same certificate, or refuse it with the same sentence. Before,
 * the daemon took the first `CN=` line of the escaped subject text, so an escaped CN (`hub-a\+b`) or a
 * repeated one gave it another name than the ephemeral client.
 */
import { readFile } from 'node:fs/promises';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { ConfigError, EphemeralMessenger } from '../../src/index.js';
import { peerCommonName } from '../../internal/tlsutil/index.js';
import { selfSigned, type CertificatePaths } from '../support/self-signed.js';
import { tempDir } from '../support/temp-dir.js';

/** The identity the daemon config settles for `pair`, or its issues. */
function daemonIdentity(pair: CertificatePaths): string | readonly string[] {
  try {
    return resolveConfig({ tls: { cert: pair.cert, key: pair.key, ca: pair.cert } }, { env: {} }).name;
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

/** The identity the ephemeral config settles for `pair`, or its issues. */
function ephemeralIdentity(pair: CertificatePaths): string | readonly string[] {
  try {
    return new EphemeralMessenger({ hubAddr: '127.0.0.1:1', tls: { ...pair, ca: pair.cert } }).instanceName;
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

/** The identity a TLS server that trusts `pair` reads from a client presenting it. */
async function peerIdentity(pair: CertificatePaths, server: CertificatePaths): Promise<string | undefined> {
  const [cert, key, ca] = await Promise.all([readFile(pair.cert), readFile(pair.key), readFile(pair.cert)]);
  const listener = createServer({
    cert: await readFile(server.cert),
    key: await readFile(server.key),
    ca,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const seen = new Promise<string | undefined>((resolve) => {
    listener.once('secureConnection', (socket: TLSSocket) => {
      resolve(peerCommonName(socket));
      socket.end();
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  const client = connect({ host: '127.0.0.1', port, cert, key, rejectUnauthorized: false });
  client.on('error', () => undefined);
  try {
    return await seen;
  } finally {
    client.destroy();
    await new Promise<void>((resolve) =>
      listener.close(() => {
        resolve();
      }),
    );
  }
}

describe('the certificate CN rule', () => {
  let dir = '';
  let server: CertificatePaths;
  beforeAll(async () => {
    dir = tempDir();
    server = await selfSigned(dir, '/CN=server', 'server');
  });

  it('reads an escaped CN unescaped on the daemon, ephemeral and peer paths alike', async () => {
    const pair = await selfSigned(dir, '/O=x/CN=hub-a\\+b', 'escaped');
    expect(daemonIdentity(pair)).toBe('hub-a+b');
    expect(ephemeralIdentity(pair)).toBe('hub-a+b');
    expect(await peerIdentity(pair, server)).toBe('hub-a+b');
  });

  it('finds the CN inside a multi-valued RDN on every path', async () => {
    const pair = await selfSigned(dir, '/O=z+CN=hub-m', 'multi-valued');
    expect(daemonIdentity(pair)).toBe('hub-m');
    expect(ephemeralIdentity(pair)).toBe('hub-m');
    expect(await peerIdentity(pair, server)).toBe('hub-m');
  });

  it('refuses a certificate with two CNs with the same sentence on both config paths', async () => {
    const pair = await selfSigned(dir, '/CN=a/CN=b/O=x', 'two-cns');
    const sentence = `tls.cert ${JSON.stringify(pair.cert)} has 2 CNs in its subject ("a", "b"); exactly one CN is the instance identity`;
    expect(daemonIdentity(pair)).toEqual([sentence]);
    expect(ephemeralIdentity(pair)).toEqual([sentence]);
    expect(await peerIdentity(pair, server)).toBeUndefined();
  });

  it('refuses a certificate without CN with the same sentence on both config paths', async () => {
    const pair = await selfSigned(dir, '/O=nameless', 'nameless');
    const sentence = `tls.cert ${JSON.stringify(pair.cert)} has no CN in its subject; exactly one CN is the instance identity`;
    expect(daemonIdentity(pair)).toEqual([sentence]);
    expect(ephemeralIdentity(pair)).toEqual([sentence]);
  });
});
