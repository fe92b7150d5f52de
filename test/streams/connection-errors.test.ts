// Socket-level failures on the HTTP listener cost the connection concerned, never the process: a
// listener error after start (EMFILE on accept), an SSE reader reset mid-stream while appends keep
// it written to, a request aborted mid-body, a reader that never takes its answer.
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpServer } from '../../internal/http/index.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { post, put, startInstance, type StreamsInstance } from './harness.js';

const instances: StreamsInstance[] = [];
const servers: HttpServer[] = [];
afterEach(async () => {
  for (const i of instances.splice(0)) await i.close();
  for (const s of servers.splice(0)) await s.close();
});

/** Opens `path` on `base` over a raw socket and resolves once the response head has arrived. */
async function rawGet(base: string, path: string): Promise<net.Socket> {
  const { hostname, port } = new URL(base);
  const socket = net.connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await new Promise((r) => socket.once('data', r));
  return socket;
}

describe('HTTP connection errors', () => {
  it('logs a listener error after start and keeps serving', async () => {
    const logger = new MemoryLogger();
    const server = new HttpServer({ listenAddr: '127.0.0.1:0', logger, isReady: () => true });
    servers.push(server);
    const url = await server.start();
    server.server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
    expect(logger.find('HTTP listener error')).toHaveLength(1);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('closes a connection whose reader takes nothing, dropping the answer it held', async () => {
    const server = new HttpServer({
      listenAddr: '127.0.0.1:0',
      logger: new MemoryLogger(),
      isReady: () => true,
      idleMs: 200,
    });
    servers.push(server);
    // An answer far larger than the socket buffers, as a 4 MiB read page is.
    server.addRoute((_req, res) => {
      res.end(Buffer.alloc(32 * 1024 * 1024));
      return true;
    });
    const reader = await rawGet(await server.start(), '/big');
    reader.pause();
    const connections = (): Promise<number> =>
      new Promise((resolve, reject) => {
        server.server.getConnections((err, count) => {
          if (err === null) resolve(count);
          else reject(err);
        });
      });
    expect(await connections()).toBe(1);
    await vi.waitFor(async () => {
      expect(await connections()).toBe(0);
    });
    reader.destroy();
  });

  it('survives SSE readers reset mid-stream and requests aborted mid-body', async () => {
    const inst = await startInstance();
    instances.push(inst);
    expect((await put(inst.url('live'), 'application/json')).status).toBe(201);
    const readers = await Promise.all(
      Array.from({ length: 5 }, () => rawGet(inst.endpoint.url, '/v1/stream/live?offset=-1&live=sse')),
    );
    for (const r of readers) r.resetAndDestroy();
    const aborted = net.connect(Number(new URL(inst.endpoint.url).port), '127.0.0.1');
    aborted.on('error', () => undefined);
    await new Promise((r) => aborted.once('connect', r));
    aborted.write(
      'POST /v1/stream/live HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"a":',
    );
    aborted.resetAndDestroy();
    for (let i = 0; i < 50; i++) {
      expect((await post(inst.url('live'), 'application/json', JSON.stringify([{ i }]))).status).toBe(204);
    }
    const read = await fetch(`${inst.url('live')}?offset=-1`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as unknown[]).length).toBe(50);
  });
});
