/**
 * Group `rpc`: streaming request/reply (docs/conventions/streaming-rpc.md). Round-trip latency on one
 * instance and across one hub, with floors in the same run (a plain publish → subscriber ping-pong over
 * two channels, which is the two hops a round trip makes), one stream's item rate, and the cost of
 * 1,000 open streams.
 */
import { setMaxListeners } from 'node:events';
import { Messenger, StreamRpc } from '../src/index.js';
import { nodeConfig } from './federation.js';
import { benchDir, cleanup, percentile, repeat, type GroupOptions, type Metrics } from './measure.js';
import { writeBenchPki, type BenchPki } from './pki.js';

const SYNC = 'periodic';

async function localInstance(): Promise<{ messenger: Messenger; rpc: StreamRpc; dir: string }> {
  const dir = benchDir('rpc');
  const messenger = await Messenger.open({
    name: 'bench',
    storage: { dataDir: dir, syncPolicy: SYNC, offsetFlushIntervalMs: 200 },
  });
  return { messenger, rpc: await StreamRpc.open(messenger), dir };
}

async function closeLocal(local: { messenger: Messenger; rpc: StreamRpc; dir: string }): Promise<void> {
  await local.rpc.close();
  await local.messenger.close();
  cleanup(local.dir);
}

/** p50/p99 (µs) of `sample`, dropping the first tenth as warm-up. */
export async function latencies(
  samples: number,
  sample: () => Promise<number>,
): Promise<{ p50: number; p99: number }> {
  const lat: number[] = [];
  for (let i = 0; i < samples; i++) lat.push(await sample());
  const sorted = lat.slice(Math.floor(samples / 10)).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50) * 1000, p99: percentile(sorted, 99) * 1000 };
}

/** Floor: publish on `ping`, a subscriber answers on `pong`, wait for the answer. */
export async function pingPong(samples: number): Promise<{ p50: number; p99: number }> {
  const dir = benchDir('rpc-floor');
  const m = await Messenger.open({
    name: 'bench',
    storage: { dataDir: dir, syncPolicy: SYNC, offsetFlushIntervalMs: 200 },
  });
  try {
    let answered: (() => void) | undefined;
    await m.subscribe('ping', 'echo', (msg) => m.publish('pong', 'Pong', msg.payload));
    await m.subscribe('pong', 'waiter', () => answered?.());
    return await latencies(samples, async () => {
      const got = new Promise<void>((r) => (answered = r));
      const t0 = performance.now();
      await m.publish('ping', 'Ping', { n: 1 });
      await got;
      return performance.now() - t0;
    });
  } finally {
    await m.close();
    cleanup(dir);
  }
}

/** Request → first data item on one instance. */
export async function localRoundTrip(samples: number): Promise<{ p50: number; p99: number }> {
  const local = await localInstance();
  try {
    await local.rpc.serve('bench.req', 'echo.v1', (req, writer) => writer.write(req.body));
    return await latencies(samples, async () => {
      const t0 = performance.now();
      const stream = local.rpc.openStream('bench.req', 'echo.v1', { n: 1 });
      await stream.next();
      const elapsed = performance.now() - t0;
      await stream.next();
      return elapsed;
    });
  } finally {
    await closeLocal(local);
  }
}

/** A hub `hub1` and its client `a` in this process, each with a StreamRpc. */
export interface Hop {
  hub: Messenger;
  client: Messenger;
  /** On the hub. */
  server: StreamRpc;
  /** On the client. */
  requester: StreamRpc;
  close(): Promise<void>;
}

/** Opens a {@link Hop} whose client publishes `requestChannel` and subscribes to `_inbox.a` and `subscribe`. */
export async function openHop(pki: BenchPki, requestChannel: string, subscribe: string[] = []): Promise<Hop> {
  const dirs: string[] = [];
  const hub = await Messenger.open(nodeConfig(pki, { name: 'hub1', hub: true }, dirs));
  const client = await Messenger.open(
    nodeConfig(
      pki,
      {
        name: 'a',
        hubs: [{ addr: hub.hubAddress!, subscribe: ['_inbox.a', ...subscribe], publish: [requestChannel] }],
      },
      dirs,
    ),
  );
  const server = await StreamRpc.open(hub);
  const requester = await StreamRpc.open(client);
  return {
    hub,
    client,
    server,
    requester,
    close: async () => {
      await requester.close();
      await server.close();
      await client.close();
      await hub.close();
      for (const d of dirs) cleanup(d);
    },
  };
}

/** Request → first data item, requester on a client, server on the hub (both in this process). */
export async function hopRoundTrip(pki: BenchPki, samples: number): Promise<{ p50: number; p99: number }> {
  const hop = await openHop(pki, 'bench.req');
  const { server, requester } = hop;
  try {
    await server.serve('bench.req', 'echo.v1', (req, writer) => writer.write(req.body));
    await requester.request('bench.req', 'echo.v1', 'warm', { timeoutMs: 30_000 });
    return await latencies(samples, async () => {
      const t0 = performance.now();
      const stream = requester.openStream('bench.req', 'echo.v1', { n: 1 });
      await stream.next();
      const elapsed = performance.now() - t0;
      await stream.next();
      return elapsed;
    });
  } finally {
    await hop.close();
  }
}

/** Items per second of one stream of `items` small items on one instance. */
async function streamRate(items: number): Promise<number> {
  const local = await localInstance();
  try {
    await local.rpc.serve('bench.req', 'firehose.v1', async (_req, writer) => {
      for (let i = 0; i < items; i++) await writer.write(i);
    });
    const t0 = performance.now();
    let got = 0;
    for await (const _ of local.rpc.openStream('bench.req', 'firehose.v1', null, { timeoutMs: 600_000 }))
      got++;
    if (got !== items) throw new Error(`received ${got} of ${items} items`);
    return items / ((performance.now() - t0) / 1000);
  } finally {
    await closeLocal(local);
  }
}

/**
 * What `streams` open streams of one item a second cost one instance that serves and reads them: the
 * growth of the process's RSS (MB, after a GC, against the same instance before it opened them) and
 * CPU (% of one core).
 */
async function concurrentStreams(streams: number, seconds: number): Promise<{ rss: number; cpu: number }> {
  const local = await localInstance();
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const stop = new AbortController();
  setMaxListeners(streams + 10, stop.signal);
  try {
    await local.rpc.serve('bench.req', 'tick.v1', async (_req, writer) => {
      while (!writer.signal.aborted) {
        await writer.write(Date.now());
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
    const readers = Array.from({ length: streams }, async () => {
      try {
        for await (const _ of local.rpc.openStream('bench.req', 'tick.v1', null, {
          signal: stop.signal,
          timeoutMs: 600_000,
        })) {
          // one item a second per stream
        }
      } catch {
        // aborted at the end of the measurement
      }
    });
    await new Promise((r) => setTimeout(r, 2000));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const used = process.cpuUsage(cpu0);
    const elapsedMs = performance.now() - t0;
    globalThis.gc?.();
    const rss = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    stop.abort();
    await Promise.all(readers);
    return { rss, cpu: ((used.user + used.system) / 1000 / elapsedMs) * 100 };
  } finally {
    await closeLocal(local);
  }
}

/** Runs the rpc group. */
export async function runRpcBench({ quick }: GroupOptions): Promise<Metrics> {
  const runs = quick ? 1 : 3;
  const samples = quick ? 300 : 3000;
  const pki = await writeBenchPki(['hub1', 'a']);
  try {
    return {
      ...(await repeat(
        runs,
        {
          'floor.rpc.ping_pong.p50_us': 'µs',
          'rpc.roundtrip.local.p50_us': 'µs',
          'rpc.roundtrip.local.p99_us': 'µs',
        },
        async () => {
          const floor = await pingPong(samples);
          const rpc = await localRoundTrip(samples);
          return {
            'floor.rpc.ping_pong.p50_us': floor.p50,
            'rpc.roundtrip.local.p50_us': rpc.p50,
            'rpc.roundtrip.local.p99_us': rpc.p99,
          };
        },
      )),
      ...(await repeat(
        runs,
        { 'rpc.roundtrip.hop1.p50_us': 'µs', 'rpc.roundtrip.hop1.p99_us': 'µs' },
        async () => {
          const { p50, p99 } = await hopRoundTrip(pki, quick ? 200 : 2000);
          return { 'rpc.roundtrip.hop1.p50_us': p50, 'rpc.roundtrip.hop1.p99_us': p99 };
        },
      )),
      ...(await repeat(runs, { 'rpc.stream.local.items_per_s': 'items/s' }, async () => ({
        'rpc.stream.local.items_per_s': await streamRate(quick ? 10_000 : 100_000),
      }))),
      ...(await repeat(
        1,
        { 'rpc.concurrent_1000.rss_growth_mb': 'MB', 'rpc.concurrent_1000.cpu_pct': '%' },
        async () => {
          const { rss, cpu } = await concurrentStreams(1000, quick ? 3 : 10);
          return { 'rpc.concurrent_1000.rss_growth_mb': rss, 'rpc.concurrent_1000.cpu_pct': cpu };
        },
      )),
    };
  } finally {
    cleanup(pki.dir);
  }
}
