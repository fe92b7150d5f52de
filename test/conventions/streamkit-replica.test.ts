/**
 * docs/conventions/streamkit.md §3, §7 and §7.1 against our `StreamStore` as a replica (and as an
 * authority reading its own channel at open): a replica's channel is made of lines the real authority
 * wrote, changed or forged by the test's own implementation, and the replica's reads and figures must
 * equal what the test's independent reader makes of the same lines.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../support/closing.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { tempDir } from '../support/temp-dir.js';
import { Messenger, StreamStore } from '../../src/index.js';
import { collect, openInstance, restartableAuthority } from './streamkit-fixture.js';
import { SpaceReader } from './streamkit-replica.js';
import {
  appendRawLines,
  channels,
  entryPayloads,
  envelopeLine,
  parseSpaceLine,
  Types,
  type AbortPayload,
} from './streamkit-wire.js';

const closing = closedAfterEach();
const EU = channels.space('orders', 'eu');

/** Lines the real authority wrote: `plan` lists (segment, entries) per transaction. */
async function authorityLines(plan: readonly [string, number][]): Promise<string[]> {
  const a = await openInstance([], 'hub1');
  const store = await StreamStore.open(a.messenger, { store: 'orders' });
  let k = 0;
  for (const [segment, n] of plan) {
    await store.produce(
      'eu',
      segment,
      Array.from({ length: n }, () => ({ data: { k: k++ } })),
    );
  }
  const lines = a.lines(EU);
  await store.close();
  await a.rpc.close();
  await a.messenger.close();
  return lines;
}

/** A line with its payload changed by `edit` (and its envelope fields by `env`). */
function edited(
  line: string,
  edit: (p: Record<string, unknown>) => void,
  env: Record<string, unknown> = {},
): string {
  const e = JSON.parse(line) as Record<string, unknown>;
  const payload = structuredClone(e['payload']) as Record<string, unknown>;
  edit(payload);
  return JSON.stringify({ ...e, ...env, id: randomUUID(), payload });
}

/** A new transaction id on every entry of `lines` (their correlation ids too). */
function withTrxId(lines: readonly string[], id: string): string[] {
  return lines.map((l) =>
    edited(
      l,
      (p) => {
        (p['trx'] as Record<string, unknown>)['id'] = id;
      },
      { correlation_id: id },
    ),
  );
}

/**
 * Opens replica `alpha` (authority hub1, no rpc: no resync) on a data dir whose space `eu` holds
 * `lines` (and other channels the lines of `more`).
 */
async function replicaOf(
  lines: readonly string[],
  more: Record<string, readonly string[]> = {},
): Promise<{ store: StreamStore; logger: MemoryLogger }> {
  const dataDir = tempDir('keyop-skspec-replica-');
  if (lines.length > 0) appendRawLines(dataDir, EU, lines);
  for (const [channel, l] of Object.entries(more)) appendRawLines(dataDir, channel, l);
  const logger = new MemoryLogger();
  const messenger = await Messenger.open({ name: 'alpha', storage: { dataDir } }, { logger });
  closing.push(messenger);
  const store = await StreamStore.open(messenger, { store: 'orders', authority: 'hub1' });
  closing.push(store);
  return { store, logger };
}

/** The replica's reads and figures equal the independent reader's of the same lines. */
async function expectSameView(store: StreamStore, lines: readonly string[]): Promise<SpaceReader> {
  const mine = new SpaceReader('eu', 'hub1').feed(lines);
  const theirs = await collect(store.consumeSpace('eu', 0));
  expect(theirs.map((e) => [e.segment, e.sequence, e.position, e.trx.id])).toEqual(
    mine.visible.map((e) => [e.segment, e.sequence, e.position, e.trx.id]),
  );
  for (const seg of mine.segments()) {
    const s = store.getSegmentStatus('eu', seg)!;
    expect([s.firstSequence, s.firstTimestamp, s.lastSequence, s.lastTimestamp]).toEqual([
      mine.status(seg)!.first_sequence,
      mine.status(seg)!.first_timestamp,
      mine.status(seg)!.last_sequence,
      mine.status(seg)!.last_timestamp,
    ]);
  }
  expect(store.getSegments('eu')).toEqual(mine.segments());
  const h = store.health('eu');
  expect(h.lastPosition).toBe(mine.lastPosition);
  expect(h.refusedEntries).toBe(mine.refusals.reduce((n, r) => n + r.entries, 0));
  expect(h.gaps).toBe(mine.openGaps().length);
  return mine;
}

/** Whether the replica logged a refusal with `code`. */
function logged(logger: MemoryLogger, code: number): boolean {
  return logger.entries.some((e) => e.level !== 'debug' && JSON.stringify(e).includes(String(code)));
}

describe('a StreamStore replica applies the checks of §7 in order', () => {
  it('accepts the authority lines as they are', async () => {
    const lines = await authorityLines([
      ['a', 2],
      ['b', 3],
      ['a', 1],
    ]);
    const { store } = await replicaOf(lines);
    const mine = await expectSameView(store, lines);
    expect(mine.visible).toHaveLength(6);
    expect(mine.refusals).toEqual([]);
  });

  it('refuses a foreign writer (4095), a repeat (4091) and a second writer (4092)', async () => {
    const lines = await authorityLines([
      ['a', 2],
      ['a', 1],
    ]);
    const foreign = edited(lines[2]!, () => undefined, { origin: 'mallory' });
    const second = withTrxId(lines.slice(0, 2), randomUUID());
    const all = [...lines.slice(0, 2), foreign, ...lines.slice(0, 2), ...second, lines[2]!];
    const { store, logger } = await replicaOf(all);
    const mine = await expectSameView(store, all);
    expect(mine.refusals.map((r) => r.code)).toEqual([4095, 4091, 4092]);
    expect(mine.visible).toHaveLength(3);
    for (const code of [4095, 4091, 4092]) expect(logged(logger, code), String(code)).toBe(true);
  });

  it('refuses a trx number that skips (4093) or repeats (4094), and wrong sequences (4009)', async () => {
    const lines = await authorityLines([
      ['a', 1],
      ['a', 1],
    ]);
    const skip = edited(lines[1]!, (p) => {
      (p['trx'] as Record<string, unknown>)['number'] = 3;
    });
    const repeat = edited(lines[1]!, (p) => {
      (p['trx'] as Record<string, unknown>)['number'] = 1;
    });
    const seq = edited(lines[1]!, (p) => {
      p['sequence'] = 5;
    });
    const all = [
      lines[0]!,
      ...withTrxId([skip], randomUUID()),
      ...withTrxId([repeat], randomUUID()),
      ...withTrxId([seq], randomUUID()),
      lines[1]!,
    ];
    const { store, logger } = await replicaOf(all);
    const mine = await expectSameView(store, all);
    expect(mine.refusals.map((r) => r.code)).toEqual([4093, 4094, 4009]);
    expect(mine.visible.map((e) => e.sequence)).toEqual([1, 2]);
    for (const code of [4093, 4094, 4009]) expect(logged(logger, code), String(code)).toBe(true);
  });

  it('refuses with 4009 a transaction whose entries change segment or skip a position', async () => {
    const lines = await authorityLines([['a', 2]]);
    const otherSegment = withTrxId(
      [
        lines[0]!,
        edited(lines[1]!, (p) => {
          p['segment'] = 'z';
        }),
      ],
      randomUUID(),
    );
    const skipped = withTrxId(
      [
        lines[0]!,
        edited(lines[1]!, (p) => {
          p['position'] = 3;
        }),
      ],
      randomUUID(),
    );
    const all = [...otherSegment, ...skipped, ...lines];
    const { store } = await replicaOf(all);
    const mine = await expectSameView(store, all);
    expect(mine.refusals.map((r) => r.code)).toEqual([4009, 4009]);
    expect(mine.visible).toHaveLength(2);
  });

  it('checks the origin before the position: a forged repeat is 4095, not 4091', async () => {
    const lines = await authorityLines([['a', 1]]);
    const forged = edited(lines[0]!, () => undefined, { origin: 'mallory' });
    const { store } = await replicaOf([lines[0]!, forged]);
    const mine = await expectSameView(store, [lines[0]!, forged]);
    expect(mine.refusals.map((r) => r.code)).toEqual([4095]);
  });

  it('holds what follows a gap and never presents positions past it (§7.1)', async () => {
    const lines = await authorityLines([
      ['a', 1],
      ['b', 2],
      ['a', 1],
      ['c', 1],
    ]);
    const all = [lines[0]!, ...lines.slice(3)];
    const { store, logger } = await replicaOf(all);
    const mine = await expectSameView(store, all);
    expect(mine.openGaps()).toEqual([{ from: 2, to: 3 }]);
    expect(mine.visible).toHaveLength(1);
    expect(store.health('eu').heldEntries).toBe(2);
    expect((await store.peek('eu', 'c')).sequence).toBe(0);
    expect(logged(logger, 4090)).toBe(true);
  });
});

describe('positions held past a gap (§7.1 step 1)', () => {
  it('refuse a repeat of a held transaction with 4091 and another at its position with 4092', async () => {
    const lines = await authorityLines([
      ['a', 1],
      ['a', 2],
    ]);
    const held = lines.slice(1);
    const all = [...held, ...held, ...withTrxId(held, randomUUID())];
    const { store, logger } = await replicaOf(all);
    const mine = await expectSameView(store, all);
    expect(mine.refusals.map((r) => r.code)).toEqual([4091, 4092]);
    expect(store.health('eu').heldEntries).toBe(2);
    expect(logged(logger, 4091) && logged(logger, 4092)).toBe(true);
  });
});

describe('transactions (§3) on a replica', () => {
  it('assembles by trx id: entries of another transaction in between tear nothing', async () => {
    const lines = await authorityLines([
      ['a', 3],
      ['b', 2],
    ]);
    // a0, b0, a1, b1, a2: a completes first, then b.
    const all = [lines[0]!, lines[3]!, lines[1]!, lines[4]!, lines[2]!];
    const { store } = await replicaOf(all);
    const mine = await expectSameView(store, all);
    expect(mine.visible.map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
    expect(mine.torn).toBe(0);
    expect(store.health('eu').heldEntries).toBe(0);
  });

  it('holds a transaction back until its last entry, and an index 0 restarts it', async () => {
    const lines = await authorityLines([['a', 3]]);
    const partial = [lines[0]!, lines[1]!];
    const first = await replicaOf(partial);
    await expectSameView(first.store, partial);
    expect(first.store.health('eu').lastPosition).toBe(0);
    const restarted = [lines[0]!, lines[1]!, lines[0]!, lines[1]!, lines[2]!];
    const second = await replicaOf(restarted);
    const mine = await expectSameView(second.store, restarted);
    expect(mine.visible).toHaveLength(3);
    expect(mine.torn).toBe(2);
    expect(second.store.health('eu').tornEntries).toBe(2);
  });

  it('tears an entry that does not continue its transaction', async () => {
    const lines = await authorityLines([
      ['a', 3],
      ['b', 1],
    ]);
    // a0, a2 (skips a1): torn; b's position 4 then waits behind the gap 1–3.
    const all = [lines[0]!, lines[2]!, lines[1]!, lines[3]!];
    const { store } = await replicaOf(all);
    const mine = await expectSameView(store, all);
    expect(mine.visible).toHaveLength(0);
    expect(store.health('eu').tornEntries).toBe(mine.torn);
  });

  it('drops what an abort marker names; the next transaction reuses its positions, sequences and number', async () => {
    const lines = await authorityLines([['a', 1]]);
    const torn = randomUUID();
    const base = {
      channel: EU,
      origin: 'hub1',
      segment: 'a',
      firstSequence: 2,
      firstPosition: 2,
      trxNumber: 2,
    };
    const timestamp = (parseSpaceLine(lines[0]!) as { entry: { timestamp: number } }).entry.timestamp;
    const tornLines = entryPayloads({ ...base, timestamp, trxId: torn }, [
      { data: 1 },
      { data: 2 },
      { data: 3 },
    ])
      .slice(0, 2)
      .map((p) => envelopeLine({ channel: EU, origin: 'hub1', timestamp }, Types.entry, torn, p));
    const marker: AbortPayload = { trx_id: torn, segment: 'a', position: 2, count: 3, found: 2 };
    const abortLine = envelopeLine({ channel: EU, origin: 'hub1', timestamp }, Types.abort, torn, marker);
    const next = randomUUID();
    const nextLines = entryPayloads({ ...base, timestamp, trxId: next }, [{ data: 'x' }]).map((p) =>
      envelopeLine({ channel: EU, origin: 'hub1', timestamp }, Types.entry, next, p),
    );
    const all = [lines[0]!, ...tornLines, abortLine, ...nextLines];
    const { store } = await replicaOf(all);
    const mine = await expectSameView(store, all);
    expect(mine.visible.map((e) => [e.position, e.sequence, e.trx.number, e.trx.id])).toEqual([
      [1, 1, 1, mine.visible[0]!.trx.id],
      [2, 2, 2, next],
    ]);
    expect(store.health('eu').tornEntries).toBe(2);
  });
});

describe('the authority at open (§3)', () => {
  it('refuses a gap in its own channel like any other failure: nothing is held', async () => {
    const authority = await restartableAuthority(closing);
    expect((await authority.i.requester.produceRecords('eu', 'a', [{ data: 1 }], 0)).code).toBe(1000);
    const [line] = authority.i.lines(EU);
    const ahead = withTrxId(
      [
        edited(line!, (p) => {
          p['position'] = 5;
          p['sequence'] = 2;
          (p['trx'] as Record<string, unknown>)['number'] = 2;
        }),
      ],
      randomUUID(),
    );
    const i = await authority.restart(() => {
      appendRawLines(authority.i.dataDir, EU, ahead);
    });
    expect(authority.store.health('eu')).toMatchObject({
      lastPosition: 1,
      refusedEntries: 1,
      gaps: 0,
      heldEntries: 0,
    });
    const next = await i.requester.produceRecords('eu', 'a', [{ data: 2 }], 1);
    expect(next.code, next.text).toBe(1000);
    expect(i.space('eu').visible.map((e) => [e.position, e.sequence])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('seals a torn transaction with an abort marker, then reuses its positions', async () => {
    const authority = await restartableAuthority(closing);
    expect((await authority.i.requester.produceRecords('eu', 'a', [{ data: 1 }], 0)).code).toBe(1000);
    const torn = randomUUID();
    const timestamp = Date.now();
    const t = { channel: EU, origin: 'hub1', timestamp };
    const first = { ...t, segment: 'a', firstSequence: 2, firstPosition: 2, trxId: torn, trxNumber: 2 };
    const records = [{ data: 1 }, { data: 2 }, { data: 3 }, { data: 4 }];
    // What a crash leaves: 3 of the transaction's 4 lines, written while the authority is stopped.
    const i = await authority.restart(() => {
      appendRawLines(
        authority.i.dataDir,
        EU,
        entryPayloads(first, records)
          .slice(0, 3)
          .map((p) => envelopeLine(t, Types.entry, torn, p)),
      );
    });
    const after = i.lines(EU).map((l) => parseSpaceLine(l, false));
    expect(after).toHaveLength(5);
    const marker = after[4]!;
    expect(marker.kind).toBe('abort');
    expect(marker.env.origin).toBe('hub1');
    expect(marker.kind === 'abort' ? marker.abort : undefined).toEqual({
      trx_id: torn,
      segment: 'a',
      position: 2,
      count: 4,
      found: 3,
    });
    const ok = await i.requester.produceRecords('eu', 'a', [{ data: 'x' }], 1);
    expect(ok.code, ok.text).toBe(1000);
    const mine = i.space('eu');
    expect(mine.visible.map((e) => [e.position, e.sequence, e.trx.number])).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(mine.torn).toBe(3);
  });
});

describe('a StreamStore replica reads the control channels the test authority writes (§8.2, §9.1)', () => {
  /** A replica whose `channel` holds `payloads` of `type`, each written by `origin` (default hub1). */
  async function controlReplica(
    channel: string,
    type: string,
    payloads: readonly [unknown, string?][],
  ): Promise<StreamStore> {
    const now = Date.now();
    const lines = payloads.map(([p, origin]) =>
      envelopeLine({ channel, origin: origin ?? 'hub1', timestamp: now }, type, randomUUID(), p),
    );
    return (await replicaOf([], { [channel]: lines })).store;
  }

  it('keeps the last lease record of each key and ignores records of another origin', async () => {
    const later = Date.now() + 600_000;
    const store = await controlReplica(channels.leases('orders'), Types.leaseState, [
      [{ key: 'k', holder: 'a', fence: 1, expires_at: later, event: 'acquired' }],
      [{ key: 'j', holder: 'x', fence: 4, expires_at: later, event: 'acquired' }],
      [{ key: 'k', holder: null, fence: 1, expires_at: 0, event: 'released' }],
      [{ key: 'k', holder: 'b', fence: 2, expires_at: later, event: 'renewed' }],
      [{ key: 'k', holder: 'mallory', fence: 9, expires_at: later, event: 'acquired' }, 'mallory'],
    ]);
    expect(await store.getLease('k')).toEqual({
      key: 'k',
      holder: 'b',
      fence: 2,
      expiresAt: later,
      event: 'renewed',
    });
    expect((await store.leases()).map((l) => [l.key, l.fence])).toEqual([
      ['j', 4],
      ['k', 2],
    ]);
  });

  it('keeps the inventory with the highest version, of the authority only', async () => {
    const worker = {
      worker_id: 'w',
      metadata: { zone: 'eu' },
      last_seen_at: 5,
      origin: 'edge',
      registration: randomUUID(),
      heartbeat_interval_seconds: 30,
    };
    const store = await controlReplica(channels.workers('orders'), Types.inventory, [
      [{ workers: [worker], timestamp: 10, version: 2, change: { event: 'joined', worker_id: 'w' } }],
      [{ workers: [], timestamp: 9, version: 1, change: { event: 'left', worker_id: 'v' } }],
      [{ workers: [], timestamp: 11, version: 7, change: { event: 'left', worker_id: 'w' } }, 'mallory'],
    ]);
    expect(await store.workers()).toEqual({
      workers: [
        {
          workerId: 'w',
          metadata: { zone: 'eu' },
          lastSeenAt: 5,
          origin: 'edge',
          registration: worker.registration,
          heartbeatIntervalSeconds: 30,
        },
      ],
      timestamp: 10,
      version: 2,
      change: { event: 'joined', workerId: 'w' },
    });
  });

  it('gives the empty inventory (version 0, timestamp 0) when there is none', async () => {
    const store = await controlReplica(channels.workers('orders'), Types.inventory, []);
    expect(await store.workers()).toEqual({ workers: [], timestamp: 0, version: 0 });
  });
});
