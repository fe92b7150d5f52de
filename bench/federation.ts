/**
 * Group `federation`: a client publishing to a hub over mutual TLS on 127.0.0.1 (throughput with the
 * hub on `periodic` and `always`), publish → subscriber latency across one and three hops, and the
 * hub's memory with 100 idle peers.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Messenger, type MessengerConfigInput } from '../src/index.js';
import { internalsOf } from '../src/wiring/index.js';
import { writeBenchPki, type BenchPki } from './pki.js';
import {
  benchDir,
  cleanup,
  monotonicMicros,
  payload,
  percentile,
  repeat,
  type GroupOptions,
  type Metrics,
} from './measure.js';

interface NodeSpec {
  name: string;
  hub?: boolean;
  hubs?: { addr: string; subscribe?: string[]; publish?: string[] }[];
  syncPolicy?: 'periodic' | 'always';
}

/** The config of a benchmark node with a fresh data dir (added to `dirs` for cleanup). */
export function nodeConfig(pki: BenchPki, spec: NodeSpec, dirs: string[]): MessengerConfigInput {
  const dataDir = benchDir(`fed-${spec.name}`);
  dirs.push(dataDir);
  const pair = pki.pairs.get(spec.name);
  if (pair === undefined) throw new Error(`no certificate for ${spec.name}`);
  const hubs = spec.hubs?.map((h) => ({
    addr: h.addr,
    subscribe: h.subscribe ?? [],
    publish: h.publish ?? [],
  }));
  return {
    name: spec.name,
    storage: { dataDir, syncPolicy: spec.syncPolicy ?? 'periodic', offsetFlushIntervalMs: 200 },
    tls: { cert: pair.certFile, key: pair.keyFile, ca: pki.ca },
    federation: { reconnectBaseMs: 20, reconnectMaxMs: 200 },
    ...(spec.hub === true ? { hub: { enabled: true, listenAddr: '127.0.0.1:0' } } : {}),
    ...(hubs === undefined ? {} : { client: { enabled: true, hubs } }),
  };
}

function open(pki: BenchPki, spec: NodeSpec, dirs: string[]): Promise<Messenger> {
  return Messenger.open(nodeConfig(pki, spec, dirs));
}

/** A Messenger running in a child process (see node-child.ts). */
export interface ChildNode {
  addr: string;
  pid: number;
  ask(command: string): Promise<string>;
  /** The next line the child prints. */
  next(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a hub in its own process (data dir added to `dirs`). */
export function startChild(pki: BenchPki, spec: NodeSpec, dirs: string[]): Promise<ChildNode> {
  return spawnChild('node-child.js', JSON.stringify(nodeConfig(pki, { ...spec, hub: true }, dirs)));
}

/** Starts a node that is not a hub (e.g. a client of one) in its own process (data dir added to `dirs`). */
export function startClientChild(pki: BenchPki, spec: NodeSpec, dirs: string[]): Promise<ChildNode> {
  return spawnChild('node-child.js', JSON.stringify(nodeConfig(pki, spec, dirs)));
}

/** Starts the storeless hub of ack-hub.ts in its own process, with the certificate of `hub1`. */
export function startAckHub(pki: BenchPki): Promise<ChildNode> {
  const pair = pki.pairs.get('hub1');
  if (pair === undefined) throw new Error('no certificate for hub1');
  return spawnChild('ack-hub.js', JSON.stringify({ ...pair, caFile: pki.ca }));
}

/** Runs a benchmark script of this folder that prints its address first and answers commands. */
async function spawnChild(script: string, arg: string): Promise<ChildNode> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', path.join(path.dirname(fileURLToPath(import.meta.url)), script), arg],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = readline.createInterface({ input: child.stdout });
  const next = (): Promise<string> => new Promise((r) => lines.once('line', r));
  const addr = await next();
  return {
    addr,
    pid: child.pid!,
    next,
    ask: (command) => {
      const reply = next();
      child.stdin.write(`${command}\n`);
      return reply;
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          resolve();
        });
        child.stdin.end();
      }),
  };
}

async function waitConnected(m: Messenger): Promise<void> {
  for (const client of internalsOf(m).federation()?.clients ?? []) {
    await client.whenState('connected');
  }
}

async function closeAll(ms: Messenger[], dirs: string[]): Promise<void> {
  for (const m of ms.reverse()) await m.close();
  for (const d of dirs) cleanup(d);
}

/**
 * Messages per second stored on the hub (in its own process) while a client publishes `count`
 * messages in batches of 500; with `hubPolicy` 'none-stored', the hub is ack-hub.ts, which stores
 * nothing (the floor). The clock starts once `warmup` messages went through the same way: a fresh
 * process spends its first few hundred milliseconds compiling the hot paths (about a fifth of a
 * 200 000-message run here), which is start-up cost, not the throughput of a running hub.
 */
async function publishThroughput(
  pki: BenchPki,
  hubPolicy: 'periodic' | 'always' | 'none-stored',
  count: number,
  warmup: number,
): Promise<number> {
  const dirs: string[] = [];
  const hub =
    hubPolicy === 'none-stored'
      ? await startAckHub(pki)
      : await startChild(pki, { name: 'hub1', syncPolicy: hubPolicy }, dirs);
  const client = await open(pki, { name: 'a', hubs: [{ addr: hub.addr, publish: ['bench'] }] }, dirs);
  try {
    await waitConnected(client);
    const batch = Array.from({ length: 500 }, (_, i) => ({ payloadType: 'Bench', payload: payload(i) }));
    const warmedUp = hub.ask(`wait bench ${warmup}`);
    for (let n = 0; n < warmup; n += batch.length) await client.publishBatch('bench', batch);
    await warmedUp;
    const stored = hub.ask(`wait bench ${warmup + count}`);
    const start = performance.now();
    for (let n = 0; n < count; n += batch.length) await client.publishBatch('bench', batch);
    await stored;
    return count / ((performance.now() - start) / 1000);
  } finally {
    await client.close();
    await hub.stop();
    for (const d of dirs) cleanup(d);
  }
}

/** Publish → handler latency (µs) along A → H1 → H2 → B, all in this process (one clock). */
async function relayLatency(pki: BenchPki, samples: number): Promise<{ p50: number; p99: number }> {
  const dirs: string[] = [];
  const nodes: Messenger[] = [];
  try {
    const h2 = await open(pki, { name: 'hub2', hub: true }, dirs);
    nodes.push(h2);
    const h1 = await open(
      pki,
      { name: 'hub1', hub: true, hubs: [{ addr: h2.hubAddress!, publish: ['bench'] }] },
      dirs,
    );
    nodes.push(h1);
    const publisher = await open(
      pki,
      { name: 'a', hubs: [{ addr: h1.hubAddress!, publish: ['bench'] }] },
      dirs,
    );
    nodes.push(publisher);
    const receiver = await open(
      pki,
      { name: 'b', hubs: [{ addr: h2.hubAddress!, subscribe: ['bench'] }] },
      dirs,
    );
    nodes.push(receiver);
    for (const n of nodes) await waitConnected(n);
    let t0 = 0;
    let arrived: (() => void) | undefined;
    const lat: number[] = [];
    await receiver.subscribe('bench', 'latency', () => {
      lat.push(performance.now() - t0);
      arrived?.();
    });
    for (let i = 0; i < samples; i++) {
      const got = new Promise<void>((r) => (arrived = r));
      t0 = performance.now();
      await publisher.publish('bench', 'Bench', payload(i));
      await got;
    }
    const sorted = lat.slice(Math.floor(samples / 10)).sort((a, b) => a - b);
    return { p50: percentile(sorted, 50) * 1000, p99: percentile(sorted, 99) * 1000 };
  } finally {
    await closeAll(nodes, dirs);
  }
}

/**
 * Publish → hub subscriber latency (µs) with the hub in its own process, so neither side's work
 * delays the other: the hub prints the time at which its handler runs, compared with the time of the
 * publish, both on the monotonic clock the two processes share.
 */
export async function crossProcessLatency(
  pki: BenchPki,
  samples: number,
): Promise<{ p50: number; p99: number }> {
  const dirs: string[] = [];
  const hub = await startChild(pki, { name: 'hub1' }, dirs);
  const client = await open(pki, { name: 'a', hubs: [{ addr: hub.addr, publish: ['bench'] }] }, dirs);
  try {
    await waitConnected(client);
    await hub.ask('stamp bench');
    const lat: number[] = [];
    for (let i = 0; i < samples; i++) {
      const stamp = hub.next();
      const sent = monotonicMicros();
      await client.publish('bench', 'Bench', payload(i));
      lat.push(Number(await stamp) - sent);
    }
    const sorted = lat.slice(Math.floor(samples / 10)).sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  } finally {
    await client.close();
    await hub.stop();
    for (const d of dirs) cleanup(d);
  }
}

/** RSS (MB) of a hub process with `peers` idle connected clients. */
async function hubWithPeers(pki: BenchPki, peers: number): Promise<number> {
  const dirs: string[] = [];
  const hub = await startChild(pki, { name: 'hub1' }, dirs);
  const clients: Messenger[] = [];
  try {
    for (let i = 0; i < peers; i++) {
      clients.push(
        await open(pki, { name: `peer-${i}`, hubs: [{ addr: hub.addr, subscribe: [`c${i % 10}`] }] }, dirs),
      );
    }
    for (const c of clients) await waitConnected(c);
    return Number(await hub.ask('rss'));
  } finally {
    for (const c of clients) await c.close();
    await hub.stop();
    for (const d of dirs) cleanup(d);
  }
}

/** Runs the federation group. */
export async function runFederationBench({ quick }: GroupOptions): Promise<Metrics> {
  const runs = quick ? 1 : 3;
  const pki = await writeBenchPki([
    'hub1',
    'hub2',
    'a',
    'b',
    ...Array.from({ length: 100 }, (_, i) => `peer-${i}`),
  ]);
  try {
    const count = quick ? 20_000 : 200_000;
    const warmup = count / 10;
    return {
      ...(await repeat(
        runs,
        {
          'floor.federation.ack_only_hub': 'msgs/s',
          'federation.publish.periodic': 'msgs/s',
          'federation.publish.always': 'msgs/s',
        },
        async () => ({
          'floor.federation.ack_only_hub': await publishThroughput(pki, 'none-stored', count, warmup),
          'federation.publish.periodic': await publishThroughput(pki, 'periodic', count, warmup),
          'federation.publish.always': await publishThroughput(pki, 'always', count, warmup),
        }),
      )),
      ...(await repeat(
        runs,
        { 'federation.e2e.latency.p50_us': 'µs', 'federation.e2e.latency.p99_us': 'µs' },
        async () => {
          const { p50, p99 } = await crossProcessLatency(pki, quick ? 300 : 3000);
          return { 'federation.e2e.latency.p50_us': p50, 'federation.e2e.latency.p99_us': p99 };
        },
      )),
      ...(await repeat(
        runs,
        { 'federation.relay3.latency.p50_us': 'µs', 'federation.relay3.latency.p99_us': 'µs' },
        async () => {
          const { p50, p99 } = await relayLatency(pki, quick ? 300 : 2000);
          return { 'federation.relay3.latency.p50_us': p50, 'federation.relay3.latency.p99_us': p99 };
        },
      )),
      ...(await repeat(runs, { 'federation.hub_100_peers.rss_mb': 'MB' }, async () => ({
        'federation.hub_100_peers.rss_mb': await hubWithPeers(pki, 100),
      }))),
    };
  } finally {
    cleanup(pki.dir);
  }
}
