/**
 * The console's read-only views of what the daemon hosts (Durable Streams, streamkit stores,
 * request/reply, federation policies) and its live updates as server-sent events, on an
 * in-process endpoint with the daemon's admin host.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamRpc, StreamStore, type Messenger } from '../../src/index.js';
import { internalsOf } from '../../src/wiring/index.js';
import { bearer, send } from '../http/client.js';
import { tempDir } from '../support/temp-dir.js';
import { consoleConfig, openConsole, tokenOf, VIEWER_AND_OPERATOR, type Closers } from './fixture.js';

const opened: Closers = [];
afterEach(async () => {
  for (const c of opened.splice(0).reverse()) await c.close();
});

/** Opens a StreamRpc and store `orders` (this instance its authority) on `messenger`. */
async function hostOrders(messenger: Messenger): Promise<{ stores: StreamStore[]; rpc: StreamRpc }> {
  const rpc = await StreamRpc.open(messenger);
  opened.push(rpc);
  const store = await StreamStore.open(messenger, { store: 'orders', rpc });
  opened.push(store);
  return { stores: [store], rpc };
}

/** Reads server-sent events from `url` until `enough` says so; resolves with them. */
function readEvents(
  url: string,
  headers: Record<string, string>,
  enough: (events: { event: string; data: unknown }[]) => boolean,
): Promise<{ status: number; type: string | undefined; events: { event: string; data: unknown }[] }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const events: { event: string; data: unknown }[] = [];
      let buffer = '';
      const done = (): void => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], events });
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
        }
        if (enough(events)) done();
      });
      res.once('end', done);
    });
    req.once('error', reject);
  });
}

describe('console views', () => {
  it('lists Durable Streams with their size, closure and producers', async () => {
    const dir = tempDir('keyop-console-streams-');
    const { endpoint } = await openConsole(
      consoleConfig(dir, [...VIEWER_AND_OPERATOR, { name: 'writer', write: ['>'], admin: ['jobs.>'] }]),
      opened,
    );
    const writer = bearer(tokenOf('writer'));
    const stream = `${endpoint.url}/v1/stream/jobs/log`;
    const created = await send(stream, {
      method: 'PUT',
      headers: { ...writer, 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    for (const seq of [0, 1]) {
      const appended = await send(stream, {
        method: 'POST',
        headers: {
          ...writer,
          'content-type': 'application/json',
          'producer-id': 'ingest-1',
          'producer-epoch': '3',
          'producer-seq': String(seq),
        },
        body: JSON.stringify({ job: seq }),
      });
      expect(appended.status, appended.body).toBeLessThan(300);
    }
    const answer = await send(`${endpoint.url}/ui/api/streams`, { headers: bearer(tokenOf('viewer')) });
    expect(answer.status).toBe(200);
    const rows = JSON.parse(answer.body) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      path: 'jobs/log',
      contentType: 'application/json',
      closed: false,
      producers: [{ id: 'ingest-1', epoch: 3, lastSeq: 1 }],
    });
    expect(rows[0]?.['bytes']).toBeGreaterThan(0);
    expect((await send(`${endpoint.url}/ui/api/streams`)).status).toBe(401);
  });

  it('shows streamkit spaces, segments, leases, workers and served request streams', async () => {
    const dir = tempDir('keyop-console-sk-');
    let hosted: { stores: StreamStore[]; rpc: StreamRpc } | undefined;
    const { endpoint } = await openConsole(consoleConfig(dir), opened, async (m) => {
      hosted = await hostOrders(m);
      return hosted;
    });
    const store = hosted!.stores[0]!;
    await store.append('eu', 'order-17', { placed: true });
    await store.append('eu', 'order-17', { paid: true });
    await store.acquireLease('billing', 'node-a', 30_000);
    const worker = await store.joinWorkers('picker-1', { zone: 'eu' });
    opened.push({ close: () => worker.leave() });
    // A request stream held open by its handler until released.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const service = await hosted!.rpc.serve('slow.req', 'slow.v1', async (_req, writer) => {
      await writer.write({ started: true });
      await held;
    });
    opened.push({ close: () => service.stop() });
    const requester = hosted!.rpc.openStream('slow.req', 'slow.v1', {});
    await requester.next();

    const answer = await send(`${endpoint.url}/ui/api/streamkit`, { headers: bearer(tokenOf('viewer')) });
    expect(answer.status).toBe(200);
    const view = JSON.parse(answer.body) as {
      stores: Record<string, unknown>[];
      rpc: { serving: number; streams: { channel: string; payloadType: string }[] };
    };
    expect(view.stores[0]).toMatchObject({
      name: 'orders',
      spaces: [
        {
          name: 'eu',
          lastPosition: 2,
          segmentCount: 1,
          segments: [{ name: 'order-17', firstSequence: 1, lastSequence: 2 }],
        },
      ],
      leases: [{ key: 'billing', holder: 'node-a', fence: 1 }],
      workers: [{ workerId: 'picker-1', metadata: { zone: 'eu' } }],
    });
    expect(view.rpc.serving).toBe(1);
    expect(view.rpc.streams).toMatchObject([{ channel: 'slow.req', payloadType: 'slow.v1' }]);
    release();
    expect(await requester.next()).toEqual({ done: true, value: undefined });
  });

  it('shows the hub allowlist with each peer policy, and the hubs dialled', async () => {
    const dir = tempDir('keyop-console-fed-');
    const { messenger, endpoint } = await openConsole(
      {
        ...consoleConfig(dir),
        hub: {
          enabled: true,
          listenAddr: '127.0.0.1:0',
          allowedPeers: [
            { name: 'edge-1', subscribe: ['alerts.>'], publish: [] },
            { name: 'edge-2', subscribe: [], publish: ['metrics.*'] },
          ],
        },
        federation: { insecurePlaintext: true },
      },
      opened,
    );
    const policies = async () =>
      JSON.parse(
        (await send(`${endpoint.url}/ui/api/federation`, { headers: bearer(tokenOf('viewer')) })).body,
      ) as unknown;
    expect(await policies()).toEqual({
      hubEnabled: true,
      open: false,
      rows: [
        { kind: 'peer', name: 'edge-1', subscribe: 'alerts.>', publish: 'any channel' },
        { kind: 'peer', name: 'edge-2', subscribe: 'whatever it requests', publish: 'metrics.*' },
      ],
    });
    // The allowlist in force, as a SIGHUP reload replaces it, not the one the config started with.
    internalsOf(messenger)
      .federation()
      ?.hub?.setAllowedPeers([{ name: 'edge-3', subscribe: ['x'], publish: ['y'] }]);
    expect(await policies()).toMatchObject({
      rows: [{ kind: 'peer', name: 'edge-3', subscribe: 'x', publish: 'y' }],
    });
  });

  it('sends the asked views as server-sent events, round after round', async () => {
    const dir = tempDir('keyop-console-events-');
    const { messenger, endpoint } = await openConsole(consoleConfig(dir), opened);
    await messenger.publish('orders', 'Order', { n: 1 });
    const viewer = bearer(tokenOf('viewer'));
    const url = `${endpoint.url}/ui/api/events?views=overview,streams`;
    const read = await readEvents(url, viewer, (events) => events.length >= 4);
    expect(read.status).toBe(200);
    expect(read.type).toBe('text/event-stream');
    expect(read.events.map((e) => e.event)).toEqual(['overview', 'streams', 'overview', 'streams']);
    expect(read.events[0]?.data).toMatchObject({ stats: { channels: { orders: { messages: 1 } } } });
    expect(read.events[1]?.data).toEqual([]);

    expect(
      (await send(`${endpoint.url}/ui/api/events?views=overview,nope`, { headers: viewer })).status,
    ).toBe(404);
    expect((await send(url)).status).toBe(401);
  });

  it('ends open event streams when the endpoint closes', async () => {
    const dir = tempDir('keyop-console-events-');
    const { endpoint } = await openConsole(consoleConfig(dir), opened);
    opened.splice(opened.indexOf(endpoint), 1);
    let closed: Promise<void> | undefined;
    const read = await readEvents(`${endpoint.url}/ui/api/events`, bearer(tokenOf('viewer')), (events) => {
      if (events.length > 0) closed ??= endpoint.close();
      return events.length > 1;
    });
    await closed;
    // The stream ended after its first round instead of staying open.
    expect(read.events.map((e) => e.event)).toEqual(['overview']);
  });
});
