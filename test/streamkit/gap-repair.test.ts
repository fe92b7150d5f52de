// A real gap across a hub (its federation cursor moved past a commit, as an operator or a retention
// override would leave it), repaired by the replica without any operator: it asks the authority
// for the missing positions (streamkit.resync.v1) and applies what it held back.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Messenger, RpcCloseError, SkCode, StreamRpc, StreamStore } from '../../src/index.js';
import { internalsOf } from '../../src/wiring/index.js';
import { auditLines, waitForAudit } from '../support/audit.js';
import { connected, type TestNode } from '../support/cluster.js';
import { comparable, drain, healthOf } from './harness.js';
import { acrossHub } from './hub-harness.js';

const CHANNEL = 'sk.orders.eu';
const { closing, storeOn, hubAndClient } = acrossHub([CHANNEL]);

/** Resolves once `store`'s space `eu` shows position `position`. */
async function reaches(store: StreamStore, position: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const sub = store.subscribeToSpace('eu', () => {
      if (store.health('eu').lastPosition < position) return;
      resolve();
      void sub.unsubscribe();
    });
  });
}

/** The authority store on `hub` with its own rpc, closed after the test. */
async function authorityOn(hub: TestNode): Promise<{ store: StreamStore; close(): Promise<void> }> {
  const rpc = await StreamRpc.open(hub.messenger);
  const store = await StreamStore.open(hub.messenger, { store: 'orders', authority: 'hub1', rpc });
  return {
    store,
    close: async () => {
      await store.close();
      await rpc.close();
    },
  };
}

/**
 * With the hub stopped: commits `data` on its data dir as the authority (no hub runs, so nothing
 * forwards it now) and, when `skipped`, moves the hub's federation cursor of `alpha` past it.
 */
async function commitOffline(hub: TestNode, data: unknown, skipped: 'skipped' | 'forwarded'): Promise<void> {
  const messenger = await Messenger.open({ name: 'hub1', storage: { dataDir: hub.dataDir } });
  const store = await StreamStore.open(messenger, { store: 'orders' });
  await store.append('eu', 'a', data);
  const { end } = await internalsOf(messenger).log(CHANNEL);
  await store.close();
  await messenger.close();
  if (skipped === 'forwarded') return;
  const cursor = path.join(hub.dataDir, 'subscribers', CHANNEL, 'fed-alpha.offset');
  expect(fs.existsSync(cursor)).toBe(true);
  fs.writeFileSync(cursor, `${end}\n`);
}

describe('streamkit gap repair across a hub', () => {
  it('fills a gap from the authority: the replica equals it, the gap stays logged, counted and audited', async () => {
    const { hub, client } = await hubAndClient();
    let authority = await authorityOn(hub);
    const replica = await storeOn(client);
    await authority.store.produce('eu', 'a', [{ data: 1 }, { data: 2 }]);
    await reaches(replica, 2);

    await authority.close();
    await hub.stop();
    await commitOffline(hub, 3, 'skipped');
    await hub.restart();
    authority = await authorityOn(hub);
    closing.push(authority);
    await connected(client);
    // Position 4 reaches the replica right after 2: a gap, which it repairs by itself.
    await authority.store.produce('eu', 'b', [{ data: 4 }, { data: 5 }]);
    await reaches(replica, 5);

    const onAuthority = await drain(authority.store.consumeSpace('eu'));
    expect(onAuthority.map((e) => [e.position, e.data])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    expect(comparable(await drain(replica.consumeSpace('eu')))).toEqual(comparable(onAuthority));
    expect(replica.getSegmentStatus('eu', 'a')).toEqual(authority.store.getSegmentStatus('eu', 'a'));
    expect(replica.health('eu')).toEqual(healthOf({ lastPosition: 5, gaps: 1, repairedEntries: 1 }));
    const gap = await waitForAudit(client.dataDir, { event: 'streamkit_refused', channel: CHANNEL });
    expect(gap).toMatchObject({ peer: 'hub1' });
    expect(gap.detail).toMatch(/^code=4090 trx=[0-9a-f-]{36} entries=2: positions 3-3 missing/);

    // A second writer is still refused after the repair.
    const forged = {
      v: 1,
      id: crypto.randomUUID(),
      ts: new Date().toISOString(),
      channel: CHANNEL,
      origin: 'hub1',
      payload_type: 'streamkit.entry.v1',
      correlation_id: crypto.randomUUID(),
      payload: {
        segment: 'a',
        sequence: 3,
        position: 3,
        timestamp: Date.now(),
        trx: { id: crypto.randomUUID(), number: 2, index: 0, count: 1 },
        data: 'forged',
      },
    };
    await internalsOf(client.messenger).append(CHANNEL, Buffer.from(`${JSON.stringify(forged)}\n`), 1);
    const refusal = await vi.waitFor(() => {
      const found = auditLines(client.dataDir).find((l) =>
        l.detail?.startsWith(`code=${SkCode.TRX_ID_MISMATCH} trx=${forged.payload.trx.id} entries=1: `),
      );
      expect(found).toBeDefined();
      return found!;
    });
    expect(refusal.detail).toContain('position 3 is already held (last 5)');
    expect(refusal.peer).toBe('hub1');
    expect(replica.health('eu')).toEqual(
      healthOf({ lastPosition: 5, gaps: 1, repairedEntries: 1, refusedEntries: 1 }),
    );
    expect(auditLines(client.dataDir).filter((l) => l.event === 'streamkit_refused')).toHaveLength(2);

    // Rebuilt from its channel (1, 2, 4, 5, then the repaired 3, then the forged line): the same.
    await replica.close();
    const reopened = await StreamStore.open(client.messenger, { store: 'orders', authority: 'hub1' });
    closing.push(reopened);
    expect(comparable(await drain(reopened.consumeSpace('eu')))).toEqual(comparable(onAuthority));
    expect(reopened.health('eu')).toEqual(healthOf({ lastPosition: 5, refusedEntries: 1 }));
  });
  it('keeps asking while the authority does not answer, and repairs the gap once it does', async () => {
    const { hub, client } = await hubAndClient();
    const first = await authorityOn(hub);
    const replica = await storeOn(client);
    await first.store.append('eu', 'a', 1);
    await reaches(replica, 1);
    await first.close();
    await hub.stop();
    await commitOffline(hub, 2, 'skipped');
    await commitOffline(hub, 3, 'forwarded');
    // The hub runs without the store: 3 reaches the replica, whose resync finds no handler (4004).
    await hub.restart();
    await vi.waitFor(() => {
      expect(replica.health('eu')).toMatchObject({ gaps: 1, heldEntries: 1, lastPosition: 1 });
    });
    const authority = await authorityOn(hub);
    closing.push(authority);
    await reaches(replica, 3);
    expect(replica.health('eu')).toEqual(healthOf({ lastPosition: 3, gaps: 1, repairedEntries: 1 }));
    expect(comparable(await drain(replica.consumeSpace('eu')))).toEqual(
      comparable(await drain(authority.store.consumeSpace('eu'))),
    );
  });
});

describe('streamkit resync answered by the authority (streamkit.resync.v1)', () => {
  it("answers the channel's lines exactly as the authority holds them, and refuses a bad range with 4000", async () => {
    const { hub, client } = await hubAndClient();
    const authority = await authorityOn(hub);
    closing.push(authority);
    await authority.store.produce('eu', 'a', [{ data: 1 }, { data: 2 }]);
    await authority.store.append('eu', 'b', 3);
    const rpc = await StreamRpc.open(client.messenger);
    closing.push(rpc);
    const resync = async (body: unknown): Promise<string[]> => {
      const lines: string[] = [];
      for await (const frame of rpc.openStream<{ lines: string[] }>(
        'sk.orders._req',
        'streamkit.resync.v1',
        body,
        {
          timeoutMs: 10_000,
        },
      )) {
        lines.push(...frame.lines);
      }
      return lines;
    };
    const log = await internalsOf(hub.messenger).log(CHANNEL);
    const held = (await log.read(0, log.end)).data.toString('utf8').split('\n').slice(0, 3);
    expect(await resync({ space: 'eu', after: 1, until: 3 })).toEqual(held.slice(1));
    // Up to the head only, and nothing for a space the authority does not have.
    expect(await resync({ space: 'eu', after: 0, until: 9 })).toEqual(held);
    expect(await resync({ space: 'other', after: 0, until: 9 })).toEqual([]);
    const refused = await resync({ space: 'eu', after: 0, until: 10_001 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RpcCloseError);
    expect(refused).toMatchObject({ closeCode: 4000 });
    expect((refused as Error).message).toContain('at most 10000 positions');
  });
});
