import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type ConnectionOptions, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import { loadMutualTlsOptions, peerCommonName, type MutualTlsOptions } from '../../internal/tlsutil/index.js';
import { writePki, type WrittenPair } from './pki.js';

describe('mutual TLS', () => {
  let dir: string;
  let hub: WrittenPair;
  let client: WrittenPair;
  let stranger: WrittenPair;
  let caFile: string;
  let server: Server;
  let port: number;
  const serverSawCn: (string | undefined)[] = [];

  const clientFiles = (pair: WrittenPair, ca = caFile) => ({ ...pair, caFile: ca });

  /** What a client saw of an accepted connection. */
  interface Accepted {
    protocol: string | null;
    hubCn: string | undefined;
    reply: string;
  }

  /**
   * Connects to the hub by name (checked against its DNS SAN). A TLS 1.3 client finishes its side before
   * the server has checked the client certificate, so the verdict is the server's reply or an alert.
   */
  function dial(options: MutualTlsOptions, extra: ConnectionOptions = {}): Promise<Accepted> {
    return new Promise((resolve, reject) => {
      const socket = connect({ ...options, ...extra, host: '127.0.0.1', port, servername: 'localhost' });
      socket.once('data', (reply: Buffer) => {
        resolve({ protocol: socket.getProtocol(), hubCn: peerCommonName(socket), reply: reply.toString() });
        socket.destroy();
      });
      socket.once('error', reject);
      socket.once('close', () => {
        reject(new Error('connection closed without a reply'));
      });
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyop-mtls-'));
    const pki = await writePki(dir, [
      { name: 'hub-a', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
      { name: 'client-b' },
    ]);
    [hub, client] = pki.instances as [WrittenPair, WrittenPair];
    caFile = pki.ca.certFile;
    const foreign = await writePki(dir, [{ name: 'stranger' }], 'other-ca');
    [stranger] = foreign.instances as [WrittenPair];

    server = createServer(await loadMutualTlsOptions(clientFiles(hub)), (socket) => {
      serverSawCn.push(peerCommonName(socket));
      socket.end(socket.getProtocol() ?? '');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('completes a TLS 1.3 handshake in which each side reads the other CN', async () => {
    const accepted = await dial(await loadMutualTlsOptions(clientFiles(client)));
    expect(accepted).toEqual({ protocol: 'TLSv1.3', hubCn: 'hub-a', reply: 'TLSv1.3' });
    expect(serverSawCn).toContain('client-b');
  });

  it('refuses a client limited to TLS 1.2', async () => {
    const options = await loadMutualTlsOptions({ ...clientFiles(client), minVersion: 'TLSv1.2' });
    await expect(dial(options, { maxVersion: 'TLSv1.2' })).rejects.toThrow(/protocol version|unsupported/i);
  });

  it('refuses a client whose certificate comes from another CA', async () => {
    // The stranger trusts our CA, so it accepts the hub (no client-side error); the hub drops it unanswered.
    const options = await loadMutualTlsOptions(clientFiles(stranger));
    await expect(dial(options)).rejects.toThrow('connection closed without a reply');
    expect(serverSawCn).not.toContain('stranger');
  });

  it('fails early, naming the files, when the key does not match the certificate', async () => {
    const err: unknown = await loadMutualTlsOptions({
      certFile: hub.certFile,
      keyFile: client.keyFile,
      caFile,
    }).catch((e: unknown) => e);
    expect(hasErrorCode(err, ErrorCode.CERTIFICATE)).toBe(true);
    expect(String(err)).toContain(client.keyFile);
  });
});
