/**
 * docs/conventions/streamkit.md §8–§9 against our `StreamStore` authority, driven by the test's own
 * implementation of the convention: lease requests and their refusals, the lease channel, fenced
 * produces, worker requests, the inventory channel and the watch stream.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { closedAfterEach } from '../support/closing.js';
import {
  openInstance,
  openStore,
  restartableAuthority,
  SkewedClock,
  type SkInstance,
} from './streamkit-fixture.js';
import { closeJson, type Answer } from './streamkit-requester.js';
import {
  byteSorted,
  channels,
  parseEnvelope,
  parseInventory,
  parseLease,
  Types,
  type WireInventory,
  type WireLease,
} from './streamkit-wire.js';

const closing = closedAfterEach();
const LEASES = channels.leases('orders');
const WORKERS = channels.workers('orders');

async function authority(clock?: SkewedClock): Promise<SkInstance> {
  const i = await openInstance(closing, 'hub1', undefined, clock === undefined ? {} : { clock });
  await openStore(closing, i);
  return i;
}

/** The one lease state a 1000-closed answer carries. */
function leaseOf(a: Answer): WireLease {
  expect(a.code, a.text).toBe(1000);
  expect(a.frames).toHaveLength(1);
  return parseLease(a.frames[0]);
}

/** The lease records of the authority's `_leases` channel: each checked as §8.2 states. */
function leaseRecords(i: SkInstance): WireLease[] {
  return i.lines(LEASES).map((line) => {
    const env = parseEnvelope(line);
    expect(env.payload_type).toBe(Types.leaseState);
    expect(env.origin).toBe('hub1');
    const lease = parseLease(env.payload);
    expect(Math.abs(Date.parse(env.ts) - Date.now())).toBeLessThan(60_000);
    return lease;
  });
}

/** The inventory snapshots of the authority's `_workers` channel, checked as §9.1 states. */
function inventories(i: SkInstance): WireInventory[] {
  return i.lines(WORKERS).map((line) => {
    const env = parseEnvelope(line);
    expect(env.payload_type).toBe(Types.inventory);
    expect(env.origin).toBe('hub1');
    return parseInventory(env.payload);
  });
}

describe('leases (§8) against the StreamStore authority', () => {
  it('grants, refreshes, renews and releases as §8.1 says, one lease-state record per decision', async () => {
    const i = await authority();
    const r = i.requester;
    const before = Date.now();
    const granted = leaseOf(await r.call(Types.acquire, { key: 'job', holder: 'h1', ttl_seconds: 60 }));
    expect(granted).toMatchObject({ key: 'job', holder: 'h1', fence: 1, event: 'acquired' });
    expect(granted.expires_at).toBeGreaterThanOrEqual(before + 60_000);
    expect(granted.expires_at).toBeLessThanOrEqual(Date.now() + 60_000);
    const refreshed = leaseOf(await r.call(Types.acquire, { key: 'job', holder: 'h1', ttl_seconds: 120 }));
    expect(refreshed).toMatchObject({ holder: 'h1', fence: 1, event: 'acquired' });
    expect(refreshed.expires_at).toBeGreaterThan(granted.expires_at);
    const renewed = leaseOf(await r.call(Types.renew, { key: 'job', holder: 'h1', ttl_seconds: 30 }));
    expect(renewed).toMatchObject({ holder: 'h1', fence: 1, event: 'renewed' });
    const released = leaseOf(await r.call(Types.release, { key: 'job', holder: 'h1' }));
    expect(released).toEqual({ key: 'job', holder: null, fence: 1, expires_at: 0, event: 'released' });
    const next = leaseOf(await r.call(Types.acquire, { key: 'job', holder: 'h1', ttl_seconds: 5 }));
    expect(next).toMatchObject({ holder: 'h1', fence: 2, event: 'acquired' });
    expect(leaseRecords(i)).toEqual([granted, refreshed, renewed, released, next]);
  });

  it('decides concurrent acquires one at a time: one holder gets the key, the others 4011 held', async () => {
    const i = await authority();
    const answers = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((holder) =>
        i.requester.call(Types.acquire, { key: 'k', holder, ttl_seconds: 60 }),
      ),
    );
    const granted = answers.filter((a) => a.code === 1000);
    expect(granted).toHaveLength(1);
    expect(answers.filter((a) => a.code === 4011).map((a) => closeJson(a)['reason'])).toEqual(
      Array(4).fill('held'),
    );
    expect(leaseRecords(i)).toEqual([parseLease(granted[0]!.frames[0])]);
  });

  it('refuses with 4011 {key, reason, detail}: held, not_held, not_holder', async () => {
    const i = await authority();
    const r = i.requester;
    leaseOf(await r.call(Types.acquire, { key: 'k', holder: 'a', ttl_seconds: 60 }));
    const refusal = async (type: string, body: unknown, reason: string): Promise<void> => {
      const a = await r.call(type, body);
      expect(a.code).toBe(4011);
      expect(a.frames).toEqual([]);
      const text = closeJson(a);
      expect(text).toMatchObject({ key: (body as { key: string }).key, reason });
      expect(typeof text['detail']).toBe('string');
    };
    await refusal(Types.acquire, { key: 'k', holder: 'b', ttl_seconds: 60 }, 'held');
    await refusal(Types.renew, { key: 'k', holder: 'b', ttl_seconds: 60 }, 'not_holder');
    await refusal(Types.release, { key: 'k', holder: 'b' }, 'not_holder');
    await refusal(Types.renew, { key: 'never', holder: 'a', ttl_seconds: 60 }, 'not_held');
    await refusal(Types.release, { key: 'never', holder: 'a' }, 'not_held');
    leaseOf(await r.call(Types.release, { key: 'k', holder: 'a' }));
    await refusal(Types.renew, { key: 'k', holder: 'a', ttl_seconds: 60 }, 'not_held');
    await refusal(Types.release, { key: 'k', holder: 'a' }, 'not_held');
    expect(leaseRecords(i)).toHaveLength(2);
  });

  it('a lapsed lease: renew is 4011 lapsed, release still works, a new grant takes fence + 1', async () => {
    const clock = new SkewedClock();
    const i = await authority(clock);
    const r = i.requester;
    leaseOf(await r.call(Types.acquire, { key: 'k', holder: 'a', ttl_seconds: 1 }));
    clock.offset += 1_000;
    const lapsed = await r.call(Types.renew, { key: 'k', holder: 'a', ttl_seconds: 10 });
    expect(lapsed.code).toBe(4011);
    expect(closeJson(lapsed)).toMatchObject({ key: 'k', reason: 'lapsed' });
    expect(leaseOf(await r.call(Types.release, { key: 'k', holder: 'a' }))).toMatchObject({
      holder: null,
      fence: 1,
    });
    leaseOf(await r.call(Types.acquire, { key: 'j', holder: 'a', ttl_seconds: 1 }));
    clock.offset += 1_000;
    expect(leaseOf(await r.call(Types.acquire, { key: 'j', holder: 'b', ttl_seconds: 10 }))).toMatchObject({
      holder: 'b',
      fence: 2,
    });
    // Lapsing wrote nothing: only the decisions are records.
    expect(leaseRecords(i).map((l) => l.event)).toEqual(['acquired', 'released', 'acquired', 'acquired']);
  });

  it.each([
    [Types.acquire, { key: '', holder: 'h', ttl_seconds: 5 }, 'lease key is required'],
    [Types.acquire, { key: 'k', holder: '', ttl_seconds: 5 }, 'lease holder is required'],
    [
      Types.acquire,
      { key: 'k', holder: 'h', ttl_seconds: 0 },
      'lease ttl must be between 1 and 86400 seconds, got 0',
    ],
    [
      Types.renew,
      { key: 'k', holder: 'h', ttl_seconds: 86_401 },
      'lease ttl must be between 1 and 86400 seconds, got 86401',
    ],
    [
      Types.acquire,
      { key: 'k', holder: 'h', ttl_seconds: 1.5 },
      'lease ttl must be between 1 and 86400 seconds, got 1.5',
    ],
    [Types.release, { key: 'k', holder: '' }, 'lease holder is required'],
  ])('closes %s with 4000 and the text of §8.1 (%j)', async (type, body, text) => {
    const i = await authority();
    const a = await i.requester.call(type, body);
    expect(a.code).toBe(4000);
    expect(a.text).toContain(text);
    expect(i.lines(LEASES)).toEqual([]);
  });

  it('closes 4000 for a key or holder longer than 1,024 UTF-8 bytes', async () => {
    const i = await authority();
    const long = 'é'.repeat(513);
    expect((await i.requester.call(Types.acquire, { key: long, holder: 'h', ttl_seconds: 5 })).code).toBe(
      4000,
    );
    expect((await i.requester.call(Types.acquire, { key: 'k', holder: long, ttl_seconds: 5 })).code).toBe(
      4000,
    );
    expect(
      leaseOf(await i.requester.call(Types.acquire, { key: 'é'.repeat(512), holder: 'h', ttl_seconds: 5 }))
        .fence,
    ).toBe(1);
  });

  it('lists one frame per key in UTF-8 byte order, or one key, or none', async () => {
    const i = await authority();
    const r = i.requester;
    expect(await r.call(Types.list, {})).toEqual({ frames: [], code: 1000, text: '' });
    const keys = ['b', 'é', 'a', 'Z', 'ｚ'];
    for (const key of keys) leaseOf(await r.call(Types.acquire, { key, holder: 'h', ttl_seconds: 60 }));
    leaseOf(await r.call(Types.release, { key: 'a', holder: 'h' }));
    const all = await r.call(Types.list, {});
    expect(all.code).toBe(1000);
    expect(all.frames.map((f) => parseLease(f).key)).toEqual(byteSorted(keys));
    expect(parseLease(all.frames[0])).toMatchObject({ key: 'Z', holder: 'h' });
    const one = await r.call(Types.list, { key: 'a' });
    expect(one.frames.map((f) => parseLease(f))).toEqual([
      { key: 'a', holder: null, fence: 1, expires_at: 0, event: 'released' },
    ]);
    expect((await r.call(Types.list, { key: 'none' })).frames).toEqual([]);
  });

  it.each([
    ['a number', { key: 5 }],
    ['empty', { key: '' }],
    ['null', { key: null }],
    ['of 1,026 bytes', { key: 'é'.repeat(513) }],
  ])('closes a list naming a key that is %s with 4000, not an empty answer', async (_what, body) => {
    const i = await authority();
    leaseOf(await i.requester.call(Types.acquire, { key: 'k', holder: 'h', ttl_seconds: 60 }));
    const a = await i.requester.call(Types.list, body);
    expect(a.code).toBe(4000);
    expect(a.text).toContain('lease key');
  });

  it('a fenced produce (§8.4): written under the current fence, else 4010 {key, expected, actual, held}', async () => {
    const clock = new SkewedClock();
    const i = await authority(clock);
    const r = i.requester;
    const produce = (fence: unknown): Promise<Answer> =>
      r.produceRecords('eu', 's', [{ data: 1 }], 'any', { expected_fence: fence });
    const stale = (a: Answer, body: Record<string, unknown>): void => {
      expect(a.code).toBe(4010);
      expect(closeJson(a)).toEqual(body);
    };
    stale(await produce({ key: 'w', fence: 1 }), { key: 'w', expected: 1, actual: 0, held: false });
    leaseOf(await r.call(Types.acquire, { key: 'w', holder: 'a', ttl_seconds: 1 }));
    expect((await produce({ key: 'w', fence: 1 })).code).toBe(1000);
    stale(await produce({ key: 'w', fence: 2 }), { key: 'w', expected: 2, actual: 1, held: true });
    clock.offset += 1_000;
    stale(await produce({ key: 'w', fence: 1 }), { key: 'w', expected: 1, actual: 1, held: false });
    leaseOf(await r.call(Types.acquire, { key: 'w', holder: 'b', ttl_seconds: 60 }));
    stale(await produce({ key: 'w', fence: 1 }), { key: 'w', expected: 1, actual: 2, held: true });
    expect((await produce({ key: 'w', fence: 2 })).code).toBe(1000);
    leaseOf(await r.call(Types.release, { key: 'w', holder: 'b' }));
    stale(await produce({ key: 'w', fence: 2 }), { key: 'w', expected: 2, actual: 2, held: false });
    expect(i.space('eu').visible).toHaveLength(2);
  });

  it('a fenced produce with a malformed expected_fence is 4000', async () => {
    const i = await authority();
    const keys = [
      { key: '', fence: 1 },
      { key: 'é'.repeat(513), fence: 1 },
      { key: 7, fence: 1 },
    ];
    for (const fence of [{ key: 'w' }, ...keys, { key: 'w', fence: 'one' }, { key: 'w', fence: 0 }, 'w']) {
      const a = await i.requester.produceRecords('eu', 's', [{ data: 1 }], 'any', { expected_fence: fence });
      expect(a.code, JSON.stringify(fence)).toBe(4000);
    }
  });

  it('keeps holders and fences across a restart of the authority (§8.2)', async () => {
    const authority = await restartableAuthority(closing);
    const first = authority.i;
    leaseOf(await first.requester.call(Types.acquire, { key: 'k', holder: 'a', ttl_seconds: 600 }));
    leaseOf(await first.requester.call(Types.release, { key: 'k', holder: 'a' }));
    leaseOf(await first.requester.call(Types.acquire, { key: 'k', holder: 'b', ttl_seconds: 600 }));
    const again = await authority.restart();
    const held = await again.requester.call(Types.acquire, { key: 'k', holder: 'c', ttl_seconds: 5 });
    expect(held.code).toBe(4011);
    expect(leaseOf(await again.requester.call(Types.list, { key: 'k' }))).toMatchObject({
      holder: 'b',
      fence: 2,
    });
  });
});

describe('workers (§9) against the StreamStore authority', () => {
  it('join answers {worker_id, registration, heartbeat_interval_seconds, evict_after_ms} and appends a snapshot', async () => {
    const i = await authority();
    const r = i.requester;
    const a = await r.call(Types.join, { worker_id: 'w1', metadata: { zone: 'eu' } });
    expect(a.code, a.text).toBe(1000);
    expect(a.frames).toHaveLength(1);
    const joined = a.frames[0] as Record<string, unknown>;
    expect(joined).toMatchObject({ worker_id: 'w1', heartbeat_interval_seconds: 30, evict_after_ms: 90_000 });
    expect(typeof joined['registration']).toBe('string');
    const [snap] = inventories(i);
    expect(snap).toMatchObject({ version: 1, change: { event: 'joined', worker_id: 'w1' } });
    expect(snap!.workers[0]!.last_seen_at).toBeLessThanOrEqual(snap!.timestamp);
    expect(snap!.timestamp - snap!.workers[0]!.last_seen_at).toBeLessThan(1_000);
    expect(snap!.workers).toEqual([
      {
        worker_id: 'w1',
        metadata: { zone: 'eu' },
        last_seen_at: snap!.workers[0]!.last_seen_at,
        origin: 'hub1',
        registration: joined['registration'],
        heartbeat_interval_seconds: 30,
      },
    ]);
  });

  it.each([
    [undefined, 30, 90_000],
    [0, 30, 90_000],
    [5, 5, 30_000],
    [2.6, 3, 30_000],
    [20, 20, 60_000],
    [1000, 300, 900_000],
    [-5, 1, 30_000],
    [0.4, 1, 30_000],
    [0.5, 1, 30_000],
    [1.5, 2, 30_000],
  ])('heartbeat_interval_seconds %s becomes %i; eviction after %i ms', async (asked, interval, evict) => {
    const i = await authority();
    const a = await i.requester.call(Types.join, {
      worker_id: 'w',
      ...(asked === undefined ? {} : { heartbeat_interval_seconds: asked }),
    });
    expect(a.frames[0]).toMatchObject({ heartbeat_interval_seconds: interval, evict_after_ms: evict });
  });

  it('renew answers {worker_id, last_seen_at} and writes nothing; a replaced or unknown registration is 4012', async () => {
    const i = await authority();
    const r = i.requester;
    const first = (await r.call(Types.join, { worker_id: 'w' })).frames[0] as { registration: string };
    const renewed = await r.call(Types.workerRenew, { worker_id: 'w', registration: first.registration });
    expect(renewed.code).toBe(1000);
    expect(renewed.frames).toHaveLength(1);
    expect(renewed.frames[0]).toEqual({ worker_id: 'w', last_seen_at: expect.any(Number) as number });
    expect(inventories(i)).toHaveLength(1);
    const second = (await r.call(Types.join, { worker_id: 'w', metadata: { n: '2' } })).frames[0] as {
      registration: string;
    };
    expect(second.registration).not.toBe(first.registration);
    const replaced = await r.call(Types.workerRenew, { worker_id: 'w', registration: first.registration });
    expect(replaced.code).toBe(4012);
    expect(closeJson(replaced)).toEqual({ worker_id: 'w', reason: 'replaced' });
    const leave = await r.call(Types.leave, { worker_id: 'w', registration: second.registration });
    expect(leave).toEqual({ frames: [], code: 1000, text: '' });
    const gone = await r.call(Types.workerRenew, { worker_id: 'w', registration: second.registration });
    expect(gone.code).toBe(4012);
    expect(closeJson(gone)).toEqual({ worker_id: 'w', reason: 'unknown' });
    const leaveAgain = await r.call(Types.leave, { worker_id: 'w', registration: second.registration });
    expect(closeJson(leaveAgain)).toEqual({ worker_id: 'w', reason: 'unknown' });
    const snaps = inventories(i);
    expect(snaps.map((s) => [s.version, s.change?.event, s.workers.length])).toEqual([
      [1, 'joined', 1],
      [2, 'replaced', 1],
      [3, 'left', 0],
    ]);
  });

  it('sorts workers by id in UTF-8 byte order and counts versions across a restart', async () => {
    const authority = await restartableAuthority(closing);
    const first = authority.i;
    for (const id of ['b', 'é', 'A', 'ｚ']) await first.requester.call(Types.join, { worker_id: id });
    const again = await authority.restart();
    await again.requester.call(Types.join, { worker_id: 'c' });
    const snaps = inventories(again);
    expect(snaps.map((s) => s.version)).toEqual([1, 2, 3, 4, 5]);
    // The restarted authority kept the workers of its last snapshot.
    expect(snaps.at(-1)!.workers.map((w) => w.worker_id)).toEqual(byteSorted(['b', 'é', 'A', 'ｚ', 'c']));
  });

  it('a restarted authority keeps the workers of its last snapshot as seen at its start', async () => {
    const clock = new SkewedClock();
    const authority = await restartableAuthority(closing, { clock });
    const joined = await authority.i.requester.call(Types.join, { worker_id: 'w' });
    const { registration } = joined.frames[0] as { registration: string };
    // Down for an hour: far past the eviction delay, but the worker could not renew meanwhile.
    const i = await authority.restart(() => {
      clock.offset += 3_600_000;
    });
    const startedAt = clock.now();
    expect((await i.requester.call(Types.join, { worker_id: 'x' })).code).toBe(1000);
    const w = inventories(i)
      .at(-1)!
      .workers.find((info) => info.worker_id === 'w');
    expect(w).toMatchObject({ registration });
    expect(w!.last_seen_at).toBeGreaterThanOrEqual(startedAt - 60_000);
    expect((await i.requester.call(Types.workerRenew, { worker_id: 'w', registration })).code).toBe(1000);
  });

  it('evicts a worker not seen for max(3 × interval, 30 s), by its clock', async () => {
    const clock = new SkewedClock();
    const i = await authority(clock);
    await i.requester.call(Types.join, { worker_id: 'w', heartbeat_interval_seconds: 1 });
    clock.offset += 29_000;
    await i.requester.call(Types.join, { worker_id: 'x' });
    expect(
      inventories(i)
        .at(-1)!
        .workers.map((w) => w.worker_id),
    ).toEqual(['w', 'x']);
    clock.offset += 1_500;
    await vi.waitFor(
      () => {
        expect(inventories(i).at(-1)!.change).toEqual({ event: 'evicted', worker_id: 'w' });
      },
      {
        timeout: 5_000,
      },
    );
    expect(
      inventories(i)
        .at(-1)!
        .workers.map((w) => w.worker_id),
    ).toEqual(['x']);
  });

  it.each([
    [{ worker_id: '' }],
    [{ worker_id: 'é'.repeat(513) }],
    [{ worker_id: 7 }],
    [{ worker_id: 'w', metadata: { a: 1 } }],
    [{ worker_id: 'w', metadata: ['a'] }],
    [{ worker_id: 'w', heartbeat_interval_seconds: 'x' }],
    [{ worker_id: 'w', heartbeat_interval_seconds: null }],
  ])('closes a join of %j with 4000', async (body) => {
    const i = await authority();
    const a = await i.requester.call(Types.join, body);
    expect(a.code).toBe(4000);
    expect(i.lines(WORKERS)).toEqual([]);
  });

  it.each([
    [Types.workerRenew, { worker_id: 'w' }],
    [Types.workerRenew, { worker_id: 'w', registration: 5 }],
    [Types.leave, { worker_id: 'w', registration: '' }],
    [Types.leave, { worker_id: '', registration: 'r' }],
  ])('closes %s of %j with 4000, not a 4012 that would stop the worker', async (type, body) => {
    const i = await authority();
    expect((await i.requester.call(Types.join, { worker_id: 'w' })).code).toBe(1000);
    const a = await i.requester.call(type, body);
    expect(a.code).toBe(4000);
    expect(inventories(i)).toHaveLength(1);
  });

  it('watch answers the current inventory, then each newer one', async () => {
    const i = await authority();
    await i.requester.call(Types.join, { worker_id: 'a' });
    const stream = i.rpc.openStream(channels.requests('orders'), Types.watch, {}, { timeoutMs: 10_000 });
    const it = stream[Symbol.asyncIterator]();
    const now = parseInventory((await it.next()).value);
    expect(now).toMatchObject({ version: 1, workers: [{ worker_id: 'a' }] });
    await i.requester.call(Types.join, { worker_id: 'b', metadata: { id: randomUUID() } });
    const next = parseInventory((await it.next()).value);
    expect(next).toEqual(inventories(i).at(-1));
    expect(next.version).toBe(2);
    await it.return?.();
  });

  it('watch of a store without workers starts with the empty inventory (version 0, timestamp 0)', async () => {
    const i = await authority();
    const stream = i.rpc.openStream(channels.requests('orders'), Types.watch, {}, { timeoutMs: 10_000 });
    const it = stream[Symbol.asyncIterator]();
    expect(parseInventory((await it.next()).value)).toEqual({ workers: [], timestamp: 0, version: 0 });
    await it.return?.();
  });
});
