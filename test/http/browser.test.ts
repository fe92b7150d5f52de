/**
 * What a browser may do: CORS only for configured origins (none by default), and the `Host` check
 * against DNS rebinding.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostCheck, HttpServer } from '../../internal/http/index.js';
import { silentLogger } from '../../internal/logger/index.js';
import { Messenger, startHttpEndpoint, type HttpEndpoint } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { send } from './client.js';

async function start(http: { corsOrigins?: string[]; allowedHosts?: string[] } = {}) {
  const messenger = await Messenger.open({
    name: 'browser-test',
    storage: { dataDir: path.join(tempDir('keyop-http-browser-'), 'data') },
    http,
  });
  const endpoint = await startHttpEndpoint(messenger, { listenAddr: '127.0.0.1:0' });
  await send(`${endpoint.url}/v1/stream/s`, { method: 'PUT' });
  return {
    endpoint,
    close: async () => {
      await endpoint.close();
      await messenger.close();
    },
  };
}

describe('CORS', () => {
  it('allows no origin by default', async () => {
    const { endpoint, close } = await start();
    try {
      const read = await send(`${endpoint.url}/v1/stream/s`, { headers: { origin: 'https://evil.example' } });
      expect(read.status).toBe(200);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
      expect(read.headers['access-control-expose-headers']).toBeUndefined();
      const preflight = await send(`${endpoint.url}/v1/stream/s`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await close();
    }
  });

  it('allows the configured origins only, echoing the origin', async () => {
    const { endpoint, close } = await start({ corsOrigins: ['https://app.example'] });
    try {
      const url = `${endpoint.url}/v1/stream/s`;
      const allowed = await send(url, { headers: { origin: 'https://app.example' } });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(allowed.headers['vary']).toBe('Origin');
      expect(allowed.headers['access-control-expose-headers']).toContain('Stream-Next-Offset');
      const other = await send(url, { headers: { origin: 'https://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const append = (origin: string) =>
        send(url, {
          method: 'POST',
          headers: { origin, 'content-type': 'application/octet-stream' },
          body: 'x',
        });
      expect((await append('https://app.example')).status).toBe(204);
      const forged = await append('https://evil.example');
      expect(forged.status).toBe(403);
      expect(forged.body).toContain('"https://evil.example" may not make changes');
    } finally {
      await close();
    }
  });
});

describe('Host check', () => {
  let endpoint: HttpEndpoint;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ endpoint, close } = await start({ allowedHosts: ['messenger.example.net'] }));
  });
  afterAll(() => close());

  it('answers 421 to a name that is not this endpoint (DNS rebinding)', async () => {
    const answer = await send(`${endpoint.url}/v1/stream/s`, {
      headers: { host: 'rebind.attacker.example:80' },
    });
    expect(answer.status).toBe(421);
    expect(answer.body).toContain('rebind.attacker.example');
  });

  it('serves IP literals, localhost names on loopback and the configured hosts', async () => {
    const port = new URL(endpoint.url).port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'LOCALHOST',
      `messenger.example.net:${port}`,
      '[::1]',
    ]) {
      expect((await send(`${endpoint.url}/v1/stream/s`, { headers: { host } })).status, host).toBe(200);
    }
  });

  it('keeps /healthz and /readyz answering whatever the Host', async () => {
    const headers = { host: 'rebind.attacker.example' };
    expect((await send(`${endpoint.url}/healthz`, { headers })).status).toBe(200);
    expect((await send(`${endpoint.url}/readyz`, { headers })).status).toBe(503);
  });

  it('keeps the readiness detail from a name that is not this endpoint', async () => {
    const server = new HttpServer({
      listenAddr: '127.0.0.1:0',
      logger: silentLogger,
      hostCheck: new HostCheck('127.0.0.1', []),
      isReady: () => false,
      readinessDetail: () => ({ hubs: [{ addr: 'hub.internal:7740', lastError: 'refused' }] }),
    });
    const url = await server.start();
    try {
      const rebound = await send(`${url}/readyz`, { headers: { host: 'rebind.attacker.example' } });
      expect(rebound.status).toBe(503);
      expect(JSON.parse(rebound.body)).toEqual({ ready: false });
      const own = await send(`${url}/readyz`);
      expect(JSON.parse(own.body)).toMatchObject({ hubs: [{ addr: 'hub.internal:7740' }] });
    } finally {
      await server.close();
    }
  });
});
