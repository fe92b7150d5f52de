// Record sizes across a relay: a hub that accepted a record of exactly max_batch_bytes stores it
// with its name on the route (longer than the limit) and must still relay it, to a client of this
// port as stored and to a Go peer without the route; and it never sends a peer more than it accepts.
import { beforeAll, describe, expect, it } from 'vitest';
import { waitForAudit } from '../support/audit.js';
import {
  connected,
  makePki,
  nodesStoppedAfterEach,
  type NodeOptions,
  type TestNode,
  type TestPki,
} from '../support/cluster.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { collector } from '../support/messages.js';
import { frame, unframe } from '../support/raw-frames.js';
import { envelope, openRawPeer, storedLines, uuid } from '../support/raw-peer.js';

const LIMIT = 4096;

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a', 'b', 'g']);
});

const startNode = nodesStoppedAfterEach();

async function node(opts: NodeOptions): Promise<TestNode> {
  const n = await startNode({ maxBatchBytes: LIMIT, ...opts });
  return n;
}

/** A record from origin `a` on `channel` padded to exactly `bytes` bytes. */
function recordOf(bytes: number, id: string, channel = 'big'): string {
  const at = (pad: number): string => envelope(id, channel, 'x'.repeat(pad));
  const record = at(bytes - at(0).length);
  expect(Buffer.byteLength(record)).toBe(bytes);
  return record;
}

/** A raw peer past its handshake (Go's: no extra fields unless `extra` adds them). */
async function rawPeer(
  hub: TestNode,
  who: string,
  extra = '',
): Promise<Awaited<ReturnType<typeof openRawPeer>>> {
  const peer = await openRawPeer(hub.hubAddr, pki.pairs.get(who)!, pki.ca);
  peer.ws.send(`{"instance_name":"${who}","role":"client","version":"1","subscribe":["big"]${extra}}`);
  await peer.next();
  return peer;
}

describe('record sizes across a relay', () => {
  it('relays a record of exactly max_batch_bytes: as stored to a client of this port, without the route to a Go peer', async () => {
    const hub = await node({ name: 'hub1', pki, hub: {} });
    const b = await node({ name: 'b', pki, hubs: [{ addr: hub.hubAddr, subscribe: ['big'] }] });
    await connected(b);
    const atB = collector<string>();
    await b.messenger.subscribe('big', 's', atB.handler);
    const goPeer = await rawPeer(hub, 'g');
    const publisher = await rawPeer(hub, 'a');

    const record = recordOf(LIMIT, uuid(1));
    publisher.ws.send(frame([record]), { binary: true });
    expect(JSON.parse((await publisher.next()).data.toString())).toEqual({ last_id: uuid(1) });
    // Stored with the hub's name on the route: longer than the limit (the old sender refused it).
    expect(Buffer.byteLength(storedLines(hub.dataDir, 'big'))).toBe(LIMIT + ',"route":["hub1"]'.length + 1);

    await atB.waitFor(1);
    expect(atB.messages[0]).toMatchObject({ id: uuid(1), origin: 'a', route: ['hub1', 'b'] });
    const toGo = unframe((await goPeer.next()).data);
    expect(toGo).toEqual([record]);
  });

  it('accepts a record whose size without its route is the limit, and refuses one byte more', async () => {
    const hub = await node({ name: 'hub1', pki, hub: {} });
    const publisher = await rawPeer(hub, 'a');
    const routed = (bytes: number, id: string): string =>
      recordOf(bytes, id).replace(',"payload":', ',"route":["x","a"],"payload":');
    publisher.ws.send(
      frame([routed(LIMIT, uuid(1)), recordOf(LIMIT + 1, uuid(2)), routed(LIMIT + 1, uuid(3))]),
      {
        binary: true,
      },
    );
    expect(JSON.parse((await publisher.next()).data.toString())).toEqual({
      last_id: uuid(1),
      refused: [uuid(2), uuid(3)],
    });
    expect(storedLines(hub.dataDir, 'big')).toContain(`"id":"${uuid(1)}"`);
    await waitForAudit(hub.dataDir, {
      event: 'oversized_dropped',
      message_id: uuid(3),
      direction: 'inbound',
    });
  });

  it('sends a peer of this port no record larger than it announced, logs the difference and audits the skip', async () => {
    const logger = new MemoryLogger();
    const hub = await node({ name: 'hub1', pki, hub: {}, logger });
    const small = await rawPeer(hub, 'g', ',"max_in_flight":1,"max_batch_bytes":1000');
    await hub.messenger.publish('big', 'T', 'y'.repeat(2000));
    const { id } = await hub.messenger.publish('big', 'T', 'small');
    const records = unframe((await small.next()).data).map((r) => JSON.parse(r) as { id: string });
    expect(records.map((r) => r.id)).toEqual([id]);
    await waitForAudit(hub.dataDir, { event: 'oversized_dropped', direction: 'outbound', peer: 'g' });
    expect(logger.entries.find((e) => e.fields['peer_max_batch_bytes'] === 1000)).toMatchObject({
      level: 'info',
      fields: { peer: 'g', max_batch_bytes: LIMIT },
    });
  });
});
