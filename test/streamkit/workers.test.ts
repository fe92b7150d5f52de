import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Messenger,
  StreamRpc,
  StreamStore,
  type WorkerGoneError,
  type WorkerInventory,
} from '../../src/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { tempDir } from '../support/temp-dir.js';
import { inventoryWhere } from './harness.js';

const closing: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of closing.splice(0).reverse()) await c.close();
});

/** An authority with a fake clock, serving its store (`orders` by default) through rpc. */
async function authority(
  clock: FakeClock,
  stores: string[] = ['orders'],
): Promise<{ rpc: StreamRpc; stores: StreamStore[] }> {
  const messenger = await Messenger.open(
    { name: 'node-a', storage: { dataDir: tempDir('keyop-sk-workers-'), syncPolicy: 'none' } },
    { clock },
  );
  closing.push(messenger);
  const rpc = await StreamRpc.open(messenger);
  closing.push(rpc);
  const opened: StreamStore[] = [];
  for (const store of stores) {
    const s = await StreamStore.open(messenger, { store, rpc });
    closing.push(s);
    opened.push(s);
  }
  return { rpc, stores: opened };
}

function ids(inventory: WorkerInventory): string[] {
  return inventory.workers.map((w) => w.workerId);
}

describe('streamkit worker presence', () => {
  it('gives observers the full inventory on subscribe and after every join and leave', async () => {
    const clock = new FakeClock();
    const {
      stores: [store],
    } = await authority(clock);
    const seen: string[][] = [];
    const unsubscribe = await store!.subscribeWorkers((inventory) => seen.push(ids(inventory)));
    expect(seen).toEqual([[]]);

    const b = await store!.joinWorkers('b', { zone: 'eu' });
    const a = await store!.joinWorkers('a', { zone: 'us' }, { heartbeatIntervalSeconds: 900 });
    expect(a.heartbeatIntervalSeconds).toBe(300);
    expect(b.heartbeatIntervalSeconds).toBe(30);
    const both = await inventoryWhere(store!, (i) => i.workers.length === 2);
    expect(both.workers).toMatchObject([
      { workerId: 'a', metadata: { zone: 'us' }, origin: 'node-a', heartbeatIntervalSeconds: 300 },
      { workerId: 'b', metadata: { zone: 'eu' } },
    ]);
    expect(both.change).toEqual({ event: 'joined', workerId: 'a' });

    await b.leave();
    const left = await inventoryWhere(store!, (i) => i.change?.event === 'left');
    expect(ids(left)).toEqual(['a']);
    expect(seen).toEqual([[], ['b'], ['a', 'b'], ['a']]);
    unsubscribe();
  });

  it('evicts a worker not seen for max(3 × interval, 30 s), by the authority clock', async () => {
    const clock = new FakeClock();
    const {
      rpc,
      stores: [store],
    } = await authority(clock);
    // A worker that joins and then never renews (its process died): the wire request alone.
    await rpc.request('sk.orders._req', 'streamkit.workers.join.v1', {
      worker_id: 'crashed',
      heartbeat_interval_seconds: 1,
    });
    const alive = await store!.joinWorkers('alive', {}, { heartbeatIntervalSeconds: 10 });
    await inventoryWhere(store!, (i) => i.workers.length === 2);

    await clock.advance(29_000);
    expect(ids(await store!.workers())).toEqual(['alive', 'crashed']);
    await clock.advance(2_000);
    const evicted = await inventoryWhere(store!, (i) => i.change?.event === 'evicted');
    expect(ids(evicted)).toEqual(['alive']);
    expect(evicted.change).toEqual({ event: 'evicted', workerId: 'crashed' });

    // The renewing worker survives far past the eviction delay.
    await clock.advance(120_000);
    expect(ids(await store!.workers())).toEqual(['alive']);
    await alive.leave();
  });

  it('replaces an earlier registration of the same id; the earlier worker stops renewing', async () => {
    const clock = new FakeClock();
    const {
      stores: [store],
    } = await authority(clock);
    const replacedBy: WorkerGoneError[] = [];
    const first = await store!.joinWorkers('w', { run: '1' }, { onReplaced: (err) => replacedBy.push(err) });
    const second = await store!.joinWorkers('w', { run: '2' });
    expect(second.registration).not.toBe(first.registration);
    const replaced = await inventoryWhere(store!, (i) => i.change?.event === 'replaced');
    expect(replaced.workers).toMatchObject([{ workerId: 'w', metadata: { run: '2' } }]);

    await clock.advance(30_000);
    expect(replacedBy).toHaveLength(1);
    expect(replacedBy[0]).toMatchObject({ wireCode: 4012, reason: 'replaced' });
    expect((await store!.workers()).workers).toMatchObject([{ metadata: { run: '2' } }]);
    await second.leave();
  });

  it('keeps inventories per store', async () => {
    const clock = new FakeClock();
    const {
      stores: [orders, billing],
    } = await authority(clock, ['orders', 'billing']);
    await orders!.joinWorkers('o1');
    await billing!.joinWorkers('b1');
    await billing!.joinWorkers('b2');
    expect(ids(await inventoryWhere(orders!, (i) => i.version === 1))).toEqual(['o1']);
    expect(ids(await inventoryWhere(billing!, (i) => i.version === 2))).toEqual(['b1', 'b2']);
  });

  it('joins again by itself when the authority no longer has its registration', async () => {
    const clock = new FakeClock();
    const {
      rpc,
      stores: [store],
    } = await authority(clock);
    const worker = await store!.joinWorkers('w', { a: '1' }, { heartbeatIntervalSeconds: 5 });
    const first = worker.registration;
    // The registration disappears behind the worker's back (as after an eviction it did not see).
    await rpc.request('sk.orders._req', 'streamkit.workers.leave.v1', {
      worker_id: 'w',
      registration: first,
    });
    await inventoryWhere(store!, (i) => i.change?.event === 'left');

    await clock.advance(5_000);
    const back = await inventoryWhere(store!, (i) => i.version === 3);
    expect(back.change).toEqual({ event: 'joined', workerId: 'w' });
    expect(back.workers).toMatchObject([{ workerId: 'w', metadata: { a: '1' } }]);
    await vi.waitFor(() => {
      expect(worker.registration).toBe(back.workers[0]?.registration);
    });
    expect(worker.registration).not.toBe(first);
    await worker.leave();
  });
});
