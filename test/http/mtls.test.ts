/**
 * HTTPS with client certificates of the instance CA: the certificate CN is the client's name, a
 * certificate from another CA identifies nobody, refusals are audited, and `tls.min_version`
 * applies to this listener too.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger, startHttpEndpoint, type HttpEndpoint } from '../../src/index.js';
import { waitForAudit } from '../support/audit.js';
import { makePki, type TestPki } from '../support/cluster.js';
import { tempDir } from '../support/temp-dir.js';
import { send, type SendOptions } from './client.js';

describe('HTTPS with client certificates', () => {
  let pki: TestPki;
  let foreign: TestPki;
  let messenger: Messenger;
  let endpoint: HttpEndpoint;
  let dataDir: string;
  let ca: string;

  async function tlsOf(name: string, from: TestPki = pki): Promise<NonNullable<SendOptions['tls']>> {
    const pair = from.pairs.get(name)!;
    return { ca, cert: await readFile(pair.certFile, 'utf8'), key: await readFile(pair.keyFile, 'utf8') };
  }

  beforeAll(async () => {
    pki = await makePki(['hub', 'reader-cn', 'stranger']);
    foreign = await makePki(['reader-cn']);
    ca = await readFile(pki.ca, 'utf8');
    dataDir = path.join(tempDir('keyop-http-mtls-'), 'data');
    const own = pki.pairs.get('hub')!;
    messenger = await Messenger.open({
      name: 'hub',
      storage: { dataDir },
      tls: { cert: own.certFile, key: own.keyFile, ca: pki.ca },
      hub: { enabled: true, listenAddr: '127.0.0.1:0' },
      http: { auth: { clients: [{ name: 'reader-cn', read: ['metrics'] }] } },
    });
    await messenger.publish('metrics', 'metric', { cpu: 1 });
    endpoint = await startHttpEndpoint(messenger, {
      listenAddr: '127.0.0.1:0',
      tls: {
        cert: await readFile(own.certFile, 'utf8'),
        key: await readFile(own.keyFile, 'utf8'),
        ca,
      },
    });
  });
  afterAll(async () => {
    await endpoint.close();
    await messenger.close();
  });

  it('identifies a client by the CN of its certificate and applies its rights', async () => {
    const tls = await tlsOf('reader-cn');
    // The channel exists (published) but is not a stream: the client got past authorization.
    expect((await send(`${endpoint.url}/v1/stream/metrics`, { tls })).status).toBe(404);
    const write = await send(`${endpoint.url}/v1/stream/metrics`, { method: 'POST', tls, body: 'x' });
    expect(write.status).toBe(403);
    expect(write.body).toBe('certificate CN "reader-cn" may not write on channel metrics\n');
  });

  it('answers 401 without a certificate or with one of another CA, and 403 to an unlisted CN', async () => {
    const url = `${endpoint.url}/v1/stream/metrics`;
    expect((await send(url, { tls: { ca } })).status).toBe(401);
    expect((await send(url, { tls: await tlsOf('reader-cn', foreign) })).status).toBe(401);
    const stranger = await send(url, { tls: await tlsOf('stranger') });
    expect(stranger.status).toBe(403);
    expect(stranger.body).toBe('certificate CN "stranger" may not read on channel metrics\n');
  });

  it('audits refusals', async () => {
    await send(`${endpoint.url}/v1/stream/audited`, { method: 'DELETE', tls: await tlsOf('stranger') });
    const line = await waitForAudit(dataDir, { event: 'http_refused', channel: 'audited' });
    expect(line).toMatchObject({ peer: 'stranger', peer_addr: '127.0.0.1' });
    expect(line.detail).toContain('status=403 method=DELETE');
  });

  it('refuses a TLS 1.2 client when tls.min_version is 1.3 (the default)', async () => {
    const tls = { ...(await tlsOf('reader-cn')), maxVersion: 'TLSv1.2' as const };
    await expect(send(`${endpoint.url}/healthz`, { tls })).rejects.toThrow(/version|protocol/i);
    expect((await send(`${endpoint.url}/healthz`, { tls: { ca } })).status).toBe(200);
  });
});
