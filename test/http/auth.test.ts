/**
 * Who may use the HTTP endpoint: bearer tokens from the tokens file and client certificates of the
 * instance CA, with read / write / admin rights on channel patterns (real HTTP and HTTPS on 127.0.0.1).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Messenger,
  startHttpEndpoint,
  type HttpEndpoint,
  type MessengerConfigInput,
} from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { bearer, send, tokenFileLine, type SendOptions } from './client.js';

const TOKENS = {
  reader: 'r-0123456789abcdef',
  writer: 'w-0123456789abcdef',
  admin: 'a-0123456789abcdef',
  'orders-admin': 'o-0123456789abcdef',
};
const CLIENTS = [
  { name: 'reader', read: ['orders.>', 'shared'], write: [], admin: [] },
  { name: 'writer', read: [], write: ['orders.*'], admin: [] },
  { name: 'admin', read: ['>'], write: ['>'], admin: ['>'] },
  { name: 'orders-admin', read: [], write: [], admin: ['orders.>'] },
];

/** A tokens file (mode 0600) holding the tokens. */
function writeTokensFile(dir: string): string {
  const file = path.join(dir, 'tokens');
  const lines = Object.entries(TOKENS).map(([name, token]) => tokenFileLine(name, token));
  fs.writeFileSync(file, `# test tokens\n${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

/** Sends `text` on a fresh connection to 127.0.0.1:`port`; resolves with all that comes back. */
function rawRequest(port: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      resolve(answer);
    });
    socket.end(text);
  });
}

async function open(config: MessengerConfigInput, tls?: SendOptions['tls'] & { cert: string; key: string }) {
  const messenger = await Messenger.open(config);
  const endpoint = await startHttpEndpoint(messenger, {
    listenAddr: '127.0.0.1:0',
    ...(tls === undefined ? {} : { tls }),
  });
  return { messenger, endpoint };
}

describe('bearer tokens', () => {
  let messenger: Messenger;
  let endpoint: HttpEndpoint;
  const stream = (name: string): string => `${endpoint.url}/v1/stream/${name}`;
  const as = (who: keyof typeof TOKENS, method: string, name: string, body?: string) =>
    send(stream(name), {
      method,
      headers: { ...bearer(TOKENS[who]), 'content-type': 'text/plain' },
      ...(body === undefined ? {} : { body }),
    });

  beforeAll(async () => {
    const dir = tempDir('keyop-http-auth-');
    ({ messenger, endpoint } = await open({
      name: 'auth-test',
      storage: { dataDir: path.join(dir, 'data') },
      http: { auth: { tokensFile: writeTokensFile(dir), clients: CLIENTS } },
    }));
  });
  afterAll(async () => {
    await endpoint.close();
    await messenger.close();
  });

  it('answers 401 with a Bearer challenge without a credential, and for an unknown token', async () => {
    const none = await send(stream('orders/eu'));
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="keyop-messenger"');
    const wrong = await send(stream('orders/eu'), { headers: bearer('not-a-token') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toContain('error="invalid_token"');
    const basic = await send(stream('orders/eu'), { headers: { authorization: 'Basic dTpw' } });
    expect(basic.status).toBe(401);
  });

  it('refuses a request with several Authorization headers, whichever one is valid', async () => {
    const { port } = new URL(endpoint.url);
    for (const [first, second] of [
      [TOKENS.admin, 'not-a-token'],
      ['not-a-token', TOKENS.admin],
    ]) {
      const head = await rawRequest(
        port,
        `GET /v1/stream/orders/eu HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${first}\r\n` +
          `Authorization: Bearer ${second}\r\nConnection: close\r\n\r\n`,
      );
      expect(head).toMatch(/^HTTP\/1\.1 401 [^]*several Authorization headers/);
    }
  });

  it('keeps /healthz and /readyz open', async () => {
    expect((await send(`${endpoint.url}/healthz`)).status).toBe(200);
    expect((await send(`${endpoint.url}/readyz`)).status).toBe(503);
  });

  it('grants read, write and admin on matching channels only (403 otherwise)', async () => {
    expect((await as('writer', 'PUT', 'orders/eu')).status).toBe(403);
    expect((await as('reader', 'PUT', 'orders/eu')).status).toBe(403);
    expect((await as('admin', 'PUT', 'orders/eu')).status).toBe(201);
    expect((await as('admin', 'PUT', 'other')).status).toBe(201);

    expect((await as('writer', 'POST', 'orders/eu', 'one')).status).toBe(204);
    const deep = await as('writer', 'POST', 'other', 'x');
    expect(deep.status).toBe(403);
    expect(deep.body).toBe('client "writer" may not write on channel other\n');
    expect((await as('reader', 'POST', 'orders/eu', 'x')).status).toBe(403);

    const read = await as('reader', 'GET', 'orders/eu?offset=-1');
    expect(read.status).toBe(200);
    expect(read.body).toBe('one');
    expect((await as('reader', 'HEAD', 'orders/eu')).status).toBe(200);
    expect((await as('reader', 'GET', 'other?offset=-1')).status).toBe(403);
    expect((await as('writer', 'GET', 'orders/eu?offset=-1')).status).toBe(403);

    expect((await as('reader', 'DELETE', 'orders/eu')).status).toBe(403);
    expect((await as('writer', 'DELETE', 'orders/eu')).status).toBe(403);
    expect((await as('admin', 'DELETE', 'other')).status).toBe(204);
  });

  it('needs read on the source to fork it', async () => {
    expect((await as('admin', 'PUT', 'secret')).status).toBe(201);
    const fork = (who: keyof typeof TOKENS, name: string) =>
      send(stream(name), {
        method: 'PUT',
        headers: { ...bearer(TOKENS[who]), 'stream-forked-from': 'secret' },
      });
    const denied = await fork('orders-admin', 'orders/stolen');
    expect(denied.status).toBe(403);
    expect(denied.body).toBe('client "orders-admin" may not read on channel secret\n');
    expect((await fork('admin', 'orders/copy')).status).toBe(201);
  });

  it('reserves the control API for admin on ">", but lets subscription actions carry their own token', async () => {
    const url = `${endpoint.url}/v1/stream/__ds/subscriptions/sub-1`;
    expect((await send(url, { headers: bearer(TOKENS.reader) })).status).toBe(403);
    expect((await send(url)).status).toBe(401);
    expect((await send(url, { headers: bearer(TOKENS.admin) })).status).toBe(404);
    const ack = await send(`${url}/ack`, {
      method: 'POST',
      headers: bearer('subscription-token'),
      body: '{}',
    });
    expect([401, 403]).not.toContain(ack.status);
    expect((await send(`${endpoint.url}/v1/stream/__ds/jwks.json`)).status).toBe(200);
  });
});
