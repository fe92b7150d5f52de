/**
 * The `streamkit` group: produce beside the storage publish it is built on (interleaved in one run),
 * consuming a large segment, peek among many segments, rebuilding the index at open, and leases.
 */
import { Messenger, StreamStore } from '../src/index.js';
import type { GroupOptions, Metrics } from './measure.js';
import { benchDir, cleanup, payload, percentile, repeat } from './measure.js';
import { writeBenchPki, type BenchPki } from './pki.js';
import { hopRoundTrip, latencies } from './rpc.js';
import { withRemoteStore } from './streamkit-hop.js';
import { leaseLocal, leaseRemote } from './streamkit-lease.js';
import { produceBeside, type ProduceBeside } from './streamkit-produce.js';

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

/** {@link produceBeside} for calls of `size` records, `runs` times, under the metric names given. */
function produceMetrics(
  runs: number,
  ms: number,
  size: number,
  names: Record<keyof ProduceBeside, string>,
): Promise<Metrics> {
  const units = {
    [names.publish]: 'msgs/s',
    [names.entryLines]: 'msgs/s',
    [names.produce]: 'entries/s',
  };
  return repeat(runs, units, async () => {
    const rates = await produceBeside(ms, size);
    return {
      [names.publish]: rates.publish,
      [names.entryLines]: rates.entryLines,
      [names.produce]: rates.produce,
    };
  });
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
    ...(await produceMetrics(runs, ms, 1, {
      publish: 'storage.publish.periodic.c1',
      entryLines: 'streamkit.publish_entry_line.c1',
      produce: 'streamkit.produce.local.c1',
    })),
    ...(await produceMetrics(runs, ms, 100, {
      publish: 'storage.publish_batch.periodic.b100',
      entryLines: 'streamkit.publish_entry_line.b100',
      produce: 'streamkit.produce.batch100',
    })),
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
