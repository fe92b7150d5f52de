import { afterEach, describe, expect, it } from 'vitest';
import { collector } from '../support/messages.js';
import { connected, makePki, startNode, type TestNode, type TestPki } from '../support/cluster.js';

const nodes: TestNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0).reverse()) await node.stop().catch(() => undefined);
});

async function node(opts: Parameters<typeof startNode>[0]): Promise<TestNode> {
  const n = await startNode(opts);
  nodes.push(n);
  return n;
}

let pki: TestPki;

describe('federation over mutual TLS', () => {
  it('forwards client → hub → client', async () => {
    pki ??= await makePki(['hub1', 'a', 'b']);
    const hub = await node({ name: 'hub1', pki, hub: {} });
    const a = await node({ name: 'a', pki, hubs: [{ addr: hub.hubAddr, publish: ['alerts'] }] });
    const b = await node({ name: 'b', pki, hubs: [{ addr: hub.hubAddr, subscribe: ['alerts'] }] });
    await connected(a);
    await connected(b);
    const atHub = collector();
    const atB = collector<{ n: number }>();
    await hub.messenger.subscribe('alerts', 'hub-sub', atHub.handler);
    await b.messenger.subscribe('alerts', 'b-sub', atB.handler);
    const receipt = await a.messenger.publish('alerts', 'Alert', { n: 1 });
    await atB.waitFor(1);
    await atHub.waitFor(1);
    expect(atB.messages[0]).toMatchObject({
      id: receipt.id,
      origin: 'a',
      payload: { n: 1 },
      route: ['hub1', 'b'],
    });
    expect(atHub.messages[0]?.route).toEqual(['hub1']);
  });
});
