// /readyz of an in-process Messenger whose hubs refuse it, or are merely unreachable, over mutual TLS
// on 127.0.0.1; and while its writes fail (faults injected through the SegmentFs seam).
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import { Messenger, startHttpEndpoint, type HttpEndpoint } from '../../src/index.js';
import { makePki, startNode, type TestNode, type TestPki } from '../support/cluster.js';
import { FaultyFs } from '../support/faulty-fs.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { tempDir } from '../support/temp-dir.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a', 'b']);
});

const nodes: TestNode[] = [];
const endpoints: HttpEndpoint[] = [];
afterEach(async () => {
  for (const e of endpoints.splice(0)) await e.close();
  for (const n of nodes.splice(0).reverse()) await n.stop().catch(() => undefined);
});

async function node(opts: Parameters<typeof startNode>[0]): Promise<TestNode> {
  const n = await startNode(opts);
  nodes.push(n);
  return n;
}

/** Starts the HTTP endpoint of `n`, marked up as the daemon does. */
async function endpointOf(n: TestNode): Promise<HttpEndpoint> {
  const endpoint = await startHttpEndpoint(n.messenger, { listenAddr: '127.0.0.1:0' });
  endpoints.push(endpoint);
  endpoint.setReady(true);
  return endpoint;
}

async function readyz(endpoint: HttpEndpoint): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${endpoint.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/readyz', () => {
  it('answers 503, naming the hub and why, while the only hub refuses the instance (4403)', async () => {
    const hub = await node({ name: 'hub1', pki, hub: { allowedPeers: [{ name: 'b' }] } });
    const log = new MemoryLogger();
    const a = await node({ name: 'a', pki, hubs: [{ addr: hub.hubAddr, publish: ['x'] }], logger: log });
    const endpoint = await endpointOf(a);
    await vi.waitFor(async () => {
      expect((await readyz(endpoint)).status).toBe(503);
    });
    const { body } = await readyz(endpoint);
    expect(body).toMatchObject({
      ready: false,
      hubs: [
        {
          addr: hub.hubAddr,
          state: 'refused',
          refusal: expect.stringContaining('not in allowlist (close code 4403)') as string,
        },
      ],
    });
    const refused = log.find('the hub refuses this instance');
    expect(refused.filter((e) => e.level === 'error')).toHaveLength(1); // once, not at every retry
    expect(refused[0]).toMatchObject({ level: 'error', fields: { code: 'ERR_LINK_REFUSED' } });
    expect(refused[0]?.fields).not.toHaveProperty('err');
  });

  it('stays ready while a hub is merely unreachable', async () => {
    const a = await node({ name: 'a', pki, hubs: [{ addr: '127.0.0.1:1', publish: ['x'] }] });
    const endpoint = await endpointOf(a);
    const [client] = a.clients();
    await client?.whenState('disconnected');
    expect(await readyz(endpoint)).toMatchObject({
      status: 200,
      body: { ready: true, hubs: [{ state: 'disconnected' }] },
    });
  });

  it('is 503 naming the channel while its writes fail (a full disk), and 200 again once they succeed', async () => {
    const segmentFs = new FaultyFs();
    const messenger = await Messenger.open(
      { storage: { dataDir: path.join(tempDir('keyop-ready-disk-'), 'data'), syncPolicy: 'none' } },
      { segmentFs },
    );
    const endpoint = await startHttpEndpoint(messenger, { listenAddr: '127.0.0.1:0' });
    endpoints.push(endpoint);
    endpoint.setReady(true);
    try {
      await messenger.publish('orders', 'Order', { n: 1 });
      expect(await readyz(endpoint)).toMatchObject({ status: 200, body: { ready: true } });
      segmentFs.diskFull = true;
      const waiting = messenger.publish('orders', 'Order', { n: 2 });
      await vi.waitFor(async () => {
        expect(await readyz(endpoint)).toMatchObject({
          status: 503,
          body: { ready: false, failingChannels: ['orders'] },
        });
      });
      segmentFs.diskFull = false;
      await waiting;
      expect(await readyz(endpoint)).toMatchObject({ status: 200, body: { ready: true } });
      expect((await readyz(endpoint)).body).not.toHaveProperty('failingChannels');
    } finally {
      await messenger.close();
    }
  });
});
