/**
 * The `streamkit` group: produce beside the storage publish it is built on (measured in the same run),
 * consuming a large segment, peek among many segments, rebuilding the index at open, and leases.
 */
import { Messenger, StreamStore } from '../src/index.js';
import type { GroupOptions, Metrics } from './measure.js';
import { benchDir, cleanup, payload, percentile, repeat, throughput } from './measure.js';
import { writeBenchPki, type BenchPki } from './pki.js';
import { hopRoundTrip, latencies } from './rpc.js';
import { withRemoteStore } from './streamkit-hop.js';
import { leaseLocal, leaseRemote } from './streamkit-lease.js';
import { publishBatchRate, publishRate } from './storage.js';

async function withStore<T>(
  dataDir: string,
  work: (store: StreamStore) => Promise<T>,
): Promise<{ result: T; openMs: number }> {
  const messenger = await Messenger.open({ name: 'bench', storage: { dataDir, syncPolicy: 'periodic' } });
  const opened = performance.now();
  const store = await StreamStore.open(messenger, { store: 'bench' });
  const openMs = performance.now() - opened;
  try {
    return { result: await work(store), openMs };
  } finally {
    await store.close();
    await messenger.close();
  }
}

/** One-record awaited appends, each expecting the last sequence it wrote. */
async function produceLocal(ms: number): Promise<number> {
  const dir = benchDir('sk-c1');
  try {
    const { result } = await withStore(dir, async (store) => {
      let last = 0;
      return throughput(ms, async () => {
        await store.append('s', 'seg', payload(last + 1), { expectedLastSequence: last });
        last++;
        return 1;
      });
    });
    return result;
  } finally {
    cleanup(dir);
  }
}

/** The payload of entry `i` of a transaction as a space channel holds it (what a produce writes). */
function entryPayload(i: number, trxId: string, index: number, count: number): Record<string, unknown> {
  return {
    segment: 'seg',
    sequence: i + 1,
    position: i + 1,
    timestamp: Date.now(),
    trx: { id: trxId, number: i + 1, index, count },
    data: payload(i),
  };
}

/**
 * Messages/s of plain awaited publishes of the very lines a produce writes (an entry's payload and
 * correlation id): the storage cost of the entry's size, without the sequence check, the index and
 * the status. `batch` > 1 publishes that many per `publishBatch`, as one transaction's entries.
 */
async function publishEntryLines(ms: number, batch: number): Promise<number> {
  const dir = benchDir('sk-line');
  const m = await Messenger.open({ name: 'bench', storage: { dataDir: dir, syncPolicy: 'periodic' } });
  try {
    let i = 0;
    return await throughput(ms, async () => {
      const trxId = crypto.randomUUID();
      if (batch === 1) {
        await m.publish('sk.bench.s', 'streamkit.entry.v1', entryPayload(i++, trxId, 0, 1), {
          correlationId: trxId,
        });
        return 1;
      }
      const messages = Array.from({ length: batch }, (_, index) => ({
        payloadType: 'streamkit.entry.v1',
        payload: entryPayload(i++, trxId, index, batch),
        correlationId: trxId,
      }));
      return (await m.publishBatch('sk.bench.s', messages)).length;
    });
  } finally {
    await m.close();
    cleanup(dir);
  }
}

/** Awaited produces of `size` records (one transaction each), entries/s. */
async function produceBatch(ms: number, size: number): Promise<number> {
  const dir = benchDir('sk-b');
  const records = Array.from({ length: size }, (_, i) => ({ data: payload(i) }));
  try {
    const { result } = await withStore(dir, (store) =>
      throughput(ms, async () => (await store.produce('s', 'seg', records)).lastSequence * 0 + size),
    );
    return result;
  } finally {
    cleanup(dir);
  }
}

/** Fills one segment with `entries` entries (transactions of 10,000). */
async function fill(store: StreamStore, entries: number): Promise<void> {
  const batch = Array.from({ length: 10_000 }, (_, i) => ({ data: payload(i) }));
  for (let done = 0; done < entries; done += batch.length) await store.produce('s', 'seg', batch);
}

/** Entries/s of a finite consumeSegment over a segment of `entries`, read after a reopen; and the reopen. */
async function consumeSegment(entries: number): Promise<{ rate: number; openMs: number }> {
  const dir = benchDir('sk-consume');
  try {
    await withStore(dir, (store) => fill(store, entries));
    const { result, openMs } = await withStore(dir, async (store) => {
      const start = performance.now();
      let n = 0;
      for await (const _ of store.consumeSegment('s', 'seg')) n++;
      if (n !== entries) throw new Error(`consumed ${n} of ${entries}`);
      return n / ((performance.now() - start) / 1000);
    });
    return { rate: result, openMs };
  } finally {
    cleanup(dir);
  }
}

/** Median µs of peek on random segments among `segments` one-entry segments. */
async function peekLatency(segments: number, samples: number): Promise<number> {
  const dir = benchDir('sk-peek');
  try {
    const { result } = await withStore(dir, async (store) => {
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < segments; i++) {
        pending.push(store.append('s', `segment-${i}`, payload(i)));
        if (pending.length === 1000) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending);
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        const segment = `segment-${Math.floor(Math.random() * segments)}`;
        const start = performance.now();
        const entry = await store.peek('s', segment);
        times.push((performance.now() - start) * 1000);
        if (entry.sequence !== 1) throw new Error(`peek of ${segment} found sequence ${entry.sequence}`);
      }
      return percentile(
        times.sort((a, b) => a - b),
        50,
      );
    });
    return result;
  } finally {
    cleanup(dir);
  }
}

/** Client → authority hub → status back: one-record produces from a client, awaited one by one. */
async function remoteProduce(pki: BenchPki, samples: number): Promise<{ p50: number; p99: number }> {
  return withRemoteStore(pki, async (client) => {
    // Warm both sides' code paths (a cold authority takes milliseconds per produce).
    for (let i = 0; i < 300; i++) await client.append('s', 'warm', i);
    let last = 0;
    return latencies(samples, async () => {
      const t0 = performance.now();
      await client.append('s', 'seg', payload(last + 1), { expectedLastSequence: last });
      last++;
      return performance.now() - t0;
    });
  });
}

/** The `streamkit` group. */
export async function runStreamkitBench({ quick }: GroupOptions): Promise<Metrics> {
  const runs = quick ? 1 : 3;
  const ms = quick ? 300 : 1500;
  const big = quick ? 100_000 : 1_000_000;
  const pki = await writeBenchPki(['hub1', 'a']);
  try {
    return await streamkitMetrics(quick, runs, ms, big, pki);
  } finally {
    cleanup(pki.dir);
  }
}

async function streamkitMetrics(
  quick: boolean,
  runs: number,
  ms: number,
  big: number,
  pki: BenchPki,
): Promise<Metrics> {
  const samples = quick ? 200 : 2000;
  return {
    ...(await repeat(
      runs,
      {
        'storage.publish.periodic.c1': 'msgs/s',
        'streamkit.publish_entry_line.c1': 'msgs/s',
        'streamkit.produce.local.c1': 'entries/s',
      },
      async () => ({
        'storage.publish.periodic.c1': await publishRate('periodic', ms, 1),
        'streamkit.publish_entry_line.c1': await publishEntryLines(ms, 1),
        'streamkit.produce.local.c1': await produceLocal(ms),
      }),
    )),
    ...(await repeat(
      runs,
      {
        'storage.publish_batch.periodic.b100': 'msgs/s',
        'streamkit.publish_entry_line.b100': 'msgs/s',
        'streamkit.produce.batch100': 'entries/s',
      },
      async () => ({
        'storage.publish_batch.periodic.b100': await publishBatchRate(ms, 100),
        'streamkit.publish_entry_line.b100': await publishEntryLines(ms, 100),
        'streamkit.produce.batch100': await produceBatch(ms, 100),
      }),
    )),
    ...(await repeat(
      quick ? 1 : 2,
      { 'streamkit.consume_segment': 'entries/s', 'streamkit.open.rebuild_ms': 'ms' },
      async () => {
        const { rate, openMs } = await consumeSegment(big);
        return { 'streamkit.consume_segment': rate, 'streamkit.open.rebuild_ms': openMs };
      },
    )),
    ...(await repeat(
      runs,
      {
        'rpc.roundtrip.hop1.p50_us': 'µs',
        'streamkit.produce.remote.p50_us': 'µs',
        'streamkit.produce.remote.p99_us': 'µs',
      },
      async () => {
        const rpc = await hopRoundTrip(pki, samples);
        const produce = await remoteProduce(pki, samples);
        return {
          'rpc.roundtrip.hop1.p50_us': rpc.p50,
          'streamkit.produce.remote.p50_us': produce.p50,
          'streamkit.produce.remote.p99_us': produce.p99,
        };
      },
    )),
    ...(await repeat(
      runs,
      {
        'streamkit.lease.acquire_release.local.p50_us': 'µs',
        'streamkit.lease.acquire_release.remote.p50_us': 'µs',
      },
      async () => ({
        'streamkit.lease.acquire_release.local.p50_us': await leaseLocal(samples),
        'streamkit.lease.acquire_release.remote.p50_us': await leaseRemote(pki, samples),
      }),
    )),
    ...(await repeat(runs, { 'streamkit.peek.p50_us': 'µs' }, async () => ({
      'streamkit.peek.p50_us': await peekLatency(quick ? 10_000 : 100_000, quick ? 2_000 : 20_000),
    }))),
  };
}
