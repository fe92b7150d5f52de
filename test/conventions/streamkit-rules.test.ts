/**
 * The remaining rules of docs/conventions/streamkit.md against our `StreamStore`: names (§1), the
 * retained space channels (§1), timestamps within a store (§2.1), idempotency rebuilt at open (§4.3)
 * and status subscriptions (§5.2), each checked with the test's own reader of the channel.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { StreamStore, type SegmentStatus } from '../../src/index.js';
import { nodeSegmentFs, type SegmentFile, type SegmentFs } from '../../internal/storage/index.js';
import { closedAfterEach } from '../support/closing.js';
import {
  collect,
  openInstance,
  openStore,
  restartableAuthority,
  SkewedClock,
  wireStatusOf,
} from './streamkit-fixture.js';
import { produceBody } from './streamkit-requester.js';
import { channels, isStoreName, parseLease, parseStatus } from './streamkit-wire.js';

const closing = closedAfterEach();

describe('names and channels (§1)', () => {
  it.each([
    ['orders', true],
    [randomUUID(), true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['Orders', false],
    ['or_ders', false],
    ['or.ders', false],
    ['', false],
  ])('store %j: accepted %s, else 4000 before anything is written', async (store, ok) => {
    expect(isStoreName(store)).toBe(ok);
    const i = await openInstance(closing, 'hub1');
    const opened = await StreamStore.open(i.messenger, { store }).then(
      (s) => {
        closing.push(s);
        return undefined;
      },
      (e: unknown) => e,
    );
    if (ok) expect(opened).toBeUndefined();
    else expect(opened).toMatchObject({ wireCode: 4000 });
    if (!ok)
      expect(fs.readdirSync(path.join(i.dataDir, 'channels')).filter((c) => c.startsWith('sk.'))).toEqual([]);
  });

  it('keeps space, lease and worker channels retained (the .retained marker of keyop)', async () => {
    const i = await openInstance(closing, 'hub1');
    await openStore(closing, i);
    await i.requester.produceRecords('eu', 's', [{ data: 1 }], 0);
    await i.requester.call('streamkit.lease.acquire.v1', { key: 'k', holder: 'h', ttl_seconds: 5 });
    await i.requester.call('streamkit.workers.join.v1', { worker_id: 'w' });
    for (const channel of [
      channels.space('orders', 'eu'),
      channels.leases('orders'),
      channels.workers('orders'),
    ]) {
      expect(fs.existsSync(path.join(i.dataDir, 'channels', channel, '.retained')), channel).toBe(true);
    }
  });
});

describe('timestamps (§2.1)', () => {
  it('never decrease within a store, even when the clock steps back; ts stays the entry timestamp', async () => {
    const clock = new SkewedClock();
    const i = await openInstance(closing, 'hub1', undefined, { clock });
    await openStore(closing, i);
    await i.requester.produceRecords('eu', 's', [{ data: 1 }], 0);
    clock.offset -= 60_000;
    await i.requester.produceRecords('us', 's', [{ data: 2 }], 0);
    await i.requester.produceRecords('eu', 's', [{ data: 3 }], 1);
    // The independent reader checks each entry's ts against its timestamp.
    const eu = i.space('eu').visible;
    const us = i.space('us').visible;
    expect(us[0]!.timestamp).toBeGreaterThanOrEqual(eu[0]!.timestamp);
    expect(eu[1]!.timestamp).toBeGreaterThanOrEqual(us[0]!.timestamp);
  });
});

describe('consume of several spaces (§5.1)', () => {
  it('merges equal timestamps by space name in byte order, then position', async () => {
    const clock = new SkewedClock();
    const i = await openInstance(closing, 'hub1', undefined, { clock });
    const store = await openStore(closing, i);
    await i.requester.produceRecords('us', 's', [{ data: 1 }], 0);
    // The clock steps back: every later transaction is stamped with the same, last timestamp.
    clock.offset -= 60_000;
    await i.requester.produceRecords('eu', 's', [{ data: 2 }, { data: 3 }], 0);
    await i.requester.produceRecords('Zz', 's', [{ data: 4 }], 0);
    await i.requester.produceRecords('us', 's', [{ data: 5 }], 1);
    const merged = await collect(store.consume({ us: 0, eu: 0, Zz: 0 }));
    expect(new Set(merged.map((e) => e.timestamp)).size).toBe(1);
    expect(merged.map((e) => [e.space, e.position])).toEqual([
      ['Zz', 1],
      ['eu', 1],
      ['eu', 2],
      ['us', 1],
      ['us', 2],
    ]);
    expect((await collect(store.consume({ us: 0, eu: 1 }, { limit: 2 }))).map((e) => e.data)).toEqual([3, 1]);
    // getSpaces and getSegments sort by UTF-8 bytes too (not by locale).
    expect(store.getSpaces()).toEqual(['Zz', 'eu', 'us']);
    for (const segment of ['z', 'é', 'A']) await i.requester.produceRecords('eu', segment, [{ data: 0 }], 0);
    expect(store.getSegments('eu')).toEqual(['A', 's', 'z', 'é']);
  });
});

describe('idempotency (§4.3)', () => {
  it('is rebuilt from the log at open: a retry after a restart answers the original status', async () => {
    const authority = await restartableAuthority(closing);
    const first = authority.i;
    const body = produceBody('eu', 's', [{ data: 1 }], 0);
    const original = await first.requester.produce(body);
    await first.requester.produceRecords('eu', 's', [{ data: 2 }], 1);
    const again = await authority.restart();
    const retry = await again.requester.produce(body);
    expect(retry.code).toBe(1000);
    expect(parseStatus(retry.frames[0])).toEqual(parseStatus(original.frames[0]));
    expect(again.space('eu').visible).toHaveLength(2);
  });
});

describe('status subscriptions (§5.2)', () => {
  const wire = wireStatusOf;

  it('deliver a snapshot sorted by segment, then one status per transaction', async () => {
    const i = await openInstance(closing, 'hub1');
    const store = await openStore(closing, i);
    await i.requester.produceRecords('eu', 'b', [{ data: 1 }], 0);
    await i.requester.produceRecords('eu', 'a', [{ data: 1 }, { data: 2 }], 0);
    const seen: SegmentStatus[] = [];
    const sub = store.subscribeToSpace('eu', (s) => {
      seen.push(s);
    });
    await vi.waitFor(() => {
      expect(seen).toHaveLength(2);
    });
    await i.requester.produceRecords('eu', 'b', [{ data: 2 }], 1);
    await vi.waitFor(() => {
      expect(seen).toHaveLength(3);
    });
    const r = i.space('eu');
    expect(seen.slice(0, 2).map(wire)).toEqual([
      { ...r.status('a')! },
      { ...r.status('b')!, last_sequence: 1, last_timestamp: r.status('b')!.first_timestamp },
    ]);
    expect(wire(seen[2]!)).toEqual(r.status('b'));
    await sub.unsubscribe();
  });

  it('coalesce per segment for a slow handler: a newer status replaces a queued one', async () => {
    const i = await openInstance(closing, 'hub1');
    const store = await openStore(closing, i);
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const seen: SegmentStatus[] = [];
    const sub = store.subscribeToSegment('eu', 's', async (s) => {
      seen.push(s);
      await blocked;
    });
    await i.requester.produceRecords('eu', 's', [{ data: 1 }], 0);
    await vi.waitFor(() => {
      expect(seen).toHaveLength(1);
    });
    for (let k = 2; k <= 4; k++) await i.requester.produceRecords('eu', 's', [{ data: k }], k - 1);
    release();
    await vi.waitFor(() => {
      expect(seen.at(-1)?.lastSequence).toBe(4);
    });
    expect(seen.map((s) => s.lastSequence)).toEqual([1, 4]);
    expect(sub.stats().coalesced).toBe(2);
    await sub.unsubscribe();
  });

  it('send {space, segment "*", heartbeat: true} after a quiet interval', async () => {
    const i = await openInstance(closing, 'hub1');
    const store = await openStore(closing, i);
    const seen: SegmentStatus[] = [];
    const sub = store.subscribeToSpace(
      'eu',
      (s) => {
        seen.push(s);
      },
      { heartbeatIntervalSeconds: 0.6 },
    );
    await vi.waitFor(
      () => {
        expect(seen).toHaveLength(1);
      },
      { timeout: 5_000 },
    );
    expect(seen[0]).toMatchObject({ space: 'eu', segment: '*', heartbeat: true });
    await sub.unsubscribe();
  });
});

/**
 * The real segment fs, where the next write to a file of one channel stores a part of its data (its
 * first line and 10 bytes more, or with `tornLine` 10 bytes only), then fails, and so does the
 * truncation that would undo it: the writer stops for good.
 */
class ChannelFaults implements SegmentFs {
  armed = false;
  tornLine = false;
  readonly #folder: string;

  constructor(channel: string) {
    this.#folder = `${path.sep}${channel}${path.sep}`;
  }

  open(file: string): SegmentFile {
    return this.#wrap(nodeSegmentFs.open(file));
  }

  create(file: string): SegmentFile {
    return this.#wrap(nodeSegmentFs.create(file));
  }

  #wrap(file: SegmentFile): SegmentFile {
    return {
      ...file,
      path: file.path,
      size: () => file.size(),
      datasync: () => file.datasync(),
      datasyncNow: () => {
        file.datasyncNow();
      },
      truncate: (size) => {
        if (this.armed && file.path.includes(this.#folder)) {
          this.armed = false;
          throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
        }
        file.truncate(size);
      },
      close: () => {
        file.close();
      },
      write: (data) => {
        if (!this.armed || !file.path.includes(this.#folder)) return file.write(data);
        fs.appendFileSync(file.path, data.subarray(0, this.tornLine ? 10 : data.indexOf(10) + 11));
        throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
      },
    };
  }
}

describe('a failed append (§4.2)', () => {
  it('closes 5001; the space then refuses produces with 5003 until the authority reopens and seals the tail', async () => {
    const faults = new ChannelFaults(channels.space('orders', 'eu'));
    const authority = await restartableAuthority(closing, { segmentFs: faults });
    const r = authority.i.requester;
    expect((await r.produceRecords('eu', 's', [{ data: 1 }], 0)).code).toBe(1000);
    faults.armed = true;
    const failed = await r.produceRecords('eu', 's', [{ data: 2 }, { data: 3 }], 1);
    expect(failed.code).toBe(5001);
    const stopped = await r.produceRecords('eu', 's', [{ data: 2 }], 1);
    expect(stopped.code).toBe(5003);
    expect((await r.produceRecords('us', 's', [{ data: 1 }], 0)).code).toBe(1000);
    const i = await authority.restart();
    const ok = await i.requester.produceRecords('eu', 's', [{ data: 2 }], 1);
    expect(ok.code, ok.text).toBe(1000);
    const mine = i.space('eu');
    expect(mine.visible.map((e) => [e.position, e.sequence, e.trx.number])).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    // The first line of the failed transaction stayed: sealed with an abort marker at open.
    expect(mine.torn).toBe(1);
  });
});

describe('a failed lease write (§8.1)', () => {
  it('answers 5001, then refuses every lease operation with 5003 until the authority reopens', async () => {
    const faults = new ChannelFaults(channels.leases('orders'));
    faults.tornLine = true;
    const authority = await restartableAuthority(closing, { segmentFs: faults });
    const r = authority.i.requester;
    const acquire = (key: string, holder = 'h'): Promise<{ code: number }> =>
      r.call('streamkit.lease.acquire.v1', { key, holder, ttl_seconds: 600 });
    expect((await acquire('a')).code).toBe(1000);
    faults.armed = true;
    expect((await acquire('b')).code).toBe(5001);
    expect((await acquire('c')).code).toBe(5003);
    expect((await r.call('streamkit.lease.release.v1', { key: 'a', holder: 'h' })).code).toBe(5003);
    // Produces do not depend on the lease channel.
    expect((await r.produceRecords('eu', 's', [{ data: 1 }], 0)).code).toBe(1000);
    const i = await authority.restart();
    const held = await i.requester.call('streamkit.lease.acquire.v1', {
      key: 'a',
      holder: 'other',
      ttl_seconds: 5,
    });
    expect(held.code).toBe(4011);
    const b = await i.requester.call('streamkit.lease.acquire.v1', { key: 'b', holder: 'h', ttl_seconds: 5 });
    expect(b.code).toBe(1000);
    expect(parseLease(b.frames[0])).toMatchObject({ fence: 1 });
  });
});
