import { describe, expect, it } from 'vitest';
import { SequenceMismatchError, StreamRpc, StreamStore, type SegmentStatus } from '../../src/index.js';
import { connected } from '../support/cluster.js';
import { comparable, drain, healthOf } from './harness.js';
import { acrossHub } from './hub-harness.js';

const { closing, storeOn, hubAndClient, start } = acrossHub(['sk.orders.eu']);

/** Resolves with the first status of `space` that satisfies `done`. */
function statusWhere(
  store: StreamStore,
  space: string,
  done: (s: SegmentStatus) => boolean,
): Promise<SegmentStatus> {
  return new Promise((resolve) => {
    const sub = store.subscribeToSpace(space, (s) => {
      if (!done(s)) return;
      resolve(s);
      void sub.unsubscribe();
    });
  });
}

describe('streamkit across a hub', () => {
  it('produces from a client through the authority hub, and the replica equals the authority', async () => {
    const { hub, client } = await hubAndClient();
    const authority = await storeOn(hub);
    const replica = await storeOn(client);

    const first = await replica.produce('eu', 'order-1', [{ data: 'placed' }, { data: 'paid' }], {
      expectedLastSequence: 0,
    });
    expect(first).toMatchObject({ space: 'eu', segment: 'order-1', firstSequence: 1, lastSequence: 2 });
    await authority.append('eu', 'order-2', 'placed');
    const bytes = await replica.append('eu', 'order-1', new Uint8Array([9, 8]), { expectedLastSequence: 2 });
    expect(bytes.lastSequence).toBe(3);

    const mismatch = await replica
      .append('eu', 'order-1', 'late', { expectedLastSequence: 1 })
      .catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(SequenceMismatchError);
    expect([
      (mismatch as SequenceMismatchError).expected,
      (mismatch as SequenceMismatchError).actual,
    ]).toEqual([1, 3]);

    const trxId = crypto.randomUUID();
    const once = await replica.append('eu', 'order-2', 'shipped', { trxId });
    expect(await replica.append('eu', 'order-2', 'shipped', { trxId })).toEqual(once);

    await statusWhere(replica, 'eu', (s) => s.segment === 'order-2' && s.lastSequence === 2);
    const onHub = await drain(authority.consumeSpace('eu'));
    expect(onHub).toHaveLength(5);
    await statusWhere(replica, 'eu', (s) => s.segment === 'order-1' && s.lastSequence === 3);
    expect(comparable(await drain(replica.consumeSpace('eu')))).toEqual(comparable(onHub));
    expect(replica.getSegments('eu')).toEqual(['order-1', 'order-2']);
    expect(replica.getSegmentStatus('eu', 'order-1')).toEqual(authority.getSegmentStatus('eu', 'order-1'));
    expect((await replica.peek('eu', 'order-1')).bytes).toEqual(Buffer.from([9, 8]));
    expect(replica.health('eu')).toEqual(healthOf({ lastPosition: 5 }));
  });

  it('keeps a replica subscription working across a hub restart, catching up with nothing lost', async () => {
    const { hub, client } = await hubAndClient();
    const hubRpc = await StreamRpc.open(hub.messenger);
    const authority = await StreamStore.open(hub.messenger, {
      store: 'orders',
      authority: 'hub1',
      rpc: hubRpc,
    });
    const replica = await storeOn(client);
    await authority.append('eu', 'order-1', 1);
    const seen: number[] = [];
    let reached: (() => void) | undefined;
    const sub = replica.subscribeToSegment('eu', 'order-1', (s) => {
      seen.push(s.lastSequence);
      if (s.lastSequence === 3) reached?.();
    });
    closing.push({ close: () => sub.unsubscribe() });
    await statusWhere(replica, 'eu', (s) => s.lastSequence === 1);

    await authority.close();
    await hubRpc.close();
    await hub.stop();
    await hub.restart();
    const rpcAgain = await StreamRpc.open(hub.messenger);
    closing.push(rpcAgain);
    const reopened = await StreamStore.open(hub.messenger, {
      store: 'orders',
      authority: 'hub1',
      rpc: rpcAgain,
    });
    closing.push(reopened);
    const done = new Promise<void>((resolve) => (reached = resolve));
    await reopened.append('eu', 'order-1', 2, { expectedLastSequence: 1 });
    await connected(client);
    const viaRpc = await replica.append('eu', 'order-1', 3, { expectedLastSequence: 2 });
    expect(viaRpc.lastSequence).toBe(3);
    await done;
    expect(seen.at(-1)).toBe(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect((await drain(replica.consumeSegment('eu', 'order-1'))).map((e) => e.data)).toEqual([1, 2, 3]);
    expect(replica.health('eu')).toEqual(healthOf({ lastPosition: 3 }));
  });
});

describe('streamkit spaces published by a client', () => {
  it('reach the hub whole when the client links after its first commits (a retained channel starts at its beginning)', async () => {
    const client = await start({ name: 'alpha' }, 'stopsItself');
    const local = await StreamStore.open(client.messenger, { store: 'orders' });
    await local.produce('eu', 'a', [{ data: 1 }, { data: 2 }]);
    await local.close();
    await client.stop();

    const hub = await start({
      name: 'hub1',
      hub: { allowedPeers: [{ name: 'alpha', subscribe: [], publish: ['sk.orders.>'] }] },
    });
    const replica = await StreamStore.open(hub.messenger, { store: 'orders', authority: 'alpha' });
    closing.push(replica);
    await start({
      name: 'alpha',
      dataDir: client.dataDir,
      hubs: [{ addr: hub.hubAddr, publish: ['sk.orders.>'] }],
    });
    await statusWhere(replica, 'eu', (s) => s.lastSequence === 2);
    expect((await drain(replica.consumeSpace('eu'))).map((e) => [e.position, e.data])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
});
