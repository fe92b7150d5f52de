// Connections that stall before their request is under way are closed by both listeners: no TLS
// ClientHello, no request head, a body that never completes (Node's defaults held them 120 s, 30-45 s
// and up to 300 s). Limits are shrunk so that the closes come quickly; the tests wait for them.
import fs from 'node:fs';
import type net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpEndpoint, type HttpEndpoint } from '../../src/index.js';
import { waitForAudit } from '../support/audit.js';
import { makePki, startNode, type TestNode, type TestPki } from '../support/cluster.js';
import { connectRaw, openRawWebSocket } from '../support/raw-websocket.js';

const LIMIT_MS = 300;
/** Far below Node's own limits, far above LIMIT_MS: a close in this time is the configured limit. */
const CLOSED_WITHIN_MS = 5_000;

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a']);
});

const nodes: TestNode[] = [];
const endpoints: HttpEndpoint[] = [];
afterEach(async () => {
  for (const e of endpoints.splice(0)) await e.close();
  for (const n of nodes.splice(0)) await n.stop();
});

function tlsFiles(name: string): { certFile: string; keyFile: string; ca: string } {
  return { ...pki.pairs.get(name)!, ca: pki.ca };
}

/** Resolves, once `socket` has closed, with what it received and how long after `since`. */
function closeOf(socket: net.Socket, since: number): Promise<{ text: string; afterMs: number }> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return new Promise((resolve) =>
    socket.once('close', () => {
      resolve({ text, afterMs: Date.now() - since });
    }),
  );
}

async function hubNode(): Promise<TestNode> {
  const n = await startNode({ name: 'hub1', pki, hub: {}, handshakeTimeoutMs: LIMIT_MS });
  nodes.push(n);
  return n;
}

async function endpoint(tls: boolean): Promise<HttpEndpoint> {
  const n = await startNode({ name: 'a' });
  nodes.push(n);
  const pair = pki.pairs.get('hub1')!;
  const e = await startHttpEndpoint(n.messenger, {
    listenAddr: '127.0.0.1:0',
    timeouts: { tlsHandshakeMs: LIMIT_MS, headersMs: LIMIT_MS, requestMs: 2 * LIMIT_MS },
    ...(tls
      ? { tls: { cert: fs.readFileSync(pair.certFile, 'utf8'), key: fs.readFileSync(pair.keyFile, 'utf8') } }
      : {}),
  });
  endpoints.push(e);
  return e;
}

const addrOf = (url: string): string => new URL(url).host;

describe('federation hub listener', () => {
  it('closes a TCP connection that never starts TLS, and audits it', async () => {
    const h = await hubNode();
    const t0 = Date.now();
    const socket = await connectRaw(h.hubAddr, undefined);
    const port = socket.localPort;
    const { afterMs } = await closeOf(socket, t0);
    expect(afterMs).toBeLessThan(CLOSED_WITHIN_MS);
    const audited = await waitForAudit(h.dataDir, { event: 'tls_refused' });
    expect(audited.detail).toContain('ERR_TLS_HANDSHAKE_TIMEOUT');
    expect(audited.peer_addr).toBe(`127.0.0.1:${port}`);
  });

  it('closes a TLS connection that never sends its upgrade request', async () => {
    const h = await hubNode();
    const t0 = Date.now();
    const socket = await connectRaw(h.hubAddr, tlsFiles('a'));
    const { afterMs } = await closeOf(socket, t0);
    expect(afterMs).toBeLessThan(CLOSED_WITHIN_MS);
  });

  it('closes a TLS connection whose upgrade request head never ends', async () => {
    const h = await hubNode();
    const t0 = Date.now();
    const socket = await connectRaw(h.hubAddr, tlsFiles('a'));
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    const { text, afterMs } = await closeOf(socket, t0);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeLessThan(CLOSED_WITHIN_MS);
    const audited = await waitForAudit(h.dataDir, { event: 'protocol_error' });
    expect(audited.detail).toMatch(/^http ERR_HTTP_REQUEST_TIMEOUT: /);
  });

  it('closes a WebSocket that never sends the federation handshake with 1002, and audits it', async () => {
    const h = await hubNode();
    const ws = await openRawWebSocket(h.hubAddr, tlsFiles('a'));
    expect(await ws.closeCode).toBe(1002);
    const audited = await waitForAudit(h.dataDir, { event: 'protocol_error', peer: 'a' });
    expect(audited.detail).toContain(`no handshake within ${LIMIT_MS} ms`);
  });
});

describe.each([false, true])('HTTP listener (TLS %s)', (tls) => {
  async function connect(e: HttpEndpoint): Promise<net.Socket> {
    return connectRaw(addrOf(e.url), tls ? tlsFiles('a') : undefined);
  }

  it('closes a connection that never sends a request', async () => {
    const e = await endpoint(tls);
    const t0 = Date.now();
    const { afterMs } = await closeOf(await connect(e), t0);
    expect(afterMs).toBeLessThan(CLOSED_WITHIN_MS);
  });

  it('answers 408 and closes a request whose head never ends', async () => {
    const e = await endpoint(tls);
    const t0 = Date.now();
    const socket = await connect(e);
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const { text, afterMs } = await closeOf(socket, t0);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeLessThan(CLOSED_WITHIN_MS);
  });

  it('answers 408 and closes a POST whose body never completes', async () => {
    const e = await endpoint(tls);
    const t0 = Date.now();
    const socket = await connect(e);
    socket.write(
      'POST /v1/stream/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1,',
    );
    const { text, afterMs } = await closeOf(socket, t0);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeLessThan(CLOSED_WITHIN_MS);
  });
});

describe('HTTPS listener', () => {
  it('closes a TCP connection that never starts TLS', async () => {
    const e = await endpoint(true);
    const t0 = Date.now();
    const { afterMs } = await closeOf(await connectRaw(addrOf(e.url), undefined), t0);
    expect(afterMs).toBeLessThan(CLOSED_WITHIN_MS);
  });
});
