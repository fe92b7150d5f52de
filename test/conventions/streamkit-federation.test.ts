/**
 * docs/conventions/streamkit.md across a real federation hub (TLS on 127.0.0.1), both ways: the test's
 * own requester and replica against our `StreamStore` authority on the hub, and the test's own
 * authority (written from the document alone) on the hub against our `StreamStore` replica on a client.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  LeaseRefusedError,
  SequenceMismatchError,
  StaleFenceError,
  StreamkitError,
  StreamRpc,
  StreamStore,
  type StreamRpcOptions,
} from '../../src/index.js';
import { closedAfterEach } from '../support/closing.js';
import {
  connected,
  makePki,
  nodesStoppedAfterEach,
  type TestNode,
  type TestPki,
} from '../support/cluster.js';
import { auditLines } from '../support/audit.js';
import { tempDir } from '../support/temp-dir.js';
import { TestAuthority } from './streamkit-authority.js';
import { TestCoordinator } from './streamkit-coordinator.js';
import { collect, instanceOf, SkewedClock, type SkInstance } from './streamkit-fixture.js';
import { produceBody } from './streamkit-requester.js';
import { SpaceReader } from './streamkit-replica.js';
import { appendRawLines, channelLines, channels, parseStatus, Types } from './streamkit-wire.js';

const closing = closedAfterEach();
const start = nodesStoppedAfterEach();
const EU = channels.space('orders', 'eu');
let pki: TestPki;

beforeAll(async () => {
  pki = await makePki(['hub1', 'alpha']);
});

/** The channel lists of client `alpha`: its inbox and `subscribe`; it publishes the request channel. */
function listsOf(subscribe: readonly string[]): { subscribe: string[]; publish: string[] } {
  return { subscribe: ['_inbox.alpha', ...subscribe], publish: ['sk.orders._req'] };
}

/** A node's Messenger with a new StreamRpc, as the tests see it. */
async function withRpc(n: TestNode, options: StreamRpcOptions = {}): Promise<SkInstance> {
  const rpc = await StreamRpc.open(n.messenger, options);
  closing.push(rpc);
  return instanceOf(n.messenger, rpc, n.dataDir);
}

/** Hub `hub1`, allowing client `alpha` the lists of {@link listsOf}. */
async function startHub(subscribe: readonly string[]): Promise<{ hub: TestNode; hubI: SkInstance }> {
  const hub = await start({
    pki,
    name: 'hub1',
    hub: { allowedPeers: [{ name: 'alpha', ...listsOf(subscribe) }] },
  });
  return { hub, hubI: await withRpc(hub) };
}

/** Client `alpha` of `hub`, connected. */
async function startClient(
  hub: TestNode,
  subscribe: readonly string[],
  dataDir?: string,
  rpcOptions: StreamRpcOptions = {},
): Promise<SkInstance> {
  const client = await start({
    pki,
    name: 'alpha',
    hubs: [{ addr: hub.hubAddr, ...listsOf(subscribe) }],
    ...(dataDir === undefined ? {} : { dataDir }),
  });
  await connected(client);
  return withRpc(client, rpcOptions);
}

/** Hub `hub1` and client `alpha`, both allowed `subscribe`. */
async function hubAndClient(
  subscribe: readonly string[],
): Promise<{ hub: TestNode; hubI: SkInstance; clientI: SkInstance }> {
  const { hub, hubI } = await startHub(subscribe);
  return { hub, hubI, clientI: await startClient(hub, subscribe) };
}

async function storeOn(i: SkInstance, authority: string, requestTimeoutMs?: number): Promise<StreamStore> {
  const store = await StreamStore.open(i.messenger, {
    store: 'orders',
    authority,
    rpc: i.rpc,
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  });
  closing.push(store);
  return store;
}

describe('the test requester and replica on a client, our StreamStore authority on the hub', () => {
  it('produces through the hub and reads the forwarded channel as the authority wrote it', async () => {
    const { hubI, clientI } = await hubAndClient([EU]);
    await storeOn(hubI, 'hub1');
    const r = clientI.requester;
    const first = await r.produceRecords('eu', 'a', [{ data: 1 }, { data_b64: 'AAE=' }], 0);
    expect(first.code, first.text).toBe(1000);
    const mismatch = await r.produceRecords('eu', 'a', [{ data: 2 }], 0);
    expect(mismatch.code).toBe(4009);
    expect(JSON.parse(mismatch.text)).toEqual({ expected: 0, actual: 2, where: 'eu/a' });
    const second = await r.produceRecords('eu', 'b', [{ data: 3 }], 'any');
    expect(parseStatus(second.frames[0])).toMatchObject({ segment: 'b', last_sequence: 1 });
    const authorityLines = hubI.lines(EU);
    await vi.waitFor(
      () => {
        expect(clientI.lines(EU)).toHaveLength(authorityLines.length);
      },
      { timeout: 10_000 },
    );
    // The forwarded copy equals the authority's but for `route` (§7.1).
    const strip = (l: string): unknown => {
      const { route: _route, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    };
    expect(clientI.lines(EU).map(strip)).toEqual(authorityLines.map(strip));
    const replica = clientI.space('eu');
    expect(replica.refusals).toEqual([]);
    expect(replica.status('a')).toEqual(hubI.space('eu').status('a'));
    const peek = await r.peek('eu', 'a');
    expect(peek.frames[0]).toMatchObject({
      space: 'eu',
      segment: 'a',
      sequence: 2,
      position: 2,
      origin: 'hub1',
      data_b64: 'AAE=',
    });
    const resync = await r.resync({ space: 'eu', after: 0, until: 3 });
    expect(resync.frames.flatMap((f) => (f as { lines: string[] }).lines)).toEqual(authorityLines);
  });

  it('never applies a produce whose deadline passed before the authority read it (§4.1)', async () => {
    const { hub, hubI } = await startHub([EU]);
    await storeOn(hubI, 'hub1');
    // The requester's clock is an hour behind: its deadline_ms is already past for the authority.
    const late = new SkewedClock();
    late.offset = -3_600_000;
    const clientI = await startClient(hub, [EU], undefined, { clock: late });
    const body = produceBody('eu', 's', [{ data: 1 }], 0);
    const a = await clientI.requester.call(Types.produce, body, { timeoutMs: 1_500 });
    expect(a.code).toBe(4008);
    expect(hubI.lines(EU)).toEqual([]);
    expect(hubI.rpc.stats()).toMatchObject({ expired: 1, served: 0 });
  });
});

describe('control channels forwarded to an observer that joins late (§8.2, §9.1)', () => {
  it('give it every lease and the current inventory, as on the authority', async () => {
    const lists = [channels.leases('orders'), channels.workers('orders')];
    const { hub, hubI } = await startHub(lists);
    await storeOn(hubI, 'hub1');
    const r = hubI.requester;
    expect((await r.call(Types.acquire, { key: 'k', holder: 'h', ttl_seconds: 600 })).code).toBe(1000);
    for (const id of ['w1', 'w2']) expect((await r.call(Types.join, { worker_id: id })).code).toBe(1000);
    // alpha connects only now: the hub's first cursor on each channel must start at its beginning.
    const observer = await storeOn(await startClient(hub, lists), 'hub1');
    await vi.waitFor(
      async () => {
        expect((await observer.workers()).version).toBe(2);
      },
      { timeout: 10_000 },
    );
    expect((await observer.workers()).workers.map((w) => w.workerId)).toEqual(['w1', 'w2']);
    expect(await observer.getLease('k')).toMatchObject({ holder: 'h', fence: 1 });
  });
});

describe('the test authority on the hub, our StreamStore replica on a client', () => {
  it('produces through it, reads what it wrote, and rebuilds its errors from the close codes', async () => {
    const { hub, hubI, clientI } = await hubAndClient([EU]);
    const authority = await TestAuthority.open(hub.messenger, hub.dataDir, hubI.rpc, 'orders');
    const store = await storeOn(clientI, 'hub1');
    const s1 = await store.produce('eu', 'a', [{ data: { n: 1 } }, { bytes: new Uint8Array([0, 1, 255]) }], {
      expectedLastSequence: 0,
    });
    expect(s1).toMatchObject({ space: 'eu', segment: 'a', firstSequence: 1, lastSequence: 2 });
    const err = await store
      .produce('eu', 'a', [{ data: 2 }], { expectedLastSequence: 5 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SequenceMismatchError);
    expect(err).toMatchObject({ wireCode: 4009, expected: 5, actual: 2, where: 'eu/a', retryable: false });
    const fenced = await store
      .produce('eu', 'a', [{ data: 2 }], { fence: { key: 'k', fence: 3 } })
      .catch((e: unknown) => e);
    expect(fenced).toBeInstanceOf(StaleFenceError);
    expect(fenced).toMatchObject({ wireCode: 4010, key: 'k', expected: 3, actual: 0, held: false });
    const trxId = '0190d6a0-0000-7000-8000-000000000001';
    await store.produce('eu', 'b', [{ data: 'x', metadata: { m: '1' } }], { trxId });
    const bad = await store.produce('eu', 'c', [{ data: 'y' }], { trxId }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(StreamkitError);
    expect(bad).toMatchObject({ wireCode: 4000, retryable: false });
    await authority.writeTorn('eu', 'a', 3, 2);
    await store.produce('eu', 'a', [{ data: 3 }], { expectedLastSequence: 2 });
    const mine = authority.reader('eu');
    expect(mine.visible).toHaveLength(4);
    await vi.waitFor(
      () => {
        expect(store.health('eu').lastPosition).toBe(4);
      },
      { timeout: 10_000 },
    );
    const entries = await collect(store.consumeSpace('eu', 0));
    expect(entries.map((e) => [e.segment, e.sequence, e.position, e.trx.number, e.origin])).toEqual(
      mine.visible.map((e) => [e.segment, e.sequence, e.position, e.trx.number, 'hub1']),
    );
    expect(entries[0]!.data).toEqual({ n: 1 });
    expect([...entries[1]!.bytes!]).toEqual([0, 1, 255]);
    expect(entries[2]!.metadata).toEqual({ m: '1' });
    expect(store.health('eu')).toMatchObject({ tornEntries: 2, refusedEntries: 0, gaps: 0 });
    const head = await store.peek('eu', 'a');
    expect([head.sequence, head.trx.number]).toEqual([3, 2]);
  });

  /**
   * The test authority on the hub with space `eu` written as `plan` (segment, entries per transaction),
   * and a StreamStore replica on client `alpha` whose copy holds only the transactions from `keepFrom`
   * on (by line): alpha follows no space channel through the hub, so only resync fills its gap.
   */
  async function gapped(
    plan: readonly [string, number][],
    keepFrom: number,
    tamper?: TestAuthority['tamper'],
  ): Promise<{ authority: TestAuthority; lines: string[]; dataDir: string; replica: StreamStore }> {
    const { hub, hubI } = await startHub([]);
    const authority = await TestAuthority.open(hub.messenger, hub.dataDir, hubI.rpc, 'orders');
    authority.tamper = tamper;
    for (const [seg, n] of plan) {
      const records = Array.from({ length: n }, (_, k) => ({ data: k }));
      expect((await hubI.requester.produceRecords('eu', seg, records, 'any')).code).toBe(1000);
    }
    const lines = channelLines(hub.dataDir, EU);
    const dataDir = path.join(tempDir('keyop-skspec-gap-'), 'data');
    appendRawLines(dataDir, EU, lines.slice(keepFrom));
    const replica = await storeOn(await startClient(hub, [], dataDir), 'hub1');
    return { authority, lines, dataDir, replica };
  }

  const PLAN: [string, number][] = [
    ['a', 2],
    ['b', 1],
    ['a', 3],
  ];

  it('a lease request nobody answers is 5003 (retryable); one the authority does not serve keeps rpc 4004', async () => {
    const { hub, hubI } = await startHub([]);
    const replica = await storeOn(await startClient(hub, []), 'hub1', 800);
    const unanswered = await replica.acquireLease('k', 'h', 5_000).catch((e: unknown) => e);
    expect(unanswered).toMatchObject({ wireCode: 5003, retryable: true });
    await TestAuthority.open(hub.messenger, hub.dataDir, hubI.rpc, 'orders');
    const unserved = await replica.acquireLease('k', 'h', 5_000).catch((e: unknown) => e);
    expect(unserved).toMatchObject({ wireCode: 4004, retryable: false });
  });

  it('serves leases and workers to a StreamStore client, which rebuilds 4010, 4011 and 4012', async () => {
    const { hub, hubI, clientI } = await hubAndClient([
      EU,
      channels.leases('orders'),
      channels.workers('orders'),
    ]);
    const authority = await TestAuthority.open(hub.messenger, hub.dataDir, hubI.rpc, 'orders');
    authority.coordinator = await TestCoordinator.open(hub.messenger, hubI.rpc, 'orders');
    const store = await storeOn(clientI, 'hub1');
    expect(await store.acquireLease('job', 'h1', 60_000)).toMatchObject({
      holder: 'h1',
      fence: 1,
      event: 'acquired',
    });
    const held = await store.acquireLease('job', 'h2', 60_000).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(LeaseRefusedError);
    expect(held).toMatchObject({ wireCode: 4011, key: 'job', reason: 'held' });
    const notHolder = await store.renewLease('job', 'h2', 60_000).catch((e: unknown) => e);
    expect(notHolder).toMatchObject({ wireCode: 4011, reason: 'not_holder' });
    await store.produce('eu', 's', [{ data: 1 }], { fence: { key: 'job', fence: 1 } });
    const stale = await store
      .produce('eu', 's', [{ data: 1 }], { fence: { key: 'job', fence: 2 } })
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ wireCode: 4010, key: 'job', expected: 2, actual: 1, held: true });
    expect(await store.releaseLease('job', 'h1')).toMatchObject({
      holder: undefined,
      expiresAt: 0,
      event: 'released',
    });
    await vi.waitFor(
      async () => {
        expect(await store.getLease('job')).toMatchObject({ event: 'released', fence: 1 });
      },
      {
        timeout: 10_000,
      },
    );
    const fence = await store.withLease('job', 10_000, async (_signal, lease) => {
      await store.produce('eu', 's', [{ data: 2 }], { fence: { key: 'job', fence: lease.fence } });
      return lease.fence;
    });
    expect(fence).toBe(2);
    expect(authority.reader('eu').visible).toHaveLength(2);

    let replaced: ((err: unknown) => void) | undefined;
    const replacedBy = new Promise((resolve) => (replaced = resolve));
    const presence = await store.joinWorkers(
      'w1',
      { zone: 'eu' },
      { heartbeatIntervalSeconds: 1, onReplaced: (e) => replaced?.(e) },
    );
    expect(presence).toMatchObject({ workerId: 'w1', heartbeatIntervalSeconds: 1 });
    await vi.waitFor(
      async () => {
        expect((await store.workers()).workers).toMatchObject([{ workerId: 'w1', origin: 'alpha' }]);
      },
      {
        timeout: 10_000,
      },
    );
    expect((await hubI.requester.call(Types.join, { worker_id: 'w1' })).code).toBe(1000);
    expect(await replacedBy).toMatchObject({ wireCode: 4012, workerId: 'w1', reason: 'replaced' });
    await vi.waitFor(
      async () => {
        expect((await store.workers()).change).toEqual({ event: 'replaced', workerId: 'w1' });
      },
      {
        timeout: 10_000,
      },
    );
  });

  it('repairs a gap with resync: asks for exactly the missing positions and applies what it held', async () => {
    const { authority, lines, dataDir, replica } = await gapped(PLAN, 3);
    await vi.waitFor(
      () => {
        expect(replica.health('eu').lastPosition).toBe(6);
      },
      { timeout: 10_000 },
    );
    expect(authority.resyncs).toEqual([{ space: 'eu', after: 0, until: 3 }]);
    expect(replica.health('eu')).toMatchObject({
      gaps: 1,
      heldEntries: 0,
      repairedEntries: 3,
      refusedEntries: 0,
    });
    // Audited as §7.1 step 1 says, naming the held transaction (which starts right after the gap).
    const heldTrx = (JSON.parse(lines[3]!) as { correlation_id: string }).correlation_id;
    expect(auditLines(dataDir).filter((l) => l.event === 'streamkit_refused')).toEqual([
      expect.objectContaining({
        channel: EU,
        peer: 'hub1',
        detail: `code=4090 trx=${heldTrx} entries=3: positions 1-3 missing; held back until repaired`,
      }),
    ]);
    const mine = new SpaceReader('eu', 'hub1', false).feed(channelLines(dataDir, EU));
    expect(mine.visible.map((e) => e.line)).toEqual(lines);
    expect(mine.refusals).toEqual([]);
    // The copy holds the authority's lines byte for byte (appended after the held ones).
    expect(channelLines(dataDir, EU)).toEqual([...lines.slice(3), ...lines.slice(0, 3)]);
  });

  it('asks for at most 10,000 positions at a time (§7.1 step 3)', async () => {
    const plan: [string, number][] = [
      ['a', 10_000],
      ['a', 1],
      ['b', 1],
    ];
    const { authority, lines, dataDir, replica } = await gapped(plan, 10_001);
    await vi.waitFor(
      () => {
        expect(replica.health('eu').lastPosition).toBe(10_002);
      },
      { timeout: 20_000 },
    );
    expect(authority.resyncs).toEqual([
      { space: 'eu', after: 0, until: 10_000 },
      { space: 'eu', after: 10_000, until: 10_001 },
    ]);
    expect(channelLines(dataDir, EU)).toEqual([...lines.slice(10_001), ...lines.slice(0, 10_001)]);
  });

  it('refuses a whole answer when one line fails a check (§7.1 step 4), and asks again', async () => {
    const forge = (l: string): string => JSON.stringify({ ...(JSON.parse(l) as object), origin: 'mallory' });
    const answers: ((f: string[][]) => string[][])[] = [
      // A foreign origin on the last line.
      (f) => [[...f[0]!.slice(0, -1), forge(f[0]!.at(-1)!)]],
      // Positions out of order.
      (f) => [[f[0]![1]!, f[0]![0]!, f[0]![2]!]],
      // A line that is not an entry of the space.
      (f) => [[...f[0]!, '{"v":1}']],
    ];
    const { authority, lines, dataDir, replica } = await gapped(PLAN, 3, (f, n) => answers[n - 1]?.(f) ?? f);
    await vi.waitFor(
      () => {
        expect(replica.health('eu').lastPosition).toBe(6);
      },
      { timeout: 15_000 },
    );
    expect(authority.resyncs).toHaveLength(4);
    expect(channelLines(dataDir, EU)).toEqual([...lines.slice(3), ...lines.slice(0, 3)]);
    expect(replica.health('eu')).toMatchObject({ refusedEntries: 0, repairedEntries: 3 });
  });

  it('appends only the whole transactions at the start of an answer, and asks for the rest', async () => {
    // Positions 1–2 (a) and 3 (b) are missing: the first answer holds half of a (nothing whole, nothing
    // written), the second all of a (written; b is asked for next).
    const answers: ((f: string[][]) => string[][])[] = [
      (f) => [f[0]!.slice(0, 1)],
      (f) => [f[0]!.slice(0, 2)],
    ];
    const { authority, lines, dataDir, replica } = await gapped(PLAN, 3, (f, n) => answers[n - 1]?.(f) ?? f);
    await vi.waitFor(
      () => {
        expect(replica.health('eu').lastPosition).toBe(6);
      },
      { timeout: 15_000 },
    );
    expect(authority.resyncs).toEqual([
      { space: 'eu', after: 0, until: 3 },
      { space: 'eu', after: 0, until: 3 },
      { space: 'eu', after: 2, until: 3 },
    ]);
    // Each position once: the half transaction of the first answer was never written.
    expect(channelLines(dataDir, EU)).toEqual([...lines.slice(3), ...lines.slice(0, 3)]);
  });
});
