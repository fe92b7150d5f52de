import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EphemeralMessenger, StreamRpc } from '../../src/index.js';
import { connected, makePki, startNode, type TestNode, type TestPki } from '../support/cluster.js';
import { deferred } from '../support/deferred.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'alpha', 'beta', 'eph']);
});

const closing: { close(): Promise<void> }[] = [];
const nodes: TestNode[] = [];
afterEach(async () => {
  for (const c of closing.splice(0).reverse()) await c.close();
  for (const n of nodes.splice(0).reverse()) await n.stop();
});

async function node(opts: Parameters<typeof startNode>[0]): Promise<TestNode> {
  const started = await startNode({ pki, ...opts });
  nodes.push(started);
  return started;
}

async function rpcOn(instance: TestNode | EphemeralMessenger): Promise<StreamRpc> {
  const rpc = await StreamRpc.open(instance instanceof EphemeralMessenger ? instance : instance.messenger);
  closing.push(rpc);
  return rpc;
}

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const count = async (req: { body: unknown }, writer: { write(d: unknown): Promise<void> }): Promise<void> => {
  const n = req.body as number;
  for (let i = 0; i < n; i++) await writer.write(i);
};

describe('StreamRpc across a relaying hub', () => {
  it('continues a stream across a restart of the relaying hub, losing and repeating nothing', async () => {
    const hub = await node({
      name: 'hub1',
      hub: {
        allowedPeers: [
          { name: 'alpha', subscribe: ['_inbox.alpha'], publish: ['relay.req'] },
          { name: 'beta', subscribe: ['relay.req'], publish: ['_inbox.alpha'] },
        ],
      },
    });
    const requesterNode = await node({
      name: 'alpha',
      hubs: [{ addr: hub.hubAddr, subscribe: ['_inbox.alpha'], publish: ['relay.req'] }],
    });
    const serverNode = await node({
      name: 'beta',
      hubs: [{ addr: hub.hubAddr, subscribe: ['relay.req'], publish: ['_inbox.alpha'] }],
    });
    await connected(requesterNode);
    await connected(serverNode);
    const halfway = deferred();
    const resume = deferred();
    await (
      await rpcOn(serverNode)
    ).serve('relay.req', 'relay.v1', async (_req, writer) => {
      for (let i = 0; i < 100; i++) await writer.write(i);
      halfway.resolve();
      await resume.promise;
      for (let i = 100; i < 200; i++) await writer.write(i);
    });
    const requester = await rpcOn(requesterNode);
    const items: number[] = [];
    const done = (async () => {
      for await (const item of requester.openStream<number>('relay.req', 'relay.v1', {}, { window: 1000 })) {
        items.push(item);
      }
    })();
    await halfway.promise;
    await hub.stop();
    await hub.restart();
    resume.resolve();
    await done;
    expect(items).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });
});

describe('StreamRpc inboxes in federation policies', () => {
  it('reaches a requester on a client through its own inbox without listing it anywhere', async () => {
    const hub = await node({
      name: 'hub1',
      hub: { allowedPeers: [{ name: 'alpha', subscribe: ['alerts'], publish: ['count.req'] }] },
    });
    const client = await node({ name: 'alpha', hubs: [{ addr: hub.hubAddr, publish: ['count.req'] }] });
    await connected(client);
    await (await rpcOn(hub)).serve('count.req', 'count.v1', count);
    const requester = await rpcOn(client);
    expect(await drain(requester.openStream('count.req', 'count.v1', 3))).toEqual([0, 1, 2]);
  });

  it('lets a server on a client answer the hub on the hub inbox, which the hub accepts from any peer', async () => {
    const hub = await node({
      name: 'hub1',
      hub: { allowedPeers: [{ name: 'beta', subscribe: ['count.req'], publish: ['other'] }] },
    });
    const client = await node({
      name: 'beta',
      hubs: [{ addr: hub.hubAddr, subscribe: ['count.req'], publish: ['_inbox.hub1'] }],
    });
    await connected(client);
    await (await rpcOn(client)).serve('count.req', 'count.v1', count);
    const requester = await rpcOn(hub);
    expect(await drain(requester.openStream('count.req', 'count.v1', 2))).toEqual([0, 1]);
  });

  it('serves an ephemeral requester whose inbox the hub does not list', async () => {
    const hub = await node({
      name: 'hub1',
      hub: { allowedPeers: [{ name: 'eph', subscribe: ['alerts'], publish: ['count.req'] }] },
    });
    await (await rpcOn(hub)).serve('count.req', 'count.v1', count);
    const pair = pki.pairs.get('eph')!;
    const em = new EphemeralMessenger({
      hubAddr: hub.hubAddr,
      tls: { cert: pair.certFile, key: pair.keyFile, ca: pki.ca },
    });
    closing.push(em);
    const requester = await rpcOn(em);
    await em.connect();
    expect(await requester.request('count.req', 'count.v1', 1)).toBe(0);
  });
});

describe('StreamRpc between two clients of one hub', () => {
  it('relays answers with the _inbox.> pattern in the server side policies', async () => {
    const hub = await node({
      name: 'hub1',
      hub: {
        allowedPeers: [
          { name: 'alpha', publish: ['svc.>'] },
          { name: 'beta', subscribe: ['svc.>'], publish: ['_inbox.>'] },
        ],
      },
    });
    const requesterNode = await node({ name: 'alpha', hubs: [{ addr: hub.hubAddr, publish: ['svc.>'] }] });
    const serverNode = await node({
      name: 'beta',
      hubs: [{ addr: hub.hubAddr, subscribe: ['svc.>'], publish: ['_inbox.>'] }],
    });
    await connected(requesterNode);
    await connected(serverNode);
    await (await rpcOn(serverNode)).serve('svc.count', 'count.v1', count);
    const requester = await rpcOn(requesterNode);
    expect(await drain(requester.openStream('svc.count', 'count.v1', 4))).toEqual([0, 1, 2, 3]);
  });
});
